/**
 * What an error from etcd (through etcd3 and grpc-js) means for the Backend.
 * etcd reports its conditions as gRPC status messages ("etcdserver: mvcc:
 * required revision has been compacted"); etcd3 turns some of them into
 * classes and leaves the rest as text, so both are looked at.
 */
import { EtcdLeaseInvalidError, GRPCDeadlineExceededError, GRPCUnavailableError, isRecoverableError } from 'etcd3';

export type EtcdFailure =
  /** A read or watch below etcd's compact revision, or a compaction to it. */
  | 'compacted'
  /** A revision newer than the store's. */
  | 'future'
  | 'lease-not-found'
  /** LeaseGrant with an id that is taken. */
  | 'lease-exists'
  /** Over etcd's --max-request-bytes. */
  | 'too-large'
  /** etcd cannot be reached or cannot serve right now; the call may succeed later. */
  | 'unavailable';

/** etcd's own "try again later" conditions (server-side, not connection-level). */
const TRANSIENT_SERVER_MESSAGES = [
  'etcdserver: request timed out',
  'etcdserver: leader changed',
  'etcdserver: no leader',
  'etcdserver: server stopped',
  'etcdserver: too many requests',
  'etcdserver: not capable',
  'etcdserver: request cancelled',
];

export function classifyEtcdError(error: unknown): EtcdFailure | undefined {
  if (!(error instanceof Error)) return undefined;
  const message = error.message;
  if (message.includes('required revision has been compacted')) return 'compacted';
  if (message.includes('required revision is a future revision')) return 'future';
  // etcd3 rewrites this one's message into "Lease … is expired or revoked".
  if (error instanceof EtcdLeaseInvalidError || message.includes('requested lease not found')) return 'lease-not-found';
  if (message.includes('lease already exists')) return 'lease-exists';
  if (message.includes('request is too large')) return 'too-large';
  if (isUnavailable(error)) return 'unavailable';
  return undefined;
}

function isUnavailable(error: Error): boolean {
  if (isRecoverableError(error)) return true;
  if (error instanceof GRPCUnavailableError || error instanceof GRPCDeadlineExceededError) return true;
  // Raw grpc-js errors (from streams, which etcd3 does not cast) carry the status code.
  const code = (error as { code?: unknown }).code;
  if (code === 14 || code === 4) return true;
  return TRANSIENT_SERVER_MESSAGES.some((text) => error.message.includes(text));
}

/**
 * True when the request certainly never reached etcd (no connection could be
 * made), so that even a write can be sent again without risking applying it
 * twice. Any other failure of a write leaves its outcome unknown.
 */
export function neverSent(error: unknown): boolean {
  return error instanceof Error && error.message.includes('No connection established');
}

/** The etcd error text without grpc-js's "14 UNAVAILABLE: " prefix and etcd3's class name. */
export function reasonOf(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.replace(/^[A-Za-z]+Error: /, '').replace(/^\d+ [A-Z_]+: /, '');
}
