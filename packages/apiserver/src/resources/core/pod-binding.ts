import { badRequest, conflict, invalid, methodNotAllowed, successStatus, type FieldError } from '../../errors/status.js';
import { negotiate } from '../../request/negotiation.js';
import { parseQuery, writeQuery } from '../../request/options.js';
import type { ResourceRequestInfo } from '../../request/request-info.js';
import type { IncomingRequest } from '../../request/body.js';
import type { RegisteredResource } from '../../registry/resource-registry.js';
import { rfc3339 } from '../../registry/store.js';
import { sendObject, type OutgoingResponse } from '../../server/responses.js';
import type { KubeObject } from '../types.js';

export const BINDING_SCHEMA = 'io.k8s.api.core.v1.Binding';

interface Binding {
  metadata?: { name?: string; namespace?: string; uid?: string; resourceVersion?: string; annotations?: Record<string, string> };
  target?: { kind?: string; name?: string; apiVersion?: string };
}

type Json = Record<string, unknown>;

/** validation.ValidatePodBinding: the target is a Node, by name. */
function validateBinding(binding: Binding): FieldError[] {
  const errors: FieldError[] = [];
  const kind = binding.target?.kind ?? '';
  if (kind !== '' && kind !== 'Node') {
    errors.push({ type: 'FieldValueNotSupported', field: 'target.kind', value: kind, hasValue: true, detail: 'supported values: "Node", ""' });
  }
  if ((binding.target?.name ?? '') === '') errors.push({ type: 'FieldValueRequired', field: 'target.name', detail: '' });
  return errors;
}

/**
 * POST pods/{name}/binding: how a scheduler assigns a pod to a node, as
 * upstream's BindingREST does. The pod must not be bound already, nor be
 * going, nor carry scheduling gates; binding sets spec.nodeName, copies the
 * binding's annotations, and marks the PodScheduled condition True.
 * Answers a 201 Success Status.
 */
export async function handlePodBinding(
  pods: RegisteredResource,
  info: ResourceRequestInfo,
  query: URLSearchParams,
  request: IncomingRequest,
  response: OutgoingResponse,
  readBody: () => Promise<unknown>,
  now: () => Date,
): Promise<void> {
  if (info.verb !== 'create') throw methodNotAllowed('the server does not allow this method on the requested resource');
  const write = parseQuery(writeQuery, query);
  const negotiated = negotiate(request.headers.accept, { renderings: [] });
  const body = await readBody();
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw badRequest('the body must be a Binding object');
  const binding = body as Binding;
  if (binding.metadata?.name !== info.name) throw badRequest('name in URL does not match name in Binding object');
  if (binding.metadata.namespace !== undefined && binding.metadata.namespace !== '' && binding.metadata.namespace !== info.namespace) {
    throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
  }
  const errors = validateBinding(binding);
  if (errors.length > 0) throw invalid('Binding', '', info.name, errors);
  const node = binding.target!.name!;
  const resource = pods.store.resource;

  await pods.store.update(
    info.namespace,
    info.name,
    (current) => {
      const pod = current as KubeObject;
      if (binding.metadata?.uid && binding.metadata.uid !== pod.metadata.uid) {
        throw conflict(resource, info.name, `Precondition failed: UID in precondition: ${binding.metadata.uid}, UID in object meta: ${pod.metadata.uid ?? ''}`);
      }
      if (binding.metadata?.resourceVersion && binding.metadata.resourceVersion !== pod.metadata.resourceVersion) {
        throw conflict(resource, info.name, 'the object has been modified; please apply your changes to the latest version and try again');
      }
      if (pod.metadata.deletionTimestamp !== undefined) throw conflict(resource, info.name, `pod ${info.name} is being deleted, cannot be assigned to a host`);
      const spec = (pod['spec'] ?? {}) as Json;
      const assigned = spec['nodeName'];
      if (typeof assigned === 'string' && assigned !== '') throw conflict(resource, info.name, `pod ${info.name} is already assigned to node "${assigned}"`);
      if (Array.isArray(spec['schedulingGates']) && spec['schedulingGates'].length > 0) {
        throw conflict(resource, info.name, `pod ${info.name} has non-empty .spec.schedulingGates`);
      }
      spec['nodeName'] = node;
      pod['spec'] = spec;
      if (binding.metadata?.annotations !== undefined) pod.metadata.annotations = { ...pod.metadata.annotations, ...binding.metadata.annotations };
      markScheduled(pod, now());
      return pod;
    },
    { dryRun: write.dryRun, subresource: 'binding' },
  );
  sendObject(response, 201, { ...successStatus(), code: 201 }, negotiated);
}

/** podutil.UpdatePodCondition(PodScheduled=True): the transition time moves only when the status does. */
function markScheduled(pod: KubeObject, at: Date): void {
  const status = (pod['status'] ?? {}) as Json;
  const conditions = Array.isArray(status['conditions']) ? (status['conditions'] as Json[]) : [];
  const existing = conditions.find((condition) => condition['type'] === 'PodScheduled');
  if (existing === undefined) {
    conditions.push({ type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: rfc3339(at) });
  } else if (existing['status'] !== 'True') {
    existing['status'] = 'True';
    existing['lastTransitionTime'] = rfc3339(at);
    delete existing['reason'];
    delete existing['message'];
  }
  status['conditions'] = conditions;
  pod['status'] = status;
}
