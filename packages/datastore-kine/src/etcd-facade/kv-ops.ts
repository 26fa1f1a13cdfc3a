import { status } from '@grpc/grpc-js';
import type { Backend, KeyValue } from '../backend.js';
import { isDatastoreError } from '../errors.js';
import { decodeKey, header, toInt, toLeaseId, toProtoKv } from './convert.js';
import { ETCD_MESSAGES, EtcdStatusError, invalidArgument } from './errors.js';
import { getKey, parseRange, readRange, type KeyRange, type RangeRead } from './key-range.js';
import type { DeleteRangeRequest, Enum, PutRequest, RangeRequest, RangeResponse } from './proto.js';
import { clientValue, storedValue, versionOf } from './versions.js';

/**
 * The three operations of etcd's KV API (range, put, delete) as the facade
 * runs them on a backend, shared by the KV service and transactions.
 */

/** How often a write is retried when a concurrent writer got to the key first. */
export const WRITE_ATTEMPTS = 64;

// -------------------------------------------------------------------- range

type SortOrder = 'None' | 'Ascend' | 'Descend';
type SortTarget = 'Key' | 'Version' | 'Create' | 'Mod' | 'Value';

export interface RangeOp {
  readonly range: KeyRange;
  readonly revision: number;
  readonly limit: number;
  readonly keysOnly: boolean;
  readonly countOnly: boolean;
  readonly sortOrder: SortOrder;
  readonly sortTarget: SortTarget;
  readonly minModRevision: number;
  readonly maxModRevision: number;
  readonly minCreateRevision: number;
  readonly maxCreateRevision: number;
}

const SORT_ORDERS: Record<string, SortOrder> = { None: 'None', Ascend: 'Ascend', Descend: 'Descend', 0: 'None', 1: 'Ascend', 2: 'Descend' };
const SORT_TARGETS: Record<string, SortTarget> = {
  Key: 'Key',
  Version: 'Version',
  Create: 'Create',
  Mod: 'Mod',
  Value: 'Value',
  0: 'Key',
  1: 'Version',
  2: 'Create',
  3: 'Mod',
  4: 'Value',
};

function enumValue<T>(table: Record<string, T>, value: Enum, field: string): T {
  const found = table[String(value)];
  if (found === undefined) throw invalidArgument(`etcdserver: unknown ${field} ${String(value)}`);
  return found;
}

export function parseRangeRequest(request: RangeRequest): RangeOp {
  return {
    range: parseRange(request.key, request.range_end),
    revision: Math.max(0, toInt(request.revision, 'revision')),
    limit: Math.max(0, toInt(request.limit, 'limit')),
    keysOnly: request.keys_only,
    countOnly: request.count_only,
    sortOrder: enumValue(SORT_ORDERS, request.sort_order, 'sort_order'),
    sortTarget: enumValue(SORT_TARGETS, request.sort_target, 'sort_target'),
    minModRevision: toInt(request.min_mod_revision, 'min_mod_revision'),
    maxModRevision: toInt(request.max_mod_revision, 'max_mod_revision'),
    minCreateRevision: toInt(request.min_create_revision, 'min_create_revision'),
    maxCreateRevision: toInt(request.max_create_revision, 'max_create_revision'),
  };
}

function sortKey(kv: KeyValue, target: SortTarget): number | Buffer {
  switch (target) {
    case 'Key':
      return Buffer.from(kv.key, 'utf8');
    case 'Version':
      return versionOf(kv);
    case 'Create':
      return kv.createRevision;
    case 'Mod':
      return kv.modRevision;
    case 'Value':
      return Buffer.from(clientValue(kv));
  }
}

function compareSortKeys(a: number | Buffer, b: number | Buffer): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return Buffer.compare(a as Buffer, b as Buffer);
}

/**
 * Runs a range. The backend answers ranges in ascending key order with a
 * limit; anything else etcd offers (other sort orders and targets, the
 * min/max revision filters) is done here in memory over the whole range,
 * which is also how etcd does it: it drops the limit, filters, sorts, then
 * cuts to the limit, while `count` stays the number of keys in the range.
 *
 * Inside a transaction `within.revision` pins the read to the
 * transaction's snapshot and the header tells the revision read. Otherwise,
 * as in etcd, the header carries the store's current revision, even for a
 * read of the past.
 */
export async function runRange(
  backend: Backend,
  op: RangeOp,
  within?: { readonly revision: number | undefined },
): Promise<{ response: RangeResponse; revision: number }> {
  const revision = op.revision > 0 ? op.revision : within?.revision;
  // etcd: a sort target other than the key with no order means ascending.
  const order: SortOrder = op.sortOrder === 'None' && op.sortTarget !== 'Key' ? 'Ascend' : op.sortOrder;
  const filtered = op.minModRevision > 0 || op.maxModRevision > 0 || op.minCreateRevision > 0 || op.maxCreateRevision > 0;
  const inMemory = !op.countOnly && (filtered || (order !== 'None' && !(order === 'Ascend' && op.sortTarget === 'Key')));

  let read: RangeRead;
  let kvs: readonly KeyValue[];
  let more: boolean;
  if (!inMemory) {
    read = await readRange(backend, { range: op.range, revision, limit: op.limit, keysOnly: op.keysOnly, countOnly: op.countOnly });
    ({ kvs, more } = read);
  } else {
    read = await readRange(backend, { range: op.range, revision, keysOnly: op.keysOnly && op.sortTarget !== 'Value' });
    let kept = read.kvs.filter(
      (kv) =>
        (op.minModRevision <= 0 || kv.modRevision >= op.minModRevision) &&
        (op.maxModRevision <= 0 || kv.modRevision <= op.maxModRevision) &&
        (op.minCreateRevision <= 0 || kv.createRevision >= op.minCreateRevision) &&
        (op.maxCreateRevision <= 0 || kv.createRevision <= op.maxCreateRevision),
    );
    if (order !== 'None') {
      const direction = order === 'Descend' ? -1 : 1;
      kept = kept
        .map((kv) => ({ kv, by: sortKey(kv, op.sortTarget) }))
        .sort((a, b) => direction * compareSortKeys(a.by, b.by))
        .map(({ kv }) => kv);
    }
    more = op.limit > 0 && kept.length > op.limit;
    kvs = more ? kept.slice(0, op.limit) : kept;
  }
  const headerRevision = within === undefined && op.revision > 0 ? await backend.currentRevision() : read.revision;
  return {
    revision: read.revision,
    response: { header: header(headerRevision), kvs: kvs.map((kv) => toProtoKv(kv, op.keysOnly)), more, count: read.count },
  };
}

