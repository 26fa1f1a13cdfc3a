import type { Logger } from 'pino';
import type { WatchBatch, WatchEvent } from '../backend.js';
import { CompactedError, UnavailableError } from '../errors.js';
import type { AsyncQueue } from '../watch/async-queue.js';
import type { SqlDriver } from './driver.js';
import { isFillRow, rowToEvent, toNumber } from './rows.js';
import type { SqlRow } from './driver.js';
import type { Statements } from './statements.js';

/** One watcher as the poller sees it. */
export interface Subscriber {
  readonly prefix: string;
  /** Events below this revision are not for this watcher. */
  minRevision: number;
  readonly queue: AsyncQueue<WatchBatch>;
  readonly progressIntervalMs: number | undefined;
  lastSentAt: number;
  /** While set, the watcher is replaying history: live batches wait here. */
  pending: WatchBatch[] | undefined;
}

export interface PollerOptions {
  /** Poll for other processes' writes this often; 0 to poll only after local writes. */
  readonly intervalMs: number;
  /** How long a gap in ids may stay open before the poller tries to fill it. */
  readonly gapGraceMs: number;
  readonly batchSize: number;
  readonly compactRevision: () => Promise<number>;
  readonly logger: Logger;
}

/**
 * Reads the log in id order and turns new rows into watch events: kine's
 * poll loop. Local writes call {@link LogPoller.trigger} so their watchers
 * hear at once; the interval picks up other processes' writes.
 *
 * The poller never skips or reorders: `lastRevision` only moves past an id
 * once that id has been seen. An id that is missing after the rows around it
 * committed belongs to a transaction still in flight or one that failed. After
 * a grace period the poller inserts a "fill" row with that id: if the id's own
 * transaction is in flight the insert waits for it (the primary key is held)
 * and then fails, and the row is read on the next poll; if the id was
 * abandoned the fill takes its place and the gap is closed for every process.
 */
/** Ids filled per statement. */
const FILL_BATCH = 500;

export class LogPoller {
  private last: number;
  private readonly subscribers = new Set<Subscriber>();
  private readonly waiters: { revision: number; resolve: () => void }[] = [];
  private polling: Promise<void> | undefined;
  private pollAgain = false;
  private interval: NodeJS.Timeout | undefined;
  private retry: NodeJS.Timeout | undefined;
  /** When each missing id was first noticed, to give its transaction a grace period. */
  private readonly gapSeen = new Map<number, number>();
  /** Missing ids that compaction removed before this poller read them: treated as seen. */
  private readonly lost = new Set<number>();
  private failures = 0;
  private stopped = false;
  private expedite = false;

  constructor(
    private readonly driver: SqlDriver,
    private readonly statements: Statements,
    startRevision: number,
    private readonly options: PollerOptions,
  ) {
    this.last = startRevision;
  }

  /** Every log row up to this revision has been dispatched. */
  get lastRevision(): number {
    return this.last;
  }

  start(): void {
    const tick = Math.max(this.options.intervalMs, 0);
    // Progress notifications need a clock even when polling is only triggered.
    const period = tick > 0 ? tick : 1000;
    this.interval = setInterval(() => {
      if (tick > 0) this.trigger();
      this.sendProgress();
    }, period);
    this.interval.unref();
  }

  stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.interval);
    clearTimeout(this.retry);
    for (const subscriber of this.subscribers) subscriber.queue.close();
    this.subscribers.clear();
    return this.polling ?? Promise.resolve();
  }

  subscribe(subscriber: Subscriber): void {
    this.subscribers.add(subscriber);
  }

  unsubscribe(subscriber: Subscriber): void {
    this.subscribers.delete(subscriber);
  }

  get subscriberCount(): number {
    return this.subscribers.size;
  }

  /**
   * After a local write: poll only if somebody listens. Nobody watching and
   * nobody waiting means nobody needs the event now; a later watch replays
   * from the log and a later read waits for the poller itself.
   */
  noteWrite(): void {
    if (this.subscribers.size > 0 || this.waiters.length > 0) this.trigger();
  }

  /**
   * A write of this process lost a compare-and-swap after taking an id, so
   * that id will never commit: fill the next gap without the grace period.
   */
  expediteGaps(): void {
    this.expedite = true;
  }

  /** Polls as soon as possible; calls made while a poll runs coalesce into one more poll. */
  trigger(): void {
    if (this.stopped) return;
    if (this.polling !== undefined) {
      this.pollAgain = true;
      return;
    }
    this.polling = this.pollLoop().finally(() => {
      this.polling = undefined;
    });
  }

  /** Resolves once every row up to `revision` has been dispatched. */
  waitFor(revision: number, timeoutMs = 10_000): Promise<void> {
    if (this.last >= revision) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const waiter = {
        revision,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      };
      const timer = setTimeout(() => {
        const index = this.waiters.indexOf(waiter);
        if (index >= 0) this.waiters.splice(index, 1);
        reject(new UnavailableError(`the log did not reach revision ${revision} within ${timeoutMs} ms (at ${this.last})`));
      }, timeoutMs);
      this.waiters.push(waiter);
      this.trigger();
    });
  }

  private async pollLoop(): Promise<void> {
    do {
      this.pollAgain = false;
      try {
        await this.pollOnce();
        this.failures = 0;
      } catch (error) {
        this.failures++;
        const delay = Math.min(100 * 2 ** Math.min(this.failures, 5), 3000);
        if (this.failures === 1 || this.failures % 20 === 0) {
          this.options.logger.warn({ err: error, failures: this.failures, retryInMs: delay }, 'watch poll failed');
        }
        this.scheduleRetry(delay);
        return;
      }
    } while (this.pollAgain && !this.stopped);
  }

  private scheduleRetry(delayMs: number): void {
    if (this.stopped) return;
    clearTimeout(this.retry);
    this.retry = setTimeout(() => this.trigger(), delayMs);
    this.retry.unref();
  }

  private async pollOnce(): Promise<void> {
    const { batchSize } = this.options;
    for (;;) {
      if (this.stopped) return;
      const { rows } = await this.driver.query(this.statements.poll, [this.last, batchSize]);
      const fresh = rows.filter((row) => toNumber(row['id']) > this.last);
      const missing = this.missingIds(fresh);
      if (missing.length > 0 && (await this.fillGaps(missing))) {
        // Filled (or their own rows landed meanwhile): read this stretch again.
        continue;
      }
      const blockedAt = missing.length > 0 ? missing[0]! : Number.POSITIVE_INFINITY;
      const events: WatchEvent[] = [];
      for (const row of fresh) {
        const id = toNumber(row['id']);
        while (this.lost.delete(this.last + 1)) this.last++;
        if (id > blockedAt || id !== this.last + 1) break;
        this.last = id;
        if (!isFillRow(row)) events.push(rowToEvent(row));
      }
      this.dispatch(events);
      if (missing.length > 0) {
        this.scheduleRetry(Math.max(1, this.options.gapGraceMs));
        return;
      }
      if (rows.length < batchSize) return;
    }
  }

  /** The ids between the last one dispatched and the newest one read that are not there. */
  private missingIds(rows: readonly SqlRow[]): number[] {
    const missing: number[] = [];
    let expected = this.last + 1;
    for (const row of rows) {
      const id = toNumber(row['id']);
      for (; expected < id; expected++) if (!this.lost.has(expected)) missing.push(expected);
      expected = id + 1;
    }
    return missing;
  }

  /**
   * Fills the missing ids whose grace period is over (all of them after a
   * local write lost a compare-and-swap and so surely burned one) with one
   * insert that skips ids taken meanwhile: for an id whose transaction is
   * still running the insert waits on its primary key and then skips it.
   * Returns whether anything was attempted, so the caller reads again.
   */
  private async fillGaps(missing: readonly number[]): Promise<boolean> {
    const now = Date.now();
    for (const id of [...this.gapSeen.keys()]) if (id <= this.last) this.gapSeen.delete(id);
    for (const id of missing) if (!this.gapSeen.has(id)) this.gapSeen.set(id, now);
    const due = this.expedite ? [...missing] : missing.filter((id) => now - this.gapSeen.get(id)! >= this.options.gapGraceMs);
    this.expedite = false;
    if (due.length === 0) return false;

    const compactRevision = await this.options.compactRevision();
    if (compactRevision >= due[0]!) {
      // Compaction removed rows this poller had not read yet: the watchers
      // that needed them cannot be served, exactly as etcd cancels a watcher
      // that falls behind the compaction. Those ids are gone for good.
      this.failLaggingSubscribers(Math.min(due[due.length - 1]!, compactRevision), compactRevision);
      for (const id of due) if (id <= compactRevision) this.lost.add(id);
    }
    const toFill = due.filter((id) => id > compactRevision);
    for (let i = 0; i < toFill.length; i += FILL_BATCH) {
      const ids = toFill.slice(i, i + FILL_BATCH);
      try {
        await this.driver.query(this.statements.fillIgnoringTaken(ids.length), ids.flatMap((id) => [id, id]));
      } catch (error) {
        // A deadlock or serialization failure: the next poll tries again.
        if (this.driver.classify(error)?.kind === 'retry') return true;
        throw error;
      }
    }
    if (toFill.length > 0) this.options.logger.debug({ ids: toFill.length }, 'filled gaps in the log');
    return true;
  }

  private failLaggingSubscribers(lostThrough: number, compactRevision: number): void {
    for (const subscriber of this.subscribers) {
      if (subscriber.minRevision <= lostThrough) {
        subscriber.queue.fail(new CompactedError(subscriber.minRevision, compactRevision));
        this.subscribers.delete(subscriber);
      }
    }
  }

  private dispatch(events: readonly WatchEvent[]): void {
    const revision = this.last;
    const now = Date.now();
    if (events.length > 0) {
      for (const subscriber of this.subscribers) {
        const mine = events.filter(
          (event) => event.kv.modRevision >= subscriber.minRevision && event.kv.key.startsWith(subscriber.prefix),
        );
        if (mine.length === 0) continue;
        const batch: WatchBatch = { events: mine, revision };
        if (subscriber.pending !== undefined) subscriber.pending.push(batch);
        else subscriber.queue.push(batch);
        subscriber.lastSentAt = now;
      }
    }
    if (this.waiters.length > 0) {
      for (let i = this.waiters.length - 1; i >= 0; i--) {
        const waiter = this.waiters[i]!;
        if (waiter.revision <= revision) {
          this.waiters.splice(i, 1);
          waiter.resolve();
        }
      }
    }
  }

  private sendProgress(): void {
    const now = Date.now();
    for (const subscriber of this.subscribers) {
      const every = subscriber.progressIntervalMs;
      if (every === undefined || subscriber.pending !== undefined) continue;
      if (now - subscriber.lastSentAt < every) continue;
      subscriber.queue.push({ events: [], revision: this.last });
      subscriber.lastSentAt = now;
    }
  }
}
