/** Building blocks of the bootstrap policy, as upstream's rbacv1helpers.NewRule(...).Groups(...).Resources(...). */
import type { PolicyRule } from '../policy-rule.js';

export const READ = ['get', 'list', 'watch'] as const;
export const READ_WRITE = ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete', 'deletecollection'] as const;
export const WRITE = ['create', 'update', 'patch', 'delete', 'deletecollection'] as const;

/** A resource rule: verbs on resources of groups, optionally only some names. */
export function rule(verbs: readonly string[], groups: readonly string[], resources: readonly string[], resourceNames?: readonly string[]): PolicyRule {
  return { verbs: [...verbs], apiGroups: [...groups], resources: [...resources], ...(resourceNames !== undefined && { resourceNames: [...resourceNames] }) };
}

/** A non-resource rule: verbs on URL paths. */
export function urls(verbs: readonly string[], paths: readonly string[]): PolicyRule {
  return { verbs: [...verbs], nonResourceURLs: [...paths] };
}

/** Upstream's eventsRule(): components record events in both event groups. */
export function eventsRule(): PolicyRule {
  return rule(['create', 'update', 'patch'], ['', 'events.k8s.io'], ['events']);
}

export interface RoleSpec {
  readonly name: string;
  readonly rules: readonly PolicyRule[];
  readonly labels?: Readonly<Record<string, string>>;
  /** Label selectors (matchLabels) whose ClusterRoles' rules this role aggregates. */
  readonly aggregateFrom?: readonly Readonly<Record<string, string>>[];
}

export interface SubjectSpec {
  readonly kind: 'User' | 'Group' | 'ServiceAccount';
  readonly name: string;
  readonly namespace?: string;
}

export interface BindingSpec {
  readonly name: string;
  readonly roleKind: 'ClusterRole' | 'Role';
  readonly roleName: string;
  readonly subjects: readonly SubjectSpec[];
}

export const user = (name: string): SubjectSpec => ({ kind: 'User', name });
export const group = (name: string): SubjectSpec => ({ kind: 'Group', name });
export const serviceAccount = (namespace: string, name: string): SubjectSpec => ({ kind: 'ServiceAccount', name, namespace });
