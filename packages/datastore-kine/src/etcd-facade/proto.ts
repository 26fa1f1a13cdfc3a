import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { ServiceDefinition } from '@grpc/grpc-js';
import { loadSync, type PackageDefinition } from '@grpc/proto-loader';

/**
 * The etcd v3 API as the `etcd3` npm package ships it (rpc.proto, kv.proto,
 * auth.proto). We resolve the files from the installed package at run time
 * rather than keeping a copy, so client and facade always speak the same
 * schema.
 *
 * Decoding options, and what they mean for the types below:
 * - keepCase: field names as in the .proto (`range_end`, `prev_kv`);
 * - longs: String: int64/uint64 arrive as decimal strings, so lease IDs and
 *   revisions beyond 2^53 are never silently rounded (see `toInt`);
 * - enums: String: enum values arrive by name as spelled in the .proto
 *   (`Mod`, `Equal`, `Noput`); a value the schema does not know arrives as a
 *   number;
 * - defaults: true: scalar fields are always present (empty bytes, '0');
 * - oneofs: true: a oneof also names its set member (`request`, `request_union`).
 */
export function loadEtcdProtos(): PackageDefinition {
  const require = createRequire(import.meta.url);
  const protoDir = join(dirname(require.resolve('etcd3/package.json')), 'proto');
  return loadSync(join(protoDir, 'rpc.proto'), {
    keepCase: true,
    longs: String,
    enums: String,
    defaults: true,
    oneofs: true,
    includeDirs: [protoDir],
  });
}

export type EtcdServiceName = 'KV' | 'Watch' | 'Lease' | 'Cluster' | 'Maintenance' | 'Auth';

export function serviceDefinition(definition: PackageDefinition, name: EtcdServiceName): ServiceDefinition {
  const service = definition[`etcdserverpb.${name}`];
  if (service === undefined || 'format' in service) {
    throw new Error(`etcd3's rpc.proto has no service etcdserverpb.${name}`);
  }
  return service as ServiceDefinition;
}

// ------------------------------------------------------------------ decoded requests

/** An int64/uint64 as decoded (decimal string). */
export type Int64 = string;
/** An enum as decoded: its name, or its number when the schema does not know it. */
export type Enum = string | number;

export interface RangeRequest {
  key: Buffer;
  range_end: Buffer;
  limit: Int64;
  revision: Int64;
  sort_order: Enum;
  sort_target: Enum;
  serializable: boolean;
  keys_only: boolean;
  count_only: boolean;
  min_mod_revision: Int64;
  max_mod_revision: Int64;
  min_create_revision: Int64;
  max_create_revision: Int64;
}

export interface PutRequest {
  key: Buffer;
  value: Buffer;
  lease: Int64;
  prev_kv: boolean;
  ignore_value: boolean;
  ignore_lease: boolean;
}

export interface DeleteRangeRequest {
  key: Buffer;
  range_end: Buffer;
  prev_kv: boolean;
}

export interface RequestOp {
  request?: 'request_range' | 'request_put' | 'request_delete_range' | 'request_txn';
  request_range?: RangeRequest | null;
  request_put?: PutRequest | null;
  request_delete_range?: DeleteRangeRequest | null;
  request_txn?: TxnRequest | null;
}

export interface Compare {
  result: Enum;
  target: Enum;
  key: Buffer;
  range_end: Buffer;
  version: Int64;
  create_revision: Int64;
  mod_revision: Int64;
  value: Buffer;
  lease: Int64;
}

export interface TxnRequest {
  compare: Compare[];
  success: RequestOp[];
  failure: RequestOp[];
}

export interface CompactionRequest {
  revision: Int64;
  physical: boolean;
}

export interface WatchCreateRequest {
  key: Buffer;
  range_end: Buffer;
  start_revision: Int64;
  progress_notify: boolean;
  filters: Enum[];
  prev_kv: boolean;
  watch_id: Int64;
  fragment: boolean;
}

export interface WatchRequest {
  request_union?: 'create_request' | 'cancel_request' | 'progress_request';
  create_request?: WatchCreateRequest | null;
  cancel_request?: { watch_id: Int64 } | null;
  progress_request?: object | null;
}

export interface LeaseGrantRequest {
  TTL: Int64;
  ID: Int64;
}

export interface LeaseIdRequest {
  ID: Int64;
}

export interface LeaseTimeToLiveRequest {
  ID: Int64;
  keys: boolean;
}

export interface AlarmRequest {
  action: Enum;
  memberID: Int64;
  alarm: Enum;
}

// ----------------------------------------------------------------- responses we build

/** What we put in an int64 field: the serializer takes numbers and decimal strings. */
export type Int64Out = number | string;

export interface ResponseHeader {
  cluster_id: Int64Out;
  member_id: Int64Out;
  revision: Int64Out;
  raft_term: Int64Out;
}

export interface ProtoKeyValue {
  key: Uint8Array;
  create_revision: Int64Out;
  mod_revision: Int64Out;
  version: Int64Out;
  value: Uint8Array;
  lease: Int64Out;
}

export interface RangeResponse {
  header: ResponseHeader;
  kvs: ProtoKeyValue[];
  more: boolean;
  count: Int64Out;
}

export interface PutResponse {
  header: ResponseHeader;
  prev_kv?: ProtoKeyValue;
}

export interface DeleteRangeResponse {
  header: ResponseHeader;
  deleted: Int64Out;
  prev_kvs: ProtoKeyValue[];
}

export type ResponseOp =
  | { response_range: RangeResponse }
  | { response_put: PutResponse }
  | { response_delete_range: DeleteRangeResponse };

export interface TxnResponse {
  header: ResponseHeader;
  succeeded: boolean;
  responses: ResponseOp[];
}

export interface ProtoEvent {
  type: 'Put' | 'Delete';
  kv: ProtoKeyValue;
  prev_kv?: ProtoKeyValue;
}

export interface WatchResponse {
  header: ResponseHeader;
  watch_id: Int64Out;
  created?: boolean;
  canceled?: boolean;
  compact_revision?: Int64Out;
  cancel_reason?: string;
  events?: ProtoEvent[];
}

export interface LeaseGrantResponse {
  header: ResponseHeader;
  ID: Int64Out;
  TTL: Int64Out;
  error: string;
}

export interface LeaseKeepAliveResponse {
  header: ResponseHeader;
  ID: Int64Out;
  TTL: Int64Out;
}

export interface LeaseTimeToLiveResponse {
  header: ResponseHeader;
  ID: Int64Out;
  TTL: Int64Out;
  grantedTTL: Int64Out;
  keys: Uint8Array[];
}

export interface LeaseLeasesResponse {
  header: ResponseHeader;
  leases: { ID: Int64Out }[];
}

export interface StatusResponse {
  header: ResponseHeader;
  version: string;
  dbSize: Int64Out;
  leader: Int64Out;
  raftIndex: Int64Out;
  raftTerm: Int64Out;
  raftAppliedIndex: Int64Out;
  errors: string[];
  dbSizeInUse: Int64Out;
  isLearner: boolean;
}

export interface Member {
  ID: Int64Out;
  name: string;
  peerURLs: string[];
  clientURLs: string[];
  isLearner: boolean;
}

export interface MemberListResponse {
  header: ResponseHeader;
  members: Member[];
}

export interface AlarmResponse {
  header: ResponseHeader;
  alarms: { memberID: Int64Out; alarm: string }[];
}
