/**
 * The etcd3 client as the driver configures it.
 */
import { Etcd3, type IDuplexStream, type IOptions } from 'etcd3';

type FaultPolicy = NonNullable<NonNullable<IOptions['faultHandling']>['global']>;

/** How long a unary call may take before it fails as unavailable (a blackholed host never answers). */
export const REQUEST_TIMEOUT_MS = 15_000;

/**
 * etcd3 by default retries failed calls three times and opens a circuit
 * breaker per host. Retrying is only safe for reads: a Txn whose response was
 * lost may well have been applied, and sending it again turns a successful
 * create into KeyExists. So etcd3's policies pass calls straight through and
 * the backend retries what it knows to be safe (backend `call`).
 */
const passThrough: FaultPolicy = {
  _altReturn: undefined as never,
  onSuccess: () => ({ dispose: () => undefined }),
  onFailure: () => ({ dispose: () => undefined }),
  execute: async (fn, signal) => fn({ signal: signal ?? new AbortController().signal }),
};

export function createEtcdClient(endpoints: readonly string[]): Etcd3 {
  return new Etcd3({
    hosts: [...endpoints],
    faultHandling: { global: passThrough, host: () => passThrough },
    defaultCallOptions: (context) => (context.isStream ? {} : { deadline: Date.now() + REQUEST_TIMEOUT_MS }),
    grpcOptions: {
      // grpc-js refuses messages over 4 MiB by default; a list without a
      // limit, or a watch catching up on 1000 revisions, is easily larger.
      'grpc.max_receive_message_length': -1,
      'grpc.max_send_message_length': -1,
      // Notice a dead connection under an idle watch. etcd's default
      // --grpc-keepalive-min-time is 5 s: pinging more often gets us cut off.
      'grpc.keepalive_time_ms': 30_000,
      'grpc.keepalive_timeout_ms': 10_000,
    },
  });
}

/**
 * Ends a stream etcd3 opened, without etcd3 taking it for a failing host.
 * etcd3 listens for errors on its streams and, while a stream is still
 * writable, treats one as a host failure and tears down every gRPC client of
 * that host; cancel() reports itself as a CANCELLED error. Half-closing first
 * makes the stream unwritable, then cancel() frees it at once.
 */
export function closeStream<Request, Response>(stream: IDuplexStream<Request, Response>): void {
  stream.on('error', () => undefined);
  stream.end();
  stream.cancel();
}
