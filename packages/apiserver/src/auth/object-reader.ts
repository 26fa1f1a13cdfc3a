import { objectKey } from '../registry/object-codec.js';
import type { KubeObject } from '../resources/types.js';
import type { ApiServer } from '../server/api-server.js';

/** Reads one object of a resource by namespace ('' for cluster-scoped) and name. */
export type ObjectReader = (namespace: string, name: string) => Promise<KubeObject | undefined>;

/**
 * Reads objects from the API server's watch cache (what authentication
 * needs on every request), falling back to storage for one written a moment
 * ago that the cache has not seen yet.
 */
export function objectReader(server: ApiServer, group: string, plural: string): ObjectReader {
  return async (namespace, name) => {
    const resource = server.registry.find(group, 'v1', plural);
    if (resource === undefined) return undefined;
    const cached = (await server.cacheFor(resource.definition)).get(objectKey(resource.definition, namespace, name));
    if (cached !== undefined) return cached;
    return resource.store.get(namespace, name).catch(() => undefined);
  };
}
