import { status } from '@grpc/grpc-js';
import type { Backend, KeyValue } from '../backend.js';
import { header, toProtoKv } from './convert.js';
import { ETCD_MESSAGES, EtcdStatusError, invalidArgument, unimplemented } from './errors.js';
import { getKey, parseRange, readRange, type KeyRange } from './key-range.js';
import {
  WRITE_ATTEMPTS,
  applyPut,
  isWriteConflict,
  parseDeleteRequest,
  parsePutRequest,
  parseRangeRequest,
  runRange,
  type DeleteOp,
  type PutOp,
  type RangeOp,
} from './kv-ops.js';
import type { Compare, Enum, PutResponse, RequestOp, ResponseOp, TxnRequest, TxnResponse } from './proto.js';
import { clientValue, versionOf } from './versions.js';

/**
 * etcd transactions on a backend whose only atomic primitives are
 * single-key compare-and-swap writes (kine's model).
 *
 * A transaction is evaluated by reading: the keys its compares name are read
 * at one revision R and the compares decide the branch. A branch that only
 * reads runs its ranges at R, so the whole transaction is one consistent
 * snapshot whatever keys it touches. A branch may write one key K, with a put
 * or a single-key delete, provided every compare is on K itself. The write is
 * then a compare-and-swap on the revision of K read at R (a create when K
 * did not exist): if it succeeds at revision W, K did not change between R
 * and W, so the compares still held just before W and the transaction is
 * exactly what etcd would have done atomically at W. Reads before the write
 * run at W-1 and reads after it at W. If the swap loses to another writer,
 * the whole transaction is evaluated again.
 *
 * That covers what Kubernetes sends (create: `mod(k) = 0 → put`; update:
 * `mod(k) = r → put | get`; delete: `mod(k) = r → delete | get`; the
 * compactor's `version(compact_rev_key) = t → put | get`), the shapes kine
 * serves, and etcdctl's single-key txns. A transaction that would write
 * several keys, or write one key under compares on other keys, cannot be
 * made atomic here and fails with UNIMPLEMENTED before anything is read.
 */

/** etcd's default --max-txn-ops. */
const MAX_TXN_OPS = 128;

type CompareTarget = 'Version' | 'Create' | 'Mod' | 'Value' | 'Lease';
type CompareResult = 'Equal' | 'Greater' | 'Less' | 'NotEqual';

interface CompareOp {
  readonly range: KeyRange;
  readonly target: CompareTarget;
  readonly result: CompareResult;
  /** The value compared against: bytes for Value, an integer otherwise. */
  readonly operand: Buffer | bigint;
}

type TxnOp =
  | { readonly kind: 'range'; readonly op: RangeOp }
  | { readonly kind: 'put'; readonly op: PutOp }
  | { readonly kind: 'delete'; readonly op: DeleteOp };

export interface ParsedTxn {
  readonly compares: readonly CompareOp[];
  readonly success: readonly TxnOp[];
  readonly failure: readonly TxnOp[];
}

const TARGETS: Record<string, CompareTarget> = {
  Version: 'Version',
  Create: 'Create',
  Mod: 'Mod',
  Value: 'Value',
  Lease: 'Lease',
  0: 'Version',
  1: 'Create',
  2: 'Mod',
  3: 'Value',
  4: 'Lease',
};
const RESULTS: Record<string, CompareResult> = {
  Equal: 'Equal',
  Greater: 'Greater',
  Less: 'Less',
  NotEqual: 'NotEqual',
  0: 'Equal',
  1: 'Greater',
  2: 'Less',
  3: 'NotEqual',
};

function lookup<T>(table: Record<string, T>, value: Enum, field: string): T {
  const found = table[String(value)];
  if (found === undefined) throw invalidArgument(`etcdserver: unknown compare ${field} ${String(value)}`);
  return found;
}

function toBigInt(value: string, field: string): bigint {
  try {
    return BigInt(value === '' ? '0' : value);
  } catch {
    throw invalidArgument(`etcdserver: compare ${field} ${value} is not an integer`);
  }
}

function parseCompare(compare: Compare): CompareOp {
  const target = lookup(TARGETS, compare.target, 'target');
  const result = lookup(RESULTS, compare.result, 'result');
  const range = parseRange(compare.key, compare.range_end);
  const operand =
    target === 'Value'
      ? compare.value
      : target === 'Version'
        ? toBigInt(compare.version, 'version')
        : target === 'Create'
          ? toBigInt(compare.create_revision, 'create_revision')
          : target === 'Mod'
            ? toBigInt(compare.mod_revision, 'mod_revision')
            : toBigInt(compare.lease, 'lease');
  return { range, target, result, operand };
}

