import type { FieldError, FieldErrorType } from '../errors/status.js';
import type { KubeObject, ResourceStrategy, StorageCodec, StrategyContext } from '../resources/types.js';
import type { Schema } from '../schema/types.js';
import { customResourceTable } from './table.js';
import { parseJsonPath, printResult } from './jsonpath.js';
import type { CrdSchemaTools } from './schema-tools.js';
import type { ServedVersion } from './served-version.js';
import type { JsonSchemaProps } from './types.js';
import { someSchema } from './validation.js';

/** Errors after which upstream does not run CEL rules (their inputs would be meaningless). */
const BLOCKING: readonly FieldErrorType[] = ['FieldValueNotSupported', 'FieldValueRequired', 'FieldValueTooLong', 'FieldValueTooMany', 'FieldValueTypeInvalid'];
const MAX_INT32 = 2147483647;

/**
 * The strategy of one served version of a CRD: upstream's customresource
 * strategy (validation against the schema, CEL rules, scale paths; status
 * handled by the subresource; generation counting every non-metadata change)
 * and its storage codec (apiVersion rewritten between served and storage
 * version, pruning and defaulting on read).
 */
export function customResourceStrategy(served: ServedVersion, tools: CrdSchemaTools): ResourceStrategy {
  const schema = served.schema;
  // Upstream builds a CEL validator only for schemas that have rules; without one nothing is said about rules.
  const hasRules = schema !== undefined && someSchema(schema as JsonSchemaProps, (node) => Array.isArray(node['x-kubernetes-validations']) && node['x-kubernetes-validations'].length > 0);
  const validateObject = (object: KubeObject, old: KubeObject | undefined, context: StrategyContext): FieldError[] => {
    const errors = typeMetaErrors(served, object);
    if (errors.length > 0) return errors;
    const statusOnly = context.subresource === 'status';
    if (schema !== undefined) {
      if (statusOnly) {
        const statusSchema = schema.properties?.['status'];
        if (statusSchema !== undefined && object['status'] !== undefined) errors.push(...tools.validateStatus(statusSchema, object['status'], old?.['status']));
      } else {
        errors.push(...tools.validateObject(schema, object, old));
      }
    }
    if (served.scale !== undefined) {
      if (!statusOnly) errors.push(...replicasErrors(object, served.scale.specReplicasPath));
      errors.push(...replicasErrors(object, served.scale.statusReplicasPath));
      if (served.scale.labelSelectorPath !== undefined) errors.push(...selectorPathErrors(object, served.scale.labelSelectorPath));
    }
    if (schema !== undefined && hasRules) {
      if (errors.some((error) => BLOCKING.includes(error.type))) {
        errors.push({
          type: 'FieldValueInvalid',
          field: '<nil>',
          value: 'null',
          hasValue: true,
          detail: 'some validation rules were not checked because the object was invalid; correct the existing errors to complete validation',
        });
      } else {
        errors.push(...tools.evaluateRules(schema, object, old));
      }
    }
    return errors;
  };

  return {
    listItemsKeepTypeMeta: true,
    tracksGeneration: true,
    statusFields: served.status ? ['status'] : [],
    table: customResourceTable(served.printerColumns),
    fieldSelectors: selectableFieldGetters(served.selectableFields),
    storageCodec: storageCodec(served, tools),
    prepareForCreate(object) {
      // With a status subresource, status is written through it only.
      if (served.status) delete object['status'];
    },
    validate: (object, context) => validateObject(object, undefined, context),
    validateUpdate: (object, old, context) => validateObject(object, old, context),
  };
}

function typeMetaErrors(served: ServedVersion, object: KubeObject): FieldError[] {
  const errors: FieldError[] = [];
  const apiVersion = `${served.group}/${served.version}`;
  if (object.kind !== served.kind) errors.push({ type: 'FieldValueInvalid', field: 'kind', value: object.kind ?? '', hasValue: true, detail: `must be ${served.kind}` });
  if (object.apiVersion !== apiVersion) errors.push({ type: 'FieldValueInvalid', field: 'apiVersion', value: object.apiVersion ?? '', hasValue: true, detail: `must be ${apiVersion}` });
  return errors;
}

