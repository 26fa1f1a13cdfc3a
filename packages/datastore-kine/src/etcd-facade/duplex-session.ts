import type { ServerDuplexStream, StatusObject } from '@grpc/grpc-js';
import type { FacadeContext } from './context.js';
import { toGrpcStatus } from './errors.js';

/**
 * One bidirectional gRPC stream (Watch, LeaseKeepAlive): requests are
 * handled one at a time in arrival order; the session is registered with
 * the facade so closing the server ends it; it ends once, with OK or with
 * the gRPC status of an unexpected failure, however the client left.
 */
export abstract class DuplexSession<Request, Response> {
  protected closed = false;
  private requests: Promise<void> = Promise.resolve();

  constructor(
    protected readonly context: FacadeContext,
    protected readonly call: ServerDuplexStream<Request, Response>,
    /** The RPC's name in logs and errors, e.g. "Watch.Watch". */
    private readonly rpc: string,
  ) {}

  start(): void {
    this.context.streams.add(this);
    this.call.on('data', (request: Request) => {
      this.requests = this.requests.then(() => this.handle(request)).catch((error: unknown) => this.fail(error));
    });
    this.call.on('cancelled', () => this.close());
    this.call.on('error', () => this.close());
    this.call.on('close', () => this.close());
  }

  /** Ends the session with OK: clients reconnect and resume. */
  close(): void {
    this.shutdown(undefined);
  }

  /** Runs after the requests received so far are handled. */
  protected afterPendingRequests(then: () => void): void {
    void this.requests.then(then);
  }

  protected abstract handle(request: Request): Promise<void>;

  /** Releases what the session holds (watches, waiters); called once, before the stream ends. */
  protected onShutdown(): void {}

  /** An error we did not expect: end the stream with it rather than leave the client waiting. */
  private fail(error: unknown): void {
    this.shutdown(toGrpcStatus(error, this.context.logger, this.rpc));
  }

  private shutdown(failure: Pick<StatusObject, 'code' | 'details'> | undefined): void {
    if (this.closed) return;
    this.closed = true;
    this.context.streams.delete(this);
    this.onShutdown();
    if (this.call.writableEnded || this.call.destroyed) return;
    if (failure === undefined) this.call.end();
    else this.call.emit('error', failure);
  }
}
