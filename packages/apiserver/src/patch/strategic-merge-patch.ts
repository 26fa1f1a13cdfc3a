/**
 * Kubernetes strategic merge patch (application/strategic-merge-patch+json),
 * applied as kube-apiserver 1.32 applies it (k8s.io/apimachinery
 * pkg/util/strategicpatch, StrategicMergeMapPatch):
 *
 * - maps merge recursively; `null` deletes a key;
 * - lists follow the field's `x-kubernetes-patch-strategy`: `merge` lists of
 *   objects merge element by element on `x-kubernetes-patch-merge-key`,
 *   `merge` lists of scalars are sets (union), other lists are replaced;
 *   `retainKeys` (alone or as `merge,retainKeys`) only enables `$retainKeys`;
 * - directives: `$patch: replace | delete` on a map, `$patch: delete |
 *   replace` as a list element, `$retainKeys`, `$setElementOrder/<list>`,
 *   `$deleteFromPrimitiveList/<list>`. `$patch: merge` is refused, as upstream does;
 * - values added where the original had nothing lose their null members
 *   and directive-marked parts; elements added to a merged list are taken
 *   as sent.
 *
 * Errors are what upstream sends: malformed directives are 400, lists of
 * lists 422, and everything upstream leaves unclassified (a missing merge
 * key, a field the type does not have) a 500 with Go's message.
 *
 * Custom resources never get here: upstream refuses this patch type for
 * them with 415 before decoding (see index.ts).
 */
import type { JsonObject, JsonValue } from '../resources/types.js';
import type { Schema, SchemaRegistry } from '../schema/types.js';
import { patchBadRequest, patchInternalError, patchNotApplicable, patchPanic } from './errors.js';
import { goStringVerb, goTypeName, goValue } from './go-format.js';
import { hasMember, isJsonObject, setMember, toJsonValue } from './json-value.js';
import { PatchMetaNode } from './patch-meta.js';
import {
  DIRECTIVE_MARKER,
  findByMergeKey,
  isDeleteDirective,
  missingMergeKey,
  notAnObject,
  orderMergedList,
  partitionByPresence,
  type ElementKind,
} from './strategic-list-order.js';

const RETAIN_KEYS_DIRECTIVE = '$retainKeys';
const SET_ELEMENT_ORDER_PREFIX = '$setElementOrder';
const DELETE_FROM_PRIMITIVE_LIST_PREFIX = '$deleteFromPrimitiveList';

/** The directive keys a strategic merge patch may carry, for callers that clean results. */
export function isDirectiveKey(key: string): boolean {
  return (
    key === DIRECTIVE_MARKER ||
    key === RETAIN_KEYS_DIRECTIVE ||
    key.startsWith(`${SET_ELEMENT_ORDER_PREFIX}/`) ||
    key.startsWith(`${DELETE_FROM_PRIMITIVE_LIST_PREFIX}/`)
  );
}

/** Go's reflect type of a decoded JSON value; values of different types are never merged. */
type GoType = 'nil' | 'map' | 'slice' | 'string' | 'bool' | 'int64' | 'float64';

function goType(value: JsonValue): GoType {
  if (value === null) return 'nil';
  if (Array.isArray(value)) return 'slice';
  switch (typeof value) {
    case 'object':
      return 'map';
    case 'string':
      return 'string';
    case 'boolean':
      return 'bool';
    default:
      return Number.isInteger(value) ? 'int64' : 'float64';
  }
}

function expectList(value: JsonValue): JsonValue[] {
  if (!Array.isArray(value)) throw patchInternalError(`expected a []interface {}, but received a ${goTypeName(value)}`);
  return value;
}

/** The list field a `$setElementOrder/x` or `$deleteFromPrimitiveList/x` key names. */
function directiveTarget(key: string, prefix: string): string {
  const slash = key.indexOf('/');
  if (slash < 0 || key.slice(0, slash) !== prefix) {
    throw patchBadRequest(
      prefix === DELETE_FROM_PRIMITIVE_LIST_PREFIX ? 'invalid patch format of primitive list' : 'invalid patch format of setElementOrder list',
    );
  }
  return key.slice(slash + 1);
}

