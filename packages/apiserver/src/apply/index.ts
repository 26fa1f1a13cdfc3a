/**
 * Structured merge for server-side apply: the semantics of
 * sigs.k8s.io/structured-merge-diff v4 (as kube-apiserver 1.32 uses it),
 * driven by the OpenAPI schemas of the API types. Pure functions over plain
 * JSON values; the managedFields bookkeeping that uses them lives in
 * ../fieldmanager.
 */
export type { FieldPath, PathElement } from './path.js';
export { formatPath } from './path.js';
export { FieldSet } from './field-set.js';
export type { TypedContext } from './typed-schema.js';
export { fieldSetOf } from './to-field-set.js';
export { compareTyped } from './compare.js';
export { mergeTyped } from './merge.js';
export { removeItems } from './remove.js';
export { ApplyError } from './errors.js';
