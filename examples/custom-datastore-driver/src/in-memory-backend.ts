/**
 * A complete lk datastore driver in one file: a `Backend` that keeps
 * everything in memory, written the way a third party would write a driver
 * for their own database. It imports only the public entry of
 * `@lk/datastore-kine` (types, typed errors, key-order helpers) and passes the
 * conformance kit from `@lk/datastore-kine/testing`.
 *
 * The model is kine's, which is etcd's:
 *
 * - The **log** is an append-only list of changes, one per revision. The
 *   revision is a single counter for the whole store; it is what Kubernetes
 *   calls `resourceVersion`. Watches replay the log.
 * - The **history** maps every key to its versions, oldest first. Reading
 *   "at revision R" means: the newest version whose revision is <= R. The
 *   current value is simply the last version.
 * - **Compaction** forgets the versions nobody can ask for any more.
 *
 * Atomicity comes for free here and deserves a word: JavaScript runs one
 * piece of code at a time, and no method below awaits anything between
 * reading the current version and appending the new one. So a
 * compare-and-swap cannot be interleaved with another write, and a watch that
 * replays history and then subscribes cannot miss or repeat a write. A driver
 * for a real database gets the same guarantees from transactions and unique
 * constraints (see the SQL drivers in `@lk/datastore-kine`).
 */
import {
  ClosedError,
  CompactedError,
  FutureRevisionError,
  KeyExistsError,
  KeyNotFoundError,
  LeaseNotFoundError,
  RevisionMismatchError,
  compareKeys,
  prefixEnd,
  type Backend,
  type CompactResult,
  type CountOptions,
  type CountResult,
  type DeleteOptions,
  type DeleteResult,
  type GetOptions,
  type GetResult,
  type KeyValue,
  type Lease,
  type LeaseTimeToLive,
  type ListOptions,
  type ListResult,
  type Watch,
  type WatchBatch,
  type WatchEvent,
  type WatchOptions,
  type WriteOptions,
  type WriteResult,
  AsyncQueue,
  validateKey,
  validateLeaseId,
  validateLimit,
  validatePrefix,
  validateProgressInterval,
  validateRevision,
  validateTtl,
  validateValue,
} from '@lk/datastore-kine';

export interface InMemoryBackendOptions {
  /**
   * How often to look for leases whose time is up (ms, default 250). Expiry
   * is also noticed whenever a lease is used, so this only bounds how long the
   * keys of a forgotten lease linger.
   */
  readonly leaseCheckIntervalMs?: number;
}

/** One version of one key: what a row of kine's log table records about it. */
interface Version {
  /** The revision that wrote this version: the key's `modRevision`. */
  readonly revision: number;
  /** When the key was (last) created; kept on every version so an update need not look back. */
  readonly createRevision: number;
  readonly value: Uint8Array;
  readonly lease: number;
  /**
   * A tombstone: the key was deleted at `revision`. It stays in the history so
   * that a read at a revision after the delete says "absent" instead of
   * finding the version before it.
   */
  readonly deleted: boolean;
}

interface LeaseState {
  readonly id: number;
  readonly ttl: number;
  /** Milliseconds since the epoch; moved forward by every keep-alive. */
  expiresAt: number;
  /** Keys whose current version names this lease: what a revoke must delete. */
  readonly keys: Set<string>;
}

/** One open watch, as the write path sees it. */
interface Watcher {
  readonly prefix: string;
  /**
   * Live events below this revision are not for this watcher: it asked to
   * start there (anything older came from the replay), or it began "now".
   */
  readonly fromRevision: number;
  readonly queue: AsyncQueue<WatchBatch>;
  /** When this watcher was last sent anything: progress notifications fill only the silences. */
  lastSentAt: number;
  close(): void;
}

const EMPTY = new Uint8Array(0);

