import type { Backend, Watch } from '@lk/datastore-kine';
import { CompactedError } from '@lk/datastore-kine';
import type { Logger } from 'pino';
import { decodeKeyValue } from '../registry/object-codec.js';
import type { KubeObject } from '../resources/types.js';

/** A change to one object, as the cache records it. */
export interface CacheEvent {
  readonly type: 'ADDED' | 'MODIFIED' | 'DELETED';
  readonly key: string;
  /** The object after the change; for DELETED its last state, at the delete's resourceVersion. */
  readonly object: KubeObject;
  /** The object before the change (MODIFIED and DELETED). */
  readonly previous?: KubeObject;
  readonly revision: number;
}

/** What a watcher receives: changes, or a bookmark that only moves its resourceVersion. */
export type WatcherMessage =
  | { readonly kind: 'event'; readonly type: 'ADDED' | 'MODIFIED' | 'DELETED'; readonly object: KubeObject }
  | { readonly kind: 'bookmark'; readonly revision: number; readonly initialEventsEnd?: boolean };

export interface CacheWatchOptions {
  /**
   * Deliver changes after this revision. Undefined: start with a synthetic
   * ADDED event for every object that exists now ("get state and start at
   * most recent"), as a watch without a resourceVersion does.
   */
  readonly afterRevision?: number;
  /** Send the current objects as ADDED events first, ending with an initial-events-end bookmark. */
  readonly sendInitialEvents?: boolean;
  readonly matches: (object: KubeObject) => boolean;
  /** Keys under this prefix only (a namespace), for cheap filtering. */
  readonly keyPrefix: string;
  readonly bookmarks: boolean;
}

/** The cache has moved past what a watch asked to resume from. */
export class TooOldResourceVersionError extends Error {
  constructor(
    readonly requested: number,
    readonly oldest: number,
  ) {
    super(`too old resource version: ${requested} (${oldest})`);
  }
}

export interface WatchCacheOptions {
  /** Events kept for watches that resume from a resourceVersion. */
  readonly capacity?: number;
  /** Bookmarks go out at about this interval to watchers that asked for them. */
  readonly bookmarkIntervalMs?: number;
  /** A watcher that falls this many messages behind is closed (it can resume). */
  readonly maxPendingPerWatcher?: number;
  readonly logger: Logger;
}

interface CacheWatcher {
  readonly options: CacheWatchOptions;
  readonly push: (message: WatcherMessage) => void;
  readonly close: () => void;
  readonly pending: () => number;
  lastRevision: number;
}

/**
 * One datastore watch per resource, fanned out to every API watch and serving
 * `resourceVersion=0` reads: upstream's watch cache (the "cacher"). It holds
 * the current objects and a ring of recent events, so a client can resume a
 * watch from a recent resourceVersion without touching the datastore.
 */
export class WatchCache {
  private readonly objects = new Map<string, KubeObject>();
  /** Counts changes to `objects`, so derived indexes (RBAC's) know when to rebuild. */
  private changeCount = 0;
  private readonly ring: CacheEvent[] = [];
  private ringStart = 0;
  /** Every event up to this revision has been applied. */
  private current = 0;
  /** Watches can resume from here on: events after it are in the ring. */
  private oldestResumable = 0;
  private readonly watchers = new Set<CacheWatcher>();
  private readonly revisionWaiters: { revision: number; resolve: () => void }[] = [];
  private backendWatch: Watch | undefined;
  private bookmarkTimer: NodeJS.Timeout | undefined;
  private stopped = false;
  private readyPromise: Promise<void> | undefined;
  private readonly capacity: number;
  private readonly maxPending: number;

  constructor(
    private readonly backend: Backend,
    private readonly prefix: string,
    private readonly options: WatchCacheOptions,
  ) {
    this.capacity = options.capacity ?? 10_000;
    this.maxPending = options.maxPendingPerWatcher ?? 100_000;
  }

  /** Lists and starts watching; resolves once the cache holds the current state. */
  start(): Promise<void> {
    this.readyPromise ??= this.initialize();
    return this.readyPromise;
  }

  get revision(): number {
    return this.current;
  }

  /** A number that changes whenever the cached objects do (not on progress notifications, as `revision` does). */
  get changes(): number {
    return this.changeCount;
  }

  private async initialize(): Promise<void> {
    await this.relist();
    const interval = this.options.bookmarkIntervalMs ?? 15_000;
    this.bookmarkTimer = setInterval(() => this.sendBookmarks(), interval);
    this.bookmarkTimer.unref();
  }

