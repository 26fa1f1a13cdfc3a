/**
 * Type errors of a built-in object, as Go's typed JSON decoding finds them
 * before anything else looks at the object: a number where the Go field is
 * a string, an object where it is a list. Upstream answers those with a 400
 * that quotes encoding/json's UnmarshalTypeError, e.g.
 *   ConfigMap in version "v1" cannot be handled as a ConfigMap: json: cannot
 *   unmarshal number into Go struct field ConfigMap.data of type string
 * where the struct is the innermost Go struct and the field the JSON path
 * from the root (map keys and list indexes left out). Only the first error
 * is reported, as Go's decoder does.
 */
import { refName, type Schema, type SchemaRegistry } from '../schema/types.js';
import { additionalProperties, flag, isPlainObject, itemsSchema, properties, property } from './schema-common.js';

/** The Go type name encoding/json prints for a schema. */
function goTypeName(schema: Schema, registry: SchemaRegistry): string {
  if (schema.$ref !== undefined) {
    const name = refName(schema.$ref);
    const parts = name.split('.');
    return `${parts[parts.length - 2] ?? ''}.${parts[parts.length - 1] ?? name}`;
  }
  switch (schema.type) {
    case 'string':
      return schema.format === 'byte' ? '[]uint8' : 'string';
    case 'boolean':
      return 'bool';
    case 'integer':
      return schema.format === 'int32' ? 'int32' : 'int64';
    case 'number':
      return 'float64';
    case 'array': {
      const items = itemsSchema(schema);
      return `[]${items === undefined ? 'interface {}' : goTypeName(items, registry)}`;
    }
    default: {
      const additional = additionalProperties(schema);
      if (additional.kind === 'schema') return `map[string]${goTypeName(additional.schema, registry)}`;
      return 'struct';
    }
  }
}

/** How encoding/json names the JSON value it could not decode. */
function jsonValueName(value: unknown): string {
  if (typeof value === 'string') return 'string';
  if (typeof value === 'boolean') return 'bool';
  if (typeof value === 'number') return 'number';
  if (Array.isArray(value)) return 'array';
  return 'object';
}

interface Context {
  readonly registry: SchemaRegistry;
  /** The innermost Go struct's name. */
  readonly struct: string;
  /** JSON field names from the root, dotted. */
  readonly path: string;
}

function mismatch(value: unknown, declared: Schema, context: Context, detail?: string): string {
  const what = detail ?? jsonValueName(value);
  const where = context.path === '' ? `Go value of type ${goTypeName(declared, context.registry)}` : `Go struct field ${context.struct}.${context.path} of type ${goTypeName(declared, context.registry)}`;
  return `json: cannot unmarshal ${what} into ${where}`;
}

function check(value: unknown, declared: Schema, context: Context): string | undefined {
  if (value === null || value === undefined) return undefined;
  const schema = context.registry.resolve(declared);
  if (flag(schema, 'x-kubernetes-preserve-unknown-fields') || flag(schema, 'x-kubernetes-int-or-string') || schema.format === 'int-or-string') return undefined;
  const struct = declared.$ref !== undefined ? (refName(declared.$ref).split('.').pop() ?? context.struct) : context.struct;
  const inner: Context = { ...context, struct };
  switch (schema.type) {
    case 'string':
      return typeof value === 'string' ? undefined : mismatch(value, declared, context);
    case 'boolean':
      return typeof value === 'boolean' ? undefined : mismatch(value, declared, context);
    case 'integer':
      if (typeof value !== 'number') return mismatch(value, declared, context);
      return Number.isInteger(value) ? undefined : mismatch(value, declared, context, `number ${value}`);
    case 'number':
      return typeof value === 'number' ? undefined : mismatch(value, declared, context);
    case 'array': {
      if (!Array.isArray(value)) return mismatch(value, declared, context);
      const items = itemsSchema(schema);
      if (items === undefined) return undefined;
      for (const item of value) {
        const error = check(item, items, inner);
        if (error !== undefined) return error;
      }
      return undefined;
    }
    default:
      break;
  }
  const fields = properties(schema);
  const additional = additionalProperties(schema);
  if (fields.length === 0 && additional.kind !== 'schema') return undefined; // RawExtension, FieldsV1, JSON: anything goes.
  if (!isPlainObject(value)) return mismatch(value, declared, context);
  for (const [key, entry] of Object.entries(value)) {
    const field = fields.length > 0 ? property(schema, key) : additional.kind === 'schema' ? additional.schema : undefined;
    if (field === undefined) continue; // unknown fields are strict decoding's business
    const path = fields.length > 0 ? (context.path === '' ? key : `${context.path}.${key}`) : context.path;
    const error = check(entry, field, { ...inner, path });
    if (error !== undefined) return error;
  }
  return undefined;
}

/** The first Go type error of `value` against the named built-in definition, or undefined. */
export function typedDecodeError(value: unknown, definitionName: string, registry: SchemaRegistry): string | undefined {
  const root = registry.get(definitionName);
  if (root === undefined) return undefined;
  return check(value, { $ref: `#/definitions/${definitionName}` } as Schema, { registry, struct: definitionName.split('.').pop() ?? '', path: '' });
}
