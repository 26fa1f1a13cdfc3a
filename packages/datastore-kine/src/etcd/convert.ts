/**
 * Conversions between etcd3's wire shapes (int64 as decimal strings, keys as
 * Buffers) and the Backend's (JS numbers, UTF-8 strings).
 */
import type { IEvent, IKeyValue } from 'etcd3';
import type { KeyValue, WatchEvent } from '../backend.js';
import { prefixEnd } from '../keys.js';

/** etcd's "smallest key" and "no upper bound": a range [\0, \0) covers every key. */
const ZERO_KEY = Buffer.from([0]);

const EMPTY = Buffer.alloc(0);

/**
 * An int64 from etcd (etcd3 passes them as decimal strings) as a JS number.
 * Revisions, counts and sizes stay far below 2^53 in any real store; a value
 * beyond it would silently lose precision, so it is refused instead.
 */
export function int64(value: string | number | null | undefined, what: string): number {
  if (value === null || value === undefined || value === '') return 0;
  const number = typeof value === 'number' ? value : Number(value);
  if (!Number.isSafeInteger(number)) throw new RangeError(`etcd returned ${what} ${String(value)}, beyond JavaScript's safe integers`);
  return number;
}

/**
 * A lease id read back from a key. lk only ever creates leases with ids that
 * are safe integers (see lease-ids.ts); a key attached by another etcd client
 * to a random 63-bit lease cannot be represented exactly. Failing the whole
 * read for it would make a list unusable, so such an id reads as -1: "a lease
 * lk cannot name", which no lease call will ever match.
 */
export function leaseOf(value: string | number | null | undefined): number {
  const number = typeof value === 'number' ? value : Number(value ?? 0);
  return Number.isSafeInteger(number) ? number : -1;
}

export function keyBytes(key: string): Buffer {
  return Buffer.from(key, 'utf8');
}

/** Values go to etcd as Buffers without copying the caller's bytes. */
export function valueBytes(value: Uint8Array): Buffer {
  return Buffer.isBuffer(value) ? value : Buffer.from(value.buffer, value.byteOffset, value.byteLength);
}

export interface KeyRange {
  readonly key: Buffer;
  readonly rangeEnd: Buffer;
}

/**
 * The etcd range for the keys under `prefix`, starting at `start` (already
 * the later of prefix and startKey). etcd refuses an empty key, and its
 * smallest key is "\0", which no valid lk key can be below.
 */
export function keyRange(prefix: string, start: string): KeyRange {
  const end = prefixEnd(prefix);
  return {
    key: start === '' ? ZERO_KEY : keyBytes(start),
    rangeEnd: end === undefined ? ZERO_KEY : keyBytes(end),
  };
}

/** A key that no range read ever needs to find: probes read it for their side effect (the revision check). */
export const PROBE_KEY = ZERO_KEY;

export function toKeyValue(kv: IKeyValue, keysOnly = false): KeyValue {
  return {
    key: kv.key.toString('utf8'),
    value: keysOnly || kv.value === null || kv.value === undefined ? EMPTY : kv.value,
    createRevision: int64(kv.create_revision, 'a create revision'),
    modRevision: int64(kv.mod_revision, 'a mod revision'),
    lease: leaseOf(kv.lease),
  };
}

/**
 * etcd sends a Put for both creates and updates: a create is the Put whose
 * create revision is its own revision. A Delete's kv carries the key and the
 * delete's revision only, which is what the Backend contract promises.
 */
export function toWatchEvent(event: IEvent): WatchEvent {
  const kv = toKeyValue(event.kv);
  const prevKv = event.prev_kv === null || event.prev_kv === undefined ? undefined : toKeyValue(event.prev_kv);
  if (event.type === 'Delete') {
    return { type: 'delete', kv: { ...kv, value: EMPTY, createRevision: 0, lease: 0 }, ...(prevKv ? { prevKv } : {}) };
  }
  const type = kv.createRevision === kv.modRevision ? 'create' : 'update';
  return type === 'create' ? { type, kv } : { type, kv, ...(prevKv ? { prevKv } : {}) };
}
