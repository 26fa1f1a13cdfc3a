import { forbidden, type FieldError } from '../../errors/status.js';
import { ageCell, columns } from '../../table/table.js';
import type { KubeObject, ResourceStrategy } from '../types.js';
import { dnsLabelErrors } from '../../validation/name-rules.js';

/** Namespaces upstream never lets anyone delete (NamespaceLifecycle's immortal namespaces). */
export const IMMORTAL_NAMESPACES = new Set(['default', 'kube-system', 'kube-public']);

/** The namespaces every cluster has from the start. */
export const DEFAULT_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];

/** The label upstream puts on every namespace, naming it (for namespace selectors). */
const NAME_LABEL = 'kubernetes.io/metadata.name';

interface NamespaceFields {
  spec?: { finalizers?: string[] };
  status?: { phase?: string; conditions?: unknown[] };
}

function fields(object: KubeObject): NamespaceFields {
  return object as unknown as NamespaceFields;
}

function labelWithName(object: KubeObject): void {
  object.metadata.labels = { ...object.metadata.labels, [NAME_LABEL]: object.metadata.name ?? '' };
}

/**
 * Namespaces: Active on creation with the "kubernetes" finalizer in
 * spec.finalizers; deleting one makes it Terminating until the namespace
 * controller has removed its contents and the finalizer (via /finalize).
 */
export const namespaceStrategy: ResourceStrategy = {
  tracksGeneration: false,
  prepareForCreate(object) {
    const namespace = fields(object);
    const finalizers = namespace.spec?.finalizers ?? [];
    namespace.spec = { ...namespace.spec, finalizers: finalizers.includes('kubernetes') ? finalizers : [...finalizers, 'kubernetes'] };
    namespace.status = { phase: 'Active' };
    labelWithName(object);
  },
  prepareForUpdate(object, old, context) {
    // spec.finalizers change only through the finalize subresource.
    if (context.subresource !== 'finalize') fields(object).spec = structuredClone(fields(old).spec ?? {});
    labelWithName(object);
  },
  validate(object) {
    const errors: FieldError[] = [];
    const name = object.metadata.name ?? '';
    if (name !== '') {
      for (const message of dnsLabelErrors(name)) errors.push({ type: 'FieldValueInvalid', field: 'metadata.name', value: name, detail: message });
    }
    for (const [index, finalizer] of (fields(object).spec?.finalizers ?? []).entries()) {
      if (!/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?(\/[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$/.test(finalizer)) {
        errors.push({ type: 'FieldValueInvalid', field: `spec.finalizers[${index}]`, value: finalizer, detail: 'name is neither a standard finalizer name nor is it fully qualified' });
      }
    }
    return errors;
  },
  pendingFinalizers(object) {
    return fields(object).spec?.finalizers ?? [];
  },
  prepareForDelete(object) {
    const namespace = fields(object);
    namespace.status = { ...namespace.status, phase: 'Terminating' };
  },
  validateDelete(object) {
    const name = object.metadata.name ?? '';
    if (IMMORTAL_NAMESPACES.has(name)) throw forbidden({ group: '', resource: 'namespaces' }, name, 'this namespace may not be deleted');
  },
  table: {
    columns: [columns.name, { name: 'Status', type: 'string', description: 'The status of the namespace', priority: 0 }, columns.age],
    cells: (object, now) => [object.metadata.name ?? '', fields(object).status?.phase ?? '', ageCell(object, now)],
  },
};

/** What the finalize subresource may change: spec.finalizers, nothing else. */
export function applyFinalize(current: KubeObject, requested: KubeObject): KubeObject {
  const next = structuredClone(current);
  fields(next).spec = { ...fields(next).spec, finalizers: [...(fields(requested).spec?.finalizers ?? [])] };
  if (requested.metadata.resourceVersion !== undefined) next.metadata.resourceVersion = requested.metadata.resourceVersion;
  return next;
}
