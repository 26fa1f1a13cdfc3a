/**
 * Several processes share one Postgres, MySQL, etcd or SQLite file: a write
 * made by another process reaches this process's watchers within a second,
 * in revision order, with nothing lost.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openBackend, type WatchEvent } from '@lk/datastore-kine';
import { startWriter } from './child-process.js';
import { mysqlDatabaseUrl, postgresDatabaseUrl, serviceAddress, uniqueName } from './services.js';

const dir = mkdtempSync(join(tmpdir(), 'lk-multiprocess-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const etcd = serviceAddress('etcd');
const stores = [
  { name: 'SQLite file', endpoint: `sqlite://${join(dir, 'shared.db')}` },
  { name: 'PostgreSQL', endpoint: postgresDatabaseUrl(uniqueName('multiprocess')) },
  { name: 'MySQL (MariaDB)', endpoint: mysqlDatabaseUrl(uniqueName('multiprocess')) },
  { name: 'etcd', endpoint: etcd === undefined ? undefined : `etcd://${etcd}` },
];

const WRITES = 150;
const DELIVERY_LIMIT_MS = 1000;

describe.each(stores)('two processes on $name', ({ endpoint }) => {
  it.skipIf(endpoint === undefined)(`delivers another process's writes within ${DELIVERY_LIMIT_MS} ms, in order, all of them`, async () => {
    const backend = await openBackend(endpoint!, { compactIntervalMs: 0 });
    const prefix = `/multiprocess/${Date.now()}/`;
    const received: { event: WatchEvent; at: number }[] = [];
    const watch = backend.watch(prefix);
    const pump = (async () => {
      for await (const batch of watch) {
        const at = performance.now();
        for (const event of batch.events) received.push({ event, at });
      }
    })();
    try {
      const writer = startWriter(endpoint!, prefix, WRITES, 3);
      const code = await writer.done;
      expect(code, writer.stderr()).toBe(0);
      const deadline = Date.now() + 5000;
      while (received.length < WRITES && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));

      expect(received.map((r) => r.event.kv.modRevision)).toEqual(writer.acks.map((ack) => ack.revision));
      expect(received.map((r) => r.event.kv.key)).toEqual(
        writer.acks.map((ack) => `${prefix}${String(ack.index).padStart(8, '0')}`),
      );
      const lateness = writer.acks.map((ack, i) => received[i]!.at - ack.at);
      expect(Math.max(...lateness)).toBeLessThan(DELIVERY_LIMIT_MS);
    } finally {
      watch.close();
      await pump;
      await backend.close();
    }
  });
});
