import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Backend, Watch, WatchBatch, WatchEvent } from '../backend.js';
import {
  ClosedError,
  CompactedError,
  DatastoreError,
  FutureRevisionError,
  InvalidArgumentError,
  InvalidKeyError,
  KeyExistsError,
  KeyNotFoundError,
  LeaseNotFoundError,
  RevisionMismatchError,
  TooLargeError,
} from '../errors.js';
import { MAX_VALUE_BYTES } from '../keys.js';

export interface ConformanceOptions {
  /**
   * Opens the backend under test. It is opened once per group of tests and
   * may hold data from earlier groups: every test works under a key prefix of
   * its own and asserts only on revisions it observed.
   */
  open(): Promise<Backend>;
  /**
   * Opens a second backend on the same store, as another process would (for
   * stores that can be shared: Postgres, MySQL, etcd). Enables the tests of
   * cross-process watches and compare-and-swap.
   */
  openPeer?(): Promise<Backend>;
  /** How long a write may take to reach a peer's watcher (default 2000 ms). */
  readonly peerDeliveryMs?: number;
  /** Leave out the lease expiry test (it waits a few seconds). */
  readonly skipLeaseExpiry?: boolean;
  /** Writers in the concurrency tests (default 20). */
  readonly concurrency?: number;
  /**
   * The largest value the store takes (default MAX_VALUE_BYTES, 1.5 MiB).
   * etcd limits the whole request to 1.5 MiB by default, key and framing
   * included, so a value of exactly 1.5 MiB is a little too much for it.
   */
  readonly largestValueBytes?: number;
}

const text = (value: string): Uint8Array => new TextEncoder().encode(value);
const str = (value: Uint8Array): string => new TextDecoder().decode(value);

let prefixCounter = 0;
/** A fresh key prefix per test, so that a store shared across tests never mixes their keys. */
function freshPrefix(label: string): string {
  prefixCounter++;
  return `/conformance/${Date.now().toString(36)}-${process.pid}-${prefixCounter}/${label}/`;
}

/** Reads batches from a watch until `predicate` holds for the events so far, or time runs out. */
export async function collectEvents(
  watch: Watch,
  until: (events: readonly WatchEvent[]) => boolean,
  timeoutMs = 5000,
): Promise<WatchEvent[]> {
  const events: WatchEvent[] = [];
  const iterator = watch[Symbol.asyncIterator]();
  const deadline = Date.now() + timeoutMs;
  while (!until(events)) {
    const remaining = deadline - Date.now();
    if (remaining <= 0) {
      throw new Error(`watch delivered ${events.length} events in ${timeoutMs} ms without meeting the expectation: ${describeEvents(events)}`);
    }
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), remaining);
    });
    const next = await Promise.race([iterator.next(), timeout]);
    clearTimeout(timer);
    if (next === 'timeout') continue;
    if (next.done === true) throw new Error(`watch ended after ${events.length} events: ${describeEvents(events)}`);
    events.push(...(next.value as WatchBatch).events);
  }
  return events;
}

function describeEvents(events: readonly WatchEvent[]): string {
  return events
    .slice(0, 20)
    .map((event) => `${event.type} ${event.kv.key}@${event.kv.modRevision}`)
    .join(', ');
}

function expectIncreasing(revisions: readonly number[]): void {
  for (let i = 1; i < revisions.length; i++) {
    if (!(revisions[i]! > revisions[i - 1]!)) {
      throw new Error(`revisions are not strictly increasing at ${i}: ${revisions.slice(Math.max(0, i - 3), i + 3).join(', ')}`);
    }
  }
}

async function expectError<T extends DatastoreError>(
  promise: Promise<unknown> | (() => unknown),
  type: new (...args: never[]) => T,
): Promise<T> {
  try {
    await (typeof promise === 'function' ? promise() : promise);
  } catch (error) {
    if (error instanceof type) return error;
    throw new Error(`expected ${type.name}, got ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`);
  }
  throw new Error(`expected ${type.name}, but the call succeeded`);
}

/**
 * The datastore conformance kit: every semantic the `Backend` contract
 * promises, as a vitest suite. A driver passes when this suite passes
 * against a real instance of its database.
 *
 * ```ts
 * import { describeBackendConformance } from '@lk/datastore-kine/testing';
 * describeBackendConformance('my driver', { open: () => openMyBackend(...) });
 * ```
 */
