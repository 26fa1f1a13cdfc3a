/**
 * The element order of lists a strategic merge patch merges.
 *
 * Upstream splits the merged list into the elements the patch names (its
 * list, or its `$setElementOrder/<field>` list) and the elements only the
 * server had; orders the first group as the patch does and the second as
 * the server did; then interleaves them, placing a server-only element
 * before a patch element only when the server had both and had it first.
 * That is why an element added without `$setElementOrder` lands at the
 * front of the list. These helpers reproduce that order exactly, including
 * upstream's errors for elements without the merge key.
 */
import type { JsonObject, JsonValue } from '../resources/types.js';
import type { ApiError } from '../errors/status.js';
import { patchInternalError } from './errors.js';
import { goStableSort } from './go-stable-sort.js';
import { goTypeName, goValue } from './go-format.js';
import { hasMember, isJsonObject } from './json-value.js';

export const DIRECTIVE_MARKER = '$patch';

/** How the elements of a list are told apart: objects by merge key, scalars by value. */
export type ElementKind = 'map' | 'scalar';

/** mergepatch.ErrNoMergeKey */
export function missingMergeKey(element: JsonObject, mergeKey: string): ApiError {
  return patchInternalError(`map: ${goValue(element)} does not contain declared merge key: ${mergeKey}`);
}

/** mergepatch.ErrBadArgType for an element that should have been an object. */
export function notAnObject(value: JsonValue): ApiError {
  return patchInternalError(`expected a map[string]interface {}, but received a ${goTypeName(value)}`);
}

export function isDeleteDirective(value: JsonValue): boolean {
  return isJsonObject(value) && value[DIRECTIVE_MARKER] === 'delete';
}

/** The index of the first object whose merge key equals `keyValue`; every element before it must be an object. */
export function findByMergeKey(list: readonly JsonValue[], mergeKey: string, keyValue: JsonValue): number {
  for (const [index, element] of list.entries()) {
    if (!isJsonObject(element)) throw patchInternalError(`value for key ${index} is not a map`);
    if (hasMember(element, mergeKey) && element[mergeKey] === keyValue) return index;
  }
  return -1;
}

/** Where an element sits in a reference list: by merge key for objects (absent keys all match), by value otherwise. */
function indexIn(reference: readonly JsonValue[], element: JsonValue, mergeKey: string, kind: ElementKind): number {
  const identity = (value: JsonValue | undefined): JsonValue | undefined => {
    if (kind === 'scalar') return value;
    return isJsonObject(value) && hasMember(value, mergeKey) ? value[mergeKey] : null;
  };
  const wanted = identity(element);
  return reference.findIndex((candidate) => identity(candidate) === wanted);
}

function requireMergeKeys(mergeKey: string, list: readonly JsonValue[]): void {
  for (const element of list) {
    if (!isJsonObject(element)) throw notAnObject(element);
    if (!hasMember(element, mergeKey)) throw missingMergeKey(element, mergeKey);
  }
}

/**
 * Orders `items` as they appear in `reference` (upstream's normalizeSliceOrder).
 * Elements carrying `$patch: delete` go last. An element the reference lacks
 * compares as "less" both ways, which only Go's own stable sort resolves the
 * way upstream does.
 */
function sortByReference(items: readonly JsonValue[], reference: readonly JsonValue[], mergeKey: string, kind: ElementKind): JsonValue[] {
  let toSort = [...items];
  let deletions: JsonValue[] = [];
  if (kind === 'map') {
    requireMergeKeys(mergeKey, toSort);
    requireMergeKeys(mergeKey, reference);
    deletions = toSort.filter(isDeleteDirective);
    toSort = toSort.filter((item) => !isDeleteDirective(item));
  }
  goStableSort(toSort, (left, right) => {
    const leftIndex = indexIn(reference, left, mergeKey, kind);
    if (leftIndex < 0) return true;
    const rightIndex = indexIn(reference, right, mergeKey, kind);
    return rightIndex < 0 || leftIndex < rightIndex;
  });
  return [...toSort, ...deletions];
}

/** Interleaves server-only elements into the patch's elements (upstream's mergeSortedSlice). */
function interleave(serverOnly: readonly JsonValue[], fromPatch: readonly JsonValue[], serverOrder: readonly JsonValue[], mergeKey: string, kind: ElementKind): JsonValue[] {
  const result: JsonValue[] = [];
  let i = 0;
  let j = 0;
  while (i < serverOnly.length || j < fromPatch.length) {
    if (i >= serverOnly.length) {
      result.push(fromPatch[j++]!);
    } else if (j >= fromPatch.length) {
      result.push(serverOnly[i++]!);
    } else {
      const serverIndex = indexIn(serverOrder, serverOnly[i]!, mergeKey, kind);
      const patchIndex = indexIn(serverOrder, fromPatch[j]!, mergeKey, kind);
      // Only when the server had both, and had the server-only one first, does it go first.
      if (serverIndex >= 0 && patchIndex >= 0 && serverIndex < patchIndex) result.push(serverOnly[i++]!);
      else result.push(fromPatch[j++]!);
    }
  }
  return result;
}

/**
 * Splits a merged list into the elements `named` mentions and the rest
 * (by merge key when there is one, by value otherwise).
 */
export function partitionByPresence(merged: readonly JsonValue[], named: readonly JsonValue[], mergeKey: string): { listed: JsonValue[]; unlisted: JsonValue[] } {
  const listed: JsonValue[] = [];
  const unlisted: JsonValue[] = [];
  for (const element of merged) {
    let present: boolean;
    if (mergeKey === '') {
      present = named.some((candidate) => candidate === element);
    } else {
      if (!isJsonObject(element)) throw notAnObject(element);
      if (!hasMember(element, mergeKey)) throw missingMergeKey(element, mergeKey);
      present = findByMergeKey(named, mergeKey, element[mergeKey]!) >= 0;
    }
    (present ? listed : unlisted).push(element);
  }
  return { listed, unlisted };
}

/**
 * The final order of a merged list (upstream's normalizeElementOrder):
 * `listed` in `listedOrder`'s order, `unlisted` in `serverOrder`'s, interleaved.
 */
export function orderMergedList(
  listed: readonly JsonValue[],
  unlisted: readonly JsonValue[],
  listedOrder: readonly JsonValue[],
  serverOrder: readonly JsonValue[],
  mergeKey: string,
  kind: ElementKind,
): JsonValue[] {
  const fromPatch = sortByReference(listed, listedOrder, mergeKey, kind);
  const serverOnly = sortByReference(unlisted, serverOrder, mergeKey, kind);
  return interleave(serverOnly, fromPatch, serverOrder, mergeKey, kind);
}
