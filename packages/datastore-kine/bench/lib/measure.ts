/**
 * Timing loops. Plain loops rather than a benchmark library: every figure
 * here is "one operation at a time, awaited", and the loop keeps each
 * operation's latency so that percentiles come from real samples.
 */
import type { Progress } from './progress.js';
import { summarizeMs, type LatencySummary } from './stats.js';

export interface PhaseResult {
  /** Operations completed (fewer than asked when the phase hit its time cap). */
  readonly ops: number;
  readonly seconds: number;
  readonly perSecond: number;
  readonly latency: LatencySummary;
  /** True when the time cap, not the count, ended the phase. */
  readonly capped: boolean;
}

/**
 * Runs `op(0)`, `op(1)`, … one at a time, each awaited, until `count` are
 * done or `maxSeconds` have passed; the cap keeps a slow server from
 * stretching the whole bench (the rate is computed on what was done).
 */
export async function sequential(
  progress: Progress,
  label: string,
  count: number,
  maxSeconds: number,
  op: (index: number) => Promise<void>,
): Promise<PhaseResult> {
  const samples: number[] = [];
  progress.start(label, count);
  const started = performance.now();
  const deadline = started + maxSeconds * 1000;
  let capped = false;
  for (let index = 0; index < count; index++) {
    const before = performance.now();
    await op(index);
    const after = performance.now();
    samples.push(after - before);
    progress.tick();
    if (after > deadline && index + 1 < count) {
      capped = true;
      break;
    }
  }
  const seconds = (performance.now() - started) / 1000;
  const result: PhaseResult = {
    ops: samples.length,
    seconds,
    perSecond: samples.length / seconds,
    latency: summarizeMs(samples),
    capped,
  };
  progress.finish(
    `${Math.round(result.perSecond)}/s, p50 ${Math.round(result.latency.p50)} µs, p99 ${Math.round(result.latency.p99)} µs` +
      (capped ? `, stopped after ${result.ops} at the ${maxSeconds} s cap` : ''),
  );
  return result;
}

/**
 * Repeats `op(0)`, `op(1)`, … for `seconds` (and at least 50 times) before
 * anything is timed. Time-based because what needs warming differs wildly:
 * sql.js's WebAssembly is only optimised after a few thousand statements, a
 * database pool after a few round trips, and V8 compiles lk's own code
 * lazily; a fixed count either wastes minutes or leaves the first phase cold.
 */
export async function warmUp(progress: Progress, seconds: number, op: (index: number) => Promise<void>): Promise<number> {
  progress.start('warm-up', 0);
  const deadline = performance.now() + seconds * 1000;
  let index = 0;
  while (index < 50 || (performance.now() < deadline && index < 100_000)) {
    await op(index++);
    progress.tick();
  }
  progress.finish(`${index} rounds`);
  return index;
}

/**
 * Runs `op` over `count` indexes with at most `parallel` in flight: for
 * loading fixtures, whose speed is not what is measured.
 */
export async function loadInParallel(
  progress: Progress,
  label: string,
  count: number,
  parallel: number,
  op: (index: number) => Promise<void>,
): Promise<void> {
  progress.start(label, count);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) {
      const index = next++;
      await op(index);
      progress.tick();
    }
  };
  await Promise.all(Array.from({ length: Math.min(parallel, count) }, worker));
  progress.finish(`${count} written`);
}

/**
 * Matches watch events to the writes that caused them: the watcher records
 * when each revision arrived, the writer asks when the revision of the write
 * it has just had acknowledged arrives.
 */
export class DeliveryClock {
  private readonly arrivals = new Map<number, number>();
  private readonly waiters = new Map<number, (arrivedAt: number) => void>();
  private failure: Error | undefined;

  /** Called by the watcher, as soon as it has the event in hand. */
  arrived(revision: number, at: number): void {
    this.arrivals.set(revision, at);
    const waiter = this.waiters.get(revision);
    if (waiter !== undefined) {
      this.waiters.delete(revision);
      waiter(at);
    }
  }

