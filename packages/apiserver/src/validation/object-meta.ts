import type { FieldError } from '../errors/status.js';
import type { KubeObject, ResourceDefinition } from '../resources/types.js';
import { labelValueErrors, pathSegmentErrors, qualifiedNameErrors } from './name-rules.js';

/** Upstream's limit on the total size of an object's annotations. */
const ANNOTATIONS_LIMIT = 256 * 1024;

/**
 * ObjectMeta checks every kind gets (upstream's ValidateObjectMeta and
 * ValidateObjectMetaUpdate): a name (or generateName), labels and
 * annotations with valid keys and values, finalizers that are qualified
 * names, owner references that name their owner fully. Kinds check the
 * shape of their own names (DNS label, subdomain…) in their strategies.
 */
export function validateObjectMeta(object: KubeObject, definition: ResourceDefinition, old: KubeObject | undefined): FieldError[] {
  const errors: FieldError[] = [];
  const meta = object.metadata;
  const name = meta.name ?? '';
  if (name === '') {
    errors.push({ type: 'FieldValueRequired', field: 'metadata.name', detail: 'name or generateName is required' });
  } else {
    for (const detail of pathSegmentErrors(name)) errors.push({ type: 'FieldValueInvalid', field: 'metadata.name', value: name, detail });
  }
  if (definition.scope === 'Namespaced' && (meta.namespace ?? '') === '') {
    errors.push({ type: 'FieldValueRequired', field: 'metadata.namespace' });
  }
  if (definition.scope === 'Cluster' && (meta.namespace ?? '') !== '') {
    errors.push({ type: 'FieldValueForbidden', field: 'metadata.namespace', detail: 'not allowed on this type' });
  }

  for (const [key, value] of Object.entries(meta.labels ?? {})) {
    for (const detail of qualifiedNameErrors(key)) errors.push({ type: 'FieldValueInvalid', field: 'metadata.labels', value: key, detail });
    if (typeof value !== 'string') {
      errors.push({ type: 'FieldValueInvalid', field: `metadata.labels`, value, detail: 'label values must be strings' });
      continue;
    }
    for (const detail of labelValueErrors(value)) errors.push({ type: 'FieldValueInvalid', field: 'metadata.labels', value, detail });
  }

  let annotationBytes = 0;
  for (const [key, value] of Object.entries(meta.annotations ?? {})) {
    for (const detail of qualifiedNameErrors(key.toLowerCase())) errors.push({ type: 'FieldValueInvalid', field: 'metadata.annotations', value: key, detail });
    annotationBytes += Buffer.byteLength(key) + Buffer.byteLength(String(value));
  }
  if (annotationBytes > ANNOTATIONS_LIMIT) {
    errors.push({ type: 'FieldValueTooLong', field: 'metadata.annotations', detail: `must have at most ${ANNOTATIONS_LIMIT} bytes` });
  }

  // The domain-qualified rule is kube-apiserver's (core validation); CRDs (apiextensions-apiserver) and
  // custom resources get apimachinery's, which asks only for a qualified name: their cleanup finalizer
  // is `customresourcecleanup.apiextensions.k8s.io`.
  const kubeFinalizerRule = definition.origin !== 'custom' && definition.group !== 'apiextensions.k8s.io';
  (meta.finalizers ?? []).forEach((finalizer, index) => {
    const errorsOf = qualifiedNameErrors(finalizer);
    // Upstream's own finalizers without a domain are allowed.
    const standard = ['kubernetes', 'orphan', 'foregroundDeletion'].includes(finalizer);
    if (!standard && (errorsOf.length > 0 || (kubeFinalizerRule && !finalizer.includes('/')))) {
      const detail = errorsOf[0] ?? 'name is neither a standard finalizer name nor is it fully qualified';
      errors.push({ type: 'FieldValueInvalid', field: `metadata.finalizers[${index}]`, value: finalizer, detail });
    }
  });
  if ((meta.finalizers ?? []).includes('orphan') && (meta.finalizers ?? []).includes('foregroundDeletion')) {
    errors.push({ type: 'FieldValueInvalid', field: 'metadata.finalizers', value: meta.finalizers, detail: 'finalizer orphan and foregroundDeletion cannot be both set' });
  }

  let controllers = 0;
  (meta.ownerReferences ?? []).forEach((reference, index) => {
    const path = `metadata.ownerReferences[${index}]`;
    if (!reference.apiVersion) errors.push({ type: 'FieldValueInvalid', field: `${path}.apiVersion`, value: reference.apiVersion ?? '', detail: 'version must not be empty' });
    if (!reference.kind) errors.push({ type: 'FieldValueInvalid', field: `${path}.kind`, value: reference.kind ?? '', detail: 'kind must not be empty' });
    if (!reference.name) errors.push({ type: 'FieldValueInvalid', field: `${path}.name`, value: reference.name ?? '', detail: 'name must not be empty' });
    if (!reference.uid) errors.push({ type: 'FieldValueInvalid', field: `${path}.uid`, value: reference.uid ?? '', detail: 'uid must not be empty' });
    if (reference.controller === true) controllers++;
  });
  if (controllers > 1) {
    errors.push({ type: 'FieldValueInvalid', field: 'metadata.ownerReferences', value: meta.ownerReferences, detail: 'Only one reference can have Controller set to true' });
  }
  // ValidateObjectMetaUpdate: an object on its way out takes no new finalizers.
  if (old?.metadata.deletionTimestamp !== undefined) {
    const before = new Set(old.metadata.finalizers ?? []);
    const added = [...new Set((meta.finalizers ?? []).filter((finalizer) => !before.has(finalizer)))].sort();
    if (added.length > 0) {
      const goList = `[]string{${added.map((finalizer) => JSON.stringify(finalizer)).join(', ')}}`;
      errors.push({ type: 'FieldValueForbidden', field: 'metadata.finalizers', detail: `no new finalizers can be added if the object is being deleted, found new finalizers ${goList}` });
    }
  }
  if (meta.deletionGracePeriodSeconds !== undefined && old === undefined && meta.deletionTimestamp === undefined) {
    errors.push({ type: 'FieldValueForbidden', field: 'metadata.deletionGracePeriodSeconds', detail: 'may only be set when deletionTimestamp is set' });
  }
  return errors;
}
