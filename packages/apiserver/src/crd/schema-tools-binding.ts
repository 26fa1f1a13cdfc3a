/** CrdSchemaTools bound to the schema modules of src/validation. */
import { evaluateRules, ruleCompileErrors } from '../validation/schema-cel.js';
import type { SchemaNode } from '../validation/schema-common.js';
import { applyDefaults, validateDefaults } from '../validation/schema-default.js';
import { pruneCustomResource } from '../validation/schema-prune.js';
import { structuralSchemaInitError, validateStructural } from '../validation/schema-structural.js';
import { validateCustomResource, validateValue } from '../validation/schema-validate.js';
import type { CrdSchemaTools } from './schema-tools.js';

// The Schema model and the CRD's raw JsonSchemaProps are both SchemaNodes: plain JSON schema objects.
const node = (schema: object): SchemaNode => schema as SchemaNode;

export const crdSchemaTools: CrdSchemaTools = {
  structuralInitError: (schema, path) => structuralSchemaInitError(node(schema), path),
  validateStructural: (schema, path) => validateStructural(node(schema), path),
  // apiextensions.k8s.io/v1 always requires pruned defaults.
  defaultErrors: (schema, path) => validateDefaults(node(schema), path, { requirePrunedDefaults: true }),
  ruleCompileErrors: (schema, path, context) => ruleCompileErrors(node(schema), path, { isResourceRoot: context.isResourceRoot, root: node(context.root) }),
  validateObject: (schema, object, old) => validateCustomResource(node(schema), object, old === undefined ? {} : { old }),
  // Upstream validates status with a validator rooted at the status schema: messages name `phase in body`, fields `status.phase`.
  validateStatus: (schema, status, oldStatus) => validateValue(node(schema), status, { fieldPath: 'status', ...(oldStatus !== undefined && { old: { value: oldStatus } }) }),
  evaluateRules: (schema, object, old) => evaluateRules(node(schema), object, old),
  applyDefaults: (value, schema) => applyDefaults(value, node(schema)),
  prune: (object, schema) => pruneCustomResource(object, node(schema)),
};
