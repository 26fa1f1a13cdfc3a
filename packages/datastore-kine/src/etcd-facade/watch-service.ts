import type { ServerDuplexStream, UntypedServiceImplementation } from '@grpc/grpc-js';
import type { Watch, WatchEvent } from '../backend.js';
import { CompactedError } from '../errors.js';
import type { FacadeContext } from './context.js';
import { header, toInt, toProtoEvent } from './convert.js';
import { DuplexSession } from './duplex-session.js';
import { ETCD_MESSAGES, toGrpcStatus } from './errors.js';
import { parseRange, rangeContains, watchPrefix, type KeyRange } from './key-range.js';
import type { WatchCreateRequest, WatchRequest, WatchResponse } from './proto.js';

/**
 * How often every backend watch reports its progress to the facade while
 * idle (ms). The facade needs it to answer progress requests (below) for
 * watches whose keys do not change; clients only see it when they asked for
 * progress_notify, and then at `progressNotifyIntervalMs`.
 */
const BACKEND_PROGRESS_MS = 1000;

/** Beyond this many bytes of events a batch goes out in several responses. */
const MAX_RESPONSE_BYTES = 2 * 1024 * 1024;

/** etcd's watch_id of a response that concerns the whole stream (clientv3's InvalidWatchID). */
const STREAM_WIDE = -1;

type WatchStream = ServerDuplexStream<WatchRequest, WatchResponse>;

interface ActiveWatch {
  readonly id: number;
  readonly range: KeyRange;
  readonly prevKv: boolean;
  readonly noPut: boolean;
  readonly noDelete: boolean;
  readonly progressNotify: boolean;
  /** Undefined for a range that selects no key: nothing will ever happen to it. */
  readonly source: Watch | undefined;
  /** Every event of this watch up to this revision has been written to the stream. */
  sentUpTo: number;
  /** When this watch last wrote to the stream (ms), for progress_notify. */
  lastSentAt: number;
  done: boolean;
}

/** etcdserverpb.Watch: one bidirectional stream carrying any number of watches. */
export function watchService(context: FacadeContext): UntypedServiceImplementation {
  return {
    Watch: (call: WatchStream) => {
      new WatchSession(context, call).start();
    },
  };
}

/**
 * One Watch stream. Requests are handled strictly in order (a client such as
 * the `etcd3` npm package pairs "created" answers with its create requests by
 * order), and each watch forwards its backend watch's batches on its own.
 *
 * Progress requests are answered the way etcd 3.5 does it, which is what
 * Kubernetes' consistent reads from its watch cache depend on: the answer
 * (watch_id -1, header.revision R) goes out only once every watch on the
 * stream has written all its events up to R, R being the store's revision
 * when the request arrived. Idle watches learn how far they are from the
 * backend's progress batches.
 */
class WatchSession extends DuplexSession<WatchRequest, WatchResponse> {
  private readonly watches = new Map<number, ActiveWatch>();
  private nextId = 0;
  private readonly progressTargets: number[] = [];
  private readonly drainWaiters: (() => void)[] = [];

  constructor(context: FacadeContext, call: WatchStream) {
    super(context, call, 'Watch.Watch');
  }

  override start(): void {
    super.start();
    this.call.on('drain', () => this.releaseDrainWaiters());
    // As in etcd, a client that half-closes (sends no more requests) keeps its
    // watches: the session ends when the client cancels or the connection goes.
  }

  protected override onShutdown(): void {
    for (const watch of this.watches.values()) this.stop(watch);
    this.watches.clear();
    this.releaseDrainWaiters();
  }

  protected override async handle(request: WatchRequest): Promise<void> {
    if (this.closed) return;
    switch (request.request_union) {
      case 'create_request':
        if (request.create_request) await this.create(request.create_request);
        return;
      case 'cancel_request':
        if (request.cancel_request) await this.cancel(request.cancel_request.watch_id);
        return;
      case 'progress_request':
        await this.requestProgress();
        return;
      default:
        // etcd ignores a request with nothing set.
        return;
    }
  }

