import { Server, ServerCredentials } from '@grpc/grpc-js';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { Backend } from '../backend.js';
import { InvalidArgumentError } from '../errors.js';
import { MAX_VALUE_BYTES } from '../keys.js';
import { silentLogger } from '../logger.js';
import type { FacadeContext } from './context.js';
import { withUnimplemented } from './handlers.js';
import { kvService } from './kv-service.js';
import { leaseService } from './lease-service.js';
import { clusterService, maintenanceService } from './maintenance-service.js';
import { loadEtcdProtos, serviceDefinition, type EtcdServiceName } from './proto.js';
import { watchService } from './watch-service.js';

export interface ServeEtcdOptions {
  /** 'host:port' to listen on ('[::1]:2379' for IPv6); port 0 picks a free port. */
  readonly listen: string;
  /** Structured logs; silent when absent. */
  readonly logger?: Logger;
  /**
   * How often a watch that asked for progress_notify is told the current
   * revision while nothing happens to its keys (ms). etcd's default is 10
   * minutes; kine's, which Kubernetes on k3s is used to, 5 seconds.
   */
  readonly watchProgressNotifyIntervalMs?: number;
  /**
   * The version Status reports. Kubernetes (1.31+) only sends watch progress
   * requests to etcd >= 3.4.31 / 3.5.13; this facade answers them as 3.5.13+
   * does (only once every watch on the stream is caught up), so it says so.
   */
  readonly etcdVersion?: string;
}

export interface EtcdFacade {
  /** host:port actually bound. */
  readonly address: string;
  /** Ends open watch and keep-alive streams and stops listening. Leaves the backend open. */
  close(): Promise<void>;
}

const optionsSchema = z.object({
  listen: z
    .string()
    .regex(/^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):\d{1,5}$/, "'host:port' (port 0 picks a free port), e.g. '127.0.0.1:2379' or '[::1]:0'"),
  watchProgressNotifyIntervalMs: z.number().positive().optional(),
  etcdVersion: z
    .string()
    .regex(/^\d+\.\d+\.\d+$/, 'a version such as 3.5.13')
    .optional(),
});

/** Room for a request's other fields beyond the largest value (etcd adds 512 KiB the same way). */
const GRPC_OVERHEAD_BYTES = 512 * 1024;
/** How long close() lets in-flight unary calls finish before cutting connections. */
const SHUTDOWN_GRACE_MS = 2000;

const SERVICES: readonly EtcdServiceName[] = ['KV', 'Watch', 'Lease', 'Cluster', 'Maintenance', 'Auth'];

/**
 * Serves the etcd v3 gRPC API over any {@link Backend}: what kube-apiserver,
 * etcdctl and etcd client libraries use (KV, Watch, Lease, Status,
 * MemberList), mapped onto the backend the way kine maps etcd onto SQL.
 * Everything else answers UNIMPLEMENTED. Plain-text gRPC only: put it on
 * loopback or behind something that terminates TLS.
 */
export async function serveEtcd(backend: Backend, options: ServeEtcdOptions): Promise<EtcdFacade> {
  const parsed = optionsSchema.safeParse(options);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new InvalidArgumentError(`serveEtcd: option "${issue.path.join('.')}" must be ${issue.message}`);
  }
  const logger = (options.logger ?? silentLogger()).child({ component: 'etcd-facade' });
  const context: FacadeContext = {
    backend,
    logger,
    progressNotifyIntervalMs: parsed.data.watchProgressNotifyIntervalMs ?? 5000,
    etcdVersion: parsed.data.etcdVersion ?? '3.5.13',
    grantedLeases: new Set(),
    streams: new Set(),
    address: parsed.data.listen,
  };

  const definitions = loadEtcdProtos();
  const implementations: Record<EtcdServiceName, ReturnType<typeof kvService>> = {
    KV: kvService(context),
    Watch: watchService(context),
    Lease: leaseService(context),
    Cluster: clusterService(context),
    Maintenance: maintenanceService(context),
    Auth: {},
  };
  const server = new Server({ 'grpc.max_receive_message_length': MAX_VALUE_BYTES + GRPC_OVERHEAD_BYTES });
  for (const name of SERVICES) {
    const definition = serviceDefinition(definitions, name);
    server.addService(definition, withUnimplemented(definition, name, implementations[name]));
  }

  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync(parsed.data.listen, ServerCredentials.createInsecure(), (error, bound) => {
      if (error) reject(error);
      else resolve(bound);
    });
  });
  const host = parsed.data.listen.slice(0, parsed.data.listen.lastIndexOf(':'));
  context.address = `${host}:${port}`;
  logger.info({ address: context.address }, 'etcd facade listening');

  let closing: Promise<void> | undefined;
  return {
    address: context.address,
    close() {
      closing ??= (async () => {
        for (const stream of [...context.streams]) stream.close();
        await new Promise<void>((resolve) => {
          const timer = setTimeout(() => {
            server.forceShutdown();
            resolve();
          }, SHUTDOWN_GRACE_MS);
          server.tryShutdown(() => {
            clearTimeout(timer);
            resolve();
          });
        });
        logger.info({ address: context.address }, 'etcd facade closed');
      })();
      return closing;
    },
  };
}
