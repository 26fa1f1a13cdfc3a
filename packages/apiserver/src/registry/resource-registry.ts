import type { ResourceDefinition } from '../resources/types.js';
import type { ResourceStore } from './store.js';

export interface RegisteredResource {
  readonly definition: ResourceDefinition;
  readonly store: ResourceStore;
}

export interface GroupVersions {
  readonly group: string;
  /** Served versions, preferred first. */
  readonly versions: readonly string[];
}

/**
 * Upstream's order of API groups in discovery (the apiserver's group
 * priorities), so that `kubectl api-resources` lists them as a cluster does.
 * Groups not listed (CRDs) come after, by name.
 */
const GROUP_ORDER = [
  '',
  'apiregistration.k8s.io',
  'apps',
  'events.k8s.io',
  'authentication.k8s.io',
  'authorization.k8s.io',
  'autoscaling',
  'batch',
  'certificates.k8s.io',
  'networking.k8s.io',
  'policy',
  'rbac.authorization.k8s.io',
  'storage.k8s.io',
  'admissionregistration.k8s.io',
  'apiextensions.k8s.io',
  'scheduling.k8s.io',
  'coordination.k8s.io',
  'node.k8s.io',
  'discovery.k8s.io',
  'flowcontrol.apiserver.k8s.io',
];

/**
 * Kubernetes' version priority: GA before beta before alpha, higher numbers
 * first; anything that does not look like a Kubernetes version sorts last,
 * by name (apimachinery's CompareKubeAwareVersionStrings).
 */
export function compareVersions(a: string, b: string): number {
  const parse = (version: string): [number, number, number] | undefined => {
    const match = /^v(\d+)(?:(alpha|beta)(\d+))?$/.exec(version);
    if (match === null) return undefined;
    const stability = match[2] === undefined ? 3 : match[2] === 'beta' ? 2 : 1;
    return [stability, Number(match[1]), Number(match[3] ?? 0)];
  };
  const left = parse(a);
  const right = parse(b);
  if (left === undefined && right === undefined) return a.localeCompare(b);
  if (left === undefined) return 1;
  if (right === undefined) return -1;
  for (let i = 0; i < 3; i++) if (left[i] !== right[i]) return right[i]! - left[i]!;
  return 0;
}

type Listener = () => void;

/** Every resource the server serves, by group, version and plural; CRDs come and go at run time. */
export class ResourceRegistry {
  private readonly resources = new Map<string, RegisteredResource>();
  private readonly listeners = new Set<Listener>();
  private generation = 0;

  private static id(group: string, version: string, plural: string): string {
    return `${group}/${version}/${plural}`;
  }

  add(resource: RegisteredResource): void {
    const { group, version, plural } = resource.definition;
    this.resources.set(ResourceRegistry.id(group, version, plural), resource);
    this.changed();
  }

  remove(group: string, version: string, plural: string): void {
    if (this.resources.delete(ResourceRegistry.id(group, version, plural))) this.changed();
  }

  find(group: string, version: string, plural: string): RegisteredResource | undefined {
    return this.resources.get(ResourceRegistry.id(group, version, plural));
  }

  all(): RegisteredResource[] {
    return [...this.resources.values()];
  }

  /** Bumped on every change, for caches of derived documents. */
  get version(): number {
    return this.generation;
  }

  onChange(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private changed(): void {
    this.generation++;
    for (const listener of this.listeners) listener();
  }

  /** Served groups in upstream's order, each with its versions, preferred first. */
  groups(): GroupVersions[] {
    const versions = new Map<string, Set<string>>();
    for (const { definition } of this.resources.values()) {
      let set = versions.get(definition.group);
      if (set === undefined) versions.set(definition.group, (set = new Set()));
      set.add(definition.version);
    }
    const rank = (group: string): number => {
      const index = GROUP_ORDER.indexOf(group);
      return index < 0 ? GROUP_ORDER.length : index;
    };
    return [...versions.entries()]
      .sort(([a], [b]) => rank(a) - rank(b) || a.localeCompare(b))
      .map(([group, set]) => ({ group, versions: [...set].sort(compareVersions) }));
  }

  /** The resources of one group version, in name order. */
  resourcesOf(group: string, version: string): ResourceDefinition[] {
    return [...this.resources.values()]
      .map((resource) => resource.definition)
      .filter((definition) => definition.group === group && definition.version === version)
      .sort((a, b) => a.plural.localeCompare(b.plural));
  }
}
