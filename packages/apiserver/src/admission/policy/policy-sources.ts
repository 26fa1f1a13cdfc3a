import { resourcePrefix } from '../../registry/object-codec.js';
import type { ApiServer } from '../../server/api-server.js';
import type { PolicySources } from './validating-admission-policy.js';

/** The policies, bindings, namespaces and parameter objects, from the API server's watch caches. */
export async function policySources(server: ApiServer): Promise<PolicySources> {
  const cache = (group: string, plural: string) => server.cacheFor(server.registry.find(group, 'v1', plural)!.definition);
  const [policies, bindings, namespaces] = await Promise.all([
    cache('admissionregistration.k8s.io', 'validatingadmissionpolicies'),
    cache('admissionregistration.k8s.io', 'validatingadmissionpolicybindings'),
    cache('', 'namespaces'),
  ]);
  return {
    policies: () => policies.snapshot().objects,
    bindings: () => bindings.snapshot().objects,
    namespace: (name) => namespaces.get(`/registry/namespaces/${name}`),
    params: async (apiVersion, kind, namespace) => {
      const slash = apiVersion.indexOf('/');
      const group = slash < 0 ? '' : apiVersion.slice(0, slash);
      const version = slash < 0 ? apiVersion : apiVersion.slice(slash + 1);
      const resource = server.registry.all().find((candidate) => candidate.definition.group === group && candidate.definition.version === version && candidate.definition.kind === kind);
      if (resource === undefined) return [];
      const objects = await server.cacheFor(resource.definition);
      const prefix = resource.definition.scope === 'Namespaced' && namespace !== '' ? resourcePrefix(resource.definition, namespace) : resourcePrefix(resource.definition);
      return objects.snapshot(prefix).objects;
    },
  };
}
