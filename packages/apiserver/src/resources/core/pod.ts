import type { FieldError } from '../../errors/status.js';
import { defaultPodSpec } from '../../defaults/pod-spec.js';
import { deepEqual } from '../../registry/object-diff.js';
import { validatePodSpec, validateSubdomainName } from '../../validation/workloads.js';
import type { KubeObject, ResourceStrategy } from '../types.js';

type Json = Record<string, unknown>;

function spec(pod: KubeObject): Json {
  const value = pod['spec'];
  if (typeof value === 'object' && value !== null) return value as Json;
  pod['spec'] = {};
  return pod['spec'] as Json;
}

function status(pod: KubeObject): Json {
  const value = pod['status'];
  return typeof value === 'object' && value !== null ? (value as Json) : {};
}

function containers(pod: KubeObject): Json[] {
  return [...((spec(pod)['containers'] as Json[] | undefined) ?? []), ...((spec(pod)['initContainers'] as Json[] | undefined) ?? [])];
}

/**
 * The pod's QoS class, as upstream computes it: Guaranteed when every
 * container has CPU and memory limits equal to its requests, BestEffort when
 * no container asks for anything, Burstable otherwise.
 */
export function qosClass(pod: KubeObject): 'Guaranteed' | 'Burstable' | 'BestEffort' {
  let anything = false;
  let guaranteed = true;
  for (const container of containers(pod)) {
    const resources = (container['resources'] as { requests?: Record<string, string>; limits?: Record<string, string> } | undefined) ?? {};
    const requests = resources.requests ?? {};
    const limits = resources.limits ?? {};
    for (const name of ['cpu', 'memory']) {
      if (requests[name] !== undefined || limits[name] !== undefined) anything = true;
      if (limits[name] === undefined || (requests[name] !== undefined && requests[name] !== limits[name])) guaranteed = false;
    }
  }
  if (!anything) return 'BestEffort';
  return guaranteed ? 'Guaranteed' : 'Burstable';
}

/** What a pod update may change in spec: images, activeDeadlineSeconds, tolerations (additions), and a little more. */
function mutableView(pod: KubeObject): Json {
  const copy = structuredClone(spec(pod));
  for (const list of ['containers', 'initContainers']) {
    for (const container of (copy[list] as Json[] | undefined) ?? []) delete container['image'];
  }
  delete copy['activeDeadlineSeconds'];
  delete copy['tolerations'];
  delete copy['terminationGracePeriodSeconds'];
  delete copy['schedulingGates'];
  return copy;
}

const TERMINAL = new Set(['Succeeded', 'Failed']);

/** Pods: upstream's defaults, QoS class, validation, graceful deletion and field selectors. */
export const podStrategy: ResourceStrategy = {
  tracksGeneration: false,
  statusFields: ['status'],
  prepareForCreate(pod) {
    defaultPodSpec(spec(pod), true);
    pod['status'] = { phase: 'Pending', qosClass: qosClass(pod) };
  },
  prepareForUpdate(pod) {
    defaultPodSpec(spec(pod), true);
  },
  validate(pod) {
    return [...validateSubdomainName(pod), ...validatePodSpec(pod['spec'], 'spec')];
  },
  validateUpdate(pod, old, context) {
    const errors: FieldError[] = [...validatePodSpec(pod['spec'], 'spec')];
    // pods/binding is the one way to set spec.nodeName (pod-binding.ts checks it was unset).
    const bound = context.subresource === 'binding' ? { ...spec(pod), nodeName: spec(old)['nodeName'] } : spec(pod);
    if (!deepEqual(mutableView({ ...pod, spec: bound }), mutableView(old))) {
      errors.push({
        type: 'FieldValueForbidden',
        field: 'spec',
        detail:
          'pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)',
      });
    }
    return errors;
  },
  gracefulDeletionSeconds(pod, requested) {
    // Pods not on a node, and finished pods, have nothing to stop: they go at once.
    if (spec(pod)['nodeName'] === undefined || spec(pod)['nodeName'] === '') return 0;
    if (TERMINAL.has(String(status(pod)['phase'] ?? ''))) return 0;
    if (requested !== undefined) return requested;
    const configured = spec(pod)['terminationGracePeriodSeconds'];
    return typeof configured === 'number' ? configured : 30;
  },
  fieldSelectors: {
    'spec.nodeName': (pod) => String(spec(pod)['nodeName'] ?? ''),
    'spec.restartPolicy': (pod) => String(spec(pod)['restartPolicy'] ?? ''),
    'spec.schedulerName': (pod) => String(spec(pod)['schedulerName'] ?? ''),
    'spec.serviceAccountName': (pod) => String(spec(pod)['serviceAccountName'] ?? ''),
    'spec.hostNetwork': (pod) => String(spec(pod)['hostNetwork'] === true),
    'status.phase': (pod) => String(status(pod)['phase'] ?? ''),
    'status.podIP': (pod) => String(status(pod)['podIP'] ?? ''),
    'status.nominatedNodeName': (pod) => String(status(pod)['nominatedNodeName'] ?? ''),
  },
};