/**
 * A field's strategy once `retainKeys` is set aside (the `$retainKeys`
 * directive works wherever it appears; the tag only tells clients to send it).
 */
function mergeStrategy(strategies: readonly string[]): string {
  if (strategies.length === 0) return '';
  if (strategies.length === 1) return strategies[0] === 'retainKeys' ? '' : strategies[0]!;
  if (strategies.length === 2) {
    if (strategies[0] === 'retainKeys') return strategies[1]!;
    if (strategies[1] === 'retainKeys') return strategies[0]!;
  }
  throw patchInternalError(`unexpected patch strategy: ${goValue([...strategies])}`);
}

/** Removes null members from maps at every depth (list elements that are null stay). */
function discardNulls(value: JsonValue): void {
  if (Array.isArray(value)) {
    for (const item of value) discardNulls(item);
  } else if (isJsonObject(value)) {
    for (const key of Object.keys(value)) {
      if (value[key] === null) delete value[key];
      else discardNulls(value[key]!);
    }
  }
}

/** Drops every map that carries `$patch` (and the member or element holding it); says whether `value` itself survives. */
function removeDirectives(value: JsonValue): { keep: boolean; value: JsonValue } {
  if (Array.isArray(value)) {
    const kept: JsonValue[] = [];
    for (const item of value) {
      const result = removeDirectives(item);
      if (result.keep) kept.push(result.value);
    }
    return { keep: true, value: kept };
  }
  if (isJsonObject(value)) {
    if (hasMember(value, DIRECTIVE_MARKER)) return { keep: false, value };
    for (const key of Object.keys(value)) {
      const result = removeDirectives(value[key]!);
      if (result.keep) setMember(value, key, result.value);
      else delete value[key];
    }
  }
  return { keep: true, value };
}

/** Takes a patch value where the original had nothing of its type. */
function adopt(target: JsonObject, key: string, value: JsonValue): void {
  discardNulls(value);
  const result = removeDirectives(value);
  if (result.keep) setMember(target, key, result.value);
  else delete target[key];
}

/** The element type shared by every element of the lists; lists of lists and mixed lists are refused. */
function elementKind(lists: readonly (readonly JsonValue[])[]): ElementKind {
  let first: GoType | undefined;
  for (const list of lists) {
    for (const element of list) {
      const type = goType(element);
      if (first === undefined) {
        // Upstream asks a nil type for its kind here, and panics.
        if (type === 'nil') throw patchPanic('strategic merge patch: a list begins with null');
        if (type === 'slice') throw patchNotApplicable('lists of lists are not supported');
        first = type;
      } else if (type !== first) {
        throw patchInternalError(`list element types are not identical: ${goValue(lists.map((list) => [...list]))}`);
      }
    }
  }
  if (first === undefined) throw patchInternalError('no elements in any of the given slices');
  return first === 'map' ? 'map' : 'scalar';
}

/**
 * The array behind a Go slice of list elements. Upstream deletes elements
 * by shifting the rest left inside the original array and appends new
 * elements into the room that frees; when it later asks where the server
 * had an element (to order `$setElementOrder` lists), it reads the original
 * list through that same array. Upstream's own expected results depend on
 * it, so we keep the same view.
 */
class ListBacking {
  readonly view: JsonValue[];
  private length: number;

  constructor(original: readonly JsonValue[]) {
    this.view = [...original];
    this.length = original.length;
  }

  /** The slice as it stands: the surviving elements. */
  slice(): JsonValue[] {
    return this.view.slice(0, this.length);
  }

  removeAt(index: number): void {
    this.view.copyWithin(index, index + 1, this.length);
    this.length--;
  }

