import type { UntypedServiceImplementation } from '@grpc/grpc-js';
import { header, toInt, toProtoKv } from './convert.js';
import { deleteRange, parseDeleteRequest, parsePutRequest, parseRangeRequest, put, runRange } from './kv-ops.js';
import type {
  CompactionRequest,
  DeleteRangeRequest,
  DeleteRangeResponse,
  PutRequest,
  PutResponse,
  RangeRequest,
  RangeResponse,
  ResponseHeader,
  TxnRequest,
  TxnResponse,
} from './proto.js';
import type { FacadeContext } from './context.js';
import { parseTxn, runTxn } from './txn.js';
import { unary } from './handlers.js';

/** etcdserverpb.KV: Range, Put, DeleteRange, Txn, Compact. */
export function kvService(context: FacadeContext): UntypedServiceImplementation {
  const { backend } = context;
  return {
    Range: unary<RangeRequest, RangeResponse>(context, 'KV.Range', async (request) => {
      const op = parseRangeRequest(request);
      return (await runRange(backend, op)).response;
    }),

    Put: unary<PutRequest, PutResponse>(context, 'KV.Put', async (request) => {
      const op = parsePutRequest(request);
      const { revision, prevKv } = await put(backend, op);
      const response: PutResponse = { header: header(revision) };
      if (op.prevKv && prevKv !== undefined) response.prev_kv = toProtoKv(prevKv);
      return response;
    }),

    DeleteRange: unary<DeleteRangeRequest, DeleteRangeResponse>(context, 'KV.DeleteRange', async (request) => {
      const op = parseDeleteRequest(request);
      const { revision, deleted } = await deleteRange(backend, op);
      return {
        header: header(revision),
        deleted: deleted.length,
        prev_kvs: op.prevKv ? deleted.map((kv) => toProtoKv(kv)) : [],
      };
    }),

    Txn: unary<TxnRequest, TxnResponse>(context, 'KV.Txn', async (request) => runTxn(backend, parseTxn(request))),

    Compact: unary<CompactionRequest, { header: ResponseHeader }>(context, 'KV.Compact', async (request) => {
      // Compaction through the backend is synchronous, so `physical` is always honoured.
      await backend.compact(toInt(request.revision, 'revision'));
      return { header: header(await backend.currentRevision()) };
    }),
  };
}