export function describeBackendConformance(name: string, options: ConformanceOptions): void {
  describe(`Backend conformance: ${name}`, () => {
    let backend: Backend;
    beforeAll(async () => {
      backend = await options.open();
    });
    afterAll(async () => {
      await backend?.close();
    });

    describe('writes and reads', () => {
      it('creates a key and reads it back with its revisions', async () => {
        const p = freshPrefix('create');
        const before = await backend.currentRevision();
        const { revision } = await backend.create(`${p}a`, text('one'));
        expect(revision).toBeGreaterThan(before);
        const got = await backend.get(`${p}a`);
        expect(got.kv).toBeDefined();
        expect(str(got.kv!.value)).toBe('one');
        expect(got.kv!.key).toBe(`${p}a`);
        expect(got.kv!.createRevision).toBe(revision);
        expect(got.kv!.modRevision).toBe(revision);
        expect(got.kv!.lease).toBe(0);
        expect(got.revision).toBeGreaterThanOrEqual(revision);
        expect(await backend.currentRevision()).toBeGreaterThanOrEqual(revision);
      });

      it('gives every write a strictly greater revision', async () => {
        const p = freshPrefix('revisions');
        const revisions: number[] = [];
        for (let i = 0; i < 10; i++) revisions.push((await backend.create(`${p}${i}`, text(String(i)))).revision);
        const updated = await backend.update(`${p}0`, text('x'), revisions[0]!);
        revisions.push(updated.revision);
        revisions.push((await backend.delete(`${p}1`)).revision);
        expectIncreasing(revisions);
      });

      it('refuses to create a key that exists, and creates it again after a delete', async () => {
        const p = freshPrefix('exists');
        const first = await backend.create(`${p}k`, text('1'));
        const error = await expectError(backend.create(`${p}k`, text('2')), KeyExistsError);
        expect(error.code).toBe('KeyExists');
        expect(str((await backend.get(`${p}k`)).kv!.value)).toBe('1');
        await backend.delete(`${p}k`);
        const second = await backend.create(`${p}k`, text('3'));
        const got = (await backend.get(`${p}k`)).kv!;
        expect(got.createRevision).toBe(second.revision);
        expect(got.createRevision).toBeGreaterThan(first.revision);
      });

      it('updates only from the current revision and keeps the create revision', async () => {
        const p = freshPrefix('update');
        const created = await backend.create(`${p}k`, text('v1'));
        const updated = await backend.update(`${p}k`, text('v2'), created.revision);
        const kv = (await backend.get(`${p}k`)).kv!;
        expect(str(kv.value)).toBe('v2');
        expect(kv.modRevision).toBe(updated.revision);
        expect(kv.createRevision).toBe(created.revision);

        const stale = await expectError(backend.update(`${p}k`, text('v3'), created.revision), RevisionMismatchError);
        expect(stale.current.modRevision).toBe(updated.revision);
        expect(str(stale.current.value)).toBe('v2');
        expect(str((await backend.get(`${p}k`)).kv!.value)).toBe('v2');

        await expectError(backend.update(`${p}missing`, text('x'), created.revision), KeyNotFoundError);
      });

      it('deletes with and without an expected revision and returns the previous value', async () => {
        const p = freshPrefix('delete');
        const a = await backend.create(`${p}a`, text('A'));
        await backend.create(`${p}b`, text('B'));
        const updated = await backend.update(`${p}a`, text('A2'), a.revision);

        const stale = await expectError(backend.delete(`${p}a`, { expectedRevision: a.revision }), RevisionMismatchError);
        expect(stale.current.modRevision).toBe(updated.revision);
        expect((await backend.get(`${p}a`)).kv).toBeDefined();

        const deleted = await backend.delete(`${p}a`, { expectedRevision: updated.revision });
        expect(deleted.revision).toBeGreaterThan(updated.revision);
        expect(str(deleted.prevKv.value)).toBe('A2');
        expect(deleted.prevKv.modRevision).toBe(updated.revision);
        expect((await backend.get(`${p}a`)).kv).toBeUndefined();

        const unconditional = await backend.delete(`${p}b`);
        expect(str(unconditional.prevKv.value)).toBe('B');
        await expectError(backend.delete(`${p}b`), KeyNotFoundError);
        await expectError(backend.update(`${p}b`, text('x'), unconditional.revision), KeyNotFoundError);
      });

      it('reads a key as it was at a past revision', async () => {
        const p = freshPrefix('history');
        const v1 = await backend.create(`${p}k`, text('v1'));
        const v2 = await backend.update(`${p}k`, text('v2'), v1.revision);
        const gone = await backend.delete(`${p}k`);
        expect(str((await backend.get(`${p}k`, { revision: v1.revision })).kv!.value)).toBe('v1');
        const atV2 = await backend.get(`${p}k`, { revision: v2.revision });
        expect(str(atV2.kv!.value)).toBe('v2');
        expect(atV2.revision).toBe(v2.revision);
        expect((await backend.get(`${p}k`, { revision: gone.revision })).kv).toBeUndefined();
        expect((await backend.get(`${p}k`, { revision: v1.revision - 1 })).kv).toBeUndefined();
      });

      it('refuses to read a future revision', async () => {
        const p = freshPrefix('future');
        const current = await backend.currentRevision();
        const error = await expectError(backend.get(`${p}k`, { revision: current + 1000 }), FutureRevisionError);
        expect(error.code).toBe('FutureRevision');
        await expectError(backend.list({ prefix: p, revision: current + 1000 }), FutureRevisionError);
      });

      it('keeps binary values intact, up to the size limit', async () => {
        const p = freshPrefix('binary');
        const every = new Uint8Array(256 * 4);
        for (let i = 0; i < every.length; i++) every[i] = i % 256;
        await backend.create(`${p}bytes`, every);
        expect(Buffer.from((await backend.get(`${p}bytes`)).kv!.value).equals(Buffer.from(every))).toBe(true);

        const empty = await backend.create(`${p}empty`, new Uint8Array(0));
        const emptyKv = (await backend.get(`${p}empty`)).kv!;
        expect(emptyKv.value.byteLength).toBe(0);
        expect(emptyKv.modRevision).toBe(empty.revision);

        const large = new Uint8Array(options.largestValueBytes ?? MAX_VALUE_BYTES);
        for (let i = 0; i < large.length; i += 4096) large[i] = (i / 4096) % 251;
        const created = await backend.create(`${p}large`, large);
        expect(Buffer.from((await backend.get(`${p}large`)).kv!.value).equals(Buffer.from(large))).toBe(true);
        await backend.update(`${p}large`, large, created.revision);

        const tooLarge = await expectError(backend.create(`${p}huge`, new Uint8Array(MAX_VALUE_BYTES + 1)), TooLargeError);
        expect(tooLarge.message).toContain(String(MAX_VALUE_BYTES));
        expect((await backend.get(`${p}huge`)).kv).toBeUndefined();
      });

      it('keeps non-ASCII keys and values', async () => {
        const p = freshPrefix('unicode');
        await backend.create(`${p}ключ/名前/😀`, text('значение ✓'));
        const got = await backend.get(`${p}ключ/名前/😀`);
        expect(str(got.kv!.value)).toBe('значение ✓');
        const listed = await backend.list({ prefix: `${p}ключ/` });
        expect(listed.kvs.map((kv) => kv.key)).toEqual([`${p}ключ/名前/😀`]);
      });
    });

    describe('lists and counts', () => {
      it('lists a prefix in byte order, and nothing outside it', async () => {
        const p = freshPrefix('order');
        const names = ['b', 'a', 'A', 'a-b', 'a/b', 'a0', 'z', '~', '\u00e9', '\u{1F600}', '\u{FFFD}'];
        for (const name of names) await backend.create(`${p}dir/${name}`, text(name));
        await backend.create(`${p}dirt`, text('outside'));
        await backend.create(`${p}di`, text('outside'));
        const { kvs, more } = await backend.list({ prefix: `${p}dir/` });
        const expected = names
          .map((name) => `${p}dir/${name}`)
          .sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)));
        expect(kvs.map((kv) => kv.key)).toEqual(expected);
        expect(more).toBe(false);
        expect(kvs.every((kv) => str(kv.value) === kv.key.slice(`${p}dir/`.length))).toBe(true);
        expect((await backend.count(`${p}dir/`)).count).toBe(names.length);
        expect((await backend.count(p)).count).toBe(names.length + 2);
      });

      it('pages with limit and startKey, reporting whether more remain', async () => {
        const p = freshPrefix('paging');
        const keys = Array.from({ length: 23 }, (_, i) => `${p}${String(i).padStart(3, '0')}`);
        for (const key of keys) await backend.create(key, text(key));
        await backend.delete(keys[5]!);
        const live = keys.filter((_, i) => i !== 5);
        const first = await backend.list({ prefix: p, limit: 10 });
        expect(first.kvs).toHaveLength(10);
        expect(first.more).toBe(true);
        // Continue from the last key + "\0", at the first page's revision, as Kubernetes does.
        const seen = [...first.kvs.map((kv) => kv.key)];
        let page = first;
        while (page.more) {
          const last = page.kvs[page.kvs.length - 1]!.key;
          page = await backend.list({ prefix: p, startKey: `${last}\u0001`, limit: 10, revision: first.revision });
          expect(page.revision).toBe(first.revision);
          seen.push(...page.kvs.map((kv) => kv.key));
        }
        expect(seen).toEqual(live);
        const exact = await backend.list({ prefix: p, limit: live.length });
        expect(exact.more).toBe(false);
        expect((await backend.count(p, { startKey: keys[20] })).count).toBe(3);
      });

      it('lists keys only when asked', async () => {
        const p = freshPrefix('keysonly');
        await backend.create(`${p}a`, text('value-a'));
        const { kvs } = await backend.list({ prefix: p, keysOnly: true });
        expect(kvs.map((kv) => kv.key)).toEqual([`${p}a`]);
        expect(kvs[0]!.value.byteLength).toBe(0);
        expect(kvs[0]!.modRevision).toBeGreaterThan(0);
      });

      it('lists and counts as of a past revision', async () => {
        const p = freshPrefix('listrev');
        const a = await backend.create(`${p}a`, text('a1'));
        await backend.create(`${p}b`, text('b1'));
        const middle = await backend.currentRevision();
        await backend.update(`${p}a`, text('a2'), a.revision);
        await backend.delete(`${p}b`);
        await backend.create(`${p}c`, text('c1'));

        const past = await backend.list({ prefix: p, revision: middle });
        expect(past.revision).toBe(middle);
        expect(past.kvs.map((kv) => [kv.key, str(kv.value)])).toEqual([
          [`${p}a`, 'a1'],
          [`${p}b`, 'b1'],
        ]);
        expect((await backend.count(p, { revision: middle })).count).toBe(2);
        const now = await backend.list({ prefix: p });
        expect(now.kvs.map((kv) => [kv.key, str(kv.value)])).toEqual([
          [`${p}a`, 'a2'],
          [`${p}c`, 'c1'],
        ]);
        expect(now.revision).toBeGreaterThanOrEqual(now.kvs[1]!.modRevision);
      });

      it('reports a list revision that covers everything written before it', async () => {
        const p = freshPrefix('listcurrent');
        const { revision } = await backend.create(`${p}a`, text('a'));
        const listed = await backend.list({ prefix: p });
        expect(listed.revision).toBeGreaterThanOrEqual(revision);
        expect(listed.kvs).toHaveLength(1);
      });
    });

    describe('watches', () => {
      it('delivers creates, updates and deletes under a prefix, with previous values, in order', async () => {
        const p = freshPrefix('watch');
        const watch = backend.watch(`${p}in/`);
        try {
          const a = await backend.create(`${p}in/a`, text('1'));
          await backend.create(`${p}out`, text('elsewhere'));
          const a2 = await backend.update(`${p}in/a`, text('2'), a.revision);
          const gone = await backend.delete(`${p}in/a`);
          const events = await collectEvents(watch, (seen) => seen.length >= 3);
          expect(events.map((e) => [e.type, e.kv.key, e.kv.modRevision])).toEqual([
            ['create', `${p}in/a`, a.revision],
            ['update', `${p}in/a`, a2.revision],
            ['delete', `${p}in/a`, gone.revision],
          ]);
          expect(events[0]!.prevKv).toBeUndefined();
          expect(str(events[0]!.kv.value)).toBe('1');
          expect(events[0]!.kv.createRevision).toBe(a.revision);
          expect(str(events[1]!.kv.value)).toBe('2');
          expect(events[1]!.kv.createRevision).toBe(a.revision);
          expect(str(events[1]!.prevKv!.value)).toBe('1');
          expect(events[1]!.prevKv!.modRevision).toBe(a.revision);
          expect(events[2]!.kv.value.byteLength).toBe(0);
          expect(str(events[2]!.prevKv!.value)).toBe('2');
          expect(events[2]!.prevKv!.modRevision).toBe(a2.revision);
        } finally {
          watch.close();
        }
      });

      it('replays history from a past revision, then continues live without a gap or a duplicate', async () => {
        const p = freshPrefix('resume');
        const written: number[] = [];
        for (let i = 0; i < 5; i++) written.push((await backend.create(`${p}${i}`, text(String(i)))).revision);
        const watch = backend.watch(p, { fromRevision: written[1] });
        try {
          for (let i = 5; i < 8; i++) written.push((await backend.create(`${p}${i}`, text(String(i)))).revision);
          const events = await collectEvents(watch, (seen) => seen.length >= 7);
          expect(events.map((e) => e.kv.modRevision)).toEqual(written.slice(1));
        } finally {
          watch.close();
        }
      });

      it('lets a consumer stop and resume from the revision after the last one it saw', async () => {
        const p = freshPrefix('restart');
        const first = backend.watch(p);
        const revisions: number[] = [];
        for (let i = 0; i < 3; i++) revisions.push((await backend.create(`${p}${i}`, text('x'))).revision);
        const seen = await collectEvents(first, (events) => events.length >= 2);
        first.close();
        const lastSeen = seen[1]!.kv.modRevision;
        for (let i = 3; i < 5; i++) revisions.push((await backend.create(`${p}${i}`, text('x'))).revision);
        const second = backend.watch(p, { fromRevision: lastSeen + 1 });
        try {
          const rest = await collectEvents(second, (events) => events.length >= 3);
          expect(rest.map((e) => e.kv.modRevision)).toEqual(revisions.slice(2));
        } finally {
          second.close();
        }
      });

      it('delivers every event of concurrent writers, in revision order, to every watcher', async () => {
        const p = freshPrefix('fanout');
        const writers = options.concurrency ?? 20;
        const perWriter = 5;
        const watches = [backend.watch(p), backend.watch(p), backend.watch(`${p}w0/`)];
        try {
          await Promise.all(
            Array.from({ length: writers }, async (_, w) => {
              for (let i = 0; i < perWriter; i++) await backend.create(`${p}w${w}/${i}`, text(`${w}:${i}`));
            }),
          );
          const total = writers * perWriter;
          const [all1, all2, only0] = await Promise.all([
            collectEvents(watches[0]!, (events) => events.length >= total),
            collectEvents(watches[1]!, (events) => events.length >= total),
            collectEvents(watches[2]!, (events) => events.length >= perWriter),
          ]);
          expect(all1).toHaveLength(total);
          expectIncreasing(all1.map((e) => e.kv.modRevision));
          expect(all2.map((e) => e.kv.modRevision)).toEqual(all1.map((e) => e.kv.modRevision));
          expect(new Set(all1.map((e) => e.kv.key)).size).toBe(total);
          expect(only0.map((e) => e.kv.key)).toEqual(Array.from({ length: perWriter }, (_, i) => `${p}w0/${i}`));
          const listed = await backend.list({ prefix: p });
          expect(listed.kvs).toHaveLength(total);
        } finally {
          for (const watch of watches) watch.close();
        }
      });

      it('starts a watch from a future revision when the store gets there', async () => {
        const p = freshPrefix('future-watch');
        const now = await backend.currentRevision();
        const written: number[] = [];
        for (let i = 0; i < 2; i++) written.push((await backend.create(`${p}early${i}`, text('x'))).revision);
        const from = (await backend.currentRevision()) + 2;
        const watch = backend.watch(p, { fromRevision: from });
        try {
          for (let i = 0; i < 6; i++) written.push((await backend.create(`${p}late${i}`, text('x'))).revision);
          const expected = written.filter((revision) => revision >= from);
          const events = await collectEvents(watch, (seen) => seen.length >= expected.length);
          expect(events.map((e) => e.kv.modRevision)).toEqual(expected);
          expect(expected.length).toBeGreaterThan(0);
          expect(now).toBeLessThan(from);
        } finally {
          watch.close();
        }
      });

      it('ends iteration when closed or aborted', async () => {
        const p = freshPrefix('close');
        const watch = backend.watch(p);
        const iterator = watch[Symbol.asyncIterator]();
        const pending = iterator.next();
        watch.close();
        expect((await pending).done).toBe(true);

        const controller = new AbortController();
        const aborted = backend.watch(p, { signal: controller.signal });
        const next = aborted[Symbol.asyncIterator]().next();
        controller.abort();
        expect((await next).done).toBe(true);
      });

      it('sends progress notifications with the current revision while idle', async () => {
        const p = freshPrefix('progress');
        const { revision } = await backend.create(`${p}before`, text('x'));
        const watch = backend.watch(p, { progressIntervalMs: 200 });
        try {
          const iterator = watch[Symbol.asyncIterator]();
          const deadline = Date.now() + 5000;
          let progress: WatchBatch | undefined;
          while (Date.now() < deadline) {
            const next = await iterator.next();
            if (next.done === true) break;
            if (next.value.events.length === 0) {
              progress = next.value;
              break;
            }
          }
          expect(progress).toBeDefined();
          expect(progress!.revision).toBeGreaterThanOrEqual(revision);
        } finally {
          watch.close();
        }
      });
    });

    describe('concurrency', () => {
      it('lets exactly one of many concurrent creates of a key win', async () => {
        const p = freshPrefix('race-create');
        const n = options.concurrency ?? 20;
        const results = await Promise.allSettled(Array.from({ length: n }, (_, i) => backend.create(`${p}k`, text(String(i)))));
        const won = results.filter((r) => r.status === 'fulfilled');
        const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
        expect(won).toHaveLength(1);
        expect(lost).toHaveLength(n - 1);
        for (const failure of lost) expect(failure.reason).toBeInstanceOf(KeyExistsError);
      });

      it('loses no update when many writers increment one key with compare-and-swap', async () => {
        const p = freshPrefix('counter');
        const writers = options.concurrency ?? 20;
        const increments = 5;
        await backend.create(`${p}counter`, text('0'));
        const watch = backend.watch(`${p}counter`);
        try {
          await Promise.all(
            Array.from({ length: writers }, async () => {
              for (let done = 0; done < increments; ) {
                const current = (await backend.get(`${p}counter`)).kv!;
                try {
                  await backend.update(`${p}counter`, text(String(Number(str(current.value)) + 1)), current.modRevision);
                  done++;
                } catch (error) {
                  if (!(error instanceof RevisionMismatchError)) throw error;
                }
              }
            }),
          );
          const total = writers * increments;
          expect(str((await backend.get(`${p}counter`)).kv!.value)).toBe(String(total));
          const events = await collectEvents(watch, (seen) => seen.length >= total);
          // Each revision has exactly one winner: the values climb by one per event.
          expect(events.map((e) => str(e.kv.value))).toEqual(Array.from({ length: total }, (_, i) => String(i + 1)));
          expect(events.every((e) => Number(str(e.prevKv!.value)) + 1 === Number(str(e.kv.value)))).toBe(true);
        } finally {
          watch.close();
        }
      });
    });

    describe('compaction', () => {
      it('removes history at and below the revision and keeps every current value', async () => {
        const p = freshPrefix('compact');
        const old = await backend.create(`${p}untouched`, text('old'));
        let k = await backend.create(`${p}churn`, text('0'));
        for (let i = 1; i <= 5; i++) k = await backend.update(`${p}churn`, text(String(i)), k.revision);
        await backend.create(`${p}deleted`, text('x'));
        await backend.delete(`${p}deleted`);
        const target = k.revision;
        const after = await backend.update(`${p}churn`, text('6'), k.revision);

        const result = await backend.compact(target);
        expect(result.compactRevision).toBe(target);
        expect(await backend.compactRevision()).toBeGreaterThanOrEqual(target);

        const compacted = await expectError(backend.get(`${p}churn`, { revision: target - 1 }), CompactedError);
        expect(compacted.compactRevision).toBeGreaterThanOrEqual(target);
        await expectError(backend.list({ prefix: p, revision: old.revision }), CompactedError);
        await expectError(backend.count(p, { revision: old.revision }), CompactedError);
        // As in etcd, the store as of the compact revision itself is still readable.
        expect(str((await backend.get(`${p}churn`, { revision: target })).kv!.value)).toBe('5');
        expect((await backend.get(`${p}deleted`, { revision: target })).kv).toBeUndefined();
        expect(str((await backend.get(`${p}untouched`, { revision: target })).kv!.value)).toBe('old');
        expect(str((await backend.get(`${p}churn`, { revision: after.revision })).kv!.value)).toBe('6');

        const now = await backend.list({ prefix: p });
        expect(now.kvs.map((kv) => [kv.key, str(kv.value)])).toEqual([
          [`${p}churn`, '6'],
          [`${p}untouched`, 'old'],
        ]);
        const untouched = now.kvs[1]!;
        expect(untouched.createRevision).toBe(old.revision);
        expect(untouched.modRevision).toBe(old.revision);
        // The compare-and-swap still works on keys whose history was compacted.
        await backend.update(`${p}untouched`, text('new'), old.revision);
        await backend.create(`${p}deleted`, text('again'));
      });

      it('refuses to compact twice to the same revision or into the future', async () => {
        const p = freshPrefix('compact-bad');
        const { revision } = await backend.create(`${p}k`, text('x'));
        await backend.compact(revision);
        await expectError(backend.compact(revision), CompactedError);
        const current = await backend.currentRevision();
        await expectError(backend.compact(current + 100), FutureRevisionError);
      });

      it('fails a watch that starts at a compacted revision', async () => {
        const p = freshPrefix('compact-watch');
        const first = await backend.create(`${p}k`, text('1'));
        const second = await backend.update(`${p}k`, text('2'), first.revision);
        await backend.update(`${p}k`, text('3'), second.revision);
        await backend.compact(second.revision);
        const watch = backend.watch(p, { fromRevision: first.revision });
        try {
          const error = await expectError(() => watch[Symbol.asyncIterator]().next(), CompactedError);
          expect(error.compactRevision).toBeGreaterThanOrEqual(second.revision);
        } finally {
          watch.close();
        }
        // From just above the horizon, history is still there.
        const ok = backend.watch(p, { fromRevision: second.revision + 1 });
        try {
          const events = await collectEvents(ok, (seen) => seen.length >= 1);
          expect(str(events[0]!.kv.value)).toBe('3');
        } finally {
          ok.close();
        }
      });
    });

    describe('leases', () => {
      it('attaches keys to a lease and deletes them when it is revoked', async () => {
        const p = freshPrefix('lease');
        const lease = await backend.grantLease(60);
        expect(lease.ttl).toBe(60);
        expect(lease.id).toBeGreaterThan(0);
        await backend.create(`${p}a`, text('a'), { lease: lease.id });
        await backend.create(`${p}b`, text('b'), { lease: lease.id });
        await backend.create(`${p}free`, text('kept'));
        expect((await backend.get(`${p}a`)).kv!.lease).toBe(lease.id);

        const ttl = await backend.leaseTimeToLive(lease.id);
        expect(ttl.grantedTtl).toBe(60);
        expect(ttl.ttl).toBeGreaterThan(50);
        expect(ttl.ttl).toBeLessThanOrEqual(60);
        expect([...ttl.keys].sort()).toEqual([`${p}a`, `${p}b`]);
        expect((await backend.keepAliveLease(lease.id)).ttl).toBe(60);

        const watch = backend.watch(p);
        try {
          await backend.revokeLease(lease.id);
          const events = await collectEvents(watch, (seen) => seen.length >= 2);
          expect(events.map((e) => [e.type, e.kv.key]).sort()).toEqual([
            ['delete', `${p}a`],
            ['delete', `${p}b`],
          ]);
        } finally {
          watch.close();
        }
        expect((await backend.list({ prefix: p })).kvs.map((kv) => kv.key)).toEqual([`${p}free`]);
        expect((await backend.leaseTimeToLive(lease.id)).ttl).toBe(-1);
        await expectError(backend.keepAliveLease(lease.id), LeaseNotFoundError);
        await expectError(backend.revokeLease(lease.id), LeaseNotFoundError);
      });

      it('detaches a key from its lease when an update names none, reporting the old lease in prevKv', async () => {
        const p = freshPrefix('lease-detach');
        const lease = await backend.grantLease(60);
        const created = await backend.create(`${p}k`, text('1'), { lease: lease.id });
        const watch = backend.watch(p);
        try {
          const updated = await backend.update(`${p}k`, text('2'), created.revision);
          const [event] = await collectEvents(watch, (seen) => seen.length >= 1);
          expect(event!.kv.lease).toBe(0);
          expect(event!.prevKv!.lease).toBe(lease.id);
          expect(event!.kv.modRevision).toBe(updated.revision);
        } finally {
          watch.close();
        }
        expect((await backend.get(`${p}k`)).kv!.lease).toBe(0);
        expect((await backend.leaseTimeToLive(lease.id)).keys).toEqual([]);
        // Revoking the lease no longer touches the key.
        await backend.revokeLease(lease.id);
        expect(str((await backend.get(`${p}k`)).kv!.value)).toBe('2');
      });

      it('refuses writes that name a lease that does not exist', async () => {
        const p = freshPrefix('lease-missing');
        await expectError(backend.create(`${p}k`, text('x'), { lease: 987_654_321 }), LeaseNotFoundError);
        expect((await backend.get(`${p}k`)).kv).toBeUndefined();
        const created = await backend.create(`${p}k`, text('x'));
        await expectError(backend.update(`${p}k`, text('y'), created.revision, { lease: 987_654_321 }), LeaseNotFoundError);
        expect(str((await backend.get(`${p}k`)).kv!.value)).toBe('x');
      });

      it.skipIf(options.skipLeaseExpiry === true)('deletes the keys of a lease that expires', async () => {
        const p = freshPrefix('lease-expiry');
        const lease = await backend.grantLease(1);
        await backend.create(`${p}short`, text('x'), { lease: lease.id });
        const kept = await backend.grantLease(60);
        await backend.create(`${p}long`, text('y'), { lease: kept.id });
        const deadline = Date.now() + 8000;
        while (Date.now() < deadline && (await backend.get(`${p}short`)).kv !== undefined) {
          await new Promise((resolve) => setTimeout(resolve, 200));
        }
        expect((await backend.get(`${p}short`)).kv).toBeUndefined();
        expect((await backend.get(`${p}long`)).kv).toBeDefined();
        expect((await backend.leaseTimeToLive(lease.id)).ttl).toBe(-1);
        await expectError(backend.keepAliveLease(lease.id), LeaseNotFoundError);
        await backend.revokeLease(kept.id);
      });

      it.skipIf(options.skipLeaseExpiry === true)('keeps a lease that is kept alive past its TTL', async () => {
        const p = freshPrefix('lease-keepalive');
        const lease = await backend.grantLease(2);
        await backend.create(`${p}k`, text('x'), { lease: lease.id });
        // Four keep-alives a second apart: the key outlives twice its TTL.
        for (let i = 0; i < 4; i++) {
          await new Promise((resolve) => setTimeout(resolve, 1000));
          await backend.keepAliveLease(lease.id);
        }
        expect((await backend.get(`${p}k`)).kv).toBeDefined();
        await backend.revokeLease(lease.id);
        expect((await backend.get(`${p}k`)).kv).toBeUndefined();
      });
    });

    describe('bad input', () => {
      it('refuses invalid keys, values, revisions and limits with typed errors, changing nothing', async () => {
        const p = freshPrefix('bad');
        const before = await backend.currentRevision();
        await expectError(() => backend.create('', text('x')), InvalidKeyError);
        await expectError(() => backend.create(`${p}${'k'.repeat(2000)}`, text('x')), InvalidKeyError);
        await expectError(() => backend.create(`${p}a\u0000b`, text('x')), InvalidKeyError);
        await expectError(() => backend.create(`${p}bad\uD800`, text('x')), InvalidKeyError);
        await expectError(() => backend.create(`${p}k`, 'not bytes' as unknown as Uint8Array), InvalidArgumentError);
        await expectError(() => backend.get(`${p}k`, { revision: -1 }), InvalidArgumentError);
        await expectError(() => backend.get(`${p}k`, { revision: 1.5 }), InvalidArgumentError);
        await expectError(() => backend.list({ prefix: p, limit: -3 }), InvalidArgumentError);
        await expectError(() => backend.update(`${p}k`, text('x'), Number.NaN), InvalidArgumentError);
        await expectError(() => backend.grantLease(0), InvalidArgumentError);
        await expectError(() => backend.grantLease(1.5), InvalidArgumentError);
        expect(await backend.currentRevision()).toBe(before);
        expect((await backend.list({ prefix: p })).kvs).toHaveLength(0);
      });

      it('reports a positive size', async () => {
        expect(await backend.size()).toBeGreaterThan(0);
      });
    });

    if (options.openPeer !== undefined) {
      const openPeer = options.openPeer;
      describe('two processes on one store', () => {
        let peer: Backend;
        beforeAll(async () => {
          peer = await openPeer();
        });
        afterAll(async () => {
          await peer?.close();
        });

        it("delivers one process's writes to the other's watchers, in order, with nothing lost", async () => {
          const p = freshPrefix('peer-watch');
          const watch = peer.watch(p);
          try {
            const revisions: number[] = [];
            for (let i = 0; i < 20; i++) revisions.push((await backend.create(`${p}${i}`, text(String(i)))).revision);
            const events = await collectEvents(watch, (seen) => seen.length >= 20, options.peerDeliveryMs ?? 2000);
            expect(events.map((e) => e.kv.modRevision)).toEqual(revisions);
          } finally {
            watch.close();
          }
        });

        it('sees the other process reads and compare-and-swap conflicts', async () => {
          const p = freshPrefix('peer-cas');
          const created = await backend.create(`${p}k`, text('a'));
          const fromPeer = await peer.get(`${p}k`);
          expect(str(fromPeer.kv!.value)).toBe('a');
          await peer.update(`${p}k`, text('b'), created.revision);
          const stale = await expectError(backend.update(`${p}k`, text('c'), created.revision), RevisionMismatchError);
          expect(str(stale.current.value)).toBe('b');
          await expectError(peer.create(`${p}k`, text('d')), KeyExistsError);
        });

        it('keeps revisions strictly increasing across both writers', async () => {
          const p = freshPrefix('peer-order');
          const watch = backend.watch(p);
          try {
            await Promise.all([
              (async () => {
                for (let i = 0; i < 15; i++) await backend.create(`${p}a${i}`, text('a'));
              })(),
              (async () => {
                for (let i = 0; i < 15; i++) await peer.create(`${p}b${i}`, text('b'));
              })(),
            ]);
            const events = await collectEvents(watch, (seen) => seen.length >= 30, options.peerDeliveryMs ?? 2000);
            expectIncreasing(events.map((e) => e.kv.modRevision));
          } finally {
            watch.close();
          }
        });
      });
    }

    describe('closing', () => {
      it('ends open watches and refuses further calls', async () => {
        const own = await options.open();
        const watch = own.watch('/conformance/closing/');
        const next = watch[Symbol.asyncIterator]().next();
        await own.close();
        expect((await next).done).toBe(true);
        await expectError(() => own.get('/conformance/closing/k'), ClosedError);
        await expectError(() => own.create('/conformance/closing/k', text('x')), ClosedError);
      });
    });
  });
}

