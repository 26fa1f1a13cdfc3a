/**
 * What objects count against a ResourceQuota, as upstream's quota
 * evaluators (pkg/quota/v1/evaluator/core) count them: objects by kind
 * (`pods`, `count/deployments.apps`…), and what pods request and limit.
 */
import { addQuantities, formatQuantity, isBinaryQuantity, parseQuantity, type Rational } from '../quantity.js';
import type { KubeObject } from '../types.js';

type Json = Record<string, unknown>;
export type Usage = Map<string, Rational>;

const ONE: Rational = { numerator: 1n, denominator: 1n };
const LEGACY_COUNTS: Readonly<Record<string, string>> = {
  pods: 'pods',
  services: 'services',
  secrets: 'secrets',
  configmaps: 'configmaps',
  persistentvolumeclaims: 'persistentvolumeclaims',
  replicationcontrollers: 'replicationcontrollers',
  resourcequotas: 'resourcequotas',
};
const COMPUTE = ['cpu', 'memory', 'ephemeral-storage'];

function add(usage: Usage, name: string, value: Rational): void {
  const current = usage.get(name);
  usage.set(name, current === undefined ? value : addQuantities(current, value));
}

/** A terminal pod (Succeeded or Failed) no longer uses its quota. */
export function podCounts(pod: KubeObject): boolean {
  const phase = (pod['status'] as { phase?: string } | undefined)?.phase;
  return phase !== 'Succeeded' && phase !== 'Failed';
}

function containerTotals(containers: Json[], field: 'requests' | 'limits'): Map<string, Rational> {
  const totals = new Map<string, Rational>();
  for (const container of containers) {
    for (const [name, text] of Object.entries(((container['resources'] as Json | undefined)?.[field] ?? {}) as Record<string, string>)) {
      const value = parseQuantity(String(text));
      if (value !== undefined) totals.set(name, totals.has(name) ? addQuantities(totals.get(name)!, value) : value);
    }
  }
  return totals;
}

/** A pod's requests and limits: its containers' sum, or its largest init container when that is more (upstream's PodUsageFunc). */
function podCompute(spec: Json, field: 'requests' | 'limits'): Map<string, Rational> {
  const main = containerTotals(Array.isArray(spec['containers']) ? (spec['containers'] as Json[]) : [], field);
  for (const init of Array.isArray(spec['initContainers']) ? (spec['initContainers'] as Json[]) : []) {
    for (const [name, value] of containerTotals([init], field)) {
      const current = main.get(name);
      if (current === undefined || value.numerator * current.denominator > current.numerator * value.denominator) main.set(name, value);
    }
  }
  return main;
}

/** The usage one object adds, under every name a quota may limit it by. */
export function usageOf(group: string, plural: string, object: KubeObject): Usage {
  const usage: Usage = new Map();
  add(usage, `count/${group === '' ? plural : `${plural}.${group}`}`, ONE);
  if (group === '' && LEGACY_COUNTS[plural] !== undefined) add(usage, LEGACY_COUNTS[plural]!, ONE);
  const spec = (object['spec'] ?? {}) as Json;
  if (group === '' && plural === 'pods') {
    for (const [name, value] of podCompute(spec, 'requests')) {
      add(usage, `requests.${name}`, value);
      if (COMPUTE.includes(name)) add(usage, name, value);
    }
    for (const [name, value] of podCompute(spec, 'limits')) add(usage, `limits.${name}`, value);
  }
  if (group === '' && plural === 'services') {
    const type = spec['type'];
    if (type === 'LoadBalancer') add(usage, 'services.loadbalancers', ONE);
    if (type === 'NodePort' || type === 'LoadBalancer') {
      const ports = Array.isArray(spec['ports']) ? spec['ports'].length : 0;
      add(usage, 'services.nodeports', { numerator: BigInt(ports), denominator: 1n });
    }
  }
  if (group === '' && plural === 'persistentvolumeclaims') {
    const storage = parseQuantity(String(((spec['resources'] as Json | undefined)?.['requests'] as Json | undefined)?.['storage'] ?? ''));
    if (storage !== undefined) add(usage, 'requests.storage', storage);
  }
  return usage;
}

/** The containers of a pod that lack a request or limit a quota requires (upstream's "must specify"). */
export function missingCompute(pod: KubeObject, required: readonly string[]): string[] {
  const spec = (pod['spec'] ?? {}) as Json;
  const containers = [...(Array.isArray(spec['initContainers']) ? (spec['initContainers'] as Json[]) : []), ...(Array.isArray(spec['containers']) ? (spec['containers'] as Json[]) : [])];
  const missing = new Set<string>();
  for (const name of required) {
    const [field, resource] = name.includes('.') ? (name.split('.', 2) as [string, string]) : ['requests', name];
    if ((field !== 'requests' && field !== 'limits') || !COMPUTE.includes(resource)) continue;
    for (const container of containers) {
      const quantities = ((container['resources'] as Json | undefined)?.[field] ?? {}) as Json;
      if (quantities[resource] === undefined) missing.add(name);
    }
  }
  return [...missing].sort();
}

/** A usage as a ResourceList, formatted like the hard limits it is compared with. */
export function formatUsage(usage: Usage, like: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries([...usage].map(([name, value]) => [name, formatQuantity(value, isBinaryQuantity(like[name] ?? ''))]));
}