function parseOp(request: RequestOp): TxnOp {
  switch (request.request) {
    case 'request_range':
      if (request.request_range) return { kind: 'range', op: parseRangeRequest(request.request_range) };
      break;
    case 'request_put':
      if (request.request_put) return { kind: 'put', op: parsePutRequest(request.request_put) };
      break;
    case 'request_delete_range':
      if (request.request_delete_range) return { kind: 'delete', op: parseDeleteRequest(request.request_delete_range) };
      break;
    case 'request_txn':
      throw unimplemented('etcdserver: nested transactions are not supported by this server (the backend cannot apply them atomically)');
    default:
      break;
  }
  throw invalidArgument('etcdserver: a transaction operation has no request');
}

/** The key a write op writes; undefined for ops that write nothing. */
function writtenKey(op: TxnOp): string | undefined {
  if (op.kind === 'put') return op.op.key;
  if (op.kind === 'delete') {
    const { range } = op.op;
    if (range.kind === 'key') return range.key;
    if (range.kind === 'span') {
      throw unimplemented(
        'etcdserver: a transaction may delete single keys only on this server (a range delete cannot be applied atomically by the backend); send the DeleteRange on its own',
      );
    }
  }
  return undefined;
}

function checkBranch(branch: readonly TxnOp[], compares: readonly CompareOp[], name: string): void {
  const keys = branch.map(writtenKey).filter((key): key is string => key !== undefined);
  if (new Set(keys).size !== keys.length) throw invalidArgument('etcdserver: duplicate key given in txn request');
  if (keys.length > 1) {
    throw unimplemented(
      `etcdserver: this server applies at most one put or delete per transaction branch (the backend's writes are single-key compare-and-swap); the ${name} branch writes ${keys.length} keys`,
    );
  }
  const key = keys[0];
  if (key === undefined) return;
  for (const compare of compares) {
    if (compare.range.kind !== 'key' || compare.range.key !== key) {
      throw unimplemented(
        `etcdserver: a transaction branch that writes ${JSON.stringify(key)} may only compare that same key on this server (the backend cannot apply a multi-key transaction atomically)`,
      );
    }
  }
}

export function parseTxn(request: TxnRequest): ParsedTxn {
  if (request.compare.length > MAX_TXN_OPS || request.success.length > MAX_TXN_OPS || request.failure.length > MAX_TXN_OPS) {
    throw invalidArgument(ETCD_MESSAGES.tooManyOps);
  }
  const compares = request.compare.map(parseCompare);
  const success = request.success.map(parseOp);
  const failure = request.failure.map(parseOp);
  checkBranch(success, compares, 'success');
  checkBranch(failure, compares, 'failure');
  return { compares, success, failure };
}

// --------------------------------------------------------------- evaluation

function holds(compare: CompareOp, kv: KeyValue | undefined): boolean {
  let order: number;
  if (compare.target === 'Value') {
    // etcd: comparing the value of a key that does not exist is always false.
    if (kv === undefined) return false;
    order = Buffer.compare(Buffer.from(clientValue(kv)), compare.operand as Buffer);
  } else {
    const actual =
      kv === undefined
        ? 0n
        : BigInt(
            compare.target === 'Version'
              ? versionOf(kv)
              : compare.target === 'Create'
                ? kv.createRevision
                : compare.target === 'Mod'
                  ? kv.modRevision
                  : kv.lease,
          );
    const expected = compare.operand as bigint;
    order = actual < expected ? -1 : actual > expected ? 1 : 0;
  }
  switch (compare.result) {
    case 'Equal':
      return order === 0;
    case 'NotEqual':
      return order !== 0;
    case 'Greater':
      return order > 0;
    case 'Less':
      return order < 0;
  }
}

/** etcd: over a range every key must satisfy the compare; an empty range compares a missing key. */
function holdsForAll(compare: CompareOp, kvs: readonly KeyValue[]): boolean {
  if (kvs.length === 0) return holds(compare, undefined);
  return kvs.every((kv) => holds(compare, kv));
}

