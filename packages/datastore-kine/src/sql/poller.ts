import type { Logger } from 'pino';
import type { WatchBatch, WatchEvent } from '../backend.js';
import { CompactedError, UnavailableError } from '../errors.js';
import type { AsyncQueue } from '../watch/async-queue.js';
import type { SqlDriver } from './driver.js';
import { isFillRow, rowToEvent, toNumber } from './rows.js';
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
export class LogPoller {
  private last: number;
  private readonly subscribers = new Set<Subscriber>();
  private readonly waiters: { revision: number; resolve: () => void }[] = [];
  private polling: Promise<void> | undefined;
  private pollAgain = false;
  private interval: NodeJS.Timeout | undefined;
  private retry: NodeJS.Timeout | undefined;
  private gap: { from: number; since: number } | undefined;
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
      const events: WatchEvent[] = [];
      let blocked = false;
      for (const row of rows) {
        const id = toNumber(row['id']);
        if (id <= this.last) continue;
        if (id !== this.last + 1) {
          const closed = await this.closeGap(this.last + 1, id - 1);
          if (!closed) {
            blocked = true;
            break;
          }
        }
        this.gap = undefined;
        this.last = id;
        if (!isFillRow(row)) events.push(rowToEvent(row));
      }
      this.dispatch(events);
      if (blocked) {
        this.scheduleRetry(10);
        return;
      }
      if (rows.length < batchSize) return;
    }
  }

  /**
   * Decides what to do about missing ids `from..to`: true when the poller may
   * move past them, false to stop here and look again shortly.
   */
  private async closeGap(from: number, to: number): Promise<boolean> {
    const now = Date.now();
    if (this.gap === undefined || this.gap.from !== from) {
      this.gap = { from, since: now };
      if (!this.expedite) return false;
    }
    if (now - this.gap.since < this.options.gapGraceMs && !this.expedite) return false;
    this.expedite = false;

    const compactRevision = await this.options.compactRevision();
    if (compactRevision >= from) {
      // Compaction removed rows this poller had not read yet: the watchers
      // that needed them cannot be served, exactly as etcd cancels a watcher
      // that falls behind the compaction.
      const lostThrough = Math.min(to, compactRevision);
      this.failLaggingSubscribers(lostThrough, compactRevision);
      if (to <= compactRevision) return true;
      from = compactRevision + 1;
    }
    for (let id = from; id <= to; id++) {
      try {
        await this.driver.query(this.statements.fill, [id, id]);
      } catch (error) {
        const failure = this.driver.classify(error);
        if (failure?.kind === 'unique' || failure?.kind === 'retry') {
          // The id's own row landed (or is landing): read it on the next poll.
          this.gap = undefined;
          return false;
        }
        throw error;
      }
    }
    this.options.logger.debug({ from, to }, 'filled a gap in the log');
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
