/**
 * Merging an applied configuration into the live object (SMD's
 * TypedValue.Merge, live on the left, configuration on the right): the
 * configuration's leaves win; structs and granular maps merge key by key;
 * atomic lists and maps are replaced whole; set and map lists merge item by
 * item, matched by value or key. Nothing is removed here: dropping what an
 * applier stopped applying is removeItems' job.
 */
import type { Schema } from '../schema/types.js';
import { applyError } from './errors.js';
import { encodeElement } from './fields-v1.js';
import { formatElement, type PathElement } from './path.js';
import { listItemElement, resolveAtom, schemaRef, shapeOf, type ListType, type MapType, type Shape, type TypeRef, type TypedContext } from './typed-schema.js';
import { copyValue, isPlainObject } from './values.js';

/** Returns a new value; neither input is modified. */
export function mergeTyped(live: unknown, config: unknown, schema: Schema, context: TypedContext): unknown {
  if (live === undefined && config === undefined) return null;
  return new Merger(context).node(live, config, schemaRef(schema), []) ?? null;
}

interface IndexedList {
  readonly elements: PathElement[];
  readonly keys: string[];
  /** Each item by its element's key; an item the list holds more than once maps to null (it is never merged field by field). */
  readonly byKey: Map<string, unknown>;
}

/** `undefined` means absent, on input (a missing key or item) and on output (nothing to write). */
class Merger {
  constructor(private readonly context: TypedContext) {}

  node(lhs: unknown, rhs: unknown, type: TypeRef, path: PathElement[]): unknown {
    const atom = resolveAtom(type, this.context);
    // When both sides are present the configuration's kind decides how they merge.
    return this.handle(shapeOf(atom, rhs === undefined ? lhs : rhs), lhs, rhs, path);
  }

  private handle(shape: Shape, lhs: unknown, rhs: unknown, path: PathElement[]): unknown {
    if (shape.kind === 'leaf') return this.leaf(lhs, rhs);
    if (shape.kind === 'map') return this.map(shape.map, lhs, rhs, path);
    return this.list(shape.list, lhs, rhs, path);
  }

  private leaf(lhs: unknown, rhs: unknown): unknown {
    return copyValue(rhs !== undefined ? rhs : lhs);
  }

  private map(map: MapType, lhs: unknown, rhs: unknown, path: PathElement[]): unknown {
    const left = isPlainObject(lhs) ? lhs : undefined;
    const right = isPlainObject(rhs) ? rhs : undefined;
    // Empty or null on both sides is a leaf, which keeps the configuration's choice between {} and null.
    if (map.atomic || (isEmptyMap(left) && isEmptyMap(right))) return this.leaf(lhs, rhs);
    const out: Record<string, unknown> = {};
    // Live keys keep their order; keys only the configuration has follow.
    const keys = new Set([...Object.keys(left ?? {}), ...Object.keys(right ?? {})]);
    for (const key of keys) {
      const l = left?.[key];
      const r = right?.[key];
      if (l === undefined && r === undefined) continue;
      const merged = this.node(l, r, map.field(key) ?? map.element, [...path, { kind: 'field', name: key }]);
      if (merged !== undefined) out[key] = merged;
    }
    return Object.keys(out).length > 0 ? out : undefined;
  }

  private list(list: ListType, lhs: unknown, rhs: unknown, path: PathElement[]): unknown {
    const left = Array.isArray(lhs) ? lhs : undefined;
    const right = Array.isArray(rhs) ? rhs : undefined;
    if (list.relationship === 'atomic' || ((left?.length ?? 0) === 0 && (right?.length ?? 0) === 0)) return this.leaf(lhs, rhs);
    const out = this.mergeItems(list, left ?? [], right ?? [], path);
    return out.length > 0 ? out : undefined;
  }

  /**
   * upstream's ordering: walk both lists together; an item both hold is
   * written where the configuration puts it among the shared items, live-only
   * items stay where they were relative to those, and configuration-only
   * items come at their place in the configuration.
   */
  private mergeItems(list: ListType, left: readonly unknown[], right: readonly unknown[], path: PathElement[]): unknown[] {
    const rhs = this.index(list, right, path, false);
    const lhs = this.index(list, left, path, true);
    const out: unknown[] = [];
    const emit = (index: number, lChild: unknown, rChild: unknown, elements: PathElement[]): void => {
      const merged = this.node(lChild, rChild, list.element, [...path, elements[index]!]);
      if (merged !== undefined) out.push(merged);
    };
    const sharedOrder = rhs.keys.filter((key) => lhs.byKey.has(key));
    let shared = 0;
    const merged = new Set<string>();
    let l = 0;
    let r = 0;
    while (l < lhs.keys.length || r < rhs.keys.length) {
      if (l < lhs.keys.length && r < rhs.keys.length) {
        const key = lhs.keys[l]!;
        if (key === rhs.keys[r]) {
          merged.add(key);
          emit(l, lhs.byKey.get(key), rhs.byKey.get(key), lhs.elements);
          l++;
          r++;
          shared++;
          continue;
        }
        // A shared item that the configuration places later: it is written when the configuration reaches it.
        if (rhs.byKey.has(key) && shared < sharedOrder.length && sharedOrder[shared] !== key) {
          l++;
          continue;
        }
      }
      if (l < lhs.keys.length) {
        const key = lhs.keys[l]!;
        if (!rhs.byKey.has(key)) {
          // Live only: the item itself, even if live holds duplicates of it.
          emit(l, left[l], undefined, lhs.elements);
          l++;
          continue;
        }
        if (merged.has(key)) l++;
      }
      if (r < rhs.keys.length) {
        const key = rhs.keys[r]!;
        merged.add(key);
        emit(r, lhs.byKey.get(key), rhs.byKey.get(key), rhs.elements);
        r++;
        if (shared < sharedOrder.length && sharedOrder[shared] === key) shared++;
      }
    }
    return out;
  }

  private index(list: ListType, items: readonly unknown[], path: PathElement[], allowDuplicates: boolean): IndexedList {
    const indexed: IndexedList = { elements: [], keys: [], byKey: new Map() };
    items.forEach((item, i) => {
      const element = listItemElement(list, item, i, path, this.context);
      const key = encodeElement(element);
      if (indexed.byKey.has(key)) {
        if (!allowDuplicates) throw applyError(path, `duplicate entries for key ${formatElement(element)}`);
        indexed.byKey.set(key, null);
      } else indexed.byKey.set(key, item);
      indexed.elements.push(element);
      indexed.keys.push(key);
    });
    return indexed;
  }
}

const isEmptyMap = (map: Record<string, unknown> | undefined): boolean => map === undefined || Object.keys(map).length === 0;