  /** An append lands in the shared array while it still has room there. */
  appendAt(position: number, value: JsonValue): void {
    if (position < this.view.length) this.view[position] = value;
  }
}

class StrategicMerger {
  mergeMap(original: JsonObject | null, patch: JsonObject, meta: PatchMetaNode): JsonObject {
    if (hasMember(patch, DIRECTIVE_MARKER)) return this.mapDirective(patch);
    const target = original ?? {};
    this.applyRetainKeys(target, patch);
    this.applySetElementOrders(target, patch, meta);

    for (const patchKey of Object.keys(patch)) {
      const patchValue = patch[patchKey]!;
      const isDeleteList = patchKey.startsWith(DELETE_FROM_PRIMITIVE_LIST_PREFIX);
      const key = isDeleteList ? directiveTarget(patchKey, DELETE_FROM_PRIMITIVE_LIST_PREFIX) : patchKey;

      if (patchValue === null) {
        delete target[key];
        continue;
      }
      if (!hasMember(target, key)) {
        if (!isDeleteList) adopt(target, key, patchValue);
        continue;
      }
      const current = target[key]!;
      const type = goType(current);
      if (type !== goType(patchValue)) {
        if (!isDeleteList) adopt(target, key, patchValue);
        continue;
      }
      if (type === 'map') {
        const { node, meta: field } = meta.field(key);
        const merged = mergeStrategy(field.strategies) === 'replace' ? patchValue : this.mergeMap(current as JsonObject, patchValue as JsonObject, node);
        setMember(target, key, merged);
      } else if (type === 'slice') {
        const { node, meta: field } = meta.listField(key);
        const strategy = mergeStrategy(field.strategies);
        setMember(target, key, this.mergeListField(current as JsonValue[], patchValue as JsonValue[], node, strategy, field.mergeKey, isDeleteList).merged);
      } else {
        setMember(target, key, patchValue);
      }
    }
    return target;
  }

  /** `$patch` on a map: `replace` takes the patch as it is, `delete` leaves an empty map. */
  private mapDirective(patch: JsonObject): JsonObject {
    const directive = patch[DIRECTIVE_MARKER]!;
    if (directive === 'replace') {
      delete patch[DIRECTIVE_MARKER];
      return patch;
    }
    if (directive === 'delete') return {};
    throw patchInternalError(`unknown patch type: ${goStringVerb(directive)} in map: ${goValue(patch)}`);
  }

  /** `$retainKeys`: keys of the original not listed are cleared; the patch may only set listed keys. */
  private applyRetainKeys(target: JsonObject, patch: JsonObject): void {
    if (!hasMember(patch, RETAIN_KEYS_DIRECTIVE)) return;
    const retained = patch[RETAIN_KEYS_DIRECTIVE]!;
    delete patch[RETAIN_KEYS_DIRECTIVE];
    if (!Array.isArray(retained)) throw patchBadRequest('invalid patch format of retainKeys');
    const isRetained = (key: string): boolean => retained.some((entry) => entry === key);
    for (const [key, value] of Object.entries(patch)) {
      if (value === null || key.startsWith(DELETE_FROM_PRIMITIVE_LIST_PREFIX) || key.startsWith(SET_ELEMENT_ORDER_PREFIX)) continue;
      if (!isRetained(key)) throw patchBadRequest('invalid patch format of retainKeys');
    }
    for (const key of Object.keys(target)) if (!isRetained(key)) delete target[key];
  }

