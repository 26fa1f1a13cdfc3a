/**
 * Structural defaulting of custom resources (apiextensions-apiserver's
 * schema/defaulting): `default` values fill absent fields at every level,
 * in array items and in additionalProperties values. Upstream defaults when
 * it decodes a request body and when it reads an object from storage, after
 * pruning (so a default never brings back a pruned field); callers do the
 * same with schema-prune first.
 *
 * validateDefaults is the CRD-time check that every default is valid against
 * its own schema and survives pruning (structuraldefaulting.ValidateDefaults).
 */
import type { FieldError } from '../errors/status.js';
import { deepEqual } from '../registry/object-diff.js';
import { evaluateRules } from './schema-cel.js';
import {
  additionalProperties,
  childPath,
  deepCopyJson,
  flag,
  invalidError,
  isPlainObject,
  itemsSchema,
  keyPath,
  properties,
  property,
  type SchemaNode,
} from './schema-common.js';
import { pruneUnknownFields } from './schema-prune.js';
import { validateEmbeddedResources, validateValue } from './schema-validate.js';

/** A null where the schema does not allow one, which a default may replace. */
function isNonNullableNull(value: unknown, schema: SchemaNode | undefined): boolean {
  return value === null && schema !== undefined && schema.nullable !== true;
}

/**
 * Applies the schema's defaults to `value` in place (upstream's
 * structuraldefaulting.Default). Defaults are deep-copied; defaulted values
 * are themselves defaulted further down. The root value itself is never
 * replaced.
 */
export function applyDefaults(value: unknown, schema: SchemaNode | undefined): void {
  if (schema === undefined) return;
  if (isPlainObject(value)) {
    for (const [key, child] of properties(schema)) {
      if (child.default === undefined) continue;
      if (!Object.prototype.hasOwnProperty.call(value, key) || isNonNullableNull(value[key], child)) value[key] = deepCopyJson(child.default);
    }
    const additional = additionalProperties(schema);
    for (const key of Object.keys(value)) {
      const declared = property(schema, key);
      if (declared !== undefined) {
        applyDefaults(value[key], declared);
      } else if (additional.kind !== 'none') {
        const valueSchema = additional.kind === 'schema' ? additional.schema : undefined;
        if (isNonNullableNull(value[key], valueSchema) && valueSchema?.default !== undefined) value[key] = deepCopyJson(valueSchema.default);
        applyDefaults(value[key], valueSchema);
      }
    }
  } else if (Array.isArray(value)) {
    const items = itemsSchema(schema);
    for (let index = 0; index < value.length; index++) {
      if (isNonNullableNull(value[index], items) && items?.default !== undefined) value[index] = deepCopyJson(items.default);
      applyDefaults(value[index], items);
    }
  }
}

export interface DefaultValidationOptions {
  /** Defaults must not hold fields that pruning would drop (always on for apiextensions.k8s.io/v1 CRDs). */
  readonly requirePrunedDefaults?: boolean;
}

/**
 * Every `default` in a CRD schema must survive pruning, validate against its
 * schema (OpenAPI, embedded resources, CEL rules with oldSelf = the default)
 * and, in embedded resources' metadata, make valid metadata. Paths are
 * rooted at `path` (`spec.versions[0].schema.openAPIV3Schema`).
 * Defaults under additionalProperties are not followed: upstream forbids them.
 */
export function validateDefaults(schema: SchemaNode, path: string, options: DefaultValidationOptions = {}): FieldError[] {
  const requirePruned = options.requirePrunedDefaults ?? true;
  const root: SchemaNode = flag(schema, 'x-kubernetes-embedded-resource') ? schema : { ...schema, 'x-kubernetes-embedded-resource': true };
  const errors: FieldError[] = [];

  const visit = (node: SchemaNode, at: string, rootSchema: SchemaNode, insideMeta: boolean): void => {
    let currentRoot = rootSchema;
    let meta = insideMeta;
    if (flag(node, 'x-kubernetes-embedded-resource')) {
      meta = false;
      currentRoot = node;
    }
    const isResourceRoot = node === currentRoot;
    const defaultValue = node.default;
    if (defaultValue !== undefined) {
      const defaultPath = childPath(at, 'default');
      const embedded = flag(node, 'x-kubernetes-embedded-resource');
      let found: FieldError[] = [];
      if (!meta && requirePruned) {
        const pruned = deepCopyJson(defaultValue);
        pruneUnknownFields(pruned, node, { isResourceRoot: embedded });
        if (!deepEqual(pruned, defaultValue)) found.push(invalidError(defaultPath, defaultValue, 'must not have unknown fields'));
      }
      const checks: (() => FieldError[])[] = [
        () => (meta ? [] : coerceErrors(defaultPath, defaultValue, embedded)),
        () => (meta ? [] : validateEmbeddedResources(node, defaultValue, defaultPath, embedded)),
        () => validateValue(node, defaultValue, { fieldPath: defaultPath }),
        () => {
          const withOld = evaluateRules(node, defaultValue, defaultValue, { path: defaultPath, isResourceRoot });
          // With ratcheting on, a default must also pass as a create (no oldSelf), for optionalOldSelf rules.
          return withOld.length > 0 ? withOld : evaluateRules(node, defaultValue, undefined, { path: defaultPath, isResourceRoot });
        },
      ];
      // Upstream stops at the first kind of problem: each check assumes the ones before passed.
      for (const check of checks) {
        const problems = check();
        if (problems.length > 0) {
          found = [...found, ...problems];
          break;
        }
      }
      errors.push(...found);
    }
    const items = itemsSchema(node);
    if (items !== undefined) visit(items, childPath(at, 'items'), currentRoot, meta);
    const embedded = flag(node, 'x-kubernetes-embedded-resource');
    for (const [key, child] of properties(node)) {
      const childMeta = meta || (embedded && (key === 'metadata' || key === 'apiVersion' || key === 'kind'));
      visit(child, keyPath(childPath(at, 'properties'), key), currentRoot, childMeta);
    }
  };
  visit(root, path, root, false);
  return errors;
}

/** objectmeta.Coerce on a default: apiVersion and kind of an embedded resource must be strings, metadata an object. */
function coerceErrors(path: string, value: unknown, embedded: boolean): FieldError[] {
  if (!embedded || !isPlainObject(value)) return [];
  for (const key of ['apiVersion', 'kind'] as const) {
    if (key in value && typeof value[key] !== 'string') return [invalidError(childPath(path, key), value[key], 'must be a string')];
  }
  if ('metadata' in value && !isPlainObject(value['metadata'])) return [invalidError(childPath(path, 'metadata'), value['metadata'], 'invalid metadata: expected object')];
  return [];
}
