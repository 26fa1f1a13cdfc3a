import type { Backend, GetResult, KeyValue } from '../backend.js';
import { compareKeys } from '../keys.js';
import { decodeKey } from './convert.js';
import { COUNTED_KEYS } from './versions.js';

/**
 * What an etcd (key, range_end) pair selects, in the terms the backend can
 * answer. The backend lists by prefix and an inclusive start key; etcd
 * ranges are [key, range_end) on bytes with two conventions: an empty
 * range_end means the single key, and range_end "\0" means every key from
 * `key` on (with key "\0" too: every key).
 *
 * - `key`: one key.
 * - `span` with `exact`: the keys under `prefix` from `start` on are exactly
 *   the range. That covers prefix ranges (range_end = key + 1), from-key
 *   ranges, and a prefix range resumed after a key (Kubernetes' paging sends
 *   key = last key + "\0", range_end = prefix end).
 * - `span` without `exact`: any other [key, range_end). The backend lists the
 *   longest common prefix of the two from `start`, and the facade drops keys
 *   at or past `end` (compared as UTF-8 bytes, as etcd compares them).
 * - `empty`: range_end <= key, which selects nothing (as in etcd).
 */
export type KeyRange =
  | { readonly kind: 'key'; readonly key: string }
  | { readonly kind: 'span'; readonly prefix: string; readonly start: string; readonly exact: true }
  | { readonly kind: 'span'; readonly prefix: string; readonly start: string; readonly exact: false; readonly end: Buffer }
  | { readonly kind: 'empty' };

const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

function isZeroByte(bytes: Uint8Array): boolean {
  return bytes.length === 1 && bytes[0] === 0;
}

/**
 * A start key for the backend. Stored keys never contain NUL (no SQL
 * dialect here can index it), so "every key >= a\0b" is "every key >= a\u0001":
 * a key that continues `a` continues it with a character above NUL.
 */
function backendStart(start: string): string {
  const nul = start.indexOf('\u0000');
  return nul < 0 ? start : `${start.slice(0, nul)}\u0001`;
}

/** `bytes` as a backend prefix if it is one: valid UTF-8 and free of NUL. */
function asPrefix(bytes: Uint8Array): string | undefined {
  if (bytes.includes(0)) return undefined;
  try {
    return strictUtf8.decode(bytes);
  } catch {
    return undefined;
  }
}

/** The longest prefix of `bytes` that is whole UTF-8 characters and has no NUL. */
function usablePrefix(bytes: Buffer): string {
  const nul = bytes.indexOf(0);
  let end = nul < 0 ? bytes.length : nul;
  // Back off over a trailing partial character (continuation bytes 10xxxxxx and their lead).
  for (;;) {
    const text = asPrefix(bytes.subarray(0, end));
    if (text !== undefined) return text;
    end--;
  }
}

function commonPrefixLength(a: Buffer, b: Buffer): number {
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a[i] === b[i]) i++;
  return i;
}

export function parseRange(key: Buffer, rangeEnd: Buffer): KeyRange {
  if (rangeEnd.length === 0) return { kind: 'key', key: decodeKey(key) };
  // decodeKey also rejects the empty key, as etcd does for ranges.
  const start = isZeroByte(key) ? '' : decodeKey(key);
  if (isZeroByte(rangeEnd)) return { kind: 'span', prefix: '', start: backendStart(start), exact: true };
  if (Buffer.compare(key, rangeEnd) >= 0) return { kind: 'empty' };

  // range_end = P with its last byte incremented, and P a prefix of key:
  // then [key, range_end) is every key under P from key on.
  const last = rangeEnd[rangeEnd.length - 1]!;
  if (last > 0) {
    const candidate = Buffer.from(rangeEnd);
    candidate[candidate.length - 1] = last - 1;
    const prefix = asPrefix(candidate);
    if (prefix !== undefined && key.subarray(0, candidate.length).equals(candidate)) {
      return { kind: 'span', prefix, start: backendStart(start), exact: true };
    }
  }
  const common = key.subarray(0, commonPrefixLength(key, rangeEnd));
  return { kind: 'span', prefix: usablePrefix(Buffer.from(common)), start: backendStart(start), exact: false, end: Buffer.from(rangeEnd) };
}

/**
 * Reads one key. A key with NUL in it cannot be stored (see backendStart),
 * so it does not exist: etcd would answer "no such key", and so do we,
 * instead of passing the backend a key it refuses.
 */
export async function getKey(backend: Backend, key: string, revision?: number): Promise<GetResult> {
  if (key.includes('\u0000')) {
    return { revision: revision !== undefined && revision > 0 ? revision : await backend.currentRevision(), kv: undefined };
  }
  return backend.get(key, { revision });
}

/** The prefix to watch on the backend for a range (a superset of the range, free of NUL). */
export function watchPrefix(range: KeyRange): string | undefined {
  switch (range.kind) {
    case 'key':
      return range.key.split('\u0000')[0];
    case 'span':
      return range.prefix;
    case 'empty':
      return undefined;
  }
}

