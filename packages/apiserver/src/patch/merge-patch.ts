/**
 * JSON Merge Patch (RFC 7386, application/merge-patch+json) as kube-apiserver
 * 1.32 applies it through gopkg.in/evanphx/json-patch.v4's MergePatch:
 * objects merge recursively, null deletes a member, anything else replaces.
 *
 * Where the library departs from the RFC, we follow the library:
 * - a patch that is null, a string, a number or a boolean is refused
 *   (400 "Invalid JSON Patch") instead of replacing the document;
 * - a patch that is an array replaces the document, with null members
 *   removed from the objects inside it;
 * - a value that lands where there was nothing, null, or a non-object has
 *   its nested null members removed — inside arrays too, which the RFC
 *   would keep; a non-object replacing an object is taken as it is.
 */
import type { JsonObject, JsonValue } from '../resources/types.js';
import { patchBadRequest } from './errors.js';
import { hasMember, isJsonObject, setMember, toJsonValue } from './json-value.js';

/** The library's ErrBadJSONPatch text, which upstream returns as a 400. */
export const INVALID_MERGE_PATCH_MESSAGE = 'Invalid JSON Patch';

/** Removes null members from objects, at every depth; null array elements stay. */
function pruneNulls(value: JsonValue): JsonValue {
  if (Array.isArray(value)) {
    for (const item of value) if (item !== null) pruneNulls(item);
  } else if (isJsonObject(value)) {
    for (const key of Object.keys(value)) {
      if (value[key] === null) delete value[key];
      else pruneNulls(value[key]!);
    }
  }
  return value;
}

function mergeValue(current: JsonValue, patch: JsonValue): JsonValue {
  if (!isJsonObject(current)) return pruneNulls(patch);
  if (!isJsonObject(patch)) return patch;
  mergeObjects(current, patch);
  return current;
}

function mergeObjects(target: JsonObject, patch: JsonObject): void {
  for (const key of Object.keys(patch)) {
    const value = patch[key]!;
    if (value === null) {
      delete target[key];
    } else if (!hasMember(target, key) || target[key] === null) {
      setMember(target, key, pruneNulls(value));
    } else {
      setMember(target, key, mergeValue(target[key]!, value));
    }
  }
}

/** Applies a merge patch to a copy of the document and returns the result. */
export function applyMergePatch(document: JsonValue, patch: JsonValue): JsonValue {
  if (patch === null || typeof patch !== 'object') throw patchBadRequest(INVALID_MERGE_PATCH_MESSAGE);
  const ownPatch = toJsonValue(patch) as JsonObject | JsonValue[];
  if (Array.isArray(ownPatch)) return pruneNulls(ownPatch);
  const target = toJsonValue(document);
  // A document that is not an object is not merged into: the patch, pruned, becomes the document.
  if (!isJsonObject(target)) return pruneNulls(ownPatch);
  mergeObjects(target, ownPatch);
  return target;
}