// ---------------------------------------------------------------------- put

export interface PutOp {
  readonly key: string;
  readonly value: Uint8Array;
  /** 0 for none; undefined when the ID cannot be one of the backend's leases. */
  readonly lease: number | undefined;
  readonly prevKv: boolean;
  readonly ignoreValue: boolean;
  readonly ignoreLease: boolean;
}

export function parsePutRequest(request: PutRequest): PutOp {
  const key = decodeKey(request.key);
  const leaseText = request.lease;
  const lease = leaseText === '0' || leaseText === '' ? 0 : toLeaseId(leaseText);
  // etcd's own checks (v3rpc checkPutRequest), with its messages.
  if (request.ignore_value && request.value.length !== 0) throw invalidArgument(ETCD_MESSAGES.valueProvided);
  if (request.ignore_lease && lease !== 0) throw invalidArgument(ETCD_MESSAGES.leaseProvided);
  return {
    key,
    value: request.value,
    lease,
    prevKv: request.prev_kv,
    ignoreValue: request.ignore_value,
    ignoreLease: request.ignore_lease,
  };
}

/** A write lost to a concurrent one: the caller re-reads and tries again. */
export function isWriteConflict(error: unknown): boolean {
  return (
    isDatastoreError(error, 'RevisionMismatch') || isDatastoreError(error, 'KeyExists') || isDatastoreError(error, 'KeyNotFound')
  );
}

/**
 * Writes `op` over `current`, the key's state the caller read: an update
 * compare-and-swapped on current's revision, or a create when there was no
 * key. Throws a write conflict (see {@link isWriteConflict}) when the key
 * changed since.
 */
export async function applyPut(backend: Backend, op: PutOp, current: KeyValue | undefined): Promise<number> {
  if (op.lease === undefined) throw new EtcdStatusError(status.NOT_FOUND, ETCD_MESSAGES.leaseNotFound);
  if ((op.ignoreValue || op.ignoreLease) && current === undefined) throw invalidArgument(ETCD_MESSAGES.keyNotFound);
  const value = op.ignoreValue && current !== undefined ? clientValue(current) : op.value;
  const lease = op.ignoreLease && current !== undefined ? current.lease : op.lease;
  const stored = storedValue(op.key, value, current);
  const result =
    current === undefined
      ? await backend.create(op.key, stored, { lease })
      : await backend.update(op.key, stored, current.modRevision, { lease });
  return result.revision;
}

/**
 * A plain Put: etcd overwrites whatever is there. On the backend that is a
 * read followed by a compare-and-swap (or a create), retried when another
 * writer got in between, so the result is always a whole write on top of a
 * state that really existed (and prev_kv is exactly what it replaced).
 */
export async function put(backend: Backend, op: PutOp): Promise<{ revision: number; prevKv: KeyValue | undefined }> {
  for (let attempt = 0; attempt < WRITE_ATTEMPTS; attempt++) {
    const { kv: current } = await getKey(backend, op.key);
    try {
      return { revision: await applyPut(backend, op, current), prevKv: current };
    } catch (error) {
      if (!isWriteConflict(error)) throw error;
    }
  }
  throw new EtcdStatusError(status.UNAVAILABLE, `etcdserver: put of ${JSON.stringify(op.key)} lost to concurrent writers ${WRITE_ATTEMPTS} times; retry`);
}

// ------------------------------------------------------------------- delete

export interface DeleteOp {
  readonly range: KeyRange;
  readonly prevKv: boolean;
}

export function parseDeleteRequest(request: DeleteRangeRequest): DeleteOp {
  return { range: parseRange(request.key, request.range_end), prevKv: request.prev_kv };
}

/**
 * A DeleteRange. One key is one backend delete. A range is listed and each
 * key deleted on its own (each gets its own revision, where etcd would give
 * them one); a key changed or deleted meanwhile by someone else is still
 * deleted or skipped, as a later delete of it would.
 */
export async function deleteRange(backend: Backend, op: DeleteOp): Promise<{ revision: number; deleted: KeyValue[] }> {
  if (op.range.kind === 'key') {
    if (op.range.key.includes('\u0000')) return { revision: await backend.currentRevision(), deleted: [] };
    try {
      const { revision, prevKv } = await backend.delete(op.range.key);
      return { revision, deleted: [prevKv] };
    } catch (error) {
      if (!isDatastoreError(error, 'KeyNotFound')) throw error;
      return { revision: await backend.currentRevision(), deleted: [] };
    }
  }
  const listed = await readRange(backend, { range: op.range, keysOnly: true });
  let revision = listed.revision;
  const deleted: KeyValue[] = [];
  for (const kv of listed.kvs) {
    try {
      const result = await backend.delete(kv.key);
      revision = result.revision;
      deleted.push(result.prevKv);
    } catch (error) {
      if (!isDatastoreError(error, 'KeyNotFound')) throw error;
    }
  }
  return { revision, deleted };
}
