import type { ServerUnaryCall, UntypedServiceImplementation } from '@grpc/grpc-js';
import type { FacadeContext } from './context.js';
import { MEMBER_ID, MEMBER_NAME, RAFT_TERM, header } from './convert.js';
import { unimplemented } from './errors.js';
import { unary } from './handlers.js';
import type { AlarmRequest, AlarmResponse, MemberListResponse, StatusResponse } from './proto.js';

/**
 * etcdserverpb.Maintenance: Status (etcdctl endpoint status, Kubernetes'
 * check of the etcd version) and listing alarms (etcdctl endpoint health
 * from 3.5 on). There is no raft log: the store's revision stands in for
 * the raft index, which like it only grows.
 */
export function maintenanceService(context: FacadeContext): UntypedServiceImplementation {
  const { backend } = context;
  return {
    Status: unary<object, StatusResponse>(context, 'Maintenance.Status', async () => {
      const [revision, size] = await Promise.all([backend.currentRevision(), backend.size()]);
      return {
        header: header(revision),
        version: context.etcdVersion,
        dbSize: size,
        leader: MEMBER_ID,
        raftIndex: revision,
        raftTerm: RAFT_TERM,
        raftAppliedIndex: revision,
        errors: [],
        dbSizeInUse: size,
        isLearner: false,
      };
    }),

    Alarm: unary<AlarmRequest, AlarmResponse>(context, 'Maintenance.Alarm', async (request) => {
      if (request.action !== 'Get' && request.action !== 0) {
        throw unimplemented('etcdserver: alarms cannot be raised or cleared on this server; it only lists them (there are none)');
      }
      return { header: header(await backend.currentRevision()), alarms: [] };
    }),
  };
}

/** etcdserverpb.Cluster: MemberList, with this server as the one member. */
export function clusterService(context: FacadeContext): UntypedServiceImplementation {
  return {
    MemberList: unary<object, MemberListResponse>(context, 'Cluster.MemberList', async (_request, call) => {
      const url = `http://${clientAuthority(context, call)}`;
      return {
        header: header(await context.backend.currentRevision()),
        members: [{ ID: MEMBER_ID, name: MEMBER_NAME, peerURLs: [url], clientURLs: [url], isLearner: false }],
      };
    }),
  };
}

/**
 * The host:port clients reach us at: the one this client dialled (its
 * :authority), which is right even when we listen on 0.0.0.0, else the
 * bound address.
 */
function clientAuthority(context: FacadeContext, call: ServerUnaryCall<object, MemberListResponse>): string {
  const authority = call.getHost();
  return /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):\d+$/.test(authority) ? authority : context.address;
}
