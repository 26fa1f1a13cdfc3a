/**
 * Many concurrent writers on one backend, as the API server's request
 * handlers are, and a watcher that must see every acknowledged write exactly
 * once, in revision order.
 *
 * Two modes:
 * - distinct: each writer updates only its own keys (compare-and-swap on the
 *   revision it last wrote). Nobody else touches them, so a conflict here is
 *   a bug, not contention.
 * - shared: every writer does read-modify-write on the same few keys: get,
 *   increment a counter in the value, update at the revision read. Losing
 *   such a race is a RevisionMismatchError, the expected outcome that
 *   kube-apiserver answers with 409 Conflict and a client retries.
 *
 * Anything else that goes wrong (a timeout, "did not settle", a deadlock
 * surfacing, a unique-constraint error leaking out) is an error the backend
 * must never produce, however hard it is pushed: kine's published figures
 * show 9–89 % of such writes failing. The run also proves no write was lost:
 * the counters in the shared keys must add up to the successful updates.
 */
import { KeyExistsError, RevisionMismatchError, type Backend } from '@lk/datastore-kine';
import type { Progress } from './progress.js';
import { summarizeMs, type LatencySummary } from './stats.js';

export type Mode = 'distinct' | 'shared';

export interface ContentionOptions {
  readonly writers: number;
  readonly seconds: number;
  readonly keysPerWriter: number;
  readonly sharedKeys: number;
  readonly valueBytes: number;
  /** How long to wait for the watcher to catch up after the writers stop. */
  readonly tailSeconds: number;
}

export interface ErrorGroup {
  readonly message: string;
  readonly count: number;
  /** One message as it was, before numbers were folded to group it. */
  readonly example: string;
}

export interface ContentionResult {
  readonly mode: Mode;
  readonly writers: number;
  readonly keys: number;
  readonly seconds: number;
  readonly attempts: number;
  readonly successes: number;
  readonly writesPerSecond: number;
  /** RevisionMismatchError / KeyExistsError: expected in shared mode. */
  readonly conflicts: number;
  readonly otherErrors: number;
  readonly errorGroups: readonly ErrorGroup[];
  /** Latency of the successful updates (shared mode: the update call only, not its get). */
  readonly writeLatency: LatencySummary;
  readonly watch: {
    readonly events: number;
    /** Acknowledged revisions the watcher never delivered. */
    readonly missing: number;
    /** Delivered revisions no writer was acknowledged with (or delivered twice). */
    readonly unexpected: number;
    /** Events whose revision was not above the one before. */
    readonly outOfOrder: number;
    /** Seconds after the writers stopped until the watcher had every write. */
    readonly tailSeconds: number;
    readonly failure?: string;
  };
  /** What the final state check found wrong; empty when the store holds exactly what was acknowledged. */
  readonly stateProblems: readonly string[];
  /** Every check passed. */
  readonly ok: boolean;
}

interface Counter {
  readonly counter: number;
}

function counterValue(counter: number, writer: number, bytes: number): Uint8Array {
  const head = `{"counter":${counter},"writer":${writer},"pad":"`;
  // Padding of plain letters keeps the value valid JSON at any size.
  const out = Buffer.alloc(Math.max(bytes, head.length + 2), 0x61);
  out.write(head, 0, 'latin1');
  out.write('"}', out.length - 2, 'latin1');
  return out;
}

function readCounter(value: Uint8Array): number {
  const parsed = JSON.parse(Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('latin1')) as Counter;
  if (!Number.isSafeInteger(parsed.counter)) throw new Error('a shared key holds a value without a counter');
  return parsed.counter;
}

/** Folds the parts of a message that differ per occurrence (numbers, the run's prefix) so that like errors group. */
function groupKey(error: unknown, prefix: string): { key: string; text: string } {
  const name = error instanceof Error ? error.name : typeof error;
  const message = error instanceof Error ? error.message : String(error);
  const text = `${name}: ${message}`.slice(0, 500);
  return { key: text.replaceAll(prefix, '<prefix>/').replace(/\d+/g, 'N'), text };
}

