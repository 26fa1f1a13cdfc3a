/**
 * The sequential bench of one lk driver, through the public Backend
 * interface only: what an API server built on lk gets.
 *
 * Each phase checks what it reads back, so a driver that is fast because it
 * is wrong fails the bench instead of winning it.
 */
import type { Backend } from '@lk/datastore-kine';
import { DeliveryClock, loadInParallel, payload, sequential, warmUp, watchDelivery } from './measure.js';
import type { Progress } from './progress.js';
import { keyName, scrambled, type Figures, type ListFigures, type SequentialOptions, type WatchFigures } from './figures.js';
import { median } from './stats.js';

/** Concurrent creates while loading the list fixture: its speed is not measured, only its waiting is. */
const FIXTURE_PARALLEL = 16;

export async function benchBackend(backend: Backend, prefix: string, options: SequentialOptions, progress: Progress): Promise<Figures> {
  const { n, valueBytes, maxSeconds } = options;

  await warmUp(progress, options.warmUpSeconds, async (i) => {
    const key = keyName(`${prefix}warm/`, i);
    const { revision } = await backend.create(key, payload(valueBytes, i));
    await backend.update(key, payload(valueBytes, i + 1), revision);
    await backend.get(key);
  });

  const createPrefix = `${prefix}c/`;
  const revisions: number[] = [];
  const creates = await sequential(progress, 'creates', n, maxSeconds, async (i) => {
    revisions.push((await backend.create(keyName(createPrefix, i), payload(valueBytes, i))).revision);
  });
  const keys = revisions.length;

  // Compare-and-swap on the revision each key is known to be at, as
  // kube-apiserver's GuaranteedUpdate does with the object it just read.
  const updates = await sequential(progress, 'updates (CAS)', n, maxSeconds, async (i) => {
    const k = i % keys;
    revisions[k] = (await backend.update(keyName(createPrefix, k), payload(valueBytes, n + i), revisions[k]!)).revision;
  });

  const gets = await sequential(progress, 'gets', n, maxSeconds, async (i) => {
    const k = scrambled(i, keys);
    const { kv } = await backend.get(keyName(createPrefix, k));
    if (kv?.modRevision !== revisions[k]) {
      throw new Error(`get ${keyName(createPrefix, k)} returned revision ${kv?.modRevision}, expected ${revisions[k]}`);
    }
  });

  const list = await benchList(backend, `${prefix}l/`, options, progress);
  const watch = await benchWatch(backend, `${prefix}w/`, options, progress);
  return { creates, updates, gets, list, watch };
}

async function benchList(backend: Backend, prefix: string, options: SequentialOptions, progress: Progress): Promise<ListFigures> {
  const { listKeys, valueBytes, listRepeats } = options;
  await loadInParallel(progress, `loading ${listKeys} keys to list`, listKeys, FIXTURE_PARALLEL, async (i) => {
    await backend.create(keyName(prefix, i), payload(valueBytes, i));
  });
  const ms: number[] = [];
  progress.start(`list of ${listKeys} keys`, listRepeats);
  // One untimed call first: the first scan of a freshly loaded range pays for cold caches.
  for (let round = 0; round <= listRepeats; round++) {
    const before = performance.now();
    const result = await backend.list({ prefix });
    const elapsed = performance.now() - before;
    if (result.kvs.length !== listKeys || result.more) {
      throw new Error(`list returned ${result.kvs.length} keys (more: ${result.more}), expected ${listKeys}`);
    }
    const wrong = result.kvs.find((kv, i) => kv.key !== keyName(prefix, i) || kv.value.byteLength !== valueBytes);
    if (wrong !== undefined) throw new Error(`list returned ${wrong.key} with ${wrong.value.byteLength} bytes out of place or short`);
    if (round > 0) {
      ms.push(elapsed);
      progress.tick();
    }
  }
  const figures = { keys: listKeys, ms, medianMs: median(ms), minMs: Math.min(...ms) };
  progress.finish(`median ${figures.medianMs.toFixed(1)} ms, min ${figures.minMs.toFixed(1)} ms`);
  return figures;
}

async function benchWatch(backend: Backend, prefix: string, options: SequentialOptions, progress: Progress): Promise<WatchFigures> {
  const clock = new DeliveryClock();
  const watch = backend.watch(prefix);
  let lastRevision = 0;
  const consumer = (async () => {
    for await (const batch of watch) {
      const at = performance.now();
      for (const event of batch.events) {
        if (event.kv.modRevision <= lastRevision) {
          throw new Error(`the watch delivered revision ${event.kv.modRevision} after ${lastRevision}`);
        }
        lastRevision = event.kv.modRevision;
        clock.arrived(event.kv.modRevision, at);
      }
    }
    throw new Error('the watch ended while the bench was using it');
  })().catch((error: unknown) => clock.fail(error instanceof Error ? error : new Error(String(error))));

  // Writes before the timed ones, waited for like them: a driver whose watch
  // is set up asynchronously (etcd) is live by the time timing starts.
  for (let i = 0; i < 20; i++) {
    const { revision } = await backend.create(keyName(`${prefix}warm/`, i), payload(options.valueBytes, i));
    await clock.arrivalOf(revision, 10_000);
  }
  try {
    const result = await watchDelivery(progress, 'watch delivery', options.watchN, options.maxSeconds, clock, async (i) => {
      return (await backend.create(keyName(prefix, i), payload(options.valueBytes, i))).revision;
    });
    return {
      writes: result.ops,
      latency: result.latency,
      fromCallLatency: result.fromCall,
      beforeAck: result.beforeAck,
      capped: result.capped,
    };
  } finally {
    watch.close();
    await consumer;
  }
}
