import type { ApiClient } from './api-client.js';

export interface DiscoveredResource {
  readonly group: string;
  readonly version: string;
  readonly resource: string;
  readonly kind: string;
  readonly namespaced: boolean;
  readonly verbs: readonly string[];
}

interface ResourceList {
  groupVersion: string;
  resources: { name: string; kind: string; namespaced: boolean; verbs?: string[] }[];
}

interface GroupList {
  groups: { name: string; preferredVersion?: { version: string }; versions: { version: string }[] }[];
}

/**
 * The resources a server serves (preferred version of each group, no
 * subresources), read through the legacy discovery documents, which every
 * Kubernetes API server has. Cached for a short while: controllers ask often.
 */
export class Discovery {
  private cached: { at: number; resources: DiscoveredResource[] } | undefined;

  constructor(
    private readonly client: ApiClient,
    private readonly ttlMs = 10_000,
  ) {}

  invalidate(): void {
    this.cached = undefined;
  }

  async resources(): Promise<DiscoveredResource[]> {
    if (this.cached !== undefined && Date.now() - this.cached.at < this.ttlMs) return this.cached.resources;
    const lists: { group: string; version: string; list: ResourceList }[] = [];
    lists.push({ group: '', version: 'v1', list: await this.client.get<ResourceList>('/api/v1') });
    const groups = await this.client.get<GroupList>('/apis');
    for (const group of groups.groups) {
      const version = group.preferredVersion?.version ?? group.versions[0]?.version;
      if (version === undefined) continue;
      try {
        lists.push({ group: group.name, version, list: await this.client.get<ResourceList>(`/apis/${group.name}/${version}`) });
      } catch {
        // A group that just went away (a CRD deleted meanwhile) is skipped.
      }
    }
    const resources = lists.flatMap(({ group, version, list }) =>
      list.resources
        .filter((resource) => !resource.name.includes('/'))
        .map((resource) => ({ group, version, resource: resource.name, kind: resource.kind, namespaced: resource.namespaced, verbs: resource.verbs ?? [] })),
    );
    this.cached = { at: Date.now(), resources };
    return resources;
  }
}

/** The collection path of a resource, in a namespace or cluster-wide. */
export function collectionPath(resource: Pick<DiscoveredResource, 'group' | 'version' | 'resource'>, namespace?: string): string {
  const base = resource.group === '' ? `/api/${resource.version}` : `/apis/${resource.group}/${resource.version}`;
  return namespace === undefined ? `${base}/${resource.resource}` : `${base}/namespaces/${namespace}/${resource.resource}`;
}
