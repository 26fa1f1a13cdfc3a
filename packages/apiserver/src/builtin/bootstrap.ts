import type { Logger } from 'pino';
import { ApiError } from '../errors/status.js';
import { DEFAULT_NAMESPACES } from '../resources/core/namespace.js';
import type { ServiceAllocator } from '../resources/core/service-allocator.js';
import type { ApiServer } from '../server/api-server.js';

/**
 * What every cluster has from its first start, created if missing (as the
 * upstream API server's bootstrap controllers do): the default namespaces and
 * the `kubernetes` Service on the first IP of the service network.
 */
export async function bootstrapCluster(server: ApiServer, allocator: ServiceAllocator, logger: Logger): Promise<void> {
  const namespaces = server.store('', 'v1', 'namespaces');
  for (const name of DEFAULT_NAMESPACES) {
    await ignoreExisting(namespaces.create('', { apiVersion: 'v1', kind: 'Namespace', metadata: { name } }, { dryRun: false }));
  }
  const services = server.store('', 'v1', 'services');
  const created = await ignoreExisting(
    services.create(
      'default',
      {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'kubernetes', labels: { component: 'apiserver', provider: 'kubernetes' } },
        spec: {
          type: 'ClusterIP',
          clusterIP: allocator.apiServiceIp,
          ports: [{ name: 'https', port: 443, protocol: 'TCP', targetPort: 6443 }],
          sessionAffinity: 'None',
        },
      },
      { dryRun: false },
    ),
  );
  if (created) logger.info({ clusterIP: allocator.apiServiceIp }, 'created the kubernetes Service');
}

/** Runs a create; an AlreadyExists (a restart, or another server first) is fine. Returns whether it created. */
async function ignoreExisting(creation: Promise<unknown>): Promise<boolean> {
  try {
    await creation;
    return true;
  } catch (error) {
    if (error instanceof ApiError && error.reason === 'AlreadyExists') return false;
    throw error;
  }
}