  // ----------------------------------------------------------------- create

  private async create(request: WatchCreateRequest): Promise<void> {
    const { backend } = this.context;
    let range: KeyRange;
    let requestedId: number;
    let startRevision: number;
    let current: number;
    try {
      range = parseRange(request.key, request.range_end);
      requestedId = toInt(request.watch_id, 'watch_id');
      startRevision = toInt(request.start_revision, 'start_revision');
      current = await backend.currentRevision();
    } catch (error) {
      await this.refuse(toGrpcStatus(error, this.context.logger, 'Watch.Watch').details);
      return;
    }
    let id: number;
    if (requestedId !== 0) {
      // etcd lets a client choose the ID, as long as no watch on the stream has it.
      if (requestedId < 0 || this.watches.has(requestedId)) {
        await this.refuse(ETCD_MESSAGES.duplicateWatchId);
        return;
      }
      id = requestedId;
    } else {
      while (this.watches.has(this.nextId)) this.nextId++;
      id = this.nextId++;
    }

    // etcd: no start revision means "after the revision at creation".
    const from = startRevision > 0 ? startRevision : current + 1;
    const prefix = watchPrefix(range);
    let source: Watch | undefined;
    try {
      source = prefix === undefined ? undefined : backend.watch(prefix, { fromRevision: from, progressIntervalMs: BACKEND_PROGRESS_MS });
    } catch (error) {
      await this.refuse(toGrpcStatus(error, this.context.logger, 'Watch.Watch').details);
      return;
    }
    const filters = new Set(request.filters.map(String));
    const watch: ActiveWatch = {
      id,
      range,
      prevKv: request.prev_kv,
      noPut: filters.has('Noput') || filters.has('0'),
      noDelete: filters.has('Nodelete') || filters.has('1'),
      progressNotify: request.progress_notify,
      source,
      sentUpTo: from - 1,
      lastSentAt: Date.now(),
      done: false,
    };
    this.watches.set(id, watch);
    this.context.logger.debug({ watchId: id, prefix, from }, 'etcd facade: watch created');
    await this.send({ header: header(current), watch_id: id, created: true });
    if (source !== undefined) {
      this.forward(watch, source).catch((error: unknown) => this.context.logger.error({ err: error, watchId: id }, 'etcd facade: watch forwarding failed'));
    }
  }

  /** Answers a create request that cannot be served, as etcd does: created and canceled at once. */
  private async refuse(reason: string): Promise<void> {
    await this.send({ header: header(await this.currentRevision()), watch_id: STREAM_WIDE, created: true, canceled: true, cancel_reason: reason });
  }

  /** Passes the backend's batches on until the watch ends. Never throws. */
  private async forward(watch: ActiveWatch, source: Watch): Promise<void> {
    const interval = this.context.progressNotifyIntervalMs;
    try {
      for await (const batch of source) {
        if (watch.done) return;
        const events = batch.events.filter(
          (event) =>
            rangeContains(watch.range, event.kv.key) &&
            !(watch.noPut && event.type !== 'delete') &&
            !(watch.noDelete && event.type === 'delete'),
        );
        const now = Date.now();
        if (events.length > 0) {
          const chunks = splitBySize(events, watch.prevKv);
          for (const [index, chunk] of chunks.entries()) {
            // A chunk's header may only claim what has been sent: up to its last event, the batch's revision at the end.
            const upTo = index === chunks.length - 1 ? batch.revision : chunk[chunk.length - 1]!.kv.modRevision;
            await this.send({ header: header(upTo), watch_id: watch.id, events: chunk.map((event) => toProtoEvent(event, watch.prevKv)) });
          }
          watch.lastSentAt = now;
        } else if (batch.events.length === 0 && watch.progressNotify && now - watch.lastSentAt >= interval) {
          await this.send({ header: header(batch.revision), watch_id: watch.id });
          watch.lastSentAt = now;
        }
        if (watch.done) return;
        watch.sentUpTo = Math.max(watch.sentUpTo, batch.revision);
        this.answerProgress();
      }
      // The backend ended the watch (it is closing): tell the client, which may retry elsewhere.
      if (!watch.done) await this.end(watch, { cancel_reason: ETCD_MESSAGES.stopped });
    } catch (error) {
      if (watch.done) return;
      if (error instanceof CompactedError) {
        // etcd's answer to a watch that starts (or falls) below the compaction.
        await this.end(watch, { compact_revision: error.compactRevision, cancel_reason: ETCD_MESSAGES.compacted });
      } else {
        await this.end(watch, { cancel_reason: toGrpcStatus(error, this.context.logger, 'Watch.Watch').details });
      }
    }
  }

