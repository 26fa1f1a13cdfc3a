/**
 * The three patch formats a PATCH request may carry, applied as
 * kube-apiserver 1.32's patch handler (k8s.io/apiserver
 * pkg/endpoints/handlers/patch.go) applies them, with its errors:
 *
 * - a body that is not JSON: 400 with Go's decoder message — prefixed
 *   `error decoding patch: ` for JSON and merge patches under strict
 *   decoding (fieldValidation Warn, the default, or Strict); a merge patch
 *   under Ignore gets `Invalid JSON Patch`;
 * - a body of the wrong JSON type: 400 `json: cannot unmarshal …` naming
 *   the Go type upstream decodes into (an array merge patch under Ignore
 *   replaces the object instead, and then fails to decode: 422 on `patch`);
 * - more than 10000 JSON patch operations: 413;
 * - an operation or directive that cannot be applied: see json-patch.ts
 *   and strategic-merge-patch.ts (422 with a fixed message, 400, or 500);
 * - duplicate fields, and unknown fields of JSON patch operations:
 *   warnings under Warn, a 422 on field `patch` under Strict.
 *
 * Strategic merge patch is for built-in resources only: custom resources
 * refuse it with 415 (see media-types.ts) before any of this runs.
 */
import type { JsonObject, JsonValue, KubeObject } from '../resources/types.js';
import type { Schema, SchemaRegistry } from '../schema/types.js';
import { patchBadRequest, patchFieldInvalid, tooManyPatchOperations } from './errors.js';
import { goJsonMarshal, goValue } from './go-format.js';
import { applyJsonPatch, JSON_PATCH_MAX_COPY_BYTES, JSON_PATCH_MAX_OPERATIONS } from './json-patch.js';
import { isJsonObject, jsonTypeWord, toJsonValue } from './json-value.js';
import { applyMergePatch, INVALID_MERGE_PATCH_MESSAGE } from './merge-patch.js';
import {
  duplicateFieldFindings,
  mapDecodeError,
  operationFieldFindings,
  outOfRangeMessage,
  operationsDecodeError,
  readPatch,
  typedOperationsDecodeError,
  type PatchInput,
} from './patch-body.js';
import type { ParsedJson } from './json-syntax.js';
import { applyStrategicMergePatchInPlace } from './strategic-merge-patch.js';
import { dropTypedDecodingLeftovers } from './typed-leftovers.js';

export { applyJsonPatch, JSON_PATCH_MAX_COPY_BYTES, JSON_PATCH_MAX_OPERATIONS } from './json-patch.js';
export { applyMergePatch } from './merge-patch.js';
export { applyStrategicMergePatch } from './strategic-merge-patch.js';
export {
  acceptedPatchMediaTypes,
  APPLY_PATCH_MEDIA_TYPE,
  JSON_PATCH_MEDIA_TYPE,
  MERGE_PATCH_MEDIA_TYPE,
  STRATEGIC_MERGE_PATCH_MEDIA_TYPE,
  supportsStrategicMergePatch,
  unsupportedPatchType,
  type ResourceOrigin,
} from './media-types.js';
export type { PatchInput } from './patch-body.js';

export type PatchKind = 'json' | 'merge' | 'strategic';

/** The request's `fieldValidation`; upstream's default for PATCH is Warn. */
export type PatchFieldValidation = 'Ignore' | 'Warn' | 'Strict';

export interface ApplyPatchOptions {
  readonly fieldValidation?: PatchFieldValidation;
  /** Receives strict-decoding findings under Warn, for the response's Warning headers. */
  readonly warnings?: string[];
  /** The JSON patch copy limit (upstream's JSONPatchMaxCopyBytes, 3 MiB). */
  readonly jsonPatchMaxCopyBytes?: number;
}

/** How the patched document fails to decode when it is not an object (upstream reads apiVersion/kind first). */
const NOT_AN_OBJECT_DETAIL =
  'couldn\'t get version/kind; json parse error: json: cannot unmarshal %s into Go value of type struct { APIVersion string "json:\\"apiVersion,omitempty\\""; Kind string "json:\\"kind,omitempty\\"" }';

function requireObject(result: JsonValue): JsonObject {
  if (isJsonObject(result)) return result;
  throw patchFieldInvalid(goJsonMarshal(result), NOT_AN_OBJECT_DETAIL.replace('%s', jsonTypeWord(result)));
}

/**
 * A number too large for a float64. Without strict decoding upstream keeps
 * it as raw text and fails later, decoding the patched object into its Go
 * type; we refuse it here rather than store something else.
 */
