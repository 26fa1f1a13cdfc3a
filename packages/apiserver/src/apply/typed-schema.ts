/**
 * How structured merge reads an OpenAPI schema node, after kube-openapi's
 * schemaconv (the converter kube-apiserver feeds SMD with): each node is an
 * "atom" that may be a scalar, a list (atomic, a set, or a map keyed by some
 * fields) and/or a map (struct fields plus an element type for other keys;
 * granular or atomic). Nodes without a type accept all three; the walkers
 * pick the part that fits each value, as SMD's deduceAtom does.
 */
import { refName, type Schema, type SchemaRegistry } from '../schema/types.js';
import { additionalProperties, flag, itemsSchema, keyword, property, schemaType } from '../validation/schema-common.js';
import { applyError } from './errors.js';
import { normalizeElement, type FieldPath, type PathElement } from './path.js';
import { isPlainObject } from './values.js';

export interface TypedContext {
  readonly registry: SchemaRegistry;
}

/**
 * What a value is typed by: a schema node, or one of schemaconv's two
 * shared fallbacks.
 */
export type TypeRef =
  | { readonly kind: 'schema'; readonly schema: Schema }
  /** `__untyped_deduced_`: scalars, atomic lists, granular maps of deduced values. */
  | { readonly kind: 'deduced' }
  /** `__untyped_atomic_`: scalars, atomic lists, atomic maps. */
  | { readonly kind: 'untyped' };

export interface ListType {
  /** atomic: the whole list is one leaf; set: items are scalars named by value; map: items named by their key fields. */
  readonly relationship: 'atomic' | 'set' | 'map';
  readonly keys: readonly string[];
  readonly element: TypeRef;
}

export interface MapType {
  /** An atomic map (x-kubernetes-map-type: atomic) is one leaf. */
  readonly atomic: boolean;
  /** The type of a declared field (a property), or undefined for other keys. */
  field(name: string): TypeRef | undefined;
  /** The type of keys that are not declared fields. */
  readonly element: TypeRef;
  /** The `default` written on a declared field: a list-map key left out takes it. */
  fieldDefault(name: string): unknown;
}

export interface Atom {
  readonly scalar: boolean;
  readonly list?: ListType;
  readonly map?: MapType;
}

const DEDUCED: TypeRef = { kind: 'deduced' };
const UNTYPED: TypeRef = { kind: 'untyped' };

const noFields = (): undefined => undefined;

const UNTYPED_ATOM: Atom = {
  scalar: true,
  list: { relationship: 'atomic', keys: [], element: UNTYPED },
  map: { atomic: true, field: noFields, element: UNTYPED, fieldDefault: noFields },
};

const DEDUCED_ATOM: Atom = {
  scalar: true,
  list: { relationship: 'atomic', keys: [], element: UNTYPED },
  map: { atomic: false, field: noFields, element: DEDUCED, fieldDefault: noFields },
};

/** schemaconv hard-codes RawExtension as untyped and atomic, whatever its OpenAPI says. */
const RAW_EXTENSION = 'io.k8s.apimachinery.pkg.runtime.RawExtension';

export function schemaRef(schema: Schema): TypeRef {
  return { kind: 'schema', schema };
}

const cache = new WeakMap<SchemaRegistry, WeakMap<Schema, Atom>>();

export function resolveAtom(ref: TypeRef, context: TypedContext): Atom {
  if (ref.kind === 'deduced') return DEDUCED_ATOM;
  if (ref.kind === 'untyped') return UNTYPED_ATOM;
  let byRegistry = cache.get(context.registry);
  if (byRegistry === undefined) {
    byRegistry = new WeakMap();
    cache.set(context.registry, byRegistry);
  }
  let atom = byRegistry.get(ref.schema);
  if (atom === undefined) {
    atom = parseSchema(ref.schema, context);
    byRegistry.set(ref.schema, atom);
  }
  return atom;
}

function parseSchema(raw: Schema, context: TypedContext): Atom {
  const target = refOf(raw);
  if (target !== undefined && refName(target) === RAW_EXTENSION) return UNTYPED_ATOM;
  const schema = target === undefined ? raw : context.registry.resolve({ $ref: target });
  // x-kubernetes-map-type written beside a $ref overrides the referenced definition's.
  const mapType = keyword(raw, 'x-kubernetes-map-type') ?? keyword(schema, 'x-kubernetes-map-type');
  if (flag(schema, 'x-kubernetes-int-or-string') || schema.format === 'int-or-string') return { scalar: true };
  switch (schemaType(schema)) {
    case '':
      return { scalar: true, list: parseList(schema), map: parseMap(schema, mapType) };
    case 'object':
      return { scalar: false, map: parseMap(schema, mapType) };
    case 'array':
      return { scalar: false, list: parseList(schema) };
    default:
      return { scalar: true };
  }
}

/** The definition a node points at: its $ref, or a lone allOf member's $ref (which schemaconv also follows). */
function refOf(schema: Schema): string | undefined {
  if (typeof schema.$ref === 'string') return schema.$ref;
  const allOf = schema.allOf;
  if (Array.isArray(allOf) && allOf.length === 1 && typeof allOf[0]?.$ref === 'string') return allOf[0].$ref;
  return undefined;
}

