/**
 * Pruning of fields a structural schema does not specify, as custom
 * resources are pruned upstream (apiextensions-apiserver's
 * schema/pruning, schema/defaulting.PruneNonNullableNullsWithoutDefaults and
 * the ObjectMeta round trip of schema/objectmeta), returning the paths it
 * dropped so the decoder can warn about them or refuse them under
 * fieldValidation=Strict (`unknown field "spec.foo"`).
 *
 * Pruning reads only the structural part of a schema (properties, items,
 * additionalProperties, the x-kubernetes extensions), never allOf/anyOf/
 * oneOf/not, as upstream's Structural type does.
 */
import { additionalProperties, flag, isPlainObject, itemsSchema, property, type SchemaNode } from './schema-common.js';

const META_FIELDS = new Set(['apiVersion', 'kind', 'metadata']);

export interface PruneOptions {
  /**
   * The value is a whole resource: its apiVersion, kind and metadata are
   * kept as if the root were an x-kubernetes-embedded-resource.
   */
  readonly isResourceRoot?: boolean;
}

/**
 * Removes, in place, every field the schema does not specify, unless
 * x-kubernetes-preserve-unknown-fields keeps it; embedded resources keep
 * apiVersion, kind and metadata. Returns the removed paths sorted
 * (`spec.foo`, `spec.list[0].bar`), as upstream's PruneWithOptions does.
 */
export function pruneUnknownFields(value: unknown, schema: SchemaNode | undefined, options: PruneOptions = {}): string[] {
  const pruned: string[] = [];
  const root = options.isResourceRoot === true ? { ...(schema ?? {}), 'x-kubernetes-embedded-resource': true } : schema;
  prune(value, root, '', pruned);
  return pruned.sort();
}

function joinKey(parent: string, key: string): string {
  return parent === '' ? key : `${parent}.${key}`;
}

/** The schema of a map's value: the property's, else additionalProperties' (undefined for `true`/`false`: everything below is unknown). */
function fieldSchema(schema: SchemaNode, key: string): { readonly known: boolean; readonly schema: SchemaNode | undefined } {
  const declared = property(schema, key);
  if (declared !== undefined) return { known: true, schema: declared };
  const additional = additionalProperties(schema);
  if (additional.kind === 'schema') return { known: true, schema: additional.schema };
  if (additional.kind === 'bool') return { known: true, schema: undefined };
  return { known: false, schema: undefined };
}

function prune(value: unknown, schema: SchemaNode | undefined, path: string, pruned: string[]): void {
  if (schema !== undefined && flag(schema, 'x-kubernetes-preserve-unknown-fields')) {
    skipPrune(value, schema, path, pruned);
    return;
  }
  if (isPlainObject(value)) {
    if (schema === undefined) {
      for (const key of Object.keys(value)) {
        pruned.push(joinKey(path, key));
        delete value[key];
      }
      return;
    }
    const embedded = flag(schema, 'x-kubernetes-embedded-resource');
    for (const key of Object.keys(value)) {
      if (embedded && META_FIELDS.has(key)) continue;
      const field = fieldSchema(schema, key);
      if (field.known) {
        prune(value[key], field.schema, joinKey(path, key), pruned);
      } else {
        if (!META_FIELDS.has(key) || path !== '') pruned.push(joinKey(path, key));
        delete value[key];
      }
    }
  } else if (Array.isArray(value)) {
    const items = schema === undefined ? undefined : itemsSchema(schema);
    value.forEach((item, index) => prune(item, items, `${path}[${index}]`, pruned));
  }
}

/** Below x-kubernetes-preserve-unknown-fields: unknown fields stay, specified ones are still pruned inside. */
function skipPrune(value: unknown, schema: SchemaNode, path: string, pruned: string[]): void {
  if (isPlainObject(value)) {
    const embedded = flag(schema, 'x-kubernetes-embedded-resource');
    for (const key of Object.keys(value)) {
      if (embedded && META_FIELDS.has(key)) continue;
      const field = fieldSchema(schema, key);
      if (field.known) prune(value[key], field.schema, joinKey(path, key), pruned);
    }
  } else if (Array.isArray(value)) {
    const items = itemsSchema(schema);
    if (items === undefined) return;
    value.forEach((item, index) => skipPrune(item, items, `${path}[${index}]`, pruned));
  }
}

/**
 * Drops nulls where the schema says the field is not nullable and has no
 * default to replace them with (defaulting fills the others). Upstream runs
 * this right after pruning, before defaulting.
 */
export function pruneNonNullableNullsWithoutDefaults(value: unknown, schema: SchemaNode | undefined): void {
  if (isPlainObject(value)) {
    for (const key of Object.keys(value)) {
      const child = schema === undefined ? undefined : fieldSchemaForNulls(schema, key);
      const entry = value[key];
      if (entry === null && child !== undefined && child.nullable !== true && child.default === undefined) delete value[key];
      else pruneNonNullableNullsWithoutDefaults(entry, child);
    }
  } else if (Array.isArray(value)) {
    const items = schema === undefined ? undefined : itemsSchema(schema);
    for (const item of value) pruneNonNullableNullsWithoutDefaults(item, items);
  }
}