  /** The watcher ended or failed: nobody waits forever. */
  fail(error: Error): void {
    this.failure = error;
    for (const [revision, waiter] of this.waiters) {
      this.waiters.delete(revision);
      waiter(Number.NaN);
    }
  }

  /** When the event of `revision` arrived (performance.now() time), waiting for it if need be. */
  async arrivalOf(revision: number, timeoutMs: number): Promise<number> {
    const known = this.arrivals.get(revision);
    if (known !== undefined) {
      this.arrivals.delete(revision);
      return known;
    }
    if (this.failure !== undefined) throw this.failure;
    let timer: NodeJS.Timeout | undefined;
    const at = await new Promise<number>((resolve) => {
      this.waiters.set(revision, resolve);
      timer = setTimeout(() => {
        this.waiters.delete(revision);
        resolve(Number.NaN);
      }, timeoutMs);
    });
    clearTimeout(timer);
    this.arrivals.delete(revision);
    if (Number.isNaN(at)) {
      throw this.failure ?? new Error(`the watcher did not deliver the event of revision ${revision} within ${timeoutMs} ms`);
    }
    return at;
  }
}

/**
 * Measures watch delivery: `write(i)` makes the i-th change and returns its
 * revision once acknowledged; the latency is from that acknowledgement to the
 * event's arrival at the watcher feeding `clock`. An event may arrive before
 * the writer has processed its acknowledgement (the two race inside one
 * process); that counts as 0 µs and is reported as `beforeAck`. Since that
 * hides how long delivery took, the time from the write call to the event's
 * arrival (`fromCall`, write latency included) is kept as well.
 */
export async function watchDelivery(
  progress: Progress,
  label: string,
  count: number,
  maxSeconds: number,
  clock: DeliveryClock,
  write: (index: number) => Promise<number>,
): Promise<{ latency: LatencySummary; fromCall: LatencySummary; beforeAck: number; ops: number; capped: boolean }> {
  const samples: number[] = [];
  const fromCallSamples: number[] = [];
  let beforeAck = 0;
  progress.start(label, count);
  const deadline = performance.now() + maxSeconds * 1000;
  let capped = false;
  for (let index = 0; index < count; index++) {
    const calledAt = performance.now();
    const revision = await write(index);
    const acknowledgedAt = performance.now();
    const arrivedAt = await clock.arrivalOf(revision, 10_000);
    const delay = arrivedAt - acknowledgedAt;
    if (delay < 0) beforeAck++;
    samples.push(Math.max(0, delay));
    fromCallSamples.push(arrivedAt - calledAt);
    progress.tick();
    if (performance.now() > deadline && index + 1 < count) {
      capped = true;
      break;
    }
  }
  const latency = summarizeMs(samples);
  const fromCall = summarizeMs(fromCallSamples);
  progress.finish(
    `p50 ${Math.round(latency.p50)} µs, p99 ${Math.round(latency.p99)} µs` +
      (beforeAck > 0 ? `, ${beforeAck} events before the ack` : '') +
      `; from the write call: p50 ${Math.round(fromCall.p50)} µs` +
      (capped ? `, stopped after ${samples.length} at the ${maxSeconds} s cap` : ''),
  );
  return { latency, fromCall, beforeAck, ops: samples.length, capped };
}

/** A value of `bytes` printable bytes that differs per `seed`, like a small serialized object. */
export function payload(bytes: number, seed: number): Uint8Array {
  const head = `{"seed":${seed},"data":"`;
  const out = Buffer.alloc(bytes, 0x61);
  out.write(head, 0, 'latin1');
  let state = (seed * 2654435761) >>> 0;
  for (let i = head.length; i < bytes - 2; i++) {
    state = (state * 1103515245 + 12345) >>> 0;
    out[i] = 0x61 + ((state >>> 16) % 26);
  }
  if (bytes >= 2) out.write('"}', bytes - 2, 'latin1');
  return out;
}
