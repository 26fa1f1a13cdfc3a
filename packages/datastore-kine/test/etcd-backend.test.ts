/**
 * The etcd driver against a real etcd: the details of mapping the Backend
 * onto etcd's API that the generic conformance kit cannot see (what lands in
 * etcd, what other etcd clients' writes look like, lease ids, the
 * compaction horizon, progress notifications, outages). A raw etcd3 client
 * on the side checks what etcd itself holds.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Etcd3 } from 'etcd3';
import {
  ClosedError,
  CompactedError,
  FutureRevisionError,
  InvalidArgumentError,
  KeyExistsError,
  KeyNotFoundError,
  LeaseNotFoundError,
  MAX_VALUE_BYTES,
  RevisionMismatchError,
  TooLargeError,
  UnavailableError,
  type Backend,
  type Watch,
  type WatchBatch,
  type WatchEvent,
} from '@lk/datastore-kine';
import { openEtcdBackend } from '../src/etcd/etcd-backend.js';
import { findCompactRevision } from '../src/etcd/compact-revision.js';
import { grantWithOwnId, randomLeaseId } from '../src/etcd/lease-ids.js';
import { ProgressGate } from '../src/etcd/progress-gate.js';
import { haveEtcdBinary, PrivateEtcd } from './private-etcd.js';
import { uniqueName } from './services.js';

if (process.env.CI && !haveEtcdBinary) throw new Error('etcd is not installed under CI: .ci/run installs etcd-server');

const text = (value: string): Uint8Array => Buffer.from(value, 'utf8');
const str = (value: Uint8Array): string => Buffer.from(value).toString('utf8');
const b = (value: string): Buffer => Buffer.from(value, 'utf8');
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function freshPrefix(label: string): string {
  return `/etcd-driver/${uniqueName(label)}/`;
}

/** Reads batches until `done` holds for them, or fails after `timeoutMs`. */
async function collectBatches(watch: Watch, done: (batches: readonly WatchBatch[]) => boolean, timeoutMs = 5000): Promise<WatchBatch[]> {
  const batches: WatchBatch[] = [];
  const iterator = watch[Symbol.asyncIterator]();
  const deadline = Date.now() + timeoutMs;
  while (!done(batches)) {
    const remaining = deadline - Date.now();
    if (remaining <= 0) throw new Error(`watch gave ${batches.length} batches in ${timeoutMs} ms: ${JSON.stringify(batches.map(describeBatch))}`);
    let timer: NodeJS.Timeout | undefined;
    const next = await Promise.race([
      iterator.next(),
      new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), remaining);
      }),
    ]);
    clearTimeout(timer);
    if (next === 'timeout') continue;
    if (next.done === true) throw new Error(`watch ended after ${batches.length} batches`);
    batches.push(next.value);
  }
  return batches;
}

function describeBatch(batch: WatchBatch): string {
  return `${batch.revision}:[${batch.events.map((e) => `${e.type} ${e.kv.key}@${e.kv.modRevision}`).join(', ')}]`;
}

const eventsOf = (batches: readonly WatchBatch[]): WatchEvent[] => batches.flatMap((batch) => batch.events);

async function expectRejection<T extends Error>(promise: Promise<unknown>, type: new (...args: never[]) => T): Promise<T> {
  const error = await promise.then(
    () => undefined,
    (failure: unknown) => failure,
  );
  expect(error).toBeInstanceOf(type);
  return error as T;
}

