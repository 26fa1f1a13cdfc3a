/**
 * What upstream's typed decoding removes from a strategic merge patch result.
 *
 * Upstream merges into an untyped map and then converts the map into the
 * resource's Go struct. That conversion drops keys the struct has no field
 * for — such as directive keys left in values the merge took as sent (an
 * element appended to a merged list keeps its `$retainKeys`) — and turns
 * `null` members into absent ones (omitempty and pointer fields). We keep
 * objects as JSON, so we drop the same things explicitly; otherwise they
 * would be stored. List elements are kept: a list keeps its length in Go too.
 */
import type { JsonValue } from '../resources/types.js';
import { isJsonObject } from './json-value.js';
import { isDirectiveKey } from './strategic-merge-patch.js';

export function dropTypedDecodingLeftovers(value: JsonValue): JsonValue {
  if (Array.isArray(value)) {
    for (const item of value) dropTypedDecodingLeftovers(item);
  } else if (isJsonObject(value)) {
    for (const key of Object.keys(value)) {
      const member = value[key]!;
      if (member === null || isDirectiveKey(key)) delete value[key];
      else dropTypedDecodingLeftovers(member);
    }
  }
  return value;
}