  /**
   * `$setElementOrder/<list>`: merges that list now (so the main loop skips
   * it) and orders the result: the listed elements as the directive says,
   * the others where the server had them.
   */
  private applySetElementOrders(target: JsonObject, patch: JsonObject, meta: PatchMetaNode): void {
    for (const directiveKey of Object.keys(patch)) {
      if (!directiveKey.startsWith(SET_ELEMENT_ORDER_PREFIX)) continue;
      const order = expectList(patch[directiveKey]!);
      delete patch[directiveKey];
      const listKey = directiveTarget(directiveKey, SET_ELEMENT_ORDER_PREFIX);
      const inOriginal = hasMember(target, listKey);
      const inPatch = hasMember(patch, listKey);
      const originalList = inOriginal ? expectList(target[listKey]!) : [];
      const patchList = inPatch ? expectList(patch[listKey]!) : [];
      const { node, meta: field } = meta.listField(listKey);
      const strategy = mergeStrategy(field.strategies);
      this.checkOrderCoversPatch(patchList, order, field.mergeKey);

      let merged: JsonValue[];
      let serverOrder = originalList;
      if (inOriginal && inPatch) ({ merged, originalView: serverOrder } = this.mergeListField(originalList, patchList, node, strategy, field.mergeKey, false));
      else if (inPatch) merged = removeDirectives(patchList).value as JsonValue[];
      else if (inOriginal) merged = originalList;
      else continue;

      const { listed, unlisted } = partitionByPresence(merged, order, field.mergeKey);
      const kind = elementKind([serverOrder, patchList]);
      setMember(target, listKey, orderMergedList(listed, unlisted, order, serverOrder, field.mergeKey, kind));
      delete patch[listKey];
    }
  }

  /** The patch's elements must appear in the `$setElementOrder` list, in the same relative order. */
  private checkOrderCoversPatch(patchList: readonly JsonValue[], order: readonly JsonValue[], mergeKey: string): void {
    if (order.length === 0 || patchList.length === 0) return;
    let candidates: readonly JsonValue[] = patchList;
    if (mergeKey !== '') {
      for (const element of patchList) if (!isJsonObject(element)) throw notAnObject(element);
      candidates = patchList.filter((element) => !isDeleteDirective(element));
    }
    const sameElement = (left: JsonValue, right: JsonValue): boolean => {
      if (mergeKey === '') return left === right;
      if (!isJsonObject(left)) throw notAnObject(left);
      if (!isJsonObject(right)) throw notAnObject(right);
      if (!hasMember(left, mergeKey)) throw missingMergeKey(left, mergeKey);
      if (!hasMember(right, mergeKey)) throw missingMergeKey(right, mergeKey);
      return left[mergeKey] === right[mergeKey];
    };
    let p = 0;
    let o = 0;
    while (p < candidates.length && o < order.length) {
      const candidate = candidates[p]!;
      if (isJsonObject(candidate) && hasMember(candidate, DIRECTIVE_MARKER)) {
        p++;
        continue;
      }
      if (sameElement(candidate, order[o]!)) p++;
      o++;
    }
    if (p < candidates.length && o >= order.length) {
      throw patchInternalError(
        `The order in patch list:\n${goValue([...patchList])}\n doesn't match ${SET_ELEMENT_ORDER_PREFIX} list:\n${goValue([...order])}\n`,
      );
    }
  }

  /**
   * A list field: merged under the `merge` strategy (and for deletion
   * lists), replaced otherwise. Also returns the original list as upstream
   * reads it afterwards (see ListBacking).
   */
  private mergeListField(
    original: JsonValue[],
    patch: JsonValue[],
    element: PatchMetaNode,
    strategy: string,
    mergeKey: string,
    isDeleteList: boolean,
  ): { merged: JsonValue[]; originalView: JsonValue[] } {
    if (strategy !== 'merge' && !isDeleteList) return { merged: patch, originalView: original };
    if (original.length === 0 && patch.length === 0) return { merged: original, originalView: original };
    const kind = elementKind([original, patch]);

    if (kind === 'scalar') {
      if (isDeleteList) return { merged: original.filter((item) => !patch.some((deleted) => deleted === item)), originalView: original };
      // A set: duplicates go, whichever side they came from.
      const merged = [...original, ...patch].filter((item, index, all) => all.findIndex((other) => other === item) === index);
      const { listed, unlisted } = partitionByPresence(merged, patch, mergeKey);
      return { merged: orderMergedList(listed, unlisted, patch, original, mergeKey, kind), originalView: original };
    }

    if (mergeKey === '') throw patchInternalError(`cannot merge lists without merge key for ${element.kind === 'unknown' ? 'struct' : element.kind}`);
    const backing = new ListBacking(original);
    const { plain, replace } = this.applyElementDirectives(backing, patch as JsonObject[], mergeKey);
    // `$patch: replace` makes the patch's other elements the whole list, with nothing left to merge into.
    const serverOrder = replace ? plain : backing.slice();
    const patchOrder = replace ? [] : plain;
    const merged = this.mergeByKey(serverOrder, patchOrder, mergeKey, element, replace ? undefined : backing);
    const { listed, unlisted } = partitionByPresence(merged, patchOrder, mergeKey);
    return { merged: orderMergedList(listed, unlisted, patchOrder, serverOrder, mergeKey, kind), originalView: backing.view };
  }

