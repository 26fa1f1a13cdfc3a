import type { Logger } from 'pino';
import { ApiError } from '../../../errors/status.js';
import { objectKey } from '../../../registry/object-codec.js';
import type { KubeObject } from '../../../resources/types.js';
import type { ApiServer } from '../../../server/api-server.js';
import { uncoveredRules, type PolicyRule } from '../policy-rule.js';
import { clusterRoleBindings, clusterRoles } from './cluster-roles.js';
import { controllerClusterRoleBindings, controllerClusterRoles } from './controller-roles.js';
import { namespaceRoleBindings, namespaceRoles } from './namespace-roles.js';
import type { BindingSpec, RoleSpec, SubjectSpec } from './rules.js';

const GROUP = 'rbac.authorization.k8s.io';
const AUTOUPDATE = 'rbac.authorization.kubernetes.io/autoupdate';
const BOOTSTRAP_LABELS = { 'kubernetes.io/bootstrapping': 'rbac-defaults' };
const MANAGER = 'lk-rbac-bootstrap';

function roleObject(kind: 'ClusterRole' | 'Role', spec: RoleSpec, namespace?: string): KubeObject {
  return {
    apiVersion: `${GROUP}/v1`,
    kind,
    metadata: { name: spec.name, ...(namespace !== undefined && { namespace }), labels: { ...BOOTSTRAP_LABELS, ...spec.labels }, annotations: { [AUTOUPDATE]: 'true' } },
    ...(spec.aggregateFrom !== undefined && { aggregationRule: { clusterRoleSelectors: spec.aggregateFrom.map((matchLabels) => ({ matchLabels })) } }),
    rules: spec.aggregateFrom !== undefined ? [] : spec.rules.map((rule) => structuredClone(rule)),
  };
}

function subjectObject(subject: SubjectSpec): Record<string, string> {
  return subject.kind === 'ServiceAccount'
    ? { kind: 'ServiceAccount', name: subject.name, namespace: subject.namespace ?? '' }
    : { kind: subject.kind, apiGroup: GROUP, name: subject.name };
}

function bindingObject(kind: 'ClusterRoleBinding' | 'RoleBinding', spec: BindingSpec, namespace?: string): KubeObject {
  return {
    apiVersion: `${GROUP}/v1`,
    kind,
    metadata: { name: spec.name, ...(namespace !== undefined && { namespace }), labels: { ...BOOTSTRAP_LABELS }, annotations: { [AUTOUPDATE]: 'true' } },
    roleRef: { apiGroup: GROUP, kind: spec.roleKind, name: spec.roleName },
    subjects: spec.subjects.map(subjectObject),
  };
}

/** Missing labels and annotations of the desired object, added to the existing one (theirs win). */
function mergeMetadata(existing: KubeObject, desired: KubeObject): boolean {
  let changed = false;
  for (const field of ['labels', 'annotations'] as const) {
    const current = { ...existing.metadata[field] };
    for (const [key, value] of Object.entries(desired.metadata[field] ?? {})) {
      if (!(key in current)) {
        current[key] = value;
        changed = true;
      }
    }
    existing.metadata[field] = current;
  }
  return changed;
}

/** Upstream's ReconcileClusterRole without removing extra permissions: add what the default has and the object lacks. */
function reconcileRole(existing: KubeObject, desired: KubeObject): boolean {
  let changed = mergeMetadata(existing, desired);
  const wantedSelectors = ((desired['aggregationRule'] as { clusterRoleSelectors?: unknown[] } | undefined)?.clusterRoleSelectors ?? []) as unknown[];
  if (wantedSelectors.length > 0) {
    const rule = (existing['aggregationRule'] ?? {}) as { clusterRoleSelectors?: unknown[] };
    const selectors = [...(rule.clusterRoleSelectors ?? [])];
    for (const selector of wantedSelectors) {
      if (!selectors.some((present) => JSON.stringify(present) === JSON.stringify(selector))) {
        selectors.push(selector);
        changed = true;
      }
    }
    existing['aggregationRule'] = { ...rule, clusterRoleSelectors: selectors };
    // An aggregating role's rules belong to the aggregation controller.
    return changed;
  }
  const rules = ((existing['rules'] as PolicyRule[] | null | undefined) ?? []).map((rule) => ({ ...rule, verbs: rule.verbs ?? [] }));
  const missing = uncoveredRules(rules, desired['rules'] as PolicyRule[]);
  if (missing.length > 0) {
    existing['rules'] = [...rules, ...missing];
    changed = true;
  }
  return changed;
}

