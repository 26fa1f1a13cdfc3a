/**
 * PodSecurity admission (k8s.io/pod-security-admission): each namespace's
 * labels `pod-security.kubernetes.io/enforce|warn|audit` name a level of the
 * Pod Security Standards (privileged, baseline, restricted). Pods that
 * violate the enforce level are refused with upstream's message; warn gives
 * the client Warning headers; audit logs. Workloads with pod templates are
 * never refused, but warned for violations of the enforce or warn level,
 * as upstream. Levels are always evaluated at "latest" (Kubernetes 1.32).
 */
import type { Logger } from 'pino';
import { forbidden } from '../../../errors/status.js';
import type { AdmissionPlugin, AdmissionRequest } from '../../types.js';
import type { KubeObject } from '../../../resources/types.js';
import { describeViolations, violationsOf, type Level } from './checks.js';

type Json = Record<string, unknown>;

const LABEL = 'pod-security.kubernetes.io/';
const LEVELS: readonly Level[] = ['privileged', 'baseline', 'restricted'];

/** Where each kind keeps its pod template. */
const TEMPLATES: Readonly<Record<string, readonly string[]>> = {
  '/replicationcontrollers': ['spec', 'template'],
  '/podtemplates': ['template'],
  'apps/deployments': ['spec', 'template'],
  'apps/replicasets': ['spec', 'template'],
  'apps/statefulsets': ['spec', 'template'],
  'apps/daemonsets': ['spec', 'template'],
  'batch/jobs': ['spec', 'template'],
  'batch/cronjobs': ['spec', 'jobTemplate', 'spec', 'template'],
};

export interface PodSecurityOptions {
  /** Levels for namespaces that set none (upstream's defaults: privileged everywhere). */
  readonly defaults?: { readonly enforce?: Level; readonly warn?: Level; readonly audit?: Level };
  /** Namespaces never checked (kube-system is typical). */
  readonly exemptNamespaces?: readonly string[];
}

function levelOf(labels: Readonly<Record<string, string>>, mode: 'enforce' | 'warn' | 'audit', fallback: Level): Level {
  const value = labels[`${LABEL}${mode}`];
  return value !== undefined && (LEVELS as readonly string[]).includes(value) ? (value as Level) : fallback;
}

function dig(object: Json, path: readonly string[]): Json | undefined {
  let current: unknown = object;
  for (const key of path) current = typeof current === 'object' && current !== null ? (current as Json)[key] : undefined;
  return typeof current === 'object' && current !== null ? (current as Json) : undefined;
}

const strictness = (level: Level): number => LEVELS.indexOf(level);

/**
 * A namespace's new enforce level, checked against the pods it already has:
 * upstream warns (never refuses) with one line per distinct set of
 * violations, naming a pod and how many others share them.
 */
function existingPodWarnings(namespace: string, level: Level, pods: readonly KubeObject[]): string[] {
  const byReasons = new Map<string, string[]>();
  for (const pod of pods) {
    const violations = violationsOf(level, (pod.metadata ?? {}) as Json, (pod['spec'] ?? {}) as Json);
    if (violations.length === 0) continue;
    const reasons = violations.map((violation) => violation.reason).join(', ');
    byReasons.set(reasons, [...(byReasons.get(reasons) ?? []), pod.metadata.name ?? '']);
  }
  if (byReasons.size === 0) return [];
  const lines = [...byReasons].map(([reasons, names]) => {
    const [first, ...others] = [...names].sort();
    return `${first}${others.length === 0 ? '' : ` (and ${others.length} other pod${others.length === 1 ? '' : 's'})`}: ${reasons}`;
  });
  return [`existing pods in namespace "${namespace}" violate the new PodSecurity enforce level "${level}:latest"`, ...lines.sort()];
}

export function podSecurityPlugin(
  namespaceLabels: (name: string) => Readonly<Record<string, string>> | undefined,
  logger: Logger,
  options: PodSecurityOptions = {},
  podsIn: (namespace: string) => readonly KubeObject[] = () => [],
): AdmissionPlugin {
  return {
    name: 'PodSecurity',
    validate(request: AdmissionRequest, warnings: string[]) {
      const { definition, object } = request;
      if (definition.group === '' && definition.plural === 'namespaces' && request.subresource === '' && request.operation === 'UPDATE' && object !== undefined) {
        const before = levelOf(request.oldObject?.metadata.labels ?? {}, 'enforce', options.defaults?.enforce ?? 'privileged');
        const after = levelOf(object.metadata.labels ?? {}, 'enforce', options.defaults?.enforce ?? 'privileged');
        if (strictness(after) > strictness(before)) warnings.push(...existingPodWarnings(request.name, after, podsIn(request.name)));
        return;
      }
      if (object === undefined || (request.operation !== 'CREATE' && request.operation !== 'UPDATE') || request.subresource !== '') return;
      if ((options.exemptNamespaces ?? []).includes(request.namespace)) return;
      const key = `${definition.group}/${definition.plural}`;
      const isPod = key === '/pods';
      const templatePath = TEMPLATES[key];
      if (!isPod && templatePath === undefined) return;
      // Updates that cannot change what a pod runs as are not re-checked (upstream ignores most pod updates).
      if (isPod && request.operation === 'UPDATE') return;
      const labels = namespaceLabels(request.namespace) ?? {};
      const defaults = options.defaults ?? {};
      const enforce = levelOf(labels, 'enforce', defaults.enforce ?? 'privileged');
      const warn = levelOf(labels, 'warn', defaults.warn ?? 'privileged');
      const audit = levelOf(labels, 'audit', defaults.audit ?? 'privileged');
      const pod = isPod ? object : dig(object, templatePath!);
      if (pod === undefined) return;
      const metadata = (pod['metadata'] ?? {}) as Json;
      const spec = (pod['spec'] ?? {}) as Json;
      const check = (level: Level): string | undefined => {
        const violations = violationsOf(level, metadata, spec);
        return violations.length === 0 ? undefined : describeViolations(violations);
      };

      if (isPod) {
        const refused = check(enforce);
        if (refused !== undefined) throw forbidden({ group: '', resource: 'pods' }, request.name, `violates PodSecurity "${enforce}:latest": ${refused}`);
      }
      // Workloads are warned at the stricter of enforce and warn; pods at warn.
      const warnLevel = !isPod && strictness(enforce) > strictness(warn) ? enforce : warn;
      const warned = check(warnLevel);
      if (warned !== undefined) warnings.push(`would violate PodSecurity "${warnLevel}:latest": ${warned}`);
      const audited = check(audit);
      if (audited !== undefined) logger.info({ namespace: request.namespace, name: request.name, resource: key, level: audit, violations: audited }, 'pod security audit violation');
    },
  };
}