  /**
   * Elements carrying `$patch`: `delete` removes every original element with
   * that merge key; `replace` makes the other patch elements the whole list.
   * Returns the elements without directives.
   */
  private applyElementDirectives(backing: ListBacking, patch: readonly JsonObject[], mergeKey: string): { plain: JsonValue[]; replace: boolean } {
    const plain: JsonValue[] = [];
    let replace = false;
    for (const element of patch) {
      if (!hasMember(element, DIRECTIVE_MARKER)) {
        plain.push(element);
        continue;
      }
      const directive = element[DIRECTIVE_MARKER]!;
      if (directive === 'delete') {
        if (!hasMember(element, mergeKey)) throw missingMergeKey(element, mergeKey);
        const doomed = element[mergeKey]!;
        for (let index = findByMergeKey(backing.slice(), mergeKey, doomed); index >= 0; index = findByMergeKey(backing.slice(), mergeKey, doomed)) {
          backing.removeAt(index);
        }
      } else if (directive === 'replace') {
        replace = true; // later directives are still read, and ignored
      } else if (directive === 'merge') {
        throw patchInternalError('merging lists cannot yet be specified in the patch');
      } else {
        throw patchInternalError(`unknown patch type: ${goStringVerb(directive)} in map: ${goValue(element)}`);
      }
    }
    return { plain, replace };
  }

  /** Patch elements merge into the original element with the same key, or are appended as sent. */
  private mergeByKey(
    original: readonly JsonValue[],
    patch: readonly JsonValue[],
    mergeKey: string,
    element: PatchMetaNode,
    backing: ListBacking | undefined,
  ): JsonValue[] {
    const result = [...original];
    for (const item of patch as readonly JsonObject[]) {
      if (!hasMember(item, mergeKey)) throw missingMergeKey(item, mergeKey);
      const index = findByMergeKey(result, mergeKey, item[mergeKey]!);
      if (index >= 0) {
        result[index] = this.mergeMap(result[index] as JsonObject, item, element);
      } else {
        backing?.appendAt(result.length, item);
        result.push(item);
      }
    }
    return result;
  }
}

/**
 * Applies the patch in place: `original` becomes the result (which is also
 * returned, unless a top-level `$patch` replaces it) and `patch` is consumed
 * the way upstream consumes it (directives removed as they are applied).
 */
export function applyStrategicMergePatchInPlace(original: JsonObject, patch: JsonObject, schema: Schema | undefined, registry: SchemaRegistry): JsonObject {
  return new StrategicMerger().mergeMap(original, patch, PatchMetaNode.of(schema, registry));
}

/** Applies a strategic merge patch to copies of the document and patch, and returns the result. */
export function applyStrategicMergePatch(original: JsonObject, patch: JsonObject, schema: Schema | undefined, registry: SchemaRegistry): JsonObject {
  return applyStrategicMergePatchInPlace(toJsonValue(original) as JsonObject, toJsonValue(patch) as JsonObject, schema, registry);
}
