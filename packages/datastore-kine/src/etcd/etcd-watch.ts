/**
 * One Backend watch as one etcd Watch stream.
 *
 * Each watch gets a gRPC stream of its own (they share the HTTP/2
 * connection) rather than sharing one stream: a progress request is answered
 * per stream, so on a stream of its own the answer concerns only this
 * watcher, and one slow consumer cannot hold up the others.
 *
 * A watch without a start revision cannot start at etcd's "now": etcd
 * registers it a round trip after watch() returned, and a write made
 * meanwhile (by this process or another) would be missed. It starts after
 * `seenRevision` instead, the newest revision the backend has seen in any
 * answer, which is at most the store's revision when watch() was called;
 * so nothing written after watch() returns is missed. If that revision has
 * been compacted since (the backend was idle through a compaction), the
 * watch starts after the compact revision: that history was gone before
 * the watch began, and nobody asked for it.
 *
 * When the stream breaks (etcd restarted, a network blip) the watch resumes
 * on a new stream from the revision after the last one it delivered, so the
 * consumer sees neither a gap nor a duplicate; if that history has been
 * compacted meanwhile, iteration fails with CompactedError as it would have
 * at the start.
 */
import type { Logger } from 'pino';
import { castGrpcError, type IDuplexStream, type IWatchRequest, type IWatchResponse } from 'etcd3';
import type { Watch, WatchBatch, WatchOptions } from '../backend.js';
import { CompactedError, UnavailableError } from '../errors.js';
import { AsyncQueue } from '../watch/async-queue.js';
import { closeStream } from './client.js';
import { int64, toWatchEvent, type KeyRange } from './convert.js';
import { classifyEtcdError, reasonOf } from './etcd-errors.js';
import { ProgressGate } from './progress-gate.js';

export type WatchStream = IDuplexStream<IWatchRequest, IWatchResponse>;

/** What a watch needs from the backend that owns it. */
export interface WatchHost {
  readonly logger: Logger;
  openStream(): Promise<WatchStream>;
  /** The store's compact revision (see compact-revision.ts). */
  compactRevision(): Promise<number>;
  /** etcd told a watch where the compaction horizon is: remember it. */
  noteCompactRevision(revision: number): void;
  /** A watch response carried this store revision. */
  noteRevision(revision: number): void;
  forget(watch: EtcdWatch): void;
}

/** How long etcd gets to catch up a watcher that started in the past before its progress answers are trusted. */
const CATCH_UP_GRACE_MS = 1000;
const RECONNECT_MIN_MS = 100;
const RECONNECT_MAX_MS = 5000;
/** etcd's watch_id in answers to a WatchProgressRequest: "every watcher on this stream". */
const ALL_WATCHERS = '-1';

