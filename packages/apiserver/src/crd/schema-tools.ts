/**
 * What the CRD machinery needs from the schema modules (src/validation/schema-*.ts),
 * as one interface so that crd/ depends on behaviour, not on file layout, and
 * tests can see each seam. crd/schema-tools-binding.ts binds it to the modules.
 *
 * Field paths in returned errors follow upstream's field.Path rendering
 * (`spec.versions[0].schema.openAPIV3Schema.properties[spec].type`), rooted at
 * the `path` argument.
 */
import type { FieldError } from '../errors/status.js';
import type { Schema } from '../schema/types.js';
import type { JsonSchemaProps } from './types.js';

export interface CrdSchemaTools {
  /**
   * The error upstream's NewStructural fails with for keywords it cannot
   * convert ($ref, patternProperties…), or undefined. Upstream shows it only
   * when the CRD has no other error.
   */
  structuralInitError(schema: JsonSchemaProps, path: string): FieldError | undefined;
  /** Upstream's ValidateStructural (for a schema NewStructural accepts), with its messages and order. */
  validateStructural(schema: JsonSchemaProps, path: string): FieldError[];
  /**
   * Defaults in a CRD schema must validate against their schema and must
   * survive pruning (upstream's structuraldefaulting.ValidateDefaults).
   */
  defaultErrors(schema: JsonSchemaProps, path: string): FieldError[];
  /**
   * Compiles the x-kubernetes-validations rules of one schema node (self is
   * that node, `root` the whole schema): one error per rule or
   * messageExpression that does not compile, at
   * `<path>.x-kubernetes-validations[i].rule` / `.messageExpression`.
   */
  ruleCompileErrors(node: JsonSchemaProps, path: string, context: { readonly isResourceRoot: boolean; readonly root: JsonSchemaProps }): FieldError[];

  /**
   * Everything the custom resource strategy checks against the schema:
   * OpenAPI validation, embedded resources, list-type uniqueness; ratcheting
   * against `old` on update.
   */
  validateObject(schema: Schema, object: unknown, old: unknown): FieldError[];
  /** The status subresource: status alone against the schema's status property, at `status`. */
  validateStatus(statusSchema: Schema, status: unknown, oldStatus: unknown): FieldError[];
  /**
   * Evaluates every x-kubernetes-validations rule in the schema against the
   * object (and the old object on update, for transition rules).
   */
  evaluateRules(schema: Schema, object: unknown, old: unknown): FieldError[];
  /** Applies schema defaults in place. */
  applyDefaults(value: unknown, schema: Schema): void;
  /**
   * What upstream's CRD decoder does to a stored or converted object before
   * defaulting: drops fields the schema does not declare (the root kept as a
   * resource), nulls that may not be null, and unknown metadata fields, in
   * place. Returns the dropped unknown paths.
   */
  prune(object: unknown, schema: Schema): string[];
}