export class InMemoryBackend implements Backend {
  /** The newest revision handed out. Survives compaction: revisions are never reused. */
  private revision = 0;
  /** Reads and watches at or below this revision fail with `CompactedError`. */
  private compacted = 0;
  /** Every change after `compacted`, in revision order. */
  private readonly log: WatchEvent[] = [];
  private readonly history = new Map<string, Version[]>();
  /**
   * Every key of `history`, sorted in UTF-8 byte order. A list is a range scan
   * (`prefix` to `prefixEnd(prefix)`), which a database serves from a B-tree
   * index; a sorted array with binary search is the in-memory equivalent.
   * A `Map` alone iterates in insertion order, which is not what `list` promises.
   */
  private readonly sortedKeys: string[] = [];
  private readonly leases = new Map<number, LeaseState>();
  /** Lease ids are never reused, so a stale id cannot revoke someone else's lease. */
  private lastLeaseId = 0;
  private readonly watchers = new Set<Watcher>();
  private readonly leaseTimer: NodeJS.Timeout;
  private closed = false;

  constructor(options: InMemoryBackendOptions = {}) {
    // One sweep for all leases rather than one timer per lease: a TTL may be
    // up to 9e9 s, far past the ~24.8 days a Node timer can wait, and
    // keep-alives (every few seconds per lease) would otherwise churn timers.
    this.leaseTimer = setInterval(() => this.expireLeases(Date.now()), options.leaseCheckIntervalMs ?? 250);
    // A datastore must not keep the process alive on its own: the host decides when to exit.
    this.leaseTimer.unref();
  }

  // ---------------------------------------------------------------- reads

  async get(key: string, options: GetOptions = {}): Promise<GetResult> {
    validateKey(key);
    validateRevision('revision', options.revision);
    const revision = this.readRevision(options.revision);
    const version = this.versionAt(key, revision);
    return { revision, kv: version === undefined ? undefined : exposed(key, version, false) };
  }

  async list(options: ListOptions): Promise<ListResult> {
    validatePrefix(options.prefix);
    validateRevision('revision', options.revision);
    validateLimit(options.limit);
    const revision = this.readRevision(options.revision);
    const limit = options.limit !== undefined && options.limit > 0 ? options.limit : Infinity;
    const kvs: KeyValue[] = [];
    let more = false;
    for (const [key, version] of this.range(options.prefix, options.startKey, revision)) {
      // Finding one key past the limit is how we know to say `more`.
      if (kvs.length === limit) {
        more = true;
        break;
      }
      kvs.push(exposed(key, version, options.keysOnly === true));
    }
    return { revision, kvs, more };
  }

  async count(prefix: string, options: CountOptions = {}): Promise<CountResult> {
    validatePrefix(prefix);
    validateRevision('revision', options.revision);
    const revision = this.readRevision(options.revision);
    let count = 0;
    for (const _ of this.range(prefix, options.startKey, revision)) count++;
    return { revision, count };
  }

  /**
   * The revision a read is served at. Asking for none means "now". A past
   * revision must still have its history (not compacted) and a future one
   * cannot be answered yet: both are typed errors the API server turns into
   * `410 Gone` and `504 Timeout` as kube-apiserver does.
   */
  private readRevision(requested: number | undefined): number {
    this.assertOpen();
    if (requested === undefined || requested === 0) return this.revision;
    if (requested > this.revision) throw new FutureRevisionError(requested, this.revision);
    // As etcd: the store as of the compact revision itself stays readable.
    if (requested < this.compacted) throw new CompactedError(requested, this.compacted);
    return requested;
  }

  /** The key's version visible at `revision`, or undefined when it did not exist then. */
  private versionAt(key: string, revision: number): Version | undefined {
    const versions = this.history.get(key);
    if (versions === undefined) return undefined;
    // Newest first: reads are nearly always of the present, and compaction keeps histories short.
    for (let i = versions.length - 1; i >= 0; i--) {
      const version = versions[i]!;
      if (version.revision <= revision) return version.deleted ? undefined : version;
    }
    return undefined;
  }

  /** The current version of a key, or undefined when it does not exist now. */
  private latest(key: string): Version | undefined {
    const last = this.history.get(key)?.at(-1);
    return last === undefined || last.deleted ? undefined : last;
  }

