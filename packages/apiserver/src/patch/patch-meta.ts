/**
 * What a strategic merge patch needs to know about a field: its patch
 * strategies and merge key, and the type of what it holds.
 *
 * Upstream reads these from Go struct tags by reflection
 * (PatchMetaFromStruct). We read the same facts from the OpenAPI schema
 * (x-kubernetes-patch-strategy / x-kubernetes-patch-merge-key are generated
 * from those tags) and reproduce reflection's failures with its messages:
 * a field the type does not have, a map where a struct was expected (maps
 * of objects, such as a CRD's `properties`, cannot be merged into), a field
 * that is not a list where one was expected.
 *
 * Where we have no schema at all, nothing is known and nothing fails: maps
 * merge and lists are replaced, as with an empty OpenAPI lookup upstream.
 */
import { refName, type Schema, type SchemaRegistry } from '../schema/types.js';
import { goQuote } from './go-format.js';
import { patchInternalError } from './errors.js';

export interface FieldPatchMeta {
  /** `merge`, `replace`, `retainKeys`, in the order the tag lists them; empty when untagged. */
  readonly strategies: readonly string[];
  /** The merge key of a list of objects; '' when none. */
  readonly mergeKey: string;
}

const NO_META: FieldPatchMeta = { strategies: [], mergeKey: '' };

/** Go's reflect.Kind names, as upstream's messages print them, plus 'unknown' for "no schema". */
type GoKind = 'struct' | 'map' | 'slice' | 'interface' | 'string' | 'bool' | 'int32' | 'int64' | 'float32' | 'float64' | 'unknown';

function shortTypeName(ref: string): string {
  const name = refName(ref);
  return name.slice(name.lastIndexOf('.') + 1);
}

/** Follows `$ref`s and single-schema `allOf` wrappers (how OpenAPI v3 attaches defaults to a reference). */
function resolveSchema(schema: Schema, registry: SchemaRegistry): { schema: Schema | undefined; name: string | undefined } {
  let current = schema;
  let name: string | undefined;
  for (let depth = 0; depth < 32; depth++) {
    if (current.$ref !== undefined) {
      name = shortTypeName(current.$ref);
      const target = registry.resolve(current);
      // A reference the registry cannot resolve tells us nothing.
      if (target.$ref !== undefined) return { schema: undefined, name };
      current = target;
      continue;
    }
    const wrapped = current.allOf?.[0];
    if (wrapped !== undefined && current.properties === undefined && current.type === undefined && current.items === undefined) {
      current = wrapped;
      continue;
    }
    break;
  }
  return { schema: current, name };
}

function kindOf(schema: Schema | undefined, named: boolean): GoKind {
  if (schema === undefined) return 'unknown';
  if (schema.properties !== undefined) return 'struct';
  if (schema.type === 'array' || schema.items !== undefined) return 'slice';
  const isMap = schema.additionalProperties !== undefined && schema.additionalProperties !== false;
  // Every named definition is a Go struct, even those that travel as strings (Quantity, Time, IntOrString).
  if (named && !isMap) return 'struct';
  if (schema['x-kubernetes-int-or-string'] === true) return 'struct';
  switch (schema.type) {
    case 'object':
      if (isMap) return 'map';
      return schema['x-kubernetes-preserve-unknown-fields'] === true ? 'interface' : 'struct';
    case 'string':
      return 'string';
    case 'boolean':
      return 'bool';
    case 'integer':
      return schema.format === 'int32' ? 'int32' : 'int64';
    case 'number':
      return schema.format === 'float' ? 'float32' : 'float64';
    default:
      return isMap ? 'map' : 'interface';
  }
}

function fieldMeta(field: Schema): FieldPatchMeta {
  const strategy = field['x-kubernetes-patch-strategy'];
  return {
    strategies: strategy === undefined ? [] : strategy.split(','),
    mergeKey: field['x-kubernetes-patch-merge-key'] ?? '',
  };
}

/** The type of one value in the document being patched. */
export class PatchMetaNode {
  private constructor(
    private readonly schema: Schema | undefined,
    private readonly registry: SchemaRegistry,
    readonly kind: GoKind,
    /** The Go type name, for "unable to find api field in struct PodSpec …". */
    readonly typeName: string,
  ) {}

  static of(schema: Schema | undefined, registry: SchemaRegistry, fallbackName = ''): PatchMetaNode {
    if (schema === undefined) return new PatchMetaNode(undefined, registry, 'unknown', fallbackName);
    const resolved = resolveSchema(schema, registry);
    const topLevelKind = resolved.schema?.['x-kubernetes-group-version-kind']?.[0]?.kind;
    const name = resolved.name ?? topLevelKind ?? fallbackName;
    return new PatchMetaNode(resolved.schema, registry, kindOf(resolved.schema, resolved.name !== undefined), name);
  }

  /** LookupPatchMetadataForStruct: the field `key` of this struct. */
  field(key: string): { node: PatchMetaNode; meta: FieldPatchMeta } {
    if (this.kind === 'unknown') return { node: this, meta: NO_META };
    if (this.kind !== 'struct') throw patchInternalError(`merging an object in json but data type is not struct, instead is: ${this.kind}`);
    const properties = this.schema?.properties;
    const field = properties !== undefined && Object.hasOwn(properties, key) ? properties[key] : undefined;
    if (field === undefined) {
      throw patchInternalError(`unable to find api field in struct ${this.typeName} for the json field ${goQuote(key)}`);
    }
    return { node: PatchMetaNode.of(field, this.registry), meta: fieldMeta(field) };
  }

  /**
   * LookupPatchMetadataForSlice: the field `key` of this struct, which must
   * be a list; returns its element type. Go also accepts a pointer field and
   * treats what it points to as the element type; OpenAPI cannot tell
   * pointers apart, so a struct-typed field is taken as a pointer (most
   * optional struct fields are) and anything else that is not a list fails
   * as a non-pointer does. (Upstream's message names the enclosing struct's kind.)
   */
  listField(key: string): { node: PatchMetaNode; meta: FieldPatchMeta } {
    const { node: list, meta } = this.field(key);
    if (list.kind === 'unknown' || list.kind === 'struct') return { node: list, meta };
    if (list.kind !== 'slice') throw patchInternalError(`expected slice or array type, but got: ${this.kind}`);
    const element = PatchMetaNode.of(list.schema?.items, this.registry);
    if (element.kind === 'slice') throw patchInternalError('unexpected slice of slice');
    return { node: element, meta };
  }
}
