import { status, type StatusObject } from '@grpc/grpc-js';
import type { Logger } from 'pino';
import { isDatastoreError } from '../errors.js';

/**
 * An error that leaves the facade with a chosen gRPC status and message.
 * Messages of errors etcd also has are spelled exactly as etcd's
 * (`api/v3rpc/rpctypes`), because clients recognise errors by message:
 * etcdctl and clientv3 map them back to typed errors, the `etcd3` npm client
 * to its Etcd*Error classes.
 */
export class EtcdStatusError extends Error {
  constructor(
    readonly code: status,
    message: string,
  ) {
    super(message);
    this.name = 'EtcdStatusError';
  }
}

export const ETCD_MESSAGES = {
  emptyKey: 'etcdserver: key is not provided',
  keyNotFound: 'etcdserver: key not found',
  valueProvided: 'etcdserver: value is provided',
  leaseProvided: 'etcdserver: lease is provided',
  tooManyOps: 'etcdserver: too many operations in txn request',
  compacted: 'etcdserver: mvcc: required revision has been compacted',
  futureRevision: 'etcdserver: mvcc: required revision is a future revision',
  leaseNotFound: 'etcdserver: requested lease not found',
  leaseTtlTooLarge: 'etcdserver: too large lease TTL',
  requestTooLarge: 'etcdserver: request is too large',
  stopped: 'etcdserver: server stopped',
  duplicateWatchId: 'mvcc: duplicate watch ID provided on the WatchStream',
} as const;

export function invalidArgument(message: string): EtcdStatusError {
  return new EtcdStatusError(status.INVALID_ARGUMENT, message);
}

export function unimplemented(message: string): EtcdStatusError {
  return new EtcdStatusError(status.UNIMPLEMENTED, message);
}

/**
 * The gRPC status an error leaves as. Errors we did not expect are logged
 * (they are bugs or infrastructure failures) and leave as UNKNOWN, which is
 * what etcd's gRPC layer does with errors it has no mapping for.
 */
export function toGrpcStatus(error: unknown, logger: Logger, method: string): Pick<StatusObject, 'code' | 'details'> {
  if (error instanceof EtcdStatusError) return { code: error.code, details: error.message };
  if (isDatastoreError(error)) {
    switch (error.code) {
      case 'Compacted':
        return { code: status.OUT_OF_RANGE, details: ETCD_MESSAGES.compacted };
      case 'FutureRevision':
        return { code: status.OUT_OF_RANGE, details: ETCD_MESSAGES.futureRevision };
      case 'LeaseNotFound':
        return { code: status.NOT_FOUND, details: ETCD_MESSAGES.leaseNotFound };
      case 'TooLarge':
        return { code: status.INVALID_ARGUMENT, details: ETCD_MESSAGES.requestTooLarge };
      case 'InvalidKey':
        // etcd's only invalid key is the empty one; ours may also be too long
        // or contain NUL, which the stores behind the backend cannot index.
        return { code: status.INVALID_ARGUMENT, details: `etcdserver: ${error.message}` };
      case 'InvalidArgument':
        return { code: status.INVALID_ARGUMENT, details: `etcdserver: ${error.message}` };
      case 'KeyNotFound':
        return { code: status.INVALID_ARGUMENT, details: ETCD_MESSAGES.keyNotFound };
      case 'Unavailable':
        // UNAVAILABLE tells clientv3 and etcd3 that retrying may succeed.
        return { code: status.UNAVAILABLE, details: `etcdserver: ${error.message}` };
      case 'Closed':
        return { code: status.UNAVAILABLE, details: ETCD_MESSAGES.stopped };
      case 'KeyExists':
      case 'RevisionMismatch':
        // The facade turns these into retries or failed compares; one escaping is a bug.
        break;
    }
  }
  logger.error({ err: error, method }, 'etcd facade: unexpected error');
  const message = error instanceof Error ? error.message : String(error);
  return { code: status.UNKNOWN, details: message };
}