  /** Live keys under `prefix` from `startKey` on, in byte order, as they were at `revision`. */
  private *range(prefix: string, startKey: string | undefined, revision: number): Generator<[string, Version]> {
    // Paging resumes at `startKey`, but never before the prefix: a cursor from
    // another range must not widen this one.
    const start = startKey !== undefined && compareKeys(startKey, prefix) > 0 ? startKey : prefix;
    // Every key with the prefix sorts in [prefix, prefixEnd(prefix)); undefined means no upper bound (empty prefix).
    const end = prefixEnd(prefix);
    for (let i = this.lowerBound(start); i < this.sortedKeys.length; i++) {
      const key = this.sortedKeys[i]!;
      if (end !== undefined && compareKeys(key, end) >= 0) return;
      const version = this.versionAt(key, revision);
      if (version !== undefined) yield [key, version];
    }
  }

  /** Index of the first key in `sortedKeys` that is >= `key`. */
  private lowerBound(key: string): number {
    let low = 0;
    let high = this.sortedKeys.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (compareKeys(this.sortedKeys[middle]!, key) < 0) low = middle + 1;
      else high = middle;
    }
    return low;
  }

  async currentRevision(): Promise<number> {
    this.assertOpen();
    return this.revision;
  }

  async compactRevision(): Promise<number> {
    this.assertOpen();
    return this.compacted;
  }

  // --------------------------------------------------------------- writes
  //
  // Each write validates its input, checks its precondition against the
  // current version and appends, all without an `await` in between: that is
  // what makes the check and the write one atomic step (see the top of the file).

  async create(key: string, value: Uint8Array, options: WriteOptions = {}): Promise<WriteResult> {
    validateKey(key);
    validateValue(value);
    const lease = validateLeaseId(options.lease);
    this.assertOpen();
    if (lease !== 0) this.requireLease(lease);
    if (this.latest(key) !== undefined) throw new KeyExistsError(key);
    const revision = this.append(key, { value, lease, deleted: false }, undefined);
    return { revision };
  }

  async update(key: string, value: Uint8Array, expectedRevision: number, options: WriteOptions = {}): Promise<WriteResult> {
    validateKey(key);
    validateValue(value);
    validateRevision('expectedRevision', expectedRevision);
    const lease = validateLeaseId(options.lease);
    this.assertOpen();
    const current = this.latest(key);
    if (current === undefined) throw new KeyNotFoundError(key);
    // The error carries the current value so the caller can retry without another read.
    if (current.revision !== expectedRevision) throw new RevisionMismatchError(key, expectedRevision, exposed(key, current, false));
    if (lease !== 0) this.requireLease(lease);
    // As in etcd, a write without a lease detaches the key from its old one.
    const revision = this.append(key, { value, lease, deleted: false }, current);
    return { revision };
  }

  async delete(key: string, options: DeleteOptions = {}): Promise<DeleteResult> {
    validateKey(key);
    validateRevision('expectedRevision', options.expectedRevision);
    this.assertOpen();
    return this.deleteNow(key, options.expectedRevision ?? 0);
  }

  /** The delete itself, synchronous so that a lease revoke can delete many keys in one step. */
  private deleteNow(key: string, expectedRevision: number): DeleteResult {
    const current = this.latest(key);
    if (current === undefined) throw new KeyNotFoundError(key);
    if (expectedRevision !== 0 && current.revision !== expectedRevision) {
      throw new RevisionMismatchError(key, expectedRevision, exposed(key, current, false));
    }
    const revision = this.append(key, { value: EMPTY, lease: 0, deleted: true }, current);
    return { revision, prevKv: exposed(key, current, false) };
  }

  /**
   * The one place the store changes: takes the next revision, records the new
   * version in the key's history, keeps the lease index right, logs the change
   * and hands it to the watchers. `previous` is the key's live version before
   * the write (undefined for a create).
   */
  private append(key: string, change: Pick<Version, 'value' | 'lease' | 'deleted'>, previous: Version | undefined): number {
    const revision = ++this.revision;
    const version: Version = {
      revision,
      // A create starts a new life of the key (its createRevision is this
      // revision); an update carries it on; a tombstone has none, as in etcd.
      createRevision: change.deleted ? 0 : (previous?.createRevision ?? revision),
      // Copy the caller's bytes: callers reuse buffers, and history must not change under us.
      value: change.deleted ? EMPTY : new Uint8Array(change.value),
      lease: change.lease,
      deleted: change.deleted,
    };

    let versions = this.history.get(key);
    if (versions === undefined) {
      versions = [];
      this.history.set(key, versions);
      this.sortedKeys.splice(this.lowerBound(key), 0, key);
    }
    versions.push(version);

    if (previous !== undefined && previous.lease !== 0) this.leases.get(previous.lease)?.keys.delete(key);
    if (!version.deleted && version.lease !== 0) this.leases.get(version.lease)?.keys.add(key);

    const event = eventOf(key, version, previous);
    this.log.push(event);
    this.dispatch(event);
    return revision;
  }

  // -------------------------------------------------------------- watches

  watch(prefix: string, options: WatchOptions = {}): Watch {
    validatePrefix(prefix);
    validateRevision('fromRevision', options.fromRevision);
    validateProgressInterval(options.progressIntervalMs);
    this.assertOpen();

    const requested = options.fromRevision ?? 0;
    const queue = new AsyncQueue<WatchBatch>(() => watcher.close());
    let progressTimer: NodeJS.Timeout | undefined;
    const onAbort = (): void => watcher.close();
    const watcher: Watcher = {
      prefix,
      // Without a start revision a watch sees only what happens after "now".
      fromRevision: requested > 0 ? requested : this.revision + 1,
      queue,
      lastSentAt: Date.now(),
      close: () => {
        this.watchers.delete(watcher);
        clearInterval(progressTimer);
        options.signal?.removeEventListener('abort', onAbort);
        queue.close();
      },
    };
    const handle: Watch = { [Symbol.asyncIterator]: () => queue, close: watcher.close };

    if (options.signal?.aborted === true) {
      queue.close();
      return handle;
    }
    // The error surfaces on the first `next()`, as the interface asks: `watch()`
    // itself only fails for bad arguments, so callers handle compaction in one place.
    if (requested > 0 && requested <= this.compacted) {
      queue.fail(new CompactedError(requested, this.compacted));
      return handle;
    }

    // Replay history from the log, then go live. Both happen in this one
    // synchronous call, so no write can slip in between: nothing is missed,
    // nothing is delivered twice.
    if (requested > 0 && requested <= this.revision) {
      const events: WatchEvent[] = [];
      for (let i = this.logIndexOf(requested); i < this.log.length; i++) {
        const event = this.log[i]!;
        if (event.kv.key.startsWith(prefix)) events.push(copyEvent(event));
      }
      // The batch revision says "everything up to here is delivered": the whole log has been read.
      if (events.length > 0) queue.push({ events, revision: this.revision });
    }
    this.watchers.add(watcher);

    options.signal?.addEventListener('abort', onAbort, { once: true });
    const every = options.progressIntervalMs;
    if (every !== undefined) {
      progressTimer = setInterval(() => this.sendProgress(watcher, every), every);
      progressTimer.unref();
    }
    return handle;
  }

  /** Index of the first log entry at or after `revision`. */
  private logIndexOf(revision: number): number {
    let low = 0;
    let high = this.log.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (this.log[middle]!.kv.modRevision < revision) low = middle + 1;
      else high = middle;
    }
    return low;
  }

  /** Pushes a new change to every watcher whose prefix it falls under. */
  private dispatch(event: WatchEvent): void {
    const revision = event.kv.modRevision;
    for (const watcher of this.watchers) {
      if (revision < watcher.fromRevision || !event.kv.key.startsWith(watcher.prefix)) continue;
      watcher.queue.push({ events: [copyEvent(event)], revision });
      watcher.lastSentAt = Date.now();
    }
  }

  /**
   * A progress notification tells a consumer (the API server's watch cache)
   * how far it is up to date even when nothing under its prefix changes, so
   * that it can answer "list at the latest revision" without going to the
   * store. Claiming `this.revision` is honest here because `dispatch` runs
   * inside every write: no change is ever waiting to be delivered. A driver
   * that delivers asynchronously must claim only what it has dispatched.
   */
  private sendProgress(watcher: Watcher, every: number): void {
    const now = Date.now();
    if (now - watcher.lastSentAt < every) return;
    // A consumer that has not read its queue yet needs no more empty batches piling up.
    if (watcher.queue.size > 0) return;
    watcher.queue.push({ events: [], revision: this.revision });
    watcher.lastSentAt = now;
  }

  // --------------------------------------------------------------- leases
  //
  // A lease is a countdown that keys can be attached to. Kubernetes uses them
  // for events (which expire) and for leader election; when a lease ends, by
  // revoke or by running out, its keys are deleted like any other delete, so
  // watchers see ordinary delete events.

  async grantLease(ttlSeconds: number): Promise<Lease> {
    validateTtl(ttlSeconds);
    this.assertOpen();
    const id = ++this.lastLeaseId;
    this.leases.set(id, { id, ttl: ttlSeconds, expiresAt: Date.now() + ttlSeconds * 1000, keys: new Set() });
    return { id, ttl: ttlSeconds };
  }

  async revokeLease(id: number): Promise<void> {
    this.assertOpen();
    const lease = this.liveLease(id);
    if (lease === undefined) throw new LeaseNotFoundError(id);
    this.endLease(lease);
  }

  async keepAliveLease(id: number): Promise<Lease> {
    this.assertOpen();
    const lease = this.liveLease(id);
    if (lease === undefined) throw new LeaseNotFoundError(id);
    lease.expiresAt = Date.now() + lease.ttl * 1000;
    return { id, ttl: lease.ttl };
  }

  async leaseTimeToLive(id: number): Promise<LeaseTimeToLive> {
    this.assertOpen();
    const lease = this.liveLease(id);
    // etcd answers -1 for a lease that does not exist rather than failing.
    if (lease === undefined) return { id, ttl: -1, grantedTtl: 0, keys: [] };
    const left = Math.max(0, Math.ceil((lease.expiresAt - Date.now()) / 1000));
    return { id, ttl: left, grantedTtl: lease.ttl, keys: [...lease.keys] };
  }

  /**
   * The lease if it exists and its time is not up. A lease found expired is
   * ended on the spot: whoever asks about it must not see it alive only
   * because the sweep has not come round yet.
   */
  private liveLease(id: number): LeaseState | undefined {
    // The SQL drivers refuse ids that cannot exist before looking; do the same.
    if (!Number.isSafeInteger(id) || id <= 0) throw new LeaseNotFoundError(id);
    const lease = this.leases.get(id);
    if (lease === undefined) return undefined;
    if (lease.expiresAt <= Date.now()) {
      this.endLease(lease);
      return undefined;
    }
    return lease;
  }

  private requireLease(id: number): void {
    if (this.liveLease(id) === undefined) throw new LeaseNotFoundError(id);
  }

  /** Deletes the lease's keys (each delete is a revision of its own, as in kine) and forgets the lease. */
  private endLease(lease: LeaseState): void {
    this.leases.delete(lease.id);
    // A copy: each delete takes its key out of `lease.keys` while we iterate.
    for (const key of [...lease.keys]) this.deleteNow(key, 0);
  }

  private expireLeases(now: number): void {
    if (this.closed) return;
    for (const lease of [...this.leases.values()]) {
      if (lease.expiresAt <= now) this.endLease(lease);
    }
  }

  // ----------------------------------------------------------- compaction

  /**
   * Kubernetes compacts every few minutes so that history does not grow
   * forever. For every key, the newest version at or below `revision` is all
   * a read above the horizon can still see, so everything older goes; if that
   * newest version is a tombstone, it goes too (absent is absent). Versions
   * above the horizon are untouched, and so is the log above it.
   */
  async compact(revision: number): Promise<CompactResult> {
    validateRevision('revision', revision);
    this.assertOpen();
    if (revision > this.revision) throw new FutureRevisionError(revision, this.revision);
    if (revision <= this.compacted) throw new CompactedError(revision, this.compacted);
    this.compacted = revision;

    let removed = 0;
    for (const [key, versions] of this.history) {
      let newest = versions.length - 1;
      while (newest >= 0 && versions[newest]!.revision > revision) newest--;
      if (newest < 0) continue; // The key's whole history is above the horizon.
      const drop = versions[newest]!.deleted ? newest + 1 : newest;
      if (drop === 0) continue;
      versions.splice(0, drop);
      removed += drop;
      if (versions.length === 0) {
        // Deleted and compacted: the key is gone for good (deleting from a Map while iterating it is safe).
        this.history.delete(key);
        this.sortedKeys.splice(this.lowerBound(key), 1);
      }
    }
    this.log.splice(0, this.logIndexOf(revision + 1));
    return { compactRevision: revision, removed };
  }

  // ---------------------------------------------------------- housekeeping

  /**
   * An estimate of the memory held: the bytes of every key and value in every
   * version still kept, which is what a log table's rows would hold. The log
   * shares those bytes with the history, so it adds nothing.
   */
  async size(): Promise<number> {
    this.assertOpen();
    let bytes = 0;
    for (const [key, versions] of this.history) {
      const keyBytes = Buffer.byteLength(key, 'utf8');
      for (const version of versions) bytes += keyBytes + version.value.byteLength;
    }
    return bytes;
  }

  /** Ends every watch, stops the lease sweep and lets go of the data. Later calls throw `ClosedError`. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.leaseTimer);
    for (const watcher of [...this.watchers]) watcher.close();
    this.history.clear();
    this.sortedKeys.length = 0;
    this.log.length = 0;
    this.leases.clear();
  }

  private assertOpen(): void {
    if (this.closed) throw new ClosedError();
  }
}

/**
 * A stored version as the caller sees it, with its own copy of the bytes: a
 * real database hands out fresh bytes on every read, and a caller that writes
 * into what it got must not rewrite our history.
 */
