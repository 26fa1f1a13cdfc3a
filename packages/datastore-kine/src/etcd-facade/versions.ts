import type { KeyValue } from '../backend.js';

/**
 * etcd's `version` of a key: 1 when created, +1 per write, 0 once deleted.
 * The backend (kine's model) records revisions, not versions, so the facade
 * reports a stand-in with the properties clients rely on:
 *
 * - 0 exactly when the key does not exist (`Compare(Version(k), "=", 0)` is
 *   the usual "does not exist" test);
 * - exactly 1 for a key not written since it was (re)created: `version == 1`
 *   still means "this PUT created the key";
 * - after that, `modRevision - createRevision + 1`: an upper bound of etcd's
 *   version that strictly increases with every write of the key and never
 *   changes otherwise, so reading it and comparing it later for equality is
 *   a sound compare-and-swap. It equals etcd's version only when nothing else
 *   was written in between.
 *
 * One key needs the real count: kube-apiserver's compactor runs
 * `Txn(If(Version("compact_rev_key") = t), Then(Put(...)), Else(Get(...)))`
 * and expects each successful put to make the version exactly t+1 (kine has
 * the same special case). For the keys in {@link COUNTED_KEYS} the facade
 * stores the version in front of the value it writes and strips it on every
 * read, watch event and compare.
 */
export const COUNTED_KEYS: ReadonlySet<string> = new Set(['compact_rev_key']);

/** Starts a stored value that carries its version: NUL, "lkv", digits, NUL. */
const MARK = Buffer.from('\u0000lkv', 'latin1');

interface Unpacked {
  readonly version: number;
  readonly value: Uint8Array;
}

function estimatedVersion(kv: KeyValue): number {
  if (kv.createRevision <= 0) return 0;
  return kv.modRevision > kv.createRevision ? kv.modRevision - kv.createRevision + 1 : 1;
}

function unpack(kv: KeyValue): Unpacked | undefined {
  if (!COUNTED_KEYS.has(kv.key)) return undefined;
  const bytes = Buffer.from(kv.value.buffer, kv.value.byteOffset, kv.value.byteLength);
  if (bytes.length < MARK.length + 2 || !bytes.subarray(0, MARK.length).equals(MARK)) return undefined;
  const end = bytes.indexOf(0, MARK.length);
  if (end < 0) return undefined;
  const digits = bytes.subarray(MARK.length, end).toString('latin1');
  if (!/^\d{1,15}$/.test(digits)) return undefined;
  return { version: Number(digits), value: bytes.subarray(end + 1) };
}

/** The version the facade reports for a live key (see the module comment). */
export function versionOf(kv: KeyValue): number {
  return unpack(kv)?.version ?? estimatedVersion(kv);
}

/** The value a client sees: the stored value without a version prefix. */
export function clientValue(kv: KeyValue): Uint8Array {
  return unpack(kv)?.value ?? kv.value;
}

/**
 * What to store when a client writes `value` to `key` whose current state is
 * `current`: the value itself, or for a counted key the value behind the
 * key's next version.
 */
export function storedValue(key: string, value: Uint8Array, current: KeyValue | undefined): Uint8Array {
  if (!COUNTED_KEYS.has(key)) return value;
  const next = current === undefined ? 1 : versionOf(current) + 1;
  return Buffer.concat([MARK, Buffer.from(`${next}\u0000`, 'latin1'), value]);
}