function reconcileBinding(existing: KubeObject, desired: KubeObject): boolean {
  let changed = mergeMetadata(existing, desired);
  const subjects = [...((existing['subjects'] as Record<string, string>[] | null | undefined) ?? [])];
  for (const subject of desired['subjects'] as Record<string, string>[]) {
    const present = subjects.some((candidate) => candidate['kind'] === subject['kind'] && candidate['name'] === subject['name'] && (candidate['namespace'] ?? '') === (subject['namespace'] ?? ''));
    if (!present) {
      subjects.push(subject);
      changed = true;
    }
  }
  existing['subjects'] = subjects;
  return changed;
}

/**
 * Creates RBAC's default roles and bindings, and brings back what is
 * missing from those an administrator changed — unless they annotated
 * them `rbac.authorization.kubernetes.io/autoupdate: "false"` — as
 * upstream's rbac post-start hook does at every start. Extra permissions
 * and subjects are kept. A start that finds everything in place writes
 * nothing.
 */
export async function reconcileBootstrapPolicy(server: ApiServer, logger: Logger): Promise<void> {
  const wanted: { plural: string; namespace: string; object: KubeObject; reconcile: (existing: KubeObject, desired: KubeObject) => boolean }[] = [
    ...[...clusterRoles(), ...controllerClusterRoles()].map((spec) => ({ plural: 'clusterroles', namespace: '', object: roleObject('ClusterRole', spec), reconcile: reconcileRole })),
    ...[...clusterRoleBindings(), ...controllerClusterRoleBindings()].map((spec) => ({ plural: 'clusterrolebindings', namespace: '', object: bindingObject('ClusterRoleBinding', spec), reconcile: reconcileBinding })),
    ...Object.entries(namespaceRoles()).flatMap(([namespace, specs]) => specs.map((spec) => ({ plural: 'roles', namespace, object: roleObject('Role', spec, namespace), reconcile: reconcileRole }))),
    ...Object.entries(namespaceRoleBindings()).flatMap(([namespace, specs]) => specs.map((spec) => ({ plural: 'rolebindings', namespace, object: bindingObject('RoleBinding', spec, namespace), reconcile: reconcileBinding }))),
  ];
  const created: string[] = [];
  const updated: string[] = [];
  // Read from the watch caches (started already) and write concurrently: this runs at every start, tests' too.
  await Promise.all(
    wanted.map(async ({ plural, namespace, object, reconcile }) => {
      const resource = server.registry.find(GROUP, 'v1', plural)!;
      const name = object.metadata.name!;
      const label = namespace === '' ? `${plural}/${name}` : `${plural}/${namespace}/${name}`;
      const existing = (await server.cacheFor(resource.definition)).get(objectKey(resource.definition, namespace, name));
      if (existing === undefined) {
        try {
          await resource.store.create(namespace, structuredClone(object), { dryRun: false, manager: MANAGER });
          created.push(label);
        } catch (error) {
          // Another server of the same datastore created it first.
          if (!(error instanceof ApiError && error.reason === 'AlreadyExists')) throw error;
        }
        return;
      }
      if (existing.metadata.annotations?.[AUTOUPDATE] === 'false') return;
      const next = structuredClone(existing);
      if (!reconcile(next, object)) return;
      await resource.store.update(namespace, name, () => next, { dryRun: false, manager: MANAGER });
      updated.push(label);
    }),
  );
  if (created.length > 0 || updated.length > 0) logger.info({ created: created.length, updated }, 'RBAC bootstrap policy reconciled');
}