function parseMap(schema: Schema, mapType: unknown): MapType {
  const additional = additionalProperties(schema);
  // Keys that are not declared fields take additionalProperties' schema. Otherwise schemaconv deduces them
  // (additionalProperties: true, x-kubernetes-preserve-unknown-fields here or on an inline ancestor, or an
  // object without properties, which OpenAPI reads as free-form); with declared properties only, upstream
  // has no element type and validation rejects unknown keys before a merge, so deducing them too only
  // makes this tolerant — and makes preserve-unknown-fields need no tracking here.
  const element: TypeRef = additional.kind === 'schema' ? { kind: 'schema', schema: additional.schema } : DEDUCED;
  return {
    atomic: mapType === 'atomic',
    element,
    field(name) {
      const prop = property(schema, name);
      return prop === undefined ? undefined : { kind: 'schema', schema: prop };
    },
    fieldDefault(name) {
      return property(schema, name)?.default;
    },
  };
}

/**
 * x-kubernetes-list-type decides; without it, a strategic-merge "merge"
 * strategy makes a map keyed by the patch merge key (or a set without one),
 * and everything else is atomic.
 */
function parseList(schema: Schema): ListType {
  const items = itemsSchema(schema);
  const element: TypeRef = items === undefined ? UNTYPED : { kind: 'schema', schema: items };
  const listType = keyword(schema, 'x-kubernetes-list-type');
  if (listType === 'set') return { relationship: 'set', keys: [], element };
  if (listType === 'map') {
    const keys = keyword(schema, 'x-kubernetes-list-map-keys');
    const names = Array.isArray(keys) ? keys.filter((key): key is string => typeof key === 'string') : [];
    // A map list without keys cannot name its items; treat it as one leaf rather than guess.
    return names.length > 0 ? { relationship: 'map', keys: names, element } : { relationship: 'atomic', keys: [], element };
  }
  if (listType === undefined) {
    const strategy = keyword(schema, 'x-kubernetes-patch-strategy');
    if (strategy === 'merge' || strategy === 'merge,retainKeys') {
      const mergeKey = keyword(schema, 'x-kubernetes-patch-merge-key');
      return typeof mergeKey === 'string' ? { relationship: 'map', keys: [mergeKey], element } : { relationship: 'set', keys: [], element };
    }
  }
  return { relationship: 'atomic', keys: [], element };
}

/** Which part of an atom handles a value: a map, a list, or a leaf (scalars, and values whose kind the schema does not allow). */
export type Shape = { readonly kind: 'leaf' } | { readonly kind: 'list'; readonly list: ListType } | { readonly kind: 'map'; readonly map: MapType };

const LEAF: Shape = { kind: 'leaf' };

/** deduceAtom + handleAtom: null takes the map part first, then scalar, then list, as upstream tries them. */
export function shapeOf(atom: Atom, value: unknown): Shape {
  if (value === null || value === undefined) {
    if (atom.map !== undefined) return { kind: 'map', map: atom.map };
    if (atom.scalar) return LEAF;
    if (atom.list !== undefined) return { kind: 'list', list: atom.list };
    return LEAF;
  }
  if (Array.isArray(value)) return atom.list !== undefined ? { kind: 'list', list: atom.list } : LEAF;
  if (isPlainObject(value)) return atom.map !== undefined ? { kind: 'map', map: atom.map } : LEAF;
  return LEAF;
}

/**
 * The path element naming an item of a set or map list. A list-map item
 * missing a key field takes the field's schema default, as upstream does;
 * without one the key is made of the fields that are present, and an item
 * with none of them is refused.
 */
export function listItemElement(list: ListType, item: unknown, index: number, path: FieldPath, context: TypedContext): PathElement {
  if (list.relationship === 'map') {
    if (item === null || item === undefined) throw applyError(path, `element ${index}: associative list with keys may not have a null element`);
    if (!isPlainObject(item)) throw applyError(path, `element ${index}: associative list with keys may not have non-map elements`);
    const itemMap = resolveAtom(list.element, context).map;
    const fields: [string, unknown][] = [];
    for (const key of list.keys) {
      const value = Object.hasOwn(item, key) ? item[key] : undefined;
      const defaulted = value === undefined ? itemMap?.fieldDefault(key) : value;
      if (defaulted !== undefined) fields.push([key, defaulted]);
    }
    if (fields.length === 0) {
      throw applyError(path, `element ${index}: associative list with keys has an element that omits all key fields ${JSON.stringify(list.keys)} (and doesn't have default values)`);
    }
    return normalizeElement({ kind: 'key', fields });
  }
  if (Array.isArray(item)) throw applyError(path, `element ${index}: not supported: associative list with lists as elements`);
  if (isPlainObject(item)) throw applyError(path, `element ${index}: associative list without keys has an element that's a map type`);
  if (item === null || item === undefined) throw applyError(path, `element ${index}: associative list without keys has an element that's an explicit null`);
  return { kind: 'value', value: item };
}
