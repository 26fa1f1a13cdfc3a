import type { KeyValue, WatchEvent } from '../backend.js';
import { ETCD_MESSAGES, invalidArgument } from './errors.js';
import type { Int64, ProtoEvent, ProtoKeyValue, ResponseHeader } from './proto.js';
import { clientValue, versionOf } from './versions.js';

/**
 * The identity this single-member "cluster" reports. etcd derives both from
 * member URLs; any constant works for clients, which only compare them
 * (etcdctl prints "is leader" when the header's member_id equals the
 * leader reported by Status).
 */
export const CLUSTER_ID = '7812387892371874849'; // 0x6c6b2d6574636421, "lk-etcd!"
export const MEMBER_ID = '7812387926480609906'; // 0x6c6b2d6d656d6272, "lk-membr"
export const MEMBER_NAME = 'lk';
/** There is no raft: one term that never changes. */
export const RAFT_TERM = 1;

export function header(revision: number): ResponseHeader {
  return { cluster_id: CLUSTER_ID, member_id: MEMBER_ID, revision, raft_term: RAFT_TERM };
}

const EMPTY = new Uint8Array(0);
const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * A key as the backend knows it: bytes from the wire that must be UTF-8,
 * since the backend's keys are strings (and Kubernetes' keys are text).
 */
export function decodeKey(bytes: Uint8Array): string {
  if (bytes.length === 0) throw invalidArgument(ETCD_MESSAGES.emptyKey);
  try {
    return strictUtf8.decode(bytes);
  } catch {
    throw invalidArgument('etcdserver: key is not valid UTF-8; this server stores keys as UTF-8 text');
  }
}

/** A decoded int64 (decimal string) as a number, when it is a safe integer. */
export function toInt(value: Int64 | number | undefined, field: string): number {
  if (value === undefined || value === '') return 0;
  const n = typeof value === 'number' ? value : Number(value);
  if (!Number.isSafeInteger(n)) throw invalidArgument(`etcdserver: ${field} ${String(value)} is out of the supported range`);
  return n;
}

/**
 * A lease ID from the wire. etcd's IDs are any non-zero int64; the backend's
 * are positive safe integers, so anything else cannot name one of our
 * leases: `undefined` lets the caller answer "lease not found" as etcd would.
 */
export function toLeaseId(value: Int64): number | undefined {
  let id: bigint;
  try {
    id = BigInt(value);
  } catch {
    return undefined;
  }
  if (id <= 0n || id > BigInt(Number.MAX_SAFE_INTEGER)) return undefined;
  return Number(id);
}

export function keyBytes(key: string): Buffer {
  return Buffer.from(key, 'utf8');
}

export function toProtoKv(kv: KeyValue, keysOnly = false): ProtoKeyValue {
  return {
    key: keyBytes(kv.key),
    create_revision: kv.createRevision,
    mod_revision: kv.modRevision,
    version: versionOf(kv),
    value: keysOnly ? EMPTY : clientValue(kv),
    lease: kv.lease,
  };
}

/**
 * A backend event as etcd reports it. A delete's kv carries only the key and
 * the delete's revision (etcd zeroes create_revision and version); both a
 * create and an update are PUTs, told apart by clients through
 * create_revision == mod_revision (clientv3's IsCreate) or version == 1.
 */
export function toProtoEvent(event: WatchEvent, withPrevKv: boolean): ProtoEvent {
  const kv: ProtoKeyValue =
    event.type === 'delete'
      ? { key: keyBytes(event.kv.key), create_revision: 0, mod_revision: event.kv.modRevision, version: 0, value: EMPTY, lease: 0 }
      : toProtoKv(event.kv);
  const out: ProtoEvent = { type: event.type === 'delete' ? 'Delete' : 'Put', kv };
  if (withPrevKv && event.prevKv !== undefined && event.prevKv.modRevision > 0) out.prev_kv = toProtoKv(event.prevKv);
  return out;
}