  private stop(watch: ActiveWatch): void {
    watch.done = true;
    watch.source?.close();
  }

  private async end(watch: ActiveWatch, extra: Pick<WatchResponse, 'compact_revision' | 'cancel_reason'>): Promise<void> {
    this.watches.delete(watch.id);
    this.stop(watch);
    await this.send({ header: header(await this.currentRevision()), watch_id: watch.id, canceled: true, ...extra });
    this.answerProgress();
  }

  // ----------------------------------------------------------------- cancel

  private async cancel(watchId: string): Promise<void> {
    const id = Number(watchId);
    const watch = this.watches.get(id);
    // etcd does not answer a cancel for a watch it does not know.
    if (watch === undefined) return;
    await this.end(watch, {});
  }

  // --------------------------------------------------------------- progress

  private async requestProgress(): Promise<void> {
    this.progressTargets.push(await this.context.backend.currentRevision());
    this.answerProgress();
  }

  private answerProgress(): void {
    if (this.progressTargets.length === 0) return;
    let synced = Number.POSITIVE_INFINITY;
    for (const watch of this.watches.values()) {
      if (watch.source !== undefined) synced = Math.min(synced, watch.sentUpTo);
    }
    while (this.progressTargets.length > 0 && this.progressTargets[0]! <= synced) {
      const target = this.progressTargets.shift()!;
      void this.send({ header: header(target), watch_id: STREAM_WIDE });
    }
  }

  // ---------------------------------------------------------------- writing

  /** Writes a response; resolves when the stream can take more (or is gone). */
  private async send(response: WatchResponse): Promise<void> {
    if (this.closed || this.call.writableEnded || this.call.destroyed) return;
    if (this.call.write(response)) return;
    await new Promise<void>((resolve) => this.drainWaiters.push(resolve));
  }

  private releaseDrainWaiters(): void {
    for (const resolve of this.drainWaiters.splice(0)) resolve();
  }

  private async currentRevision(): Promise<number> {
    try {
      return await this.context.backend.currentRevision();
    } catch {
      return 0;
    }
  }
}

/**
 * Splits a batch into responses of about MAX_RESPONSE_BYTES at most, so that
 * no response outgrows what clients accept (grpc-js, under the `etcd3`
 * package, takes 4 MiB by default). Every event has its own revision here, so
 * a split never separates the events of one revision.
 */
function splitBySize(events: readonly WatchEvent[], withPrevKv: boolean): WatchEvent[][] {
  const chunks: WatchEvent[][] = [];
  let chunk: WatchEvent[] = [];
  let bytes = 0;
  for (const event of events) {
    const size =
      2 * event.kv.key.length + event.kv.value.byteLength + (withPrevKv && event.prevKv !== undefined ? event.prevKv.value.byteLength : 0) + 64;
    if (chunk.length > 0 && bytes + size > MAX_RESPONSE_BYTES) {
      chunks.push(chunk);
      chunk = [];
      bytes = 0;
    }
    chunk.push(event);
    bytes += size;
  }
  if (chunk.length > 0) chunks.push(chunk);
  return chunks;
}