describe.skipIf(!haveEtcdBinary)('etcd driver on a real etcd', () => {
  let backend: Backend;
  let raw: Etcd3;
  // An etcd of this file's own: compaction is store-wide, and other suites read past revisions.
  let etcd: PrivateEtcd;
  let endpoint: string;

  beforeAll(async () => {
    etcd = await PrivateEtcd.start();
    endpoint = etcd.endpoint;
    backend = await openEtcdBackend({ endpoints: [`http://${endpoint}`], compactIntervalMs: 0 });
    raw = new Etcd3({ hosts: `http://${endpoint}` });
  }, 60_000);

  afterAll(async () => {
    await backend?.close();
    raw?.close();
    await etcd?.destroy();
  });

  async function rawRevision(): Promise<number> {
    return Number((await raw.kv.range({ key: b('\0'), count_only: true })).header.revision);
  }

  describe('keys, values and revisions', () => {
    it('stores UTF-8 keys and raw bytes that any etcd client reads back, and reads what other clients wrote', async () => {
      const p = freshPrefix('bytes');
      const value = Buffer.from([0, 255, 1, 254, 0x80]);
      const { revision } = await backend.create(`${p}ключ/😀`, value);
      const stored = await raw.kv.range({ key: b(`${p}ключ/😀`) });
      expect(stored.kvs).toHaveLength(1);
      expect(Buffer.compare(stored.kvs[0]!.value, value)).toBe(0);
      expect(Number(stored.kvs[0]!.mod_revision)).toBe(revision);

      const put = await raw.kv.put({ key: b(`${p}from-raw`), value: b('raw value') });
      const got = await backend.get(`${p}from-raw`);
      expect(str(got.kv!.value)).toBe('raw value');
      expect(got.kv!.modRevision).toBe(Number(put.header.revision));
      expect(got.kv!.createRevision).toBe(Number(put.header.revision));
    });

    it('reports the store revision for reads at the latest revision and the asked one for reads in the past', async () => {
      const p = freshPrefix('read-revision');
      const { revision: written } = await backend.create(`${p}k`, text('v'));
      // A write elsewhere moves the store on: the latest read must report it.
      const elsewhere = Number((await raw.kv.put({ key: b(`${p}other`), value: b('x') })).header.revision);
      const latest = await backend.get(`${p}k`);
      expect(latest.revision).toBeGreaterThanOrEqual(elsewhere);
      expect(latest.kv!.modRevision).toBe(written);
      const past = await backend.list({ prefix: p, revision: written });
      expect(past.revision).toBe(written);
      expect(past.kvs.map((kv) => kv.key)).toEqual([`${p}k`]);
      expect(await backend.currentRevision()).toBe(await rawRevision());
    });

    it('refuses future revisions with the current revision in the error', async () => {
      const current = await backend.currentRevision();
      const error = await expectRejection(backend.get('/etcd-driver/future', { revision: current + 1000 }), FutureRevisionError);
      expect(error.requestedRevision).toBe(current + 1000);
      expect(error.currentRevision).toBeGreaterThanOrEqual(current);
      expect(error.currentRevision).toBeLessThan(current + 1000);
      await expectRejection(backend.count('/etcd-driver/', { revision: current + 1000 }), FutureRevisionError);
    });
  });

  describe('compare-and-swap writes', () => {
    it('never creates a key through update, even with expected revision 0', async () => {
      const p = freshPrefix('update-zero');
      await expectRejection(backend.update(`${p}absent`, text('x'), 0), KeyNotFoundError);
      expect((await raw.kv.range({ key: b(`${p}absent`) })).kvs).toHaveLength(0);
      const { revision } = await backend.create(`${p}present`, text('1'));
      const mismatch = await expectRejection(backend.update(`${p}present`, text('2'), 0), RevisionMismatchError);
      expect(mismatch.current.modRevision).toBe(revision);
      expect(str(mismatch.current.value)).toBe('1');
    });

    it('reports the current value of a key changed by another client', async () => {
      const p = freshPrefix('cas-raw');
      const { revision } = await backend.create(`${p}k`, text('mine'));
      const theirs = Number((await raw.kv.put({ key: b(`${p}k`), value: b('theirs') })).header.revision);
      const error = await expectRejection(backend.update(`${p}k`, text('again'), revision), RevisionMismatchError);
      expect(error.expectedRevision).toBe(revision);
      expect(error.current.modRevision).toBe(theirs);
      expect(str(error.current.value)).toBe('theirs');
      await expectRejection(backend.delete(`${p}k`, { expectedRevision: revision }), RevisionMismatchError);
      await expectRejection(backend.create(`${p}k`, text('x')), KeyExistsError);
    });

    it('deletes with and without an expected revision, returning the write revision and the previous value', async () => {
      const p = freshPrefix('delete');
      const a = await backend.create(`${p}a`, text('A'), {});
      await backend.create(`${p}b`, text('B'));
      const plain = await backend.delete(`${p}b`);
      expect(plain.revision).toBe(await rawRevision());
      expect(str(plain.prevKv.value)).toBe('B');
      const conditional = await backend.delete(`${p}a`, { expectedRevision: a.revision });
      expect(conditional.revision).toBe(await rawRevision());
      expect(conditional.prevKv.modRevision).toBe(a.revision);
      await expectRejection(backend.delete(`${p}a`), KeyNotFoundError);
      await expectRejection(backend.delete(`${p}a`, { expectedRevision: a.revision }), KeyNotFoundError);
      expect((await raw.kv.range({ key: b(p), range_end: b(`${p.slice(0, -1)}0`), count_only: true })).count).toBe('0');
    });

    it("turns etcd's request size limit into TooLargeError, also for values just under the Backend's limit", async () => {
      const p = freshPrefix('large');
      const before = await backend.currentRevision();
      // etcd's --max-request-bytes (1.5 MiB by default) counts key, value and the transaction around them.
      const error = await expectRejection(backend.create(`${p}${'k'.repeat(100)}`, new Uint8Array(MAX_VALUE_BYTES - 50)), TooLargeError);
      expect(error.message).toContain('etcd request');
      await expectRejection(backend.create(`${p}k`, new Uint8Array(MAX_VALUE_BYTES + 1)), TooLargeError);
      expect(await backend.currentRevision()).toBe(before);
      const fits = new Uint8Array(MAX_VALUE_BYTES - 4096).fill(7);
      await backend.create(`${p}fits`, fits);
      expect((await backend.get(`${p}fits`)).kv!.value.byteLength).toBe(fits.byteLength);
    });
  });

  describe('ranges', () => {
    it('lists [max(prefix, startKey), end of prefix) in byte order, with more and counts from etcd', async () => {
      const p = freshPrefix('range');
      for (const name of ['dir/b', 'dir/a', 'dir/\u00e9', 'dir/\u{1F600}', 'dir0', 'dir.', 'dirt']) await backend.create(`${p}${name}`, text(name));
      const dir = `${p}dir/`;
      const all = await backend.list({ prefix: dir });
      expect(all.kvs.map((kv) => kv.key.slice(dir.length))).toEqual(['a', 'b', '\u00e9', '\u{1F600}']);
      expect(all.more).toBe(false);

      const page = await backend.list({ prefix: dir, limit: 2 });
      expect(page.kvs.map((kv) => kv.key.slice(dir.length))).toEqual(['a', 'b']);
      expect(page.more).toBe(true);
      // A start key before the prefix does not widen the range; one past it empties it.
      expect((await backend.list({ prefix: dir, startKey: `${p}a` })).kvs).toHaveLength(4);
      expect((await backend.list({ prefix: dir, startKey: `${p}dir0` })).kvs).toHaveLength(0);
      const rest = await backend.list({ prefix: dir, startKey: `${dir}b\u0000`, keysOnly: true });
      expect(rest.kvs.map((kv) => kv.key.slice(dir.length))).toEqual(['\u00e9', '\u{1F600}']);
      expect(rest.kvs.every((kv) => kv.value.byteLength === 0 && kv.modRevision > 0)).toBe(true);
      expect((await backend.count(dir)).count).toBe(4);
      expect((await backend.count(dir, { startKey: `${dir}b` })).count).toBe(3);
    });

    it('covers every key in etcd with the empty prefix', async () => {
      const p = freshPrefix('everything');
      await backend.create(`${p}k`, text('x'));
      const everything = await raw.kv.range({ key: b('\0'), range_end: b('\0'), count_only: true });
      const counted = await backend.count('', { revision: Number(everything.header.revision) });
      expect(counted.count).toBe(Number(everything.count));
      const first = await backend.list({ prefix: '', limit: 1, keysOnly: true });
      expect(first.kvs).toHaveLength(1);
      expect(first.more).toBe(Number(everything.count) > 1);
    });
  });

  describe('leases', () => {
    it('grants leases under ids it picks itself: safe integers that etcd knows by the same number', async () => {
      const p = freshPrefix('lease-ids');
      const leases = await Promise.all([backend.grantLease(30), backend.grantLease(30), backend.grantLease(30)]);
      expect(new Set(leases.map((lease) => lease.id)).size).toBe(3);
      for (const lease of leases) {
        expect(Number.isSafeInteger(lease.id) && lease.id > 0).toBe(true);
        const seen = await raw.leaseClient.leaseTimeToLive({ ID: String(lease.id) });
        expect(seen.grantedTTL).toBe('30');
      }
      await backend.create(`${p}k`, text('x'), { lease: leases[0]!.id });
      const stored = await raw.kv.range({ key: b(`${p}k`) });
      expect(stored.kvs[0]!.lease).toBe(String(leases[0]!.id));
      expect((await backend.leaseTimeToLive(leases[0]!.id)).keys).toEqual([`${p}k`]);
      for (const lease of leases) await backend.revokeLease(lease.id);
      expect((await raw.kv.range({ key: b(`${p}k`) })).kvs).toHaveLength(0);
    });

    it('picks another id when etcd says the id is taken', async () => {
      const taken = randomLeaseId();
      await raw.leaseClient.leaseGrant({ ID: String(taken), TTL: 30 });
      const other = randomLeaseId();
      const ids = [taken, other];
      const granted = await grantWithOwnId(async (id) => Number((await raw.leaseClient.leaseGrant({ ID: String(id), TTL: 30 })).TTL), () => ids.shift()!);
      expect(granted).toEqual({ id: other, ttl: 30 });
      await raw.leaseClient.leaseRevoke({ ID: String(taken) });
      await raw.leaseClient.leaseRevoke({ ID: String(other) });
      for (let i = 0; i < 1000; i++) {
        const id = randomLeaseId();
        expect(Number.isSafeInteger(id) && id >= 1).toBe(true);
      }
    });

    it('reports the TTL etcd granted and keeps it on keep-alive', async () => {
      // etcd raises TTLs below its minimum (1.5 election timeouts, 2 s by default).
      const short = await backend.grantLease(1);
      const seen = await raw.leaseClient.leaseTimeToLive({ ID: String(short.id) });
      expect(short.ttl).toBe(Number(seen.grantedTTL));
      expect(short.ttl).toBeGreaterThanOrEqual(1);
      const long = await backend.grantLease(45);
      expect(await backend.keepAliveLease(long.id)).toEqual({ id: long.id, ttl: 45 });
      await backend.revokeLease(long.id);
    });

    it('maps unknown and impossible lease ids to LeaseNotFoundError, and malformed ones to InvalidArgumentError', async () => {
      const p = freshPrefix('lease-unknown');
      const unknown = randomLeaseId();
      await expectRejection(backend.keepAliveLease(unknown), LeaseNotFoundError);
      await expectRejection(backend.revokeLease(unknown), LeaseNotFoundError);
      expect(await backend.leaseTimeToLive(unknown)).toEqual({ id: unknown, ttl: -1, grantedTtl: 0, keys: [] });
      const error = await expectRejection(backend.create(`${p}k`, text('x'), { lease: unknown }), LeaseNotFoundError);
      expect(error.leaseId).toBe(unknown);
      await expectRejection(backend.keepAliveLease(2 ** 60), LeaseNotFoundError);
      await expectRejection(backend.create(`${p}k`, text('x'), { lease: 1.5 }), InvalidArgumentError);
      expect((await raw.kv.range({ key: b(`${p}k`) })).kvs).toHaveLength(0);
    });
  });

  describe('watches', () => {
    it("delivers other clients' writes; a transaction is one batch at one revision; deletes look like etcd's", async () => {
      const p = freshPrefix('watch-raw');
      const watch = backend.watch(p);
      try {
        const created = Number((await raw.kv.put({ key: b(`${p}a`), value: b('1') })).header.revision);
        await collectBatches(watch, (seen) => eventsOf(seen).length >= 1);
        const updated = Number((await raw.kv.put({ key: b(`${p}a`), value: b('2') })).header.revision);
        const [update] = eventsOf(await collectBatches(watch, (seen) => eventsOf(seen).length >= 1));
        expect([update!.type, update!.kv.modRevision, update!.kv.createRevision, str(update!.prevKv!.value)]).toEqual([
          'update',
          updated,
          created,
          '1',
        ]);
        const txn = await raw.kv.txn({
          success: [{ request_put: { key: b(`${p}b`), value: b('b') } }, { request_delete_range: { key: b(`${p}a`) } }],
        });
        const together = Number(txn.header.revision);
        const [batch] = await collectBatches(watch, (seen) => seen.length >= 1);
        expect(batch!.revision).toBe(together);
        expect(batch!.events.map((e) => [e.type, e.kv.key, e.kv.modRevision])).toEqual([
          ['create', `${p}b`, together],
          ['delete', `${p}a`, together],
        ]);
        expect(batch!.events[0]!.prevKv).toBeUndefined();
        const deleted = batch!.events[1]!;
        expect(deleted.kv.value.byteLength).toBe(0);
        expect(deleted.kv.createRevision).toBe(0);
        expect(deleted.prevKv!.modRevision).toBe(updated);
        expect(str(deleted.prevKv!.value)).toBe('2');
      } finally {
        watch.close();
      }
    });

    it('does not miss a write made right after watch() returns, although etcd registers the watcher later', async () => {
      const p = freshPrefix('watch-now');
      await backend.create(`${p}before`, text('x'));
      for (let round = 0; round < 20; round++) {
        const watch = backend.watch(p);
        try {
          const { revision } = await backend.create(`${p}${round}`, text('x'));
          const events = eventsOf(await collectBatches(watch, (seen) => eventsOf(seen).length >= 1));
          expect(events.map((e) => e.kv.modRevision)).toEqual([revision]);
        } finally {
          watch.close();
        }
      }
    });

    it('refuses a watch from exactly the compact revision, which etcd itself would serve', async () => {
      const p = freshPrefix('watch-horizon');
      const first = await backend.create(`${p}k`, text('1'));
      const second = await backend.update(`${p}k`, text('2'), first.revision);
      const third = await backend.update(`${p}k`, text('3'), second.revision);
      await backend.compact(second.revision);
      const refused = backend.watch(p, { fromRevision: second.revision });
      const error = await expectRejection(refused[Symbol.asyncIterator]().next(), CompactedError);
      expect(error.requestedRevision).toBe(second.revision);
      expect(error.compactRevision).toBeGreaterThanOrEqual(second.revision);
      const served = backend.watch(p, { fromRevision: third.revision });
      try {
        const events = eventsOf(await collectBatches(served, (seen) => eventsOf(seen).length >= 1));
        expect(events[0]!.kv.modRevision).toBe(third.revision);
      } finally {
        served.close();
      }
    });

    it('starts a watch from now past history compacted while the backend was idle, missing nothing written after watch()', async () => {
      const p = freshPrefix('watch-idle');
      const idle = await openEtcdBackend({ endpoints: [`http://${endpoint}`], compactIntervalMs: 0 });
      try {
        // Others write (and compact) while `idle` makes no call at all.
        let revision = 0;
        for (let i = 0; i < 3; i++) revision = Number((await raw.kv.put({ key: b(`${p}before`), value: b(String(i)) })).header.revision);
        await raw.kv.compact({ revision, physical: true });
        const watch = idle.watch(p);
        try {
          // Written at once, most likely before etcd has registered the watcher.
          const mine = await idle.create(`${p}mine`, text('x'));
          const theirs = Number((await raw.kv.put({ key: b(`${p}theirs`), value: b('x') })).header.revision);
          const events = eventsOf(await collectBatches(watch, (seen) => eventsOf(seen).length >= 2));
          expect(events.map((e) => [e.kv.key.slice(p.length), e.kv.modRevision])).toEqual([
            ['mine', mine.revision],
            ['theirs', theirs],
          ]);
        } finally {
          watch.close();
        }
      } finally {
        await idle.close();
      }
    });

    it('sends progress with the store revision, moved by writes outside the prefix, never behind delivered events', async () => {
      const p = freshPrefix('progress');
      const watch = backend.watch(`${p}in/`, { progressIntervalMs: 100 });
      try {
        const inside = await backend.create(`${p}in/k`, text('x'));
        const outside = Number((await raw.kv.put({ key: b(`${p}out`), value: b('x') })).header.revision);
        const batches = await collectBatches(watch, (seen) => seen.some((batch) => batch.events.length === 0 && batch.revision >= outside));
        expect(eventsOf(batches).map((e) => e.kv.modRevision)).toEqual([inside.revision]);
        const revisions = batches.map((batch) => batch.revision);
        expect(revisions).toEqual([...revisions].sort((x, y) => x - y));
        expect(batches.filter((batch) => batch.events.length === 0).every((batch) => batch.revision >= inside.revision)).toBe(true);
      } finally {
        watch.close();
      }
    });

    it('sends no progress ahead of the events of a watch still catching up on history', async () => {
      const p = freshPrefix('progress-catch-up');
      const written: number[] = [];
      for (let i = 0; i < 150; i++) written.push((await backend.create(`${p}${String(i).padStart(3, '0')}`, text('x'))).revision);
      // Progress is requested every 20 ms, long before etcd's 100 ms sync loop sends the history.
      const watch = backend.watch(p, { fromRevision: written[0], progressIntervalMs: 20 });
      try {
        const batches = await collectBatches(watch, (seen) => seen.some((batch) => batch.events.length === 0));
        const received = new Set<number>();
        for (const batch of batches) {
          for (const event of batch.events) received.add(event.kv.modRevision);
          if (batch.events.length > 0) continue;
          const owed = written.filter((revision) => revision <= batch.revision && !received.has(revision));
          expect(owed, `progress at ${batch.revision} before events ${owed.slice(0, 5).join(', ')}`).toEqual([]);
        }
        expect(received.size).toBe(written.length);
      } finally {
        watch.close();
      }
    });

    it('ends when the backend closes, after which every call fails with ClosedError', async () => {
      const own = await openEtcdBackend({ endpoints: [`http://${endpoint}`], compactIntervalMs: 0 });
      const watch = own.watch(freshPrefix('closing'));
      const next = watch[Symbol.asyncIterator]().next();
      await own.close();
      expect((await next).done).toBe(true);
      await expectRejection(own.currentRevision(), ClosedError);
      await expectRejection(own.grantLease(10), ClosedError);
      expect(() => own.watch('/x/')).toThrow(ClosedError);
    });
  });

  describe('compaction', () => {
    it("finds etcd's compact revision exactly, also after another client compacted", async () => {
      const p = freshPrefix('compact-find');
      let revision = 0;
      for (let i = 0; i < 5; i++) revision = (await backend.create(`${p}${i}`, text('x'))).revision;
      await raw.kv.compact({ revision: revision - 2, physical: true });
      expect(await backend.compactRevision()).toBe(revision - 2);
      await raw.kv.compact({ revision, physical: true });
      expect(await backend.compactRevision()).toBe(revision);
      // As in etcd, the compact revision itself is readable, the one before it is not.
      expect((await backend.list({ prefix: p, revision })).kvs).toHaveLength(5);
      const error = await expectRejection(backend.get(`${p}0`, { revision: revision - 1 }), CompactedError);
      expect(error.compactRevision).toBe(revision);
    });

    it('compacts through etcd and refuses revisions at or below the horizon and in the future', async () => {
      const p = freshPrefix('compact');
      const a = await backend.create(`${p}k`, text('1'));
      const b2 = await backend.update(`${p}k`, text('2'), a.revision);
      expect(await backend.compact(b2.revision)).toEqual({ compactRevision: b2.revision });
      await expectRejection(raw.kv.range({ key: b(`${p}k`), revision: a.revision }), Error);
      const again = await expectRejection(backend.compact(b2.revision), CompactedError);
      expect(again.compactRevision).toBe(b2.revision);
      const current = await backend.currentRevision();
      const future = await expectRejection(backend.compact(current + 10), FutureRevisionError);
      expect(future.currentRevision).toBeGreaterThanOrEqual(current);
    });

    it('compacts in the background, keeping the configured number of revisions', async () => {
      const p = freshPrefix('compact-background');
      const compacting = await openEtcdBackend({ endpoints: [`http://${endpoint}`], compactIntervalMs: 100, compactRetainRevisions: 5 });
      try {
        let revision = 0;
        for (let i = 0; i < 12; i++) revision = (await compacting.create(`${p}${i}`, text('x'))).revision;
        const deadline = Date.now() + 5000;
        while (Date.now() < deadline && (await compacting.compactRevision()) < revision - 5) await sleep(100);
        expect(await compacting.compactRevision()).toBeGreaterThanOrEqual(revision - 5);
        expect((await compacting.list({ prefix: p, revision: revision - 5 })).kvs).toHaveLength(7);
      } finally {
        await compacting.close();
      }
    });
  });

  describe('connection failures', () => {
    it('refuses to open with an UnavailableError that names the endpoint when nothing answers', async () => {
      const error = await expectRejection(openEtcdBackend({ endpoints: ['http://127.0.0.1:1'] }), UnavailableError);
      expect(error.message).toContain('etcd at http://127.0.0.1:1 is unavailable');
      expect(error.message).toMatch(/ECONNREFUSED|No connection/);
    });

    it('reports the size etcd reports', async () => {
      const status = await raw.maintenance.status();
      const size = await backend.size();
      expect(size).toBeGreaterThan(0);
      expect(size).toBeGreaterThanOrEqual(Number(status.dbSize) / 2);
    });
  });
});