function fieldSchemaForNulls(schema: SchemaNode, key: string): SchemaNode | undefined {
  const declared = property(schema, key);
  if (declared !== undefined) return declared;
  const additional = additionalProperties(schema);
  return additional.kind === 'schema' ? additional.schema : undefined;
}

// ---------------------------------------------------------------------------
// ObjectMeta: what decoding metadata into metav1.ObjectMeta keeps.

type MetaShape = 'scalar' | 'stringMap' | 'stringList' | 'opaque' | { readonly list: Readonly<Record<string, MetaShape>> };

const OWNER_REFERENCE: Readonly<Record<string, MetaShape>> = {
  apiVersion: 'scalar',
  kind: 'scalar',
  name: 'scalar',
  uid: 'scalar',
  controller: 'scalar',
  blockOwnerDeletion: 'scalar',
};

const MANAGED_FIELDS_ENTRY: Readonly<Record<string, MetaShape>> = {
  manager: 'scalar',
  operation: 'scalar',
  apiVersion: 'scalar',
  time: 'scalar',
  fieldsType: 'scalar',
  // FieldsV1 unmarshals itself: anything goes inside.
  fieldsV1: 'opaque',
  subresource: 'scalar',
};

const OBJECT_META: Readonly<Record<string, MetaShape>> = {
  name: 'scalar',
  generateName: 'scalar',
  namespace: 'scalar',
  selfLink: 'scalar',
  uid: 'scalar',
  resourceVersion: 'scalar',
  generation: 'scalar',
  creationTimestamp: 'scalar',
  deletionTimestamp: 'scalar',
  deletionGracePeriodSeconds: 'scalar',
  labels: 'stringMap',
  annotations: 'stringMap',
  ownerReferences: { list: OWNER_REFERENCE },
  finalizers: 'stringList',
  managedFields: { list: MANAGED_FIELDS_ENTRY },
};

/**
 * Unknown fields of an ObjectMeta, as strict JSON decoding into
 * metav1.ObjectMeta reports them: `metadata.foo`,
 * `metadata.ownerReferences[0].bar`. Upstream marshals the metadata map
 * before decoding it, so the paths come in sorted key order.
 * With `drop`, the unknown fields are also removed in place (the round trip
 * through ObjectMeta that upstream's decoder makes drops them).
 */
export function unknownMetadataFields(metadata: unknown, prefix = 'metadata', drop = false): string[] {
  const unknown: string[] = [];
  if (!isPlainObject(metadata)) return unknown;
  const walkStruct = (object: Record<string, unknown>, fields: Readonly<Record<string, MetaShape>>, path: string): void => {
    for (const key of Object.keys(object).sort(byCodeUnit)) {
      const shape = fields[key];
      if (shape === undefined) {
        unknown.push(`${path}.${key}`);
        if (drop) delete object[key];
        continue;
      }
      if (typeof shape === 'object') {
        const list = object[key];
        if (Array.isArray(list)) {
          list.forEach((item, index) => {
            if (isPlainObject(item)) walkStruct(item, shape.list, `${path}.${key}[${index}]`);
          });
        }
      }
    }
  };
  walkStruct(metadata, OBJECT_META, prefix);
  return unknown;
}

function byCodeUnit(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Unknown metadata fields of embedded resources below the root (upstream's
 * objectmeta.CoerceWithOptions), dropped in place; paths sorted.
 */
export function coerceEmbeddedMetadata(value: unknown, schema: SchemaNode | undefined): string[] {
  const unknown: string[] = [];
  const walk = (current: unknown, node: SchemaNode | undefined, path: string): void => {
    if (node === undefined) return;
    if (isPlainObject(current)) {
      if (flag(node, 'x-kubernetes-embedded-resource') && isPlainObject(current['metadata'])) {
        unknown.push(...unknownMetadataFields(current['metadata'], path === '' ? 'metadata' : `${path}.metadata`, true));
      }
      const additional = additionalProperties(node);
      for (const [key, entry] of Object.entries(current)) {
        const child = property(node, key);
        if (child !== undefined) walk(entry, child, path === '' ? key : `${path}.${key}`);
        else if (additional.kind === 'schema') walk(entry, additional.schema, `${path}[${key}]`);
      }
    } else if (Array.isArray(current)) {
      const items = itemsSchema(node);
      current.forEach((item, index) => walk(item, items, `${path}[${index}]`));
    }
  };
  walk(value, schema, '');
  return unknown.sort();
}

/**
 * What upstream's custom resource decoder does to a body before defaulting
 * (unstructuredSchemaCoercer.apply, with preserveUnknownFields false):
 * prune unknown fields treating the root as a resource, drop non-nullable
 * nulls without defaults, and drop unknown metadata fields of the root and
 * of embedded resources. Returns the unknown paths the decoder reports,
 * after those of the root's metadata (see unknownMetadataFields): pruned
 * fields sorted, then embedded metadata fields sorted.
 */
export function pruneCustomResource(object: unknown, schema: SchemaNode): string[] {
  const pruned = pruneUnknownFields(object, schema, { isResourceRoot: true });
  pruneNonNullableNullsWithoutDefaults(object, schema);
  if (isPlainObject(object)) unknownMetadataFields(object['metadata'], 'metadata', true);
  return [...pruned, ...coerceEmbeddedMetadata(object, schema)];
}
