/**
 * Postgres and MySQL hand out ids before commit, so a write with a higher id
 * can commit first. These tests hold a transaction open on a raw connection
 * (a slow writer), let the backend commit a later write meanwhile, and check
 * that watchers neither skip nor reorder, and that lists stay consistent.
 */
import mysql from 'mysql2/promise';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openBackend, type Backend, type WatchEvent } from '@lk/datastore-kine';
import { collectEvents } from '@lk/datastore-kine/testing';
import { mysqlDatabaseUrl, postgresDatabaseUrl, uniqueName } from './services.js';

/** A connection that can hold a transaction open: the slow writer. */
interface RawSession {
  begin(): Promise<void>;
  /** Inserts a create of `key` as the log engine would, and returns its id. */
  insertCreate(key: string, value: string): Promise<number>;
  commit(): Promise<void>;
  rollback(): Promise<void>;
  close(): Promise<void>;
}

const INSERT = `INSERT INTO lk_log (name, created, deleted, create_revision, prev_revision, lease, value, old_value)
  VALUES (?, 1, 0, 0, 0, 0, ?, NULL)`;

async function postgresSession(url: string): Promise<RawSession> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  return {
    begin: async () => void (await client.query('BEGIN')),
    insertCreate: async (key, value) => {
      const result = await client.query<{ id: string }>(`${INSERT.replace('?', '$1').replace('?', '$2')} RETURNING id`, [key, Buffer.from(value)]);
      return Number(result.rows[0]!.id);
    },
    commit: async () => void (await client.query('COMMIT')),
    rollback: async () => void (await client.query('ROLLBACK')),
    close: () => client.end(),
  };
}

async function mysqlSession(url: string): Promise<RawSession> {
  const parsed = new URL(url);
  const connection = await mysql.createConnection({
    host: parsed.hostname,
    port: Number(parsed.port),
    user: decodeURIComponent(parsed.username),
    database: parsed.pathname.slice(1),
  });
  return {
    begin: async () => void (await connection.query('BEGIN')),
    insertCreate: async (key, value) => {
      const [result] = await connection.query<mysql.ResultSetHeader>(INSERT, [key, Buffer.from(value)]);
      return result.insertId;
    },
    commit: async () => void (await connection.query('COMMIT')),
    rollback: async () => void (await connection.query('ROLLBACK')),
    close: () => connection.end(),
  };
}

const cases = [
  { name: 'PostgreSQL', url: postgresDatabaseUrl(uniqueName('order')), session: postgresSession },
  { name: 'MySQL (MariaDB)', url: mysqlDatabaseUrl(uniqueName('order')), session: mysqlSession },
];

for (const { name, url, session } of cases) {
  describe.skipIf(url === undefined)(`commits out of id order on ${name}`, () => {
    let backend: Backend;
    beforeAll(async () => {
      backend = await openBackend(url!, { pollIntervalMs: 50, compactIntervalMs: 0 });
    });
    afterAll(async () => {
      await backend?.close();
    });

    /** Collects everything a watch delivers, in the background. */
    function pump(watch: AsyncIterable<{ events: readonly WatchEvent[] }>): WatchEvent[] {
      const received: WatchEvent[] = [];
      void (async () => {
        for await (const batch of watch) received.push(...batch.events);
      })();
      return received;
    }

    async function until(condition: () => boolean, ms = 5000): Promise<void> {
      const deadline = Date.now() + ms;
      while (!condition()) {
        if (Date.now() > deadline) throw new Error(`condition not met within ${ms} ms`);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    }

    it('holds back a later commit until the earlier id commits, then delivers both in order', async () => {
      const p = `/order/${Date.now()}/commit/`;
      const slow = await session(url!);
      const watch = backend.watch(p);
      const received = pump(watch);
      try {
        await slow.begin();
        const slowId = await slow.insertCreate(`${p}slow`, 'first id, last commit');
        const fast = await backend.create(`${p}fast`, new TextEncoder().encode('second id, first commit'));
        expect(fast.revision).toBeGreaterThan(slowId);

        // A list issued now must not return without the slow row: it waits
        // until every id up to its revision is settled.
        let listSettled = false;
        const list = backend.list({ prefix: p }).then((result) => {
          listSettled = true;
          return result;
        });

        await new Promise((resolve) => setTimeout(resolve, 700));
        expect(received).toEqual([]);
        expect(listSettled).toBe(false);

        await slow.commit();
        await until(() => received.length >= 2);
        expect(received.map((e) => [e.kv.key, e.kv.modRevision])).toEqual([
          [`${p}slow`, slowId],
          [`${p}fast`, fast.revision],
        ]);
        const listed = await list;
        expect(listed.kvs.map((kv) => kv.key)).toEqual([`${p}fast`, `${p}slow`]);
        expect(listed.revision).toBeGreaterThanOrEqual(fast.revision);
      } finally {
        watch.close();
        await slow.close();
      }
    });

    it('fills the gap of a transaction that rolls back, and delivers what came after it', async () => {
      const p = `/order/${Date.now()}/rollback/`;
      const slow = await session(url!);
      const watch = backend.watch(p);
      try {
        await slow.begin();
        await slow.insertCreate(`${p}abandoned`, 'never committed');
        const after = await backend.create(`${p}after`, new TextEncoder().encode('x'));
        await new Promise((resolve) => setTimeout(resolve, 300));
        await slow.rollback();
        const events = await collectEvents(watch, (seen) => seen.length >= 1);
        expect(events.map((e) => [e.kv.key, e.kv.modRevision])).toEqual([[`${p}after`, after.revision]]);
        // The next write is delivered too: the poller moved past the filled id.
        const next = await backend.create(`${p}next`, new TextEncoder().encode('y'));
        const more = await collectEvents(watch, (seen) => seen.length >= 1);
        expect(more.map((e) => e.kv.modRevision)).toEqual([next.revision]);
      } finally {
        watch.close();
        await slow.close();
      }
    });

    it('lets a resuming watch replay across a filled gap', async () => {
      const p = `/order/${Date.now()}/replay/`;
      const first = await backend.create(`${p}a`, new TextEncoder().encode('a'));
      // A compare-and-swap that loses burns an id on these databases.
      await expect(backend.update(`${p}a`, new TextEncoder().encode('lost'), first.revision - 1)).rejects.toThrow();
      const second = await backend.create(`${p}b`, new TextEncoder().encode('b'));
      await backend.list({ prefix: p }); // waits until the poller is past both
      const watch = backend.watch(p, { fromRevision: first.revision });
      try {
        const events = await collectEvents(watch, (seen) => seen.length >= 2);
        expect(events.map((e) => e.kv.modRevision)).toEqual([first.revision, second.revision]);
      } finally {
        watch.close();
      }
    });
  });
}
