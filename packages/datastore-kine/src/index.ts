export type {
  Backend,
  CompactResult,
  CountOptions,
  CountResult,
  DeleteOptions,
  DeleteResult,
  GetOptions,
  GetResult,
  KeyValue,
  Lease,
  LeaseTimeToLive,
  ListOptions,
  ListResult,
  Watch,
  WatchBatch,
  WatchEvent,
  WatchEventType,
  WatchOptions,
  WriteOptions,
  WriteResult,
} from './backend.js';
export * from './errors.js';
export {
  MAX_KEY_BYTES,
  MAX_LEASE_TTL_SECONDS,
  MAX_VALUE_BYTES,
  compareKeys,
  prefixEnd,
  rangeStart,
  validateKey,
  validateLeaseId,
  validateLimit,
  validateProgressInterval,
  validatePrefix,
  validateRevision,
  validateTtl,
  validateValue,
} from './keys.js';
export { AsyncQueue } from './watch/async-queue.js';
export { openBackend, redact, type OpenBackendOptions } from './endpoint.js';
export { SqlLogBackend, type SqlBackendOptions } from './sql/log-backend.js';
export type { SqlDialect } from './sql/dialect.js';
export type { SqlDriver, SqlFailure, SqlParam, SqlResult, SqlRow } from './sql/driver.js';
export { serveEtcd, type EtcdFacade, type ServeEtcdOptions } from './etcd-facade/server.js';
