/**
 * LimitRanger (plugin/pkg/admission/limitranger): a namespace's
 * LimitRanges give containers default requests and limits, and hold
 * containers, pods and claims within their min, max and limit/request
 * ratio, with upstream's messages.
 */
import { forbidden } from '../../errors/status.js';
import type { KubeObject } from '../../resources/types.js';
import { addQuantities, compareQuantities, parseQuantity, quantityToNumber, type Rational } from '../../resources/quantity.js';
import type { AdmissionPlugin } from '../types.js';

type Json = Record<string, unknown>;
type Quantities = Record<string, string>;

interface LimitItem {
  type?: string;
  max?: Quantities;
  min?: Quantities;
  default?: Quantities;
  defaultRequest?: Quantities;
  maxLimitRequestRatio?: Quantities;
}

const itemsOf = (range: KubeObject): LimitItem[] => ((range['spec'] as { limits?: LimitItem[] } | undefined)?.limits ?? []);
const list = (value: unknown): Json[] => (Array.isArray(value) ? (value as Json[]) : []);

/** What a LimitRange item defaults to once stored (SetDefaults_LimitRangeItem): default from max, defaultRequest from default, then min. */
function effectiveDefaults(item: LimitItem): { limits: Quantities; requests: Quantities } {
  const limits: Quantities = { ...item.max, ...item.default };
  const requests: Quantities = { ...item.min, ...limits, ...item.defaultRequest };
  return { limits, requests };
}

function quantity(text: string | undefined): Rational | undefined {
  return text === undefined ? undefined : parseQuantity(text);
}

/** min/max (and ratio) of one thing against one item; messages as upstream's minConstraint/maxConstraint/limitRequestRatioConstraint. */
function checkBounds(kind: string, item: LimitItem, requests: Quantities, limits: Quantities, errors: string[]): void {
  for (const [resource, min] of Object.entries(item.min ?? {})) {
    const request = requests[resource];
    if (request === undefined) errors.push(`minimum ${resource} usage per ${kind} is ${min}.  No request is specified`);
    else if (compareQuantities(quantity(request)!, quantity(min)!) < 0) errors.push(`minimum ${resource} usage per ${kind} is ${min}, but request is ${request}`);
  }
  for (const [resource, max] of Object.entries(item.max ?? {})) {
    const limit = limits[resource];
    if (limit === undefined) errors.push(`maximum ${resource} usage per ${kind} is ${max}.  No limit is specified`);
    else if (compareQuantities(quantity(limit)!, quantity(max)!) > 0) errors.push(`maximum ${resource} usage per ${kind} is ${max}, but limit is ${limit}`);
  }
  for (const [resource, ratio] of Object.entries(item.maxLimitRequestRatio ?? {})) {
    const limit = quantity(limits[resource]);
    const request = quantity(requests[resource]);
    if (limit === undefined || request === undefined || request.numerator === 0n) continue;
    const actual = quantityToNumber(limit) / quantityToNumber(request);
    if (actual > quantityToNumber(quantity(ratio)!)) errors.push(`${resource} max limit to request ratio per ${kind} is ${ratio}, but provided ratio is ${actual.toFixed(6)}`);
  }
}

function sum(values: readonly (string | undefined)[]): string | undefined {
  const present = values.filter((value): value is string => value !== undefined).map((value) => quantity(value)!);
  if (present.length === 0) return undefined;
  const total = present.reduce(addQuantities);
  return String(quantityToNumber(total));
}

