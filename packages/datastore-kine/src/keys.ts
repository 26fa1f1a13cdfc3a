import { InvalidArgumentError, InvalidKeyError, TooLargeError } from './errors.js';

/** etcd's default request limit (`--max-request-bytes`), which Kubernetes is built around. */
export const MAX_VALUE_BYTES = 1.5 * 1024 * 1024;

/** Longest key, in UTF-8 bytes; sized so that every SQL dialect can index it. */
export const MAX_KEY_BYTES = 1024;

export function validateKey(key: string): void {
  if (typeof key !== 'string') throw new InvalidKeyError(String(key), 'a key must be a string');
  if (key.length === 0) throw new InvalidKeyError(key, 'a key must not be empty');
  const bytes = Buffer.byteLength(key, 'utf8');
  if (bytes > MAX_KEY_BYTES) throw new InvalidKeyError(key.slice(0, 64) + '…', `longer than ${MAX_KEY_BYTES} bytes`);
  if (key.includes('\u0000')) throw new InvalidKeyError(key, 'a key must not contain NUL characters');
  if (!isWellFormed(key)) throw new InvalidKeyError(key, 'a key must be well-formed Unicode (no lone surrogates)');
}

function isWellFormed(text: string): boolean {
  // String.prototype.isWellFormed exists from Node 20 on; lib typings may lack it.
  return (text as string & { isWellFormed(): boolean }).isWellFormed();
}

export function validatePrefix(prefix: string): void {
  if (typeof prefix !== 'string') throw new InvalidArgumentError('a prefix must be a string');
  if (Buffer.byteLength(prefix, 'utf8') > MAX_KEY_BYTES) throw new InvalidArgumentError(`prefix longer than ${MAX_KEY_BYTES} bytes`);
}

export function validateValue(value: Uint8Array): void {
  if (!(value instanceof Uint8Array)) throw new InvalidArgumentError('a value must be a Uint8Array (or Buffer)');
  if (value.byteLength > MAX_VALUE_BYTES) throw new TooLargeError('value', value.byteLength, MAX_VALUE_BYTES);
}

export function validateRevision(name: string, revision: number | undefined): void {
  if (revision === undefined) return;
  if (!Number.isSafeInteger(revision) || revision < 0) {
    throw new InvalidArgumentError(`${name} must be a non-negative integer, got ${String(revision)}`);
  }
}

export function validateLimit(limit: number | undefined): void {
  if (limit === undefined) return;
  if (!Number.isSafeInteger(limit) || limit < 0) throw new InvalidArgumentError(`limit must be a non-negative integer, got ${String(limit)}`);
}

/** The lease a write names: 0 (or absent) for none, otherwise a positive integer id. */
export function validateLeaseId(lease: number | undefined): number {
  if (lease === undefined || lease === 0) return 0;
  if (!Number.isSafeInteger(lease) || lease < 0) throw new InvalidArgumentError(`lease must be a lease id, got ${lease}`);
  return lease;
}

export function validateProgressInterval(milliseconds: number | undefined): void {
  if (milliseconds !== undefined && !(milliseconds > 0)) {
    throw new InvalidArgumentError('progressIntervalMs must be a positive number of milliseconds');
  }
}

/**
 * The end of the range of keys that start with `prefix`: every key with the
 * prefix is `>= prefix` and `< prefixEnd(prefix)`, and no other key is.
 * Works on code points, whose order is the byte order of UTF-8 (the order
 * etcd and every SQL dialect here sort keys by), and returns `undefined` when
 * the range is open-ended (the empty prefix).
 */
export function prefixEnd(prefix: string): string | undefined {
  const codePoints = Array.from(prefix, (ch) => ch.codePointAt(0)!);
  while (codePoints.length > 0) {
    const last = codePoints.pop()!;
    if (last < 0x10ffff) {
      const next = last === 0xd7ff ? 0xe000 : last + 1;
      return String.fromCodePoint(...codePoints, next);
    }
  }
  return undefined;
}

/**
 * Byte-order comparison of two keys (UTF-8 byte order, which is code-point
 * order) without encoding them: UTF-16 code-unit order agrees with it except
 * that surrogates (0xD800-0xDFFF) must sort above 0xE000-0xFFFF.
 */
export function compareKeys(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x === y) continue;
    if (x >= 0xd800 && y >= 0xd800) {
      x = x >= 0xe000 ? x - 0x800 : x + 0x2000;
      y = y >= 0xe000 ? y - 0x800 : y + 0x2000;
    }
    return x < y ? -1 : 1;
  }
  return a.length - b.length;
}

/** Where a list of `prefix` resumed at `startKey` begins: the later of the two. */
export function rangeStart(prefix: string, startKey: string | undefined): string {
  if (startKey === undefined || startKey === '') return prefix;
  return compareKeys(startKey, prefix) > 0 ? startKey : prefix;
}

/** etcd's ceiling for a lease TTL. */
export const MAX_LEASE_TTL_SECONDS = 9_000_000_000;

export function validateTtl(ttlSeconds: number): void {
  if (!Number.isSafeInteger(ttlSeconds) || ttlSeconds < 1 || ttlSeconds > MAX_LEASE_TTL_SECONDS) {
    throw new InvalidArgumentError(`a lease TTL must be a whole number of seconds from 1 to ${MAX_LEASE_TTL_SECONDS}, got ${ttlSeconds}`);
  }
}
