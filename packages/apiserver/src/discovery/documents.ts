import { createHash } from 'node:crypto';
import type { ResourceRegistry } from '../registry/resource-registry.js';
import type { ResourceDefinition, Verb } from '../resources/types.js';

/**
 * Discovery: what the server serves, in the documents clients read to map
 * kinds to resources. The legacy form (/api, /apis, a document per group and
 * group version) and the aggregated form (apidiscovery.k8s.io/v2, one
 * document for /api and one for /apis, chosen by the Accept header) that
 * kubectl 1.30+ and client-go prefer.
 */

/** Upstream lists verbs in this order. */
const VERB_ORDER: readonly Verb[] = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

function sortedVerbs(verbs: readonly Verb[]): Verb[] {
  return VERB_ORDER.filter((verb) => verbs.includes(verb));
}

/** The verbs of a subresource, as upstream reports them. */
function subresourceVerbs(subresource: string): Verb[] {
  switch (subresource) {
    case 'status':
    case 'scale':
    case 'approval':
      return ['get', 'patch', 'update'];
    case 'binding':
    case 'eviction':
    case 'token':
      return ['create'];
    case 'finalize':
      return ['update'];
    case 'log':
      return ['get'];
    case 'exec':
    case 'attach':
    case 'portforward':
    case 'proxy':
      return ['create', 'get'];
    case 'ephemeralcontainers':
    case 'resize':
      return ['get', 'patch', 'update'];
    default:
      return ['get'];
  }
}

/**
 * Upstream's discovery names a response kind's group and version only when
 * they differ from the resource's own (deployments/scale is autoscaling/v1,
 * deployments/status just "Deployment"); aggregated discovery copies that.
 */
function relativeKind(definition: ResourceDefinition, kind: { group: string; version: string; kind: string }): { group: string; version: string; kind: string } {
  const same = kind.group === definition.group && kind.version === definition.version;
  return same ? { group: '', version: '', kind: kind.kind } : kind;
}

function subresourceKind(definition: ResourceDefinition, subresource: string): { group: string; version: string; kind: string } {
  switch (subresource) {
    case 'scale':
      return { group: 'autoscaling', version: 'v1', kind: 'Scale' };
    case 'binding':
      return { group: '', version: 'v1', kind: 'Binding' };
    case 'eviction':
      return { group: 'policy', version: 'v1', kind: 'Eviction' };
    case 'token':
      return { group: 'authentication.k8s.io', version: 'v1', kind: 'TokenRequest' };
    case 'log':
    case 'exec':
    case 'attach':
    case 'portforward':
    case 'proxy':
      return { group: '', version: 'v1', kind: subresource === 'log' ? 'Pod' : subresource === 'proxy' ? definition.kind : 'PodAttachOptions' };
    default:
      return { group: definition.group, version: definition.version, kind: definition.kind };
  }
}

export function subresourcesOf(definition: ResourceDefinition): string[] {
  const names: string[] = [];
  if (definition.subresources.status === true) names.push('status');
  if (definition.subresources.scale !== undefined) names.push('scale');
  for (const custom of definition.subresources.custom ?? []) if (!names.includes(custom)) names.push(custom);
  return names.sort();
}

/** A short, stable hash of a resource's storage identity, as upstream's storageVersionHash. */
function storageVersionHash(definition: ResourceDefinition): string {
  return createHash('sha256').update(`${definition.group}/${definition.version}/${definition.kind}`).digest('base64').slice(0, 11);
}

export function apiVersions(serverAddress: string): object {
  return {
    kind: 'APIVersions',
    versions: ['v1'],
    serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }],
  };
}

function groupDocument(group: string, versions: readonly string[]): object {
  const entries = versions.map((version) => ({ groupVersion: `${group}/${version}`, version }));
  return { name: group, versions: entries, preferredVersion: entries[0] };
}

export function apiGroupList(registry: ResourceRegistry): object {
  return {
    kind: 'APIGroupList',
    apiVersion: 'v1',
    groups: registry
      .groups()
      .filter(({ group }) => group !== '')
      .map(({ group, versions }) => groupDocument(group, versions)),
  };
}

export function apiGroup(registry: ResourceRegistry, group: string): object | undefined {
  const found = registry.groups().find((candidate) => candidate.group === group);
  if (found === undefined || group === '') return undefined;
  return { kind: 'APIGroup', apiVersion: 'v1', ...groupDocument(group, found.versions) };
}

export function apiResourceList(registry: ResourceRegistry, group: string, version: string): object | undefined {
  const definitions = registry.resourcesOf(group, version);
  if (definitions.length === 0) return undefined;
  const resources: object[] = [];
  for (const definition of definitions) {
    const entry: Record<string, unknown> = {
      name: definition.plural,
      singularName: definition.singular,
      namespaced: definition.scope === 'Namespaced',
      kind: definition.kind,
      verbs: sortedVerbs(definition.verbs),
    };
    if (definition.shortNames.length > 0) entry['shortNames'] = [...definition.shortNames];
    if (definition.categories.length > 0) entry['categories'] = [...definition.categories];
    if (definition.verbs.length > 0) entry['storageVersionHash'] = storageVersionHash(definition);
    resources.push(entry);
    for (const subresource of subresourcesOf(definition)) {
      const kind = subresourceKind(definition, subresource);
      const sub: Record<string, unknown> = {
        name: `${definition.plural}/${subresource}`,
        singularName: '',
        namespaced: definition.scope === 'Namespaced',
        kind: kind.kind,
        verbs: subresourceVerbs(subresource),
      };
      if (kind.group !== definition.group) sub['group'] = kind.group;
      if (kind.group !== definition.group || kind.version !== definition.version) sub['version'] = kind.version;
      resources.push(sub);
    }
  }
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: group === '' ? version : `${group}/${version}`, resources };
}

/** The aggregated discovery document for /api (legacy: true) or /apis. */
export function aggregatedDiscovery(registry: ResourceRegistry, legacy: boolean, version: 'v2' | 'v2beta1'): object {
  const items = registry
    .groups()
    .filter(({ group }) => (group === '') === legacy)
    .map(({ group, versions }) => ({
      metadata: { name: group, creationTimestamp: null },
      versions: versions.map((groupVersion) => ({
        version: groupVersion,
        resources: registry.resourcesOf(group, groupVersion).map((definition) => {
          const resource: Record<string, unknown> = {
            resource: definition.plural,
            responseKind: relativeKind(definition, { group: definition.group, version: definition.version, kind: definition.kind }),
            scope: definition.scope,
            singularResource: definition.singular,
            verbs: sortedVerbs(definition.verbs),
          };
          if (definition.shortNames.length > 0) resource['shortNames'] = [...definition.shortNames];
          if (definition.categories.length > 0) resource['categories'] = [...definition.categories];
          const subresources = subresourcesOf(definition).map((subresource) => ({
            subresource,
            responseKind: relativeKind(definition, subresourceKind(definition, subresource)),
            verbs: subresourceVerbs(subresource),
          }));
          if (subresources.length > 0) resource['subresources'] = subresources;
          return resource;
        }),
        freshness: 'Current',
      })),
    }));
  return { kind: 'APIGroupDiscoveryList', apiVersion: `apidiscovery.k8s.io/${version}`, metadata: {}, items };
}

export function etagOf(document: unknown): string {
  return `"${createHash('sha512').update(JSON.stringify(document)).digest('hex').slice(0, 64)}"`;
}