export function limitRangerPlugin(limitRanges: (namespace: string) => readonly KubeObject[]): AdmissionPlugin {
  return {
    name: 'LimitRanger',
    mutate(request) {
      const { definition, object } = request;
      if (definition.group !== '' || definition.plural !== 'pods' || request.operation !== 'CREATE' || request.subresource !== '' || object === undefined) return;
      const items = limitRanges(request.namespace).flatMap(itemsOf).filter((item) => item.type === 'Container');
      if (items.length === 0) return;
      const notes: string[] = [];
      const spec = (object['spec'] ?? {}) as Json;
      for (const container of [...list(spec['initContainers']), ...list(spec['containers'])]) {
        const resources = (container['resources'] ??= {}) as { limits?: Quantities; requests?: Quantities };
        const ownLimits = { ...resources.limits };
        const setLimits: string[] = [];
        const setRequests: string[] = [];
        for (const item of items) {
          const defaults = effectiveDefaults(item);
          for (const [resource, value] of Object.entries(defaults.limits)) {
            if ((resources.limits ??= {})[resource] === undefined) {
              resources.limits[resource] = value;
              setLimits.push(resource);
            }
          }
          for (const [resource, value] of Object.entries(defaults.requests)) {
            if ((resources.requests ??= {})[resource] === undefined) {
              // A container that names a limit but no request asks for its limit (the pod's own default).
              resources.requests[resource] = ownLimits[resource] ?? value;
              setRequests.push(resource);
            }
          }
        }
        const name = String(container['name'] ?? '');
        if (setRequests.length > 0) notes.push(`${setRequests.join(', ')} request for container ${name}`);
        if (setLimits.length > 0) notes.push(`${setLimits.join(', ')} limit for container ${name}`);
      }
      if (notes.length > 0) object.metadata.annotations = { ...object.metadata.annotations, 'kubernetes.io/limit-ranger': `LimitRanger plugin set: ${notes.join('; ')}` };
    },
    validate(request) {
      const { definition, object } = request;
      if (object === undefined || definition.group !== '' || request.subresource !== '' || (request.operation !== 'CREATE' && request.operation !== 'UPDATE')) return;
      if (definition.plural !== 'pods' && definition.plural !== 'persistentvolumeclaims') return;
      if (definition.plural === 'pods' && request.operation === 'UPDATE') return;
      const items = limitRanges(request.namespace).flatMap(itemsOf);
      const errors: string[] = [];
      if (definition.plural === 'persistentvolumeclaims') {
        const resources = ((object['spec'] as Json | undefined)?.['resources'] ?? {}) as { requests?: Quantities; limits?: Quantities };
        for (const item of items.filter((candidate) => candidate.type === 'PersistentVolumeClaim')) {
          checkBounds('PersistentVolumeClaim', { min: item.min, max: item.max }, resources.requests ?? {}, { ...resources.requests, ...resources.limits }, errors);
        }
      } else {
        const spec = (object['spec'] ?? {}) as Json;
        const containers = list(spec['containers']).map((container) => (container['resources'] ?? {}) as { requests?: Quantities; limits?: Quantities });
        for (const item of items) {
          if (item.type === 'Container') {
            for (const resources of [...list(spec['initContainers']).map((container) => (container['resources'] ?? {}) as { requests?: Quantities; limits?: Quantities }), ...containers]) {
              checkBounds('Container', item, resources.requests ?? {}, resources.limits ?? {}, errors);
            }
          } else if (item.type === 'Pod') {
            const resourcesNamed = new Set([...Object.keys(item.min ?? {}), ...Object.keys(item.max ?? {})]);
            const requests: Quantities = {};
            const limits: Quantities = {};
            for (const resource of resourcesNamed) {
              const request = sum(containers.map((resources) => resources.requests?.[resource]));
              const limit = sum(containers.map((resources) => resources.limits?.[resource]));
              if (request !== undefined) requests[resource] = request;
              if (limit !== undefined) limits[resource] = limit;
            }
            checkBounds('Pod', { min: item.min, max: item.max }, requests, limits, errors);
          }
        }
      }
      if (errors.length > 0) throw forbidden({ group: '', resource: definition.plural }, request.name, errors.length === 1 ? errors[0]! : `[${errors.join(', ')}]`);
    },
  };
}