describe.skipIf(!haveEtcdBinary)('etcd driver across an etcd restart (an etcd of its own)', () => {
  it('fails calls with UnavailableError while etcd is down and resumes its watch without a gap or a duplicate', async () => {
    const etcd = await PrivateEtcd.start();
    const backend = await openEtcdBackend({ endpoints: [`http://${etcd.endpoint}`], compactIntervalMs: 0 });
    const received: WatchEvent[] = [];
    const watch = backend.watch('/outage/');
    const pump = (async () => {
      for await (const batch of watch) received.push(...batch.events);
    })();
    const waitFor = async (count: number): Promise<void> => {
      const deadline = Date.now() + 15_000;
      while (received.length < count && Date.now() < deadline) await sleep(50);
    };
    try {
      const before: number[] = [];
      for (let i = 0; i < 3; i++) before.push((await backend.create(`/outage/before-${i}`, text('x'))).revision);
      await waitFor(3);

      await etcd.kill();
      const read = await expectRejection(backend.get('/outage/before-0'), UnavailableError);
      expect(read.message).toContain(`etcd at http://${etcd.endpoint} is unavailable`);
      const write = await expectRejection(backend.create('/outage/during', text('x')), UnavailableError);
      expect(write.message).toContain('unavailable');
      await sleep(500);

      await etcd.resume();
      const after: number[] = [];
      for (let i = 0; i < 3; i++) after.push((await backend.create(`/outage/after-${i}`, text('x'))).revision);
      await waitFor(6);
      expect(received.map((e) => e.kv.modRevision)).toEqual([...before, ...after]);
    } finally {
      watch.close();
      await pump;
      await backend.close();
      await etcd.destroy();
    }
  });
});