export async function runTxn(backend: Backend, txn: ParsedTxn): Promise<TxnResponse> {
  for (let attempt = 0; attempt < WRITE_ATTEMPTS; attempt++) {
    const outcome = await attemptTxn(backend, txn);
    if (outcome !== undefined) return outcome;
  }
  throw new EtcdStatusError(status.UNAVAILABLE, `etcdserver: transaction lost to concurrent writers ${WRITE_ATTEMPTS} times; retry`);
}

/** One evaluation; undefined when its write lost a race and it must be evaluated again. */
async function attemptTxn(backend: Backend, txn: ParsedTxn): Promise<TxnResponse | undefined> {
  let revision: number | undefined;
  const seen = new Map<string, KeyValue | undefined>();
  const readKey = async (key: string): Promise<KeyValue | undefined> => {
    if (seen.has(key)) return seen.get(key);
    const result = await getKey(backend, key, revision);
    revision = result.revision;
    seen.set(key, result.kv);
    return result.kv;
  };

  let succeeded = true;
  for (const compare of txn.compares) {
    let kvs: readonly KeyValue[];
    if (compare.range.kind === 'key') {
      const kv = await readKey(compare.range.key);
      kvs = kv === undefined ? [] : [kv];
    } else {
      const read = await readRange(backend, { range: compare.range, revision });
      revision = read.revision;
      kvs = read.kvs;
    }
    if (!holdsForAll(compare, kvs)) succeeded = false;
  }

  const ops = succeeded ? txn.success : txn.failure;
  const writeIndex = ops.findIndex((op) => writtenKey(op) !== undefined);
  const write = ops[writeIndex];

  if (write === undefined) {
    const responses: ResponseOp[] = [];
    for (const op of ops) {
      const { response, revision: readAt } = await readOnlyOp(backend, op, revision);
      // The first read of the latest state pins the rest (a range that names its own revision does not).
      if (op.kind !== 'range' || op.op.revision === 0) revision ??= readAt;
      responses.push(response);
    }
    return { header: header(revision ?? (await backend.currentRevision())), succeeded, responses };
  }

  const current = await readKey(writtenKey(write)!);
  let written: { revision: number | undefined; response: ResponseOp };
  try {
    written = await applyWrite(backend, write, current, revision!);
  } catch (error) {
    if (isWriteConflict(error)) return undefined;
    throw error;
  }
  const writeRevision = written.revision;

  const before = writeRevision !== undefined ? writeRevision - 1 : revision!;
  const after = writeRevision ?? revision!;
  const responses: ResponseOp[] = [];
  for (const [index, op] of ops.entries()) {
    if (index === writeIndex) responses.push(written.response);
    else responses.push((await readOnlyOp(backend, op, index < writeIndex ? before : after)).response);
  }
  return { header: header(after), succeeded, responses };
}

/**
 * The branch's one write over `current`, the key as read at `readRevision`.
 * Throws a write conflict when the key has changed since.
 */
async function applyWrite(
  backend: Backend,
  write: TxnOp,
  current: KeyValue | undefined,
  readRevision: number,
): Promise<{ revision: number | undefined; response: ResponseOp }> {
  switch (write.kind) {
    case 'put': {
      const revision = await applyPut(backend, write.op, current);
      const response: PutResponse = { header: header(revision) };
      if (write.op.prevKv && current !== undefined) response.prev_kv = toProtoKv(current);
      return { revision, response: { response_put: response } };
    }
    case 'delete': {
      if (current === undefined) {
        // Deleting a key that is not there writes nothing, as in etcd.
        return { revision: undefined, response: { response_delete_range: { header: header(readRevision), deleted: 0, prev_kvs: [] } } };
      }
      const deleted = await backend.delete(current.key, { expectedRevision: current.modRevision });
      const prevKvs = write.op.prevKv ? [toProtoKv(deleted.prevKv)] : [];
      return {
        revision: deleted.revision,
        response: { response_delete_range: { header: header(deleted.revision), deleted: 1, prev_kvs: prevKvs } },
      };
    }
    case 'range':
      throw new Error('a range is not a write');
  }
}

/** A range, or a delete that writes nothing (an empty range), at a pinned revision. */
async function readOnlyOp(backend: Backend, op: TxnOp, revision: number | undefined): Promise<{ response: ResponseOp; revision: number }> {
  if (op.kind === 'range') {
    const { response, revision: readAt } = await runRange(backend, op.op, { revision });
    return { response: { response_range: response }, revision: readAt };
  }
  const at = revision ?? (await backend.currentRevision());
  return { response: { response_delete_range: { header: header(at), deleted: 0, prev_kvs: [] } }, revision: at };
}
