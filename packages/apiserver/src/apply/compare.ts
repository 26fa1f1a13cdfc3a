/**
 * What changed between two values of one type (SMD's TypedValue.Compare):
 * the fields an update or apply takes from their previous owners. Leaves
 * (scalars, atomic lists and maps, and containers empty on both sides) are
 * added, removed or modified as a whole; other containers are walked, list
 * items matched by key or value rather than position. A container that
 * appears or disappears is itself added or removed, as well as what it holds.
 */
import type { Schema } from '../schema/types.js';
import { FieldSet } from './field-set.js';
import { encodeElement } from './fields-v1.js';
import type { PathElement } from './path.js';
import { listItemElement, resolveAtom, schemaRef, shapeOf, type ListType, type MapType, type Shape, type TypeRef, type TypedContext } from './typed-schema.js';
import { isPlainObject, valuesEqual } from './values.js';

export interface Comparison {
  readonly added: FieldSet;
  readonly modified: FieldSet;
  readonly removed: FieldSet;
}

export function compareTyped(oldValue: unknown, newValue: unknown, schema: Schema, context: TypedContext): Comparison {
  const comparison: Comparison = { added: FieldSet.empty(), modified: FieldSet.empty(), removed: FieldSet.empty() };
  if (oldValue !== undefined || newValue !== undefined) new Comparer(comparison, context).node(oldValue, newValue, schemaRef(schema), []);
  return comparison;
}

/** `undefined` is an absent value (a missing key, a missing list item); null is a value like any other. */
class Comparer {
  constructor(
    private readonly out: Comparison,
    private readonly context: TypedContext,
  ) {}

  node(lhs: unknown, rhs: unknown, type: TypeRef, path: PathElement[]): void {
    const atom = resolveAtom(type, this.context);
    let leaf: boolean;
    if (rhs === undefined) leaf = this.handle(shapeOf(atom, lhs), lhs, rhs, path);
    else if (lhs === undefined) leaf = this.handle(shapeOf(atom, rhs), lhs, rhs, path);
    else {
      const left = shapeOf(atom, lhs);
      const right = shapeOf(atom, rhs);
      // A value that changed kind (possible in untyped fields): what the old kind held goes, then the new kind is compared.
      if (left.kind !== right.kind) this.handle(left, lhs, rhs, path);
      leaf = this.handle(right, lhs, rhs, path);
    }
    if (!leaf) {
      if (lhs === undefined) this.out.added.insert(path);
      else if (rhs === undefined) this.out.removed.insert(path);
    }
  }

  /** Returns whether the value was compared as a leaf (which records itself). */
  private handle(shape: Shape, lhs: unknown, rhs: unknown, path: PathElement[]): boolean {
    if (shape.kind === 'leaf') return this.leaf(lhs, rhs, path);
    if (shape.kind === 'map') return this.map(shape.map, lhs, rhs, path);
    return this.list(shape.list, lhs, rhs, path);
  }

  private leaf(lhs: unknown, rhs: unknown, path: PathElement[]): true {
    if (lhs === undefined) this.out.added.insert(path);
    else if (rhs === undefined) this.out.removed.insert(path);
    else if (!valuesEqual(lhs, rhs)) this.out.modified.insert(path);
    return true;
  }

  private map(map: MapType, lhs: unknown, rhs: unknown, path: PathElement[]): boolean {
    const left = isPlainObject(lhs) ? lhs : undefined;
    const right = isPlainObject(rhs) ? rhs : undefined;
    // Empty or null on both sides: compared as a leaf, so that {} and null still differ.
    if (map.atomic || (isEmptyMap(left) && isEmptyMap(right))) return this.leaf(lhs, rhs, path);
    const keys = new Set([...Object.keys(left ?? {}), ...Object.keys(right ?? {})]);
    for (const key of keys) {
      const l = left?.[key];
      const r = right?.[key];
      if (l === undefined && r === undefined) continue;
      this.node(l, r, map.field(key) ?? map.element, [...path, { kind: 'field', name: key }]);
    }
    return false;
  }

  private list(list: ListType, lhs: unknown, rhs: unknown, path: PathElement[]): boolean {
    const left = Array.isArray(lhs) ? lhs : undefined;
    const right = Array.isArray(rhs) ? rhs : undefined;
    if (list.relationship === 'atomic' || ((left?.length ?? 0) === 0 && (right?.length ?? 0) === 0)) return this.leaf(lhs, rhs, path);
    const byElement = new Map<string, { element: PathElement; left: unknown[]; right: unknown[] }>();
    const collect = (items: readonly unknown[], side: 'left' | 'right'): void => {
      items.forEach((item, index) => {
        const element = listItemElement(list, item, index, path, this.context);
        const key = encodeElement(element);
        let entry = byElement.get(key);
        if (entry === undefined) {
          entry = { element, left: [], right: [] };
          byElement.set(key, entry);
        }
        entry[side].push(item);
      });
    };
    collect(left ?? [], 'left');
    collect(right ?? [], 'right');
    for (const { element, left: l, right: r } of byElement.values()) {
      const itemPath = [...path, element];
      if (l.length <= 1 && r.length <= 1) this.node(l[0], r[0], list.element, itemPath);
      // Duplicated items are compared as one atomic whole, before and after.
      else if (l.length >= 2 && r.length >= 2) {
        if (!(l.length === r.length && l.every((item, i) => valuesEqual(item, r[i])))) this.out.modified.insert(itemPath);
      } else if (l.length >= 2) {
        if (r.length > 0) this.node(undefined, r[0], list.element, itemPath);
        this.out.removed.insert(itemPath);
      } else {
        if (l.length > 0) this.node(l[0], undefined, list.element, itemPath);
        this.out.added.insert(itemPath);
      }
    }
    return false;
  }
}

const isEmptyMap = (map: Record<string, unknown> | undefined): boolean => map === undefined || Object.keys(map).length === 0;
