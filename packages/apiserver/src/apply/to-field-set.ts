/**
 * The fields a value sets (SMD's TypedValue.ToFieldSet): what an applier
 * comes to own. Leaves are members — scalars, atomic lists and maps — and so
 * are set and map-list items (besides what they contain), keys of maps that
 * are not declared struct fields, and fields holding null or an empty
 * object. A struct field that holds something is not itself a member: it
 * exists because of what is under it.
 */
import type { Schema } from '../schema/types.js';
import { FieldSet } from './field-set.js';
import { encodeElement } from './fields-v1.js';
import type { PathElement } from './path.js';
import { listItemElement, resolveAtom, schemaRef, shapeOf, type ListType, type MapType, type TypeRef, type TypedContext } from './typed-schema.js';
import { isPlainObject } from './values.js';

export function fieldSetOf(value: unknown, schema: Schema, context: TypedContext): FieldSet {
  const set = FieldSet.empty();
  visit(value, schemaRef(schema), [], set, context);
  return set;
}

function visit(value: unknown, type: TypeRef, path: PathElement[], set: FieldSet, context: TypedContext): void {
  const shape = shapeOf(resolveAtom(type, context), value);
  if (shape.kind === 'leaf') set.insert(path);
  else if (shape.kind === 'list') visitList(value, shape.list, path, set, context);
  else visitMap(value, shape.map, path, set, context);
}

function visitList(value: unknown, list: ListType, path: PathElement[], set: FieldSet, context: TypedContext): void {
  if (list.relationship === 'atomic') {
    set.insert(path);
    return;
  }
  if (!Array.isArray(value)) return;
  const elements = value.map((item, index) => listItemElement(list, item, index, path, context));
  // An item that appears more than once (only live objects may hold such) is owned as a whole, never field by field.
  const counts = new Map<string, number>();
  for (const element of elements) counts.set(encodeElement(element), (counts.get(encodeElement(element)) ?? 0) + 1);
  value.forEach((item, index) => {
    const element = elements[index]!;
    const itemPath = [...path, element];
    if (counts.get(encodeElement(element))! === 1) visit(item, list.element, itemPath, set, context);
    set.insert(itemPath);
  });
}

function visitMap(value: unknown, map: MapType, path: PathElement[], set: FieldSet, context: TypedContext): void {
  if (map.atomic) {
    set.insert(path);
    return;
  }
  if (!isPlainObject(value)) return;
  for (const [key, child] of Object.entries(value)) {
    if (child === undefined) continue;
    const declared = map.field(key);
    const childPath: PathElement[] = [...path, { kind: 'field', name: key }];
    visit(child, declared ?? map.element, childPath, set, context);
    if (child === null || declared === undefined || (isPlainObject(child) && Object.keys(child).length === 0)) set.insert(childPath);
  }
}