  /** Loads the current state and (re)starts the datastore watch right after it. */
  private async relist(): Promise<void> {
    const objects = new Map<string, KubeObject>();
    let revision = 0;
    let startKey: string | undefined;
    for (;;) {
      const page = await this.backend.list({ prefix: this.prefix, startKey, revision: revision || undefined, limit: 5000 });
      revision = page.revision;
      for (const kv of page.kvs) objects.set(kv.key, decodeKeyValue(kv));
      if (!page.more || page.kvs.length === 0) break;
      startKey = `${page.kvs[page.kvs.length - 1]!.key}\u0000`;
    }
    this.objects.clear();
    for (const [key, object] of objects) this.objects.set(key, object);
    this.changeCount++;
    this.ring.length = 0;
    this.ringStart = 0;
    this.current = revision;
    this.oldestResumable = revision;
    this.resolveWaiters();
    this.backendWatch = this.backend.watch(this.prefix, { fromRevision: revision + 1, progressIntervalMs: 1000 });
    void this.consume(this.backendWatch);
  }

  private async consume(watch: Watch): Promise<void> {
    try {
      for await (const batch of watch) {
        for (const event of batch.events) this.apply(event.type, event.kv.key, event.kv.modRevision, event.kv.value, event.prevKv);
        if (batch.revision > this.current) this.current = batch.revision;
        this.resolveWaiters();
      }
    } catch (error) {
      if (this.stopped) return;
      if (error instanceof CompactedError) {
        // We fell behind compaction: start over from a fresh list. Watchers
        // could have missed changes, so they must relist too.
        this.options.logger.warn({ prefix: this.prefix }, 'watch cache fell behind compaction; relisting');
        for (const watcher of this.watchers) watcher.close();
        this.watchers.clear();
      } else {
        this.options.logger.warn({ err: error, prefix: this.prefix }, 'watch cache lost its datastore watch; relisting');
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
      if (!this.stopped) await this.relist().catch((relistError: unknown) => this.retryLater(relistError));
    }
  }

  private retryLater(error: unknown): void {
    this.options.logger.warn({ err: error, prefix: this.prefix }, 'watch cache relist failed; retrying');
    setTimeout(() => {
      if (!this.stopped) void this.relist().catch((again: unknown) => this.retryLater(again));
    }, 2000).unref();
  }

  private apply(
    type: 'create' | 'update' | 'delete',
    key: string,
    revision: number,
    value: Uint8Array,
    prevKv: { value: Uint8Array; modRevision: number } | undefined,
  ): void {
    const previous = this.objects.get(key) ?? (prevKv !== undefined && prevKv.value.byteLength > 0 ? decodeKeyValue({ ...prevKv, key, createRevision: 0, lease: 0 }) : undefined);
    let event: CacheEvent;
    if (type === 'delete') {
      if (previous === undefined) return;
      this.objects.delete(key);
      const last = structuredClone(previous);
      last.metadata.resourceVersion = String(revision);
      event = { type: 'DELETED', key, object: last, previous, revision };
    } else {
      const object = decodeKeyValue({ key, value, modRevision: revision, createRevision: 0, lease: 0 });
      this.objects.set(key, object);
      event = previous === undefined || type === 'create' ? { type: 'ADDED', key, object, revision } : { type: 'MODIFIED', key, object, previous, revision };
    }
    this.current = revision;
    this.changeCount++;
    this.record(event);
    for (const watcher of this.watchers) this.deliver(watcher, event);
  }

  private record(event: CacheEvent): void {
    if (this.ring.length - this.ringStart >= this.capacity) {
      this.oldestResumable = this.ring[this.ringStart]!.revision;
      this.ring[this.ringStart] = undefined as unknown as CacheEvent;
      this.ringStart++;
      if (this.ringStart > this.capacity) {
        this.ring.splice(0, this.ringStart);
        this.ringStart = 0;
      }
    }
    this.ring.push(event);
  }

  private deliver(watcher: CacheWatcher, event: CacheEvent): void {
    if (event.revision <= watcher.lastRevision) return;
    if (!event.key.startsWith(watcher.options.keyPrefix)) return;
    const message = translate(event, watcher.options.matches);
    watcher.lastRevision = event.revision;
    if (message === undefined) return;
    if (watcher.pending() >= this.maxPending) {
      this.options.logger.warn({ prefix: this.prefix }, 'closing a watcher that fell too far behind');
      watcher.close();
      return;
    }
    watcher.push(message);
  }

  /** Objects now, in key order, with the revision they are current at. */
  snapshot(keyPrefix = this.prefix): { objects: KubeObject[]; revision: number } {
    const keys = [...this.objects.keys()].filter((key) => key.startsWith(keyPrefix)).sort();
    return { objects: keys.map((key) => this.objects.get(key)!), revision: this.current };
  }

  get(key: string): KubeObject | undefined {
    return this.objects.get(key);
  }

  /** Resolves once the cache has applied everything up to `revision`; rejects after `timeoutMs`. */
  waitForRevision(revision: number, timeoutMs: number): Promise<void> {
    if (this.current >= revision) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        const index = this.revisionWaiters.indexOf(waiter);
        if (index >= 0) this.revisionWaiters.splice(index, 1);
        reject(new Error(`Too large resource version: ${revision}, current: ${this.current}`));
      }, timeoutMs);
      const waiter = {
        revision,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      };
      this.revisionWaiters.push(waiter);
    });
  }

  private resolveWaiters(): void {
    for (let i = this.revisionWaiters.length - 1; i >= 0; i--) {
      const waiter = this.revisionWaiters[i]!;
      if (waiter.revision <= this.current) {
        this.revisionWaiters.splice(i, 1);
        waiter.resolve();
      }
    }
  }

  /**
   * Starts a watch. Messages go to `push` synchronously as the cache applies
   * events; the caller queues them. Throws {@link TooOldResourceVersionError}
   * when `afterRevision` is older than the events the cache still holds.
   */
  watch(
    options: CacheWatchOptions,
    push: (message: WatcherMessage) => void,
    close: () => void,
    pending: () => number,
  ): () => void {
    const watcher: CacheWatcher = { options, push, close, pending, lastRevision: this.current };
    const initial = options.afterRevision === undefined || options.sendInitialEvents === true;
    if (initial) {
      const { objects, revision } = this.snapshot(options.keyPrefix);
      for (const object of objects) if (options.matches(object)) push({ kind: 'event', type: 'ADDED', object });
      if (options.sendInitialEvents === true) push({ kind: 'bookmark', revision, initialEventsEnd: true });
      watcher.lastRevision = revision;
    } else {
      const after = options.afterRevision!;
      if (after < this.oldestResumable) throw new TooOldResourceVersionError(after, this.oldestResumable);
      watcher.lastRevision = after;
      for (let i = this.ringStart; i < this.ring.length; i++) {
        const event = this.ring[i]!;
        if (event.revision > after) this.deliver(watcher, event);
      }
      // A resume from the future waits for the cache to get there: the
      // watcher's lastRevision filters what comes before it.
      watcher.lastRevision = Math.max(watcher.lastRevision, after);
    }
    this.watchers.add(watcher);
    return () => {
      this.watchers.delete(watcher);
    };
  }

  private sendBookmarks(): void {
    for (const watcher of this.watchers) {
      if (!watcher.options.bookmarks) continue;
      if (this.current > watcher.lastRevision) watcher.lastRevision = this.current;
      watcher.push({ kind: 'bookmark', revision: watcher.lastRevision });
    }
  }

  /** Sends a bookmark now to every watcher that asked for them (for tests and shutdown). */
  flushBookmarks(): void {
    this.sendBookmarks();
  }

  stop(): void {
    this.stopped = true;
    clearInterval(this.bookmarkTimer);
    this.backendWatch?.close();
    for (const watcher of this.watchers) watcher.close();
    this.watchers.clear();
  }
}

/**
 * What one watcher sees of an event, given its filter: an object that starts
 * matching is ADDED, one that stops matching is DELETED (with its previous
 * content at the event's resourceVersion), as upstream's cacheWatcher does.
 */
function translate(event: CacheEvent, matches: (object: KubeObject) => boolean): WatcherMessage | undefined {
  const now = event.type !== 'DELETED' && matches(event.object);
  const before = event.previous !== undefined && matches(event.previous);
  if (event.type === 'DELETED') return before ? { kind: 'event', type: 'DELETED', object: event.object } : undefined;
  if (now && before) return { kind: 'event', type: 'MODIFIED', object: event.object };
  if (now) return { kind: 'event', type: 'ADDED', object: event.object };
  if (before) {
    const last = structuredClone(event.previous!);
    last.metadata.resourceVersion = String(event.revision);
    return { kind: 'event', type: 'DELETED', object: last };
  }
  return undefined;
}
