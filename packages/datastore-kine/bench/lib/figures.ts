/**
 * What the sequential bench measures, for an lk driver and for its peers
 * alike, so that one table and one set of ratios covers both.
 */
import type { PhaseResult } from './measure.js';
import type { LatencySummary } from './stats.js';

export interface SequentialOptions {
  /** Operations per sequential phase (creates, updates, gets). */
  readonly n: number;
  readonly valueBytes: number;
  readonly listKeys: number;
  readonly listRepeats: number;
  readonly watchN: number;
  /** Cap per phase, in seconds. */
  readonly maxSeconds: number;
  /** Untimed work before the first phase. */
  readonly warmUpSeconds: number;
}

export interface ListFigures {
  readonly keys: number;
  /** One entry per timed list call. */
  readonly ms: readonly number[];
  readonly medianMs: number;
  readonly minMs: number;
}

export interface WatchFigures {
  readonly writes: number;
  /** From the write's acknowledgement to the event reaching the watcher. */
  readonly latency: LatencySummary;
  /** From the write call to the event reaching the watcher: write latency plus delivery. */
  readonly fromCallLatency: LatencySummary;
  /** Events that reached the watcher before the writer had its acknowledgement (counted as 0 µs). */
  readonly beforeAck: number;
  readonly capped: boolean;
}

/** Every field is optional: a peer measures only what it has (the raw databases: inserts). */
export interface Figures {
  readonly creates?: PhaseResult;
  readonly updates?: PhaseResult;
  readonly gets?: PhaseResult;
  readonly list?: ListFigures;
  readonly watch?: WatchFigures;
  /** etcd direct only: unconditional puts, for reference next to its compare-and-swap Txns. */
  readonly puts?: PhaseResult;
}

/** Ids 0..count-1 in a fixed scrambled order, so that gets do not walk the index in key order. */
export function scrambled(index: number, count: number): number {
  // 2654435761 is odd and count is far below 2^32, but not coprime to every count: fall back to a plain walk then.
  const step = 2654435761 % count;
  return gcd(step, count) === 1 ? (index * step) % count : index % count;
}

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

export function keyName(prefix: string, index: number): string {
  return `${prefix}${String(index).padStart(8, '0')}`;
}