function refuseOutOfRange(parsed: ParsedJson): void {
  if (parsed.outOfRangeNumber !== undefined) throw patchBadRequest(outOfRangeMessage(parsed.outOfRangeNumber, 'Go value'));
}

/** Strict findings become a 422 under Strict and warnings under Warn. */
function reportFindings(findings: readonly string[], options: ApplyPatchOptions, shownValue: () => string): void {
  if (findings.length === 0) return;
  if (options.fieldValidation === 'Strict') throw patchFieldInvalid(shownValue(), `strict decoding error: ${findings.join(', ')}`);
  options.warnings?.push(...findings);
}

function applyJsonPatchRequest(original: JsonValue, input: PatchInput, options: ApplyPatchOptions, strict: boolean): JsonValue {
  const prefix = strict ? 'error decoding patch: ' : '';
  const parsed = readPatch(input, (message) => patchBadRequest(`${prefix}${message}`));
  let findings: string[] = [];
  if (strict) {
    const typeError = typedOperationsDecodeError(parsed);
    if (typeError !== undefined) throw patchBadRequest(`${prefix}${typeError}`);
    findings = operationFieldFindings(parsed.members).map((finding) => `json patch ${finding}`);
  }
  const decodeError = operationsDecodeError(parsed);
  if (decodeError !== undefined) throw patchBadRequest(decodeError);
  refuseOutOfRange(parsed);
  const operations = parsed.value === null ? [] : (parsed.value as JsonValue[]);
  if (operations.length > JSON_PATCH_MAX_OPERATIONS) throw tooManyPatchOperations(JSON_PATCH_MAX_OPERATIONS, operations.length);

  const result = requireObject(applyJsonPatch(original, operations, { maxCopyBytes: options.jsonPatchMaxCopyBytes ?? JSON_PATCH_MAX_COPY_BYTES }));
  reportFindings(findings, options, () => goJsonMarshal(result));
  return result;
}

function applyMergePatchRequest(original: JsonValue, input: PatchInput, options: ApplyPatchOptions, strict: boolean): JsonValue {
  const parsed = readPatch(input, (message) => patchBadRequest(strict ? `error decoding patch: ${message}` : INVALID_MERGE_PATCH_MESSAGE));
  let findings: string[] = [];
  if (strict) {
    const typeError = mapDecodeError(parsed);
    if (typeError !== undefined) throw patchBadRequest(`error decoding patch: ${typeError}`);
    findings = duplicateFieldFindings(parsed.members);
  }
  refuseOutOfRange(parsed);
  const result = requireObject(applyMergePatch(original, parsed.value));
  reportFindings(findings, options, () => goJsonMarshal(result));
  return result;
}

function applyStrategicPatchRequest(
  original: JsonValue,
  input: PatchInput,
  schema: Schema | undefined,
  registry: SchemaRegistry,
  options: ApplyPatchOptions,
  strict: boolean,
): JsonValue {
  const parsed = readPatch(input, (message) => patchBadRequest(message));
  const typeError = mapDecodeError(parsed);
  if (typeError !== undefined) throw patchBadRequest(typeError);
  const findings = strict ? duplicateFieldFindings(parsed.members) : [];
  if (!isJsonObject(original)) throw patchBadRequest('the object to patch is not a JSON object');
  // A null patch decodes to a nil map, which changes nothing. (`original` is already the caller's private copy.)
  const patch = parsed.value as JsonObject | null;
  const result = patch === null ? original : applyStrategicMergePatchInPlace(original, patch, schema, registry);
  // Upstream prints the patch as the merge left it (directives consumed).
  reportFindings(findings, options, () => goValue(patch));
  return dropTypedDecodingLeftovers(result);
}

/**
 * Applies a PATCH body to the current object and returns the patched object
 * (a new value; `original` is not modified). `patch` is the request body as
 * bytes or text (a string is always raw JSON text), or an already decoded value.
 * `schema` and `registry` drive strategic merge patch; the other formats ignore them.
 * Throws the ApiError upstream would send.
 */
export function applyPatch(
  kind: PatchKind,
  original: JsonValue | KubeObject,
  patch: PatchInput,
  schema: Schema | undefined,
  registry: SchemaRegistry,
  options: ApplyPatchOptions = {},
): JsonValue {
  const strict = (options.fieldValidation ?? 'Warn') !== 'Ignore';
  const current = toJsonValue(original);
  switch (kind) {
    case 'json':
      return applyJsonPatchRequest(current, patch, options, strict);
    case 'merge':
      return applyMergePatchRequest(current, patch, options, strict);
    case 'strategic':
      return applyStrategicPatchRequest(current, patch, schema, registry, options, strict);
  }
}