export async function runContention(
  backend: Backend,
  prefix: string,
  mode: Mode,
  options: ContentionOptions,
  progress: Progress,
): Promise<ContentionResult> {
  const { writers, valueBytes } = options;
  const keyCount = mode === 'distinct' ? writers * options.keysPerWriter : options.sharedKeys;
  const keyOf = (index: number): string => `${prefix}k${String(index).padStart(5, '0')}`;

  // The keys exist before the clock starts: the bench is about updates.
  const known: number[] = [];
  let setupRevision = 0;
  for (let index = 0; index < keyCount; index++) {
    const { revision } = await backend.create(keyOf(index), counterValue(0, -1, valueBytes));
    known[index] = revision;
    setupRevision = Math.max(setupRevision, revision);
  }

  // From just after the setup: the watcher must see exactly the timed writes.
  const watch = backend.watch(prefix, { fromRevision: setupRevision + 1 });
  const delivered: number[] = [];
  let lastDelivered = 0;
  let outOfOrder = 0;
  let watchFailure: string | undefined;
  const consumer = (async () => {
    try {
      for await (const batch of watch) {
        for (const event of batch.events) {
          const revision = event.kv.modRevision;
          if (revision <= lastDelivered) outOfOrder++;
          lastDelivered = Math.max(lastDelivered, revision);
          delivered.push(revision);
        }
      }
    } catch (error) {
      watchFailure = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    }
  })();

  const acknowledged: number[] = [];
  const latencies: number[] = [];
  const successesByKey = new Array<number>(keyCount).fill(0);
  const groups = new Map<string, { count: number; example: string }>();
  let attempts = 0;
  let conflicts = 0;
  let otherErrors = 0;
  let conflictsInDistinct = 0;
  const fail = (error: unknown): void => {
    otherErrors++;
    const { key, text } = groupKey(error, prefix);
    const group = groups.get(key);
    if (group === undefined) groups.set(key, { count: 1, example: text });
    else group.count++;
  };

  progress.start(`${mode} keys, ${writers} writers on ${keyCount} keys, ${options.seconds} s`, 0);
  const started = performance.now();
  const deadline = started + options.seconds * 1000;

  const writer = async (id: number): Promise<void> => {
    let turn = 0;
    while (performance.now() < deadline) {
      attempts++;
      let index = 0;
      try {
        if (mode === 'distinct') {
          index = id * options.keysPerWriter + (turn++ % options.keysPerWriter);
          const before = performance.now();
          const { revision } = await backend.update(keyOf(index), counterValue(turn, id, valueBytes), known[index]!);
          latencies.push(performance.now() - before);
          known[index] = revision;
          acknowledged.push(revision);
        } else {
          index = Math.floor(Math.random() * keyCount);
          const { kv } = await backend.get(keyOf(index));
          if (kv === undefined) throw new Error(`shared key ${keyOf(index)} disappeared`);
          const before = performance.now();
          const { revision } = await backend.update(keyOf(index), counterValue(readCounter(kv.value) + 1, id, valueBytes), kv.modRevision);
          latencies.push(performance.now() - before);
          acknowledged.push(revision);
        }
        successesByKey[index]!++;
        progress.tick();
      } catch (error) {
        if (error instanceof RevisionMismatchError || error instanceof KeyExistsError) {
          conflicts++;
          // Nobody else writes a distinct-mode key: a conflict there means a write went missing or was applied twice.
          if (mode === 'distinct') conflictsInDistinct++;
        } else {
          fail(error);
        }
      }
    }
  };
  await Promise.all(Array.from({ length: writers }, (_, id) => writer(id)));
  const seconds = (performance.now() - started) / 1000;
  const successes = acknowledged.length;
  progress.finish(`${successes} writes (${Math.round(successes / seconds)}/s), ${conflicts} conflicts, ${otherErrors} other errors`);

  // The tail: events of the last writes may still be on their way.
  const tailStarted = performance.now();
  const tailDeadline = tailStarted + options.tailSeconds * 1000;
  while (delivered.length < successes && performance.now() < tailDeadline && watchFailure === undefined) {
    await sleep(20);
  }
  const tailSeconds = (performance.now() - tailStarted) / 1000;
  // A little longer, so that an extra (duplicate or stray) event has the chance to show up too.
  await sleep(300);
  watch.close();
  await consumer;

  const ackedSet = new Set(acknowledged);
  const deliveredSet = new Set(delivered);
  let missing = 0;
  for (const revision of ackedSet) if (!deliveredSet.has(revision)) missing++;
  let unexpected = delivered.length - deliveredSet.size; // duplicates
  for (const revision of deliveredSet) if (!ackedSet.has(revision)) unexpected++;

  const stateProblems: string[] = [];
  if (ackedSet.size !== acknowledged.length) {
    stateProblems.push(`${acknowledged.length - ackedSet.size} revisions were acknowledged to two writes`);
  }
  if (conflictsInDistinct > 0) stateProblems.push(`${conflictsInDistinct} conflicts on keys only one writer updates`);
  stateProblems.push(...(await checkFinalState(backend, keyOf, keyCount, mode, known, successesByKey)));
  if (watchFailure !== undefined) stateProblems.push(`the watch failed: ${watchFailure}`);

  const errorGroups = [...groups.entries()]
    .map(([message, { count, example }]) => ({ message, count, example }))
    .sort((a, b) => b.count - a.count);
  return {
    mode,
    writers,
    keys: keyCount,
    seconds,
    attempts,
    successes,
    writesPerSecond: successes / seconds,
    conflicts,
    otherErrors,
    errorGroups,
    writeLatency: summarizeMs(latencies),
    watch: {
      events: delivered.length,
      missing,
      unexpected,
      outOfOrder,
      tailSeconds,
      ...(watchFailure === undefined ? {} : { failure: watchFailure }),
    },
    stateProblems,
    ok:
      otherErrors === 0 &&
      missing === 0 &&
      unexpected === 0 &&
      outOfOrder === 0 &&
      delivered.length === successes &&
      stateProblems.length === 0,
  };
}

/**
 * The store must hold exactly what was acknowledged: in distinct mode each
 * key at the revision its writer last got back; in shared mode each key's
 * counter equal to the number of successful increments of that key (a lost
 * update would leave it lower, a write applied twice higher).
 */
async function checkFinalState(
  backend: Backend,
  keyOf: (index: number) => string,
  keyCount: number,
  mode: Mode,
  known: readonly number[],
  successesByKey: readonly number[],
): Promise<string[]> {
  const problems: string[] = [];
  for (let index = 0; index < keyCount; index++) {
    const { kv } = await backend.get(keyOf(index));
    if (kv === undefined) {
      problems.push(`${keyOf(index)} is missing`);
      continue;
    }
    if (mode === 'distinct' && kv.modRevision !== known[index]) {
      problems.push(`${keyOf(index)} is at revision ${kv.modRevision}, its writer's last write was acknowledged at ${known[index]}`);
    }
    if (mode === 'shared' && readCounter(kv.value) !== successesByKey[index]) {
      problems.push(`${keyOf(index)} counts ${readCounter(kv.value)} increments, ${successesByKey[index]} were acknowledged`);
    }
  }
  return problems;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
