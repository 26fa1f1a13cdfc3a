/**
 * Removing a set of fields from a value (SMD's TypedValue.RemoveItems): how
 * the fields an applier stopped applying are pruned. A path that names a
 * struct field or map key drops that key, one that names a list item drops
 * the item; paths below it recurse into it. Everything under an atomic list
 * or map is that one leaf, so a path inside one drops it whole.
 *
 * A map or list that loses every entry this way SMD leaves as null, and
 * kube-apiserver drops such nulls before storing (typed conversion for
 * built-in kinds, dropping nulls of non-nullable fields for custom ones);
 * here the emptied container is dropped from its parent directly. The parent
 * itself stays, even if that leaves it empty, as it does upstream.
 */
import type { Schema } from '../schema/types.js';
import type { FieldSet } from './field-set.js';
import type { PathElement } from './path.js';
import { listItemElement, resolveAtom, schemaRef, shapeOf, type ListType, type MapType, type TypeRef, type TypedContext } from './typed-schema.js';
import { copyValue, isPlainObject } from './values.js';

/** Returns a new value; the input is not modified. A root that loses everything comes back as an empty object or list. */
export function removeItems(value: unknown, set: FieldSet, schema: Schema, context: TypedContext): unknown {
  const out = remove(value, set, schemaRef(schema), [], context);
  if (out !== undefined) return out;
  return Array.isArray(value) ? [] : {};
}

/** `undefined`: the value emptied out (its parent drops it). */
function remove(value: unknown, set: FieldSet, type: TypeRef, path: PathElement[], context: TypedContext): unknown {
  if (set.isEmpty()) return copyValue(value);
  const shape = shapeOf(resolveAtom(type, context), value);
  if (shape.kind === 'list') return removeFromList(value, set, shape.list, path, context);
  if (shape.kind === 'map') return removeFromMap(value, set, shape.map, path, context);
  return copyValue(value);
}

function removeFromList(value: unknown, set: FieldSet, list: ListType, path: PathElement[], context: TypedContext): unknown {
  if (!Array.isArray(value) || value.length === 0) return copyValue(value);
  if (list.relationship === 'atomic') return undefined;
  const out: unknown[] = [];
  let kept = 0;
  value.forEach((item, index) => {
    const element = listItemElement(list, item, index, path, context);
    if (set.hasElement(element)) return;
    kept++;
    const below = set.childSet(element);
    const rest = below.isEmpty() ? copyValue(item) : remove(item, below, list.element, [...path, element], context);
    if (rest !== undefined) out.push(rest);
  });
  return kept > 0 ? out : undefined;
}

function removeFromMap(value: unknown, set: FieldSet, map: MapType, path: PathElement[], context: TypedContext): unknown {
  if (!isPlainObject(value) || Object.keys(value).length === 0) return copyValue(value);
  if (map.atomic) return undefined;
  const out: Record<string, unknown> = {};
  let kept = 0;
  for (const [key, child] of Object.entries(value)) {
    const element: PathElement = { kind: 'field', name: key };
    if (set.hasElement(element)) continue;
    kept++;
    const below = set.childSet(element);
    const rest = below.isEmpty() ? copyValue(child) : remove(child, below, map.field(key) ?? map.element, [...path, element], context);
    if (rest !== undefined) out[key] = rest;
  }
  return kept > 0 ? out : undefined;
}