describe('progress gate', () => {
  it('reports each answer only once the next one has arrived', () => {
    const gate = new ProgressGate(undefined, 0);
    expect(gate.answer(10, 1)).toBeUndefined();
    expect(gate.answer(12, 2)).toBe(10);
    expect(gate.answer(12, 3)).toBe(12);
  });

  it('trusts no answer for a watcher catching up until a batch reaches its creation revision', () => {
    const gate = new ProgressGate(50, 10_000);
    expect(gate.answer(50, 1)).toBeUndefined();
    expect(gate.answer(50, 2)).toBeUndefined();
    gate.noteBatch(49);
    expect(gate.answer(50, 3)).toBeUndefined();
    gate.noteBatch(50);
    expect(gate.answer(51, 4)).toBeUndefined();
    expect(gate.answer(52, 5)).toBe(51);
  });

  it('trusts answers after the grace time when history held nothing for the watcher', () => {
    const gate = new ProgressGate(50, 1000);
    expect(gate.answer(50, 999)).toBeUndefined();
    expect(gate.answer(50, 1000)).toBeUndefined();
    expect(gate.answer(51, 1100)).toBe(50);
  });
});

describe('compact revision search', () => {
  /** A store compacted at `compactRev` (0: never), as etcd answers range probes. */
  function store(compactRev: number): { probes: number[]; readable: (revision: number) => Promise<boolean> } {
    const probes: number[] = [];
    return {
      probes,
      readable: async (revision) => {
        probes.push(revision);
        return revision >= compactRev;
      },
    };
  }

  it('finds the smallest readable revision from any lower bound', async () => {
    for (const compactRev of [2, 3, 17, 64, 65, 999, 1000]) {
      for (const known of [0, 1, Math.floor(compactRev / 2), compactRev - 1]) {
        const { readable } = store(compactRev);
        expect(await findCompactRevision(readable, known, 1000)).toBe(compactRev);
      }
    }
    expect(await findCompactRevision(store(0).readable, 0, 1000)).toBe(0);
  });

  it('confirms an unchanged horizon with one probe and finds a far one in logarithmically many', async () => {
    const unchanged = store(500);
    expect(await findCompactRevision(unchanged.readable, 500, 1_000_000)).toBe(500);
    expect(unchanged.probes).toEqual([500]);
    const far = store(765_432);
    expect(await findCompactRevision(far.readable, 10, 1_000_000)).toBe(765_432);
    expect(far.probes.length).toBeLessThanOrEqual(45);
  });
});
