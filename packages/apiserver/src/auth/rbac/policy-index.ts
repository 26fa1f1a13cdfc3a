import type { KubeObject } from '../../resources/types.js';
import type { PolicyRule } from './policy-rule.js';

/** What the index reads of a watch cache. */
export interface PolicyObjects {
  /** Changes whenever the objects do. */
  readonly changes: number;
  snapshot(): { objects: KubeObject[] };
}

export interface PolicySources {
  readonly roles: PolicyObjects;
  readonly clusterRoles: PolicyObjects;
  readonly roleBindings: PolicyObjects;
  readonly clusterRoleBindings: PolicyObjects;
}

export interface Subject {
  readonly kind: string;
  readonly name: string;
  readonly namespace?: string;
  readonly apiGroup?: string;
}

export interface RoleRef {
  readonly kind: string;
  readonly name: string;
  readonly apiGroup?: string;
}

export interface Binding {
  readonly name: string;
  /** Empty for ClusterRoleBindings. */
  readonly namespace: string;
  readonly subjects: readonly Subject[];
  readonly roleRef: RoleRef;
}

interface Snapshot {
  readonly stamp: string;
  readonly clusterRoleBindings: readonly Binding[];
  readonly roleBindings: ReadonlyMap<string, readonly Binding[]>;
  readonly clusterRoles: ReadonlyMap<string, readonly PolicyRule[]>;
  /** Keyed `namespace/name`. */
  readonly roles: ReadonlyMap<string, readonly PolicyRule[]>;
}

function toBinding(object: KubeObject): Binding {
  return {
    name: object.metadata.name ?? '',
    namespace: object.metadata.namespace ?? '',
    subjects: (object['subjects'] as Subject[] | undefined) ?? [],
    roleRef: (object['roleRef'] as RoleRef | undefined) ?? { kind: '', name: '' },
  };
}

function rulesOf(object: KubeObject): readonly PolicyRule[] {
  return ((object['rules'] as PolicyRule[] | null | undefined) ?? []).map((rule) => ({ ...rule, verbs: rule.verbs ?? [] }));
}

/**
 * The RBAC objects as lookup tables, rebuilt from the watch caches when one
 * of them has changed since the last request (RBAC reads far more often than
 * it is written), as upstream reads them from informer listers.
 */
export class PolicyIndex {
  private current: Snapshot | undefined;

  constructor(private readonly sources: PolicySources) {}

  private snapshot(): Snapshot {
    const { roles, clusterRoles, roleBindings, clusterRoleBindings } = this.sources;
    const stamp = `${roles.changes}/${clusterRoles.changes}/${roleBindings.changes}/${clusterRoleBindings.changes}`;
    if (this.current?.stamp === stamp) return this.current;
    const byNamespace = new Map<string, Binding[]>();
    for (const object of roleBindings.snapshot().objects) {
      const binding = toBinding(object);
      const list = byNamespace.get(binding.namespace) ?? [];
      list.push(binding);
      byNamespace.set(binding.namespace, list);
    }
    this.current = {
      stamp,
      clusterRoleBindings: clusterRoleBindings.snapshot().objects.map(toBinding),
      roleBindings: byNamespace,
      clusterRoles: new Map(clusterRoles.snapshot().objects.map((object) => [object.metadata.name ?? '', rulesOf(object)])),
      roles: new Map(roles.snapshot().objects.map((object) => [`${object.metadata.namespace ?? ''}/${object.metadata.name ?? ''}`, rulesOf(object)])),
    };
    return this.current;
  }

  clusterRoleBindings(): readonly Binding[] {
    return this.snapshot().clusterRoleBindings;
  }

  roleBindings(namespace: string): readonly Binding[] {
    return this.snapshot().roleBindings.get(namespace) ?? [];
  }

  /**
   * The rules a binding's role grants, or an error text in upstream's words
   * when the role does not exist (`clusterrole.rbac.authorization.k8s.io "x" not found`).
   */
  rulesOf(roleRef: RoleRef, bindingNamespace: string): { rules: readonly PolicyRule[] } | { error: string } {
    const snapshot = this.snapshot();
    if (roleRef.kind === 'ClusterRole') {
      const rules = snapshot.clusterRoles.get(roleRef.name);
      return rules !== undefined ? { rules } : { error: `clusterrole.rbac.authorization.k8s.io ${JSON.stringify(roleRef.name)} not found` };
    }
    if (roleRef.kind === 'Role') {
      const rules = snapshot.roles.get(`${bindingNamespace}/${roleRef.name}`);
      return rules !== undefined ? { rules } : { error: `role.rbac.authorization.k8s.io ${JSON.stringify(roleRef.name)} not found` };
    }
    return { error: `unsupported role reference kind: ${JSON.stringify(roleRef.kind)}` };
  }
}