function exposed(key: string, version: Version, keysOnly: boolean): KeyValue {
  return {
    key,
    value: keysOnly ? EMPTY : version.value.slice(),
    createRevision: version.createRevision,
    modRevision: version.revision,
    lease: version.lease,
  };
}

/** The change a new version made, in the shape watchers receive (etcd's shape). */
function eventOf(key: string, version: Version, previous: Version | undefined): WatchEvent {
  // Stored events share the history's bytes; `copyEvent` copies them on the way out.
  const kvOf = (v: Version): KeyValue => ({
    key,
    value: v.value,
    createRevision: v.createRevision,
    modRevision: v.revision,
    lease: v.lease,
  });
  if (version.deleted) {
    // As in etcd: the kv of a delete has no value, no lease and createRevision 0.
    const kv: KeyValue = { key, value: EMPTY, createRevision: 0, modRevision: version.revision, lease: 0 };
    // `previous!`: deleteNow only deletes a key that has a live version.
    return { type: 'delete', kv, prevKv: kvOf(previous!) };
  }
  if (previous === undefined) return { type: 'create', kv: kvOf(version) };
  return { type: 'update', kv: kvOf(version), prevKv: kvOf(previous) };
}

function copyEvent(event: WatchEvent): WatchEvent {
  const copy = (kv: KeyValue): KeyValue => ({ ...kv, value: kv.value.byteLength === 0 ? EMPTY : kv.value.slice() });
  if (event.prevKv === undefined) return { type: event.type, kv: copy(event.kv) };
  return { type: event.type, kv: copy(event.kv), prevKv: copy(event.prevKv) };
}