export class EtcdWatch {
  readonly queue: AsyncQueue<WatchBatch>;
  private stream: WatchStream | undefined;
  /** This stream's watcher id, once etcd has confirmed the creation. */
  private watchId: string | undefined;
  private gate: ProgressGate | undefined;
  private closed = false;
  /** Where the next stream starts. */
  private resumeFrom: number;
  /** Whether the next stream starts where the watch began, at a revision the caller did not choose. */
  private startsFromNow: boolean;
  /** The newest revision reported to the consumer (by events or progress). */
  private delivered = 0;
  private lastPushAt = Date.now();
  private failures = 0;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private progressTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly host: WatchHost,
    private readonly range: KeyRange,
    private readonly options: WatchOptions,
    seenRevision: number,
  ) {
    this.queue = new AsyncQueue<WatchBatch>(() => this.close());
    const from = options.fromRevision ?? 0;
    this.startsFromNow = from === 0;
    this.resumeFrom = from > 0 ? from : seenRevision + 1;
  }

  start(): Watch {
    const signal = this.options.signal;
    if (signal?.aborted) {
      this.close();
    } else {
      signal?.addEventListener('abort', this.close, { once: true });
      void this.connect();
    }
    return { [Symbol.asyncIterator]: () => this.queue, close: this.close };
  }

  /** Ends the iteration; safe to call any number of times, from anywhere. */
  readonly close = (): void => {
    if (this.closed) return;
    this.closed = true;
    this.options.signal?.removeEventListener('abort', this.close);
    clearTimeout(this.reconnectTimer);
    clearInterval(this.progressTimer);
    this.dropStream();
    this.queue.close();
    this.host.forget(this);
  };

  // ------------------------------------------------------------ the stream

  private async connect(): Promise<void> {
    const startRevision = this.resumeFrom;
    try {
      // etcd still serves a watch from exactly its compact revision; the
      // Backend refuses it. (A watch from now learns of compaction below.)
      if (!this.startsFromNow) {
        const compacted = await this.host.compactRevision();
        if (startRevision <= compacted) return this.fail(new CompactedError(startRevision, compacted));
      }
      if (this.closed) return;
      const stream = await this.host.openStream();
      if (this.closed) {
        closeStream(stream);
        return;
      }
      this.attach(stream, startRevision);
    } catch (error) {
      this.reconnectLater(error);
    }
  }

  private attach(stream: WatchStream, startRevision: number): void {
    this.stream = stream;
    this.watchId = undefined;
    stream.on('data', (response) => this.onResponse(stream, response, startRevision));
    stream.on('error', (error) => this.onBroken(stream, castGrpcError(error)));
    stream.on('end', () => this.onBroken(stream, new UnavailableError('etcd ended the watch stream')));
    stream.write({
      create_request: {
        key: this.range.key,
        range_end: this.range.rangeEnd,
        start_revision: startRevision,
        prev_kv: true,
        // etcd's own periodic notifications (every --experimental-watch-progress-notify-interval,
        // 10 minutes by default) travel with the events and are always safe to pass on.
        progress_notify: this.options.progressIntervalMs !== undefined,
      },
    });
  }

  private onResponse(stream: WatchStream, response: IWatchResponse, startRevision: number): void {
    if (stream !== this.stream || this.closed) return;
    const header = int64(response.header?.revision, 'a header revision');
    this.host.noteRevision(header);
    if (response.created) return this.onCreated(response, header, startRevision);
    if (response.canceled) return this.onCanceled(response, startRevision);
    if (response.events.length > 0) return this.onEvents(response, header);
    this.onProgress(response.watch_id, header);
  }

  private onCreated(response: IWatchResponse, header: number, startRevision: number): void {
    if (response.canceled) {
      return this.fail(new UnavailableError(`etcd refused the watch: ${response.cancel_reason || 'no reason given'}`));
    }
    this.watchId = response.watch_id;
    this.failures = 0;
    const now = Date.now();
    const catchUpTo = startRevision > 0 && startRevision <= header ? header : undefined;
    this.gate = new ProgressGate(catchUpTo, now + CATCH_UP_GRACE_MS);
    this.lastPushAt = now;
    this.startProgressTimer();
  }

  private onCanceled(response: IWatchResponse, startRevision: number): void {
    const compactRevision = int64(response.compact_revision, 'a compact revision');
    if (compactRevision > 0) {
      this.host.noteCompactRevision(compactRevision);
      if (!this.startsFromNow) return this.fail(new CompactedError(startRevision, compactRevision));
      this.resumeFrom = compactRevision + 1;
      this.dropStream();
      void this.connect();
      return;
    }
    if (response.cancel_reason) return this.fail(new UnavailableError(`etcd canceled the watch: ${response.cancel_reason}`));
    this.onBroken(this.stream!, new UnavailableError('etcd canceled the watch without a reason'));
  }

  private onEvents(response: IWatchResponse, header: number): void {
    const events = response.events.map(toWatchEvent);
    // The last event's revision, not the header's: a catch-up response carries
    // the store's current revision in its header even when etcd cut the batch
    // short (1000 revisions at a time) and more history is still to come.
    const revision = events[events.length - 1]!.kv.modRevision;
    this.push({ events, revision });
    this.gate?.noteBatch(header);
  }

  private onProgress(watchId: string, revision: number): void {
    let safe: number | undefined;
    if (watchId === ALL_WATCHERS) safe = this.gate?.answer(revision, Date.now());
    else if (watchId === this.watchId) safe = revision;
    // Equal to what was delivered is still news: "nothing new up to here".
    if (safe !== undefined && safe >= this.delivered) this.push({ events: [], revision: safe });
  }

  private push(batch: WatchBatch): void {
    // From here on, a new stream resumes after what was delivered, history or not.
    this.startsFromNow = false;
    this.delivered = Math.max(this.delivered, batch.revision);
    this.resumeFrom = Math.max(this.resumeFrom, this.delivered + 1);
    this.lastPushAt = Date.now();
    this.queue.push(batch);
  }

  // --------------------------------------------------------------- progress

  private startProgressTimer(): void {
    const interval = this.options.progressIntervalMs;
    if (interval === undefined || this.progressTimer !== undefined) return;
    this.progressTimer = setInterval(() => {
      if (this.watchId === undefined || Date.now() - this.lastPushAt < interval) return;
      this.stream?.write({ progress_request: {} });
    }, interval);
    this.progressTimer.unref();
  }

  // ---------------------------------------------------------------- failure

  private onBroken(stream: WatchStream, error: unknown): void {
    if (stream !== this.stream || this.closed) return;
    this.dropStream();
    if (classifyEtcdError(error) === 'compacted') {
      // Only a start revision can be compacted; ask where the horizon is now.
      void this.host.compactRevision().then(
        (compacted) => this.fail(new CompactedError(this.resumeFrom, compacted)),
        (failure: unknown) => this.reconnectLater(failure),
      );
      return;
    }
    this.reconnectLater(error);
  }

  private reconnectLater(error: unknown): void {
    if (this.closed) return;
    this.failures++;
    const delay = Math.min(RECONNECT_MIN_MS * 2 ** (this.failures - 1), RECONNECT_MAX_MS);
    if (this.failures === 1 || this.failures % 20 === 0) {
      this.host.logger.warn({ reason: reasonOf(error), failures: this.failures, retryInMs: delay }, 'etcd watch stream broke; resuming');
    }
    this.reconnectTimer = setTimeout(() => void this.connect(), delay);
    this.reconnectTimer.unref();
  }

  private fail(error: Error): void {
    if (this.closed) return;
    this.closed = true;
    this.options.signal?.removeEventListener('abort', this.close);
    clearTimeout(this.reconnectTimer);
    clearInterval(this.progressTimer);
    this.dropStream();
    this.queue.fail(error);
    this.host.forget(this);
  }

  private dropStream(): void {
    const stream = this.stream;
    this.stream = undefined;
    this.watchId = undefined;
    this.gate = undefined;
    // Its CANCELLED error then reaches onBroken, which ignores a stream no longer ours.
    if (stream !== undefined) closeStream(stream);
  }
}