function nested(object: unknown, path: string): { found: boolean; value: unknown } {
  let current: unknown = object;
  for (const part of path.replace(/^\./, '').split('.')) {
    if (typeof current !== 'object' || current === null || Array.isArray(current) || !Object.hasOwn(current, part)) return { found: false, value: undefined };
    current = (current as Record<string, unknown>)[part];
  }
  return { found: true, value: current };
}

/** A Go type name for unstructured values, for upstream's accessor error messages. */
function goType(value: unknown): string {
  if (value === null) return '<nil>';
  if (Array.isArray(value)) return '[]interface {}';
  if (typeof value === 'object') return 'map[string]interface {}';
  if (typeof value === 'number') return Number.isInteger(value) ? 'int64' : 'float64';
  if (typeof value === 'boolean') return 'bool';
  return 'string';
}

/** Scale's replica fields must be non-negative int32s where present (upstream's ValidateScaleSpec/Status). */
function replicasErrors(object: KubeObject, path: string): FieldError[] {
  const { found, value } = nested(object, path);
  if (!found) return [];
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    return [{ type: 'FieldValueInvalid', field: path, value: 0, hasValue: true, detail: `${path} accessor error: ${printResult(value)} is of the type ${goType(value)}, expected int64` }];
  }
  if (value < 0) return [{ type: 'FieldValueInvalid', field: path, value, hasValue: true, detail: 'should be a non-negative integer' }];
  if (value > MAX_INT32) return [{ type: 'FieldValueInvalid', field: path, value, hasValue: true, detail: `should be less than or equal to ${MAX_INT32}` }];
  return [];
}

function selectorPathErrors(object: KubeObject, path: string): FieldError[] {
  const { found, value } = nested(object, path);
  if (!found || typeof value === 'string') return [];
  return [{ type: 'FieldValueInvalid', field: path, value: '', hasValue: true, detail: `${path} accessor error: ${printResult(value)} is of the type ${goType(value)}, expected string` }];
}

/** selectableFields become field selectors named by their path without the leading dot (upstream). */
function selectableFieldGetters(paths: readonly string[]): Readonly<Record<string, (object: KubeObject) => string | undefined>> {
  const getters: Record<string, (object: KubeObject) => string | undefined> = {};
  for (const path of paths) {
    let parsed: ReturnType<typeof parseJsonPath>;
    try {
      parsed = parseJsonPath(`{${path}}`);
    } catch {
      continue;
    }
    getters[path.replace(/^\./, '')] = (object) => {
      const [value] = parsed.find(object);
      return value === undefined || value === null ? '' : printResult(value);
    };
  }
  return getters;
}

/**
 * Custom resources are stored in the CRD's storage version; with conversion
 * None only apiVersion differs between versions. Reads prune what the served
 * version's schema does not declare and apply its defaults, as upstream does
 * when it decodes from etcd.
 */
function storageCodec(served: ServedVersion, tools: CrdSchemaTools): StorageCodec {
  const servedApiVersion = `${served.group}/${served.version}`;
  const storageApiVersion = `${served.group}/${served.storageVersion}`;
  const schema: Schema | undefined = served.schema;
  return {
    fromStorage(object) {
      const copy = structuredClone(object);
      if (typeof copy.apiVersion === 'string' && copy.apiVersion.startsWith(`${served.group}/`)) copy.apiVersion = servedApiVersion;
      if (schema !== undefined) {
        tools.prune(copy, schema);
        tools.applyDefaults(copy, schema);
      }
      return copy;
    },
    toStorage(object) {
      if (object.apiVersion === storageApiVersion) return object;
      // Written in another version: converted (conversion None) and pruned to the storage version's schema, as upstream's encoder does.
      const converted = { ...structuredClone(object), apiVersion: storageApiVersion };
      if (served.storageSchema !== undefined) tools.prune(converted, served.storageSchema);
      return converted;
    },
  };
}
