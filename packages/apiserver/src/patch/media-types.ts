/**
 * Which patch media types a resource accepts, and the 415 for the others.
 *
 * Upstream decides by where a resource is served from, not by its schema:
 * built-in resources (Go types, whose struct tags drive strategic merge)
 * accept all patch types; custom resources (served as unstructured data by
 * the apiextensions handler, subresources included) do not accept strategic
 * merge patch, and the handler answers it with 415 before reading the body.
 * CBOR apply is behind an alpha feature gate in 1.32, so it is listed by neither.
 */
import type { ApiError } from '../errors/status.js';
import { unsupportedPatchMediaType } from './errors.js';

export const JSON_PATCH_MEDIA_TYPE = 'application/json-patch+json';
export const MERGE_PATCH_MEDIA_TYPE = 'application/merge-patch+json';
export const STRATEGIC_MERGE_PATCH_MEDIA_TYPE = 'application/strategic-merge-patch+json';
export const APPLY_PATCH_MEDIA_TYPE = 'application/apply-patch+yaml';

/** Where a resource is served from, which is what decides its patch types upstream. */
export type ResourceOrigin = 'builtin' | 'custom';

const BUILTIN_PATCH_MEDIA_TYPES = [JSON_PATCH_MEDIA_TYPE, MERGE_PATCH_MEDIA_TYPE, STRATEGIC_MERGE_PATCH_MEDIA_TYPE, APPLY_PATCH_MEDIA_TYPE] as const;
const CUSTOM_RESOURCE_PATCH_MEDIA_TYPES = [JSON_PATCH_MEDIA_TYPE, MERGE_PATCH_MEDIA_TYPE, APPLY_PATCH_MEDIA_TYPE] as const;

/** The media types a PATCH may use, in the order upstream lists them in its 415 message. */
export function acceptedPatchMediaTypes(origin: ResourceOrigin): readonly string[] {
  return origin === 'builtin' ? BUILTIN_PATCH_MEDIA_TYPES : CUSTOM_RESOURCE_PATCH_MEDIA_TYPES;
}

/** Whether strategic merge patch applies: only to built-in resources. */
export function supportsStrategicMergePatch(origin: ResourceOrigin): boolean {
  return origin === 'builtin';
}

/**
 * The 415 upstream sends for a patch media type the resource does not accept, e.g.
 * `the body of the request was in an unknown format - accepted media types include:
 * application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml`.
 */
export function unsupportedPatchType(origin: ResourceOrigin): ApiError {
  return unsupportedPatchMediaType(acceptedPatchMediaTypes(origin));
}
