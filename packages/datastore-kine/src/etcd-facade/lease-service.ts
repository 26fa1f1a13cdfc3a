import { status, type ServerDuplexStream, type UntypedServiceImplementation } from '@grpc/grpc-js';
import { isDatastoreError } from '../errors.js';
import { MAX_LEASE_TTL_SECONDS } from '../keys.js';
import type { FacadeContext } from './context.js';
import { header, keyBytes, toInt, toLeaseId } from './convert.js';
import { ETCD_MESSAGES, EtcdStatusError, unimplemented } from './errors.js';
import { DuplexSession } from './duplex-session.js';
import { unary } from './handlers.js';
import type {
  LeaseGrantRequest,
  LeaseGrantResponse,
  LeaseIdRequest,
  LeaseKeepAliveResponse,
  LeaseLeasesResponse,
  LeaseTimeToLiveRequest,
  LeaseTimeToLiveResponse,
  ResponseHeader,
} from './proto.js';

function leaseNotFound(): EtcdStatusError {
  return new EtcdStatusError(status.NOT_FOUND, ETCD_MESSAGES.leaseNotFound);
}

/** etcdserverpb.Lease over the backend's leases. */
export function leaseService(context: FacadeContext): UntypedServiceImplementation {
  const { backend } = context;
  return {
    LeaseGrant: unary<LeaseGrantRequest, LeaseGrantResponse>(context, 'Lease.LeaseGrant', async (request) => {
      if (request.ID !== '0' && request.ID !== '') {
        throw unimplemented('etcdserver: this server cannot grant a lease with a client-chosen ID (the backend assigns lease IDs); send ID 0');
      }
      const ttl = toInt(request.TTL, 'TTL');
      if (ttl > MAX_LEASE_TTL_SECONDS) throw new EtcdStatusError(status.OUT_OF_RANGE, ETCD_MESSAGES.leaseTtlTooLarge);
      // etcd raises a TTL below its minimum rather than refusing it; ours is the backend's minimum, 1 s.
      const lease = await backend.grantLease(Math.max(ttl, 1));
      context.grantedLeases.add(lease.id);
      return { header: header(await backend.currentRevision()), ID: lease.id, TTL: lease.ttl, error: '' };
    }),

    LeaseRevoke: unary<LeaseIdRequest, { header: ResponseHeader }>(context, 'Lease.LeaseRevoke', async (request) => {
      const id = toLeaseId(request.ID);
      if (id === undefined) throw leaseNotFound();
      await backend.revokeLease(id);
      context.grantedLeases.delete(id);
      return { header: header(await backend.currentRevision()) };
    }),

    LeaseTimeToLive: unary<LeaseTimeToLiveRequest, LeaseTimeToLiveResponse>(context, 'Lease.LeaseTimeToLive', async (request) => {
      const id = toLeaseId(request.ID);
      // etcd answers TTL -1 for a lease that does not exist (expired or revoked).
      const lease = id === undefined ? { ttl: -1, grantedTtl: 0, keys: [] } : await backend.leaseTimeToLive(id);
      return {
        header: header(await backend.currentRevision()),
        ID: request.ID,
        TTL: lease.ttl,
        grantedTTL: lease.grantedTtl,
        keys: request.keys ? lease.keys.map(keyBytes) : [],
      };
    }),

    LeaseLeases: unary<object, LeaseLeasesResponse>(context, 'Lease.LeaseLeases', async () => {
      // The backend has no "list leases"; report the live ones granted through this server.
      const ids = [...context.grantedLeases].sort((a, b) => a - b);
      const live: number[] = [];
      for (const id of ids) {
        if ((await backend.leaseTimeToLive(id)).ttl >= 0) live.push(id);
        else context.grantedLeases.delete(id);
      }
      return { header: header(await backend.currentRevision()), leases: live.map((id) => ({ ID: id })) };
    }),

    LeaseKeepAlive: (call: ServerDuplexStream<LeaseIdRequest, LeaseKeepAliveResponse>) => {
      new KeepAliveSession(context, call).start();
    },
  };
}

/**
 * One LeaseKeepAlive stream: every request renews a lease and is answered
 * with its TTL, or TTL 0 when the lease is gone (etcd's answer, which
 * etcdctl prints as "expired or revoked").
 */
class KeepAliveSession extends DuplexSession<LeaseIdRequest, LeaseKeepAliveResponse> {
  constructor(context: FacadeContext, call: ServerDuplexStream<LeaseIdRequest, LeaseKeepAliveResponse>) {
    super(context, call, 'Lease.LeaseKeepAlive');
  }

  override start(): void {
    super.start();
    // As in etcd, the stream ends once the client stops sending and its last renewals are answered.
    this.call.on('end', () => this.afterPendingRequests(() => this.close()));
  }

  protected override handle(request: LeaseIdRequest): Promise<void> {
    return this.keepAlive(request);
  }

  private async keepAlive(request: LeaseIdRequest): Promise<void> {
    if (this.closed) return;
    const { backend } = this.context;
    const id = toLeaseId(request.ID);
    let ttl = 0;
    if (id !== undefined) {
      try {
        ttl = (await backend.keepAliveLease(id)).ttl;
      } catch (error) {
        if (!isDatastoreError(error, 'LeaseNotFound')) throw error;
      }
    }
    if (this.closed || this.call.writableEnded) return;
    this.call.write({ header: header(await backend.currentRevision()), ID: request.ID, TTL: ttl });
  }
}
