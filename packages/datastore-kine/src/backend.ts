/**
 * The datastore contract every driver implements: a revisioned key-value store
 * with etcd's semantics, shaped after kine's `Backend`.
 *
 * - Every write gets the next revision of one global, strictly increasing
 *   sequence; a key's `modRevision` is the revision of its last write and is
 *   what Kubernetes exposes as `resourceVersion`.
 * - Writes are compare-and-swap on the key's current `modRevision`.
 * - Reads may ask for the state at a past revision; once compaction has gone
 *   past that revision they fail with {@link CompactedError}.
 * - Watches deliver every change under a prefix, in revision order, from any
 *   revision that has not been compacted.
 */
export interface KeyValue {
  readonly key: string;
  /** Empty when the read asked for keys only, and on the `kv` of delete events. */
  readonly value: Uint8Array;
  /** Revision at which the key was (last) created. */
  readonly createRevision: number;
  /** Revision of the key's latest write. */
  readonly modRevision: number;
  /** Lease the key is attached to, 0 for none. */
  readonly lease: number;
}

export interface GetOptions {
  /** Read the key as it was at this revision (0 or absent: latest). */
  readonly revision?: number;
}

export interface GetResult {
  /** The store revision the read was served at. */
  readonly revision: number;
  readonly kv: KeyValue | undefined;
}

export interface ListOptions {
  /** Keys that start with this string. The empty prefix means every key. */
  readonly prefix: string;
  /** Start at this key (inclusive) instead of the beginning of the prefix: the paging cursor. */
  readonly startKey?: string;
  /** Read at this revision (0 or absent: latest). */
  readonly revision?: number;
  /** Return at most this many keys (0 or absent: no limit). */
  readonly limit?: number;
  /** Leave values empty. */
  readonly keysOnly?: boolean;
}

export interface ListResult {
  readonly revision: number;
  /** Sorted by key, ascending (byte order of the UTF-8 key). */
  readonly kvs: readonly KeyValue[];
  /** True when keys beyond `limit` remain in the range. */
  readonly more: boolean;
}

export interface CountOptions {
  readonly startKey?: string;
  readonly revision?: number;
}

export interface CountResult {
  readonly revision: number;
  readonly count: number;
}

export interface WriteOptions {
  /** Attach the key to this lease (from {@link Backend.grantLease}); 0 or absent for none. */
  readonly lease?: number;
}

export interface WriteResult {
  /** The revision this write created; the key's new `modRevision`. */
  readonly revision: number;
}

export interface DeleteOptions {
  /** Delete only if the key's `modRevision` is this (0 or absent: unconditionally). */
  readonly expectedRevision?: number;
}

export interface DeleteResult {
  readonly revision: number;
  /** The key's value just before the delete. */
  readonly prevKv: KeyValue;
}

export type WatchEventType = 'create' | 'update' | 'delete';

export interface WatchEvent {
  readonly type: WatchEventType;
  /**
   * The key after the change. For a delete: `value` is empty,
   * `modRevision` is the delete's revision and `createRevision` is 0, as in etcd.
   */
  readonly kv: KeyValue;
  /** The key before the change (absent for a create). */
  readonly prevKv?: KeyValue;
}

export interface WatchBatch {
  /** Events in revision order; empty for a progress notification. */
  readonly events: readonly WatchEvent[];
  /**
   * Every change up to this revision has been delivered to this watch.
   * For a batch of events it is at least the last event's revision.
   */
  readonly revision: number;
}

export interface WatchOptions {
  /** Deliver changes from this revision on (inclusive); 0 or absent: only changes after now. */
  readonly fromRevision?: number;
  /** Closes the watch when aborted. */
  readonly signal?: AbortSignal;
  /**
   * Send an empty batch carrying the current revision at about this interval
   * (milliseconds) while nothing changes under the prefix, so that a consumer
   * such as a watch cache knows how far it is up to date. Absent: never.
   */
  readonly progressIntervalMs?: number;
}

/**
 * A running watch. Iterate it to receive batches; iteration ends when the
 * watch is closed (by {@link Watch.close}, its signal, or the backend closing)
 * and throws {@link CompactedError} when `fromRevision` is already compacted.
 */
export interface Watch extends AsyncIterable<WatchBatch> {
  close(): void;
}

export interface Lease {
  readonly id: number;
  /** Seconds the lease lives without a keep-alive. */
  readonly ttl: number;
}

export interface LeaseTimeToLive {
  readonly id: number;
  /** Seconds left; -1 when the lease does not exist (etcd's answer). */
  readonly ttl: number;
  readonly grantedTtl: number;
  readonly keys: readonly string[];
}

export interface CompactResult {
  /** The store's compact revision after the call. */
  readonly compactRevision: number;
  /** Superseded rows (or versions) removed by this call, when the driver knows. */
  readonly removed?: number;
}

export interface Backend {
  get(key: string, options?: GetOptions): Promise<GetResult>;
  list(options: ListOptions): Promise<ListResult>;
  count(prefix: string, options?: CountOptions): Promise<CountResult>;

  /** Creates the key; throws {@link KeyExistsError} when it exists. */
  create(key: string, value: Uint8Array, options?: WriteOptions): Promise<WriteResult>;
  /**
   * Replaces the key's value if its `modRevision` is `expectedRevision`;
   * throws {@link RevisionMismatchError} (carrying the current value) otherwise,
   * {@link KeyNotFoundError} when the key does not exist.
   */
  update(key: string, value: Uint8Array, expectedRevision: number, options?: WriteOptions): Promise<WriteResult>;
  /** Deletes the key; throws {@link KeyNotFoundError} or {@link RevisionMismatchError}. */
  delete(key: string, options?: DeleteOptions): Promise<DeleteResult>;

  watch(prefix: string, options?: WatchOptions): Watch;

  grantLease(ttlSeconds: number): Promise<Lease>;
  /** Ends the lease and deletes every key attached to it. */
  revokeLease(id: number): Promise<void>;
  /** Restarts the lease's countdown; throws {@link LeaseNotFoundError}. */
  keepAliveLease(id: number): Promise<Lease>;
  leaseTimeToLive(id: number): Promise<LeaseTimeToLive>;

  /**
   * Discards history before `revision`: reads at `revision` and later still
   * work (as in etcd), reads before it and watches from it or before it fail
   * with {@link CompactedError}. The newest version of every key is kept.
   */
  compact(revision: number): Promise<CompactResult>;
  /** The newest revision in the store. */
  currentRevision(): Promise<number>;
  /** The revision of the last compaction: history before it is gone (0 when never compacted). */
  compactRevision(): Promise<number>;
  /** Bytes the store occupies (database file, table or etcd db size). */
  size(): Promise<number>;
  close(): Promise<void>;
}
