import type { Logger } from 'pino';
import { ApiRequestError, type ApiClient, type ApiObject } from '../client/api-client.js';
import { Controller, withInformers, type ReconcileResult, type Reconciler, type RunningController } from '../runtime/controller.js';
import { Informer } from '../runtime/informer.js';

const CLUSTER_ROLES = '/apis/rbac.authorization.k8s.io/v1/clusterroles';

interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist'; values?: string[] }[];
}

interface ClusterRole extends ApiObject {
  aggregationRule?: { clusterRoleSelectors?: LabelSelector[] } | null;
  rules?: unknown[] | null;
}

/** metav1.LabelSelectorAsSelector(...).Matches: every label and expression holds. An empty selector matches everything. */
export function selectorMatches(selector: LabelSelector, labels: Readonly<Record<string, string>>): boolean {
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) if (labels[key] !== value) return false;
  for (const { key, operator, values = [] } of selector.matchExpressions ?? []) {
    const present = Object.hasOwn(labels, key);
    if (operator === 'In' && !(present && values.includes(labels[key]!))) return false;
    if (operator === 'NotIn' && present && values.includes(labels[key]!)) return false;
    if (operator === 'Exists' && !present) return false;
    if (operator === 'DoesNotExist' && present) return false;
  }
  return true;
}

/** A canonical text of a rule, so that equal rules written in another key order are one. */
function ruleKey(rule: unknown): string {
  const sorted = (value: unknown): unknown =>
    Array.isArray(value) ? value.map(sorted) : typeof value === 'object' && value !== null ? Object.fromEntries(Object.entries(value).sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => [k, sorted(v)])) : value;
  return JSON.stringify(sorted(rule));
}

/**
 * Upstream's clusterrole-aggregation controller: a ClusterRole with an
 * aggregationRule gets, as its rules, those of every ClusterRole its
 * selectors match (itself excepted), in name order and without duplicates.
 * This is how admin, edit and view grow when an operator installs a CRD
 * with roles labelled `rbac.authorization.k8s.io/aggregate-to-view: "true"`.
 */
export class ClusterRoleAggregationReconciler implements Reconciler {
  constructor(
    private readonly client: ApiClient,
    private readonly roles: Informer,
    private readonly logger: Logger,
  ) {}

  async reconcile(name: string): Promise<ReconcileResult | void> {
    const role = this.roles.get(name) as ClusterRole | undefined;
    const selectors = role?.aggregationRule?.clusterRoleSelectors;
    if (role === undefined || selectors === undefined || selectors === null) return;
    const others = (this.roles.list() as ClusterRole[]).filter((other) => other.metadata.name !== name).sort((a, b) => (a.metadata.name ?? '').localeCompare(b.metadata.name ?? ''));
    const rules: unknown[] = [];
    const seen = new Set<string>();
    for (const selector of selectors) {
      for (const other of others) {
        if (!selectorMatches(selector, other.metadata.labels ?? {})) continue;
        for (const rule of other.rules ?? []) {
          const key = ruleKey(rule);
          if (seen.has(key)) continue;
          seen.add(key);
          rules.push(rule);
        }
      }
    }
    const current = role.rules ?? [];
    if (current.length === rules.length && current.every((rule, index) => ruleKey(rule) === ruleKey(rules[index]))) return;
    try {
      await this.client.put(`${CLUSTER_ROLES}/${encodeURIComponent(name)}`, { ...role, rules });
      this.logger.debug({ clusterRole: name, rules: rules.length }, 'aggregated cluster role rules');
    } catch (error) {
      // Changed meanwhile: the informer brings the new version and another reconcile.
      if (error instanceof ApiRequestError && (error.conflict || error.notFound)) return;
      throw error;
    }
  }
}

/** Watches ClusterRoles; any change re-aggregates every aggregating role (there are few). */
export function clusterRoleAggregationController(client: ApiClient, logger: Logger): RunningController {
  const controllerLogger = logger.child({ controller: 'clusterrole-aggregation' });
  const informer = new Informer(client, { path: CLUSTER_ROLES, logger: controllerLogger });
  const controller = new Controller(new ClusterRoleAggregationReconciler(client, informer, controllerLogger), { name: 'clusterrole-aggregation', workers: 1, logger: controllerLogger });
  informer.on(() => {
    for (const role of informer.list() as ClusterRole[]) {
      if (role.aggregationRule?.clusterRoleSelectors != null) controller.enqueue(role.metadata.name ?? '');
    }
  });
  return withInformers(controller, [informer]);
}