export function rangeContains(range: KeyRange, key: string): boolean {
  switch (range.kind) {
    case 'key':
      return key === range.key;
    case 'empty':
      return false;
    case 'span':
      if (!key.startsWith(range.prefix) || compareKeys(key, range.start) < 0) return false;
      return range.exact || Buffer.compare(Buffer.from(key, 'utf8'), range.end) < 0;
  }
}

export interface RangeQuery {
  readonly range: KeyRange;
  /** Read at this revision; 0 or absent for the newest. */
  readonly revision?: number;
  /** At most this many keys; 0 or absent for all. */
  readonly limit?: number;
  readonly keysOnly?: boolean;
  readonly countOnly?: boolean;
}

export interface RangeRead {
  /** The revision the read was served at. */
  readonly revision: number;
  readonly kvs: readonly KeyValue[];
  readonly more: boolean;
  /** Keys in the whole range, regardless of `limit`. */
  readonly count: number;
}

/** Keys per backend call when the facade has to walk a range itself. */
const PAGE = 500;

/**
 * Reads a range through the backend: one get, or one list (plus a count
 * when a limit cut it short), or for an inexact span a walk over pages of
 * the common prefix. Every call after the first is pinned to the first
 * one's revision, so the result is one consistent snapshot.
 */
export async function readRange(backend: Backend, query: RangeQuery): Promise<RangeRead> {
  const { range } = query;
  const limit = query.limit !== undefined && query.limit > 0 ? query.limit : 0;
  switch (range.kind) {
    case 'key': {
      const { revision, kv } = await getKey(backend, range.key, query.revision);
      const kvs = kv === undefined || query.countOnly === true ? [] : [kv];
      return { revision, kvs, more: false, count: kv === undefined ? 0 : 1 };
    }
    case 'empty': {
      const revision = query.revision !== undefined && query.revision > 0 ? query.revision : await backend.currentRevision();
      return { revision, kvs: [], more: false, count: 0 };
    }
    case 'span':
      return range.exact ? readExactSpan(backend, range, query, limit) : walkSpan(backend, range, query, limit);
  }
}

async function readExactSpan(
  backend: Backend,
  range: { prefix: string; start: string },
  query: RangeQuery,
  limit: number,
): Promise<RangeRead> {
  const startKey = range.start === '' ? undefined : range.start;
  if (query.countOnly === true) {
    const { revision, count } = await backend.count(range.prefix, { startKey, revision: query.revision });
    return { revision, kvs: [], more: false, count };
  }
  const listed = await backend.list({
    prefix: range.prefix,
    startKey,
    revision: query.revision,
    limit: limit > 0 ? limit : undefined,
    keysOnly: query.keysOnly,
  });
  const kvs = await withCountedValues(backend, listed.kvs, query.keysOnly, listed.revision);
  if (!listed.more) return { revision: listed.revision, kvs, more: false, count: kvs.length };
  const { count } = await backend.count(range.prefix, { startKey, revision: listed.revision });
  return { revision: listed.revision, kvs, more: true, count };
}

async function walkSpan(
  backend: Backend,
  range: { prefix: string; start: string; end: Buffer },
  query: RangeQuery,
  limit: number,
): Promise<RangeRead> {
  const kvs: KeyValue[] = [];
  let count = 0;
  let revision = query.revision !== undefined && query.revision > 0 ? query.revision : undefined;
  let cursor: string | undefined = range.start === '' ? undefined : range.start;
  // The backend's start key is inclusive: the next page starts with the last key of this one.
  let seen: string | undefined;
  // Past the limit only the count is still needed: values are not.
  let keysOnly = query.keysOnly === true || query.countOnly === true;
  for (;;) {
    const page = await backend.list({ prefix: range.prefix, startKey: cursor, revision, limit: PAGE, keysOnly });
    revision = page.revision;
    let reachedEnd = !page.more;
    for (const kv of page.kvs) {
      if (kv.key === seen) continue;
      if (Buffer.compare(Buffer.from(kv.key, 'utf8'), range.end) >= 0) {
        reachedEnd = true;
        break;
      }
      count++;
      if (query.countOnly !== true && (limit === 0 || kvs.length < limit)) kvs.push(kv);
    }
    if (reachedEnd) break;
    const last = page.kvs[page.kvs.length - 1];
    if (last === undefined) break;
    cursor = last.key;
    seen = last.key;
    if (limit > 0 && kvs.length >= limit) keysOnly = true;
  }
  const resolved = revision ?? (await backend.currentRevision());
  const kept = await withCountedValues(backend, kvs, query.keysOnly, resolved);
  return { revision: resolved, kvs: kept, more: limit > 0 && count > limit, count };
}

/**
 * A keys-only read leaves values empty, but a counted key's version lives in
 * its value (see versions.ts): fetch those few keys whole.
 */
async function withCountedValues(
  backend: Backend,
  kvs: readonly KeyValue[],
  keysOnly: boolean | undefined,
  revision: number,
): Promise<readonly KeyValue[]> {
  if (keysOnly !== true || !kvs.some((kv) => COUNTED_KEYS.has(kv.key))) return kvs;
  return Promise.all(
    kvs.map(async (kv) => (COUNTED_KEYS.has(kv.key) ? ((await backend.get(kv.key, { revision })).kv ?? kv) : kv)),
  );
}
