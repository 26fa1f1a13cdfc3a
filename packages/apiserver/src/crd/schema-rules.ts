/**
 * The OpenAPI rules a CRD schema must follow beyond being structural
 * (upstream's ValidateCustomResourceDefinitionOpenAPISchema): no $ref, no
 * patternProperties, properties and additionalProperties exclusive, list and
 * map types well formed, x-kubernetes-validations well formed and compiling.
 * Structural-ness itself is schema-structural's job (see schema-tools.ts).
 */
import type { FieldError } from '../errors/status.js';
import {
  forbiddenError as forbidden,
  invalidError as invalidValue,
  notSupportedError as notSupported,
  requiredError as required,
} from '../validation/schema-common.js';
import { resolveFieldPath } from './field-path.js';
import type { CrdSchemaTools } from './schema-tools.js';
import type { JsonSchemaProps } from './types.js';

export interface SchemaTreeOptions {
  readonly requireValidPropertyType: boolean;
  readonly requireAtomicSetType: boolean;
  readonly requireMapListKeysMapSetValidation: boolean;
  /** Compile x-kubernetes-validations rules (only on a sound structural schema, as upstream). */
  readonly compileRules: boolean;
  readonly tools: CrdSchemaTools;
}

interface NodeContext {
  readonly allowDefaults: boolean;
  readonly disallowDefaultsReason: string;
  readonly insideResourceMeta: boolean;
}

const OPENAPI_TYPES = ['array', 'boolean', 'integer', 'number', 'object', 'string'];
const META_FIELDS = new Set(['metadata', 'kind', 'apiVersion']);
const RULE_REASONS = ['FieldValueDuplicate', 'FieldValueForbidden', 'FieldValueInvalid', 'FieldValueRequired'];


function isSchema(value: unknown): value is JsonSchemaProps {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function validateSchemaTree(schema: JsonSchemaProps, path: string, options: SchemaTreeOptions): FieldError[] {
  const { schemaErrors, ruleErrors } = visit(schema, path, { ...options, root: schema }, { allowDefaults: true, disallowDefaultsReason: '', insideResourceMeta: false }, true);
  return [...schemaErrors, ...ruleErrors];
}

interface VisitResult {
  readonly schemaErrors: FieldError[];
  readonly ruleErrors: FieldError[];
}

type VisitOptions = SchemaTreeOptions & { readonly root: JsonSchemaProps };

function visit(schema: unknown, path: string, options: VisitOptions, context: NodeContext, isRoot: boolean): VisitResult {
  const result: VisitResult = { schemaErrors: [], ruleErrors: [] };
  if (!isSchema(schema)) return result;
  const merge = (child: VisitResult): void => {
    result.schemaErrors.push(...child.schemaErrors);
    result.ruleErrors.push(...child.ruleErrors);
  };
  result.schemaErrors.push(...nodeErrors(schema, path, options, context));

  if (schema.uniqueItems === true) result.schemaErrors.push(forbidden(`${path}.uniqueItems`, 'uniqueItems cannot be set to true since the runtime complexity becomes quadratic'));

  const properties = isSchema(schema.properties) ? (schema.properties as Record<string, unknown>) : {};
  const additional = schema.additionalProperties;
  if (additional !== undefined) {
    if (Object.keys(properties).length > 0 && (additional === false || isSchema(additional))) {
      result.schemaErrors.push(forbidden(`${path}.additionalProperties`, 'additionalProperties and properties are mutual exclusive'));
    }
    // Defaults inside maps that apply to object metadata are ambiguous to prune.
    const childContext = context.insideResourceMeta ? forbidDefaults(context, 'inside additionalProperties applying to object metadata') : context;
    merge(visit(additional, `${path}.additionalProperties`, options, childContext, false));
  }
  for (const [property, child] of Object.entries(properties)) {
    let childContext = context;
    if ((isRoot || schema['x-kubernetes-embedded-resource'] === true) && META_FIELDS.has(property)) {
      childContext = { ...childContext, insideResourceMeta: true };
      if (isRoot) childContext = forbidDefaults(childContext, `in top-level ${property}`);
    }
    merge(visit(child, `${path}.properties[${property}]`, options, childContext, false));
  }
  merge(visit(schema.not, `${path}.not`, options, context, false));
  for (const keyword of ['allOf', 'oneOf', 'anyOf'] as const) {
    const list = schema[keyword];
    if (Array.isArray(list)) list.forEach((child, index) => merge(visit(child, `${path}.${keyword}[${index}]`, options, context, false)));
  }
  const definitions = schema['definitions'];
  if (isSchema(definitions)) for (const [name, child] of Object.entries(definitions)) merge(visit(child, `${path}.definitions[${name}]`, options, context, false));
  const items = schema['items'];
  if (Array.isArray(items)) items.forEach((child, index) => merge(visit(child, `${path}.items[${index}]`, options, context, false)));
  else merge(visit(items, `${path}.items`, options, context, false));

  result.schemaErrors.push(...extensionErrors(schema, path, options));
  result.schemaErrors.push(...ruleShapeErrors(schema, path));
  // Rules compile only where the schema is otherwise sound: their errors would not be actionable before.
  if (options.compileRules && result.schemaErrors.length === 0 && Array.isArray(schema['x-kubernetes-validations']) && schema['x-kubernetes-validations'].length > 0) {
    result.ruleErrors.push(...options.tools.ruleCompileErrors(schema, path, { isResourceRoot: isRoot, root: options.root }));
  }
  return result;
}

function forbidDefaults(context: NodeContext, reason: string): NodeContext {
  return { ...context, allowDefaults: false, disallowDefaultsReason: reason };
}

/** Upstream's specStandardValidatorV3.validate: keywords Kubernetes does not support. */
function nodeErrors(schema: JsonSchemaProps, path: string, options: SchemaTreeOptions, context: NodeContext): FieldError[] {
  const errors: FieldError[] = [];
  const type: unknown = schema['type'];
  if (options.requireValidPropertyType && typeof type === 'string' && type !== '' && !OPENAPI_TYPES.includes(type)) {
    errors.push(notSupported(`${path}.type`, type, OPENAPI_TYPES));
  }
  if (schema['default'] !== undefined && !context.allowDefaults) {
    errors.push(forbidden(`${path}.default`, context.disallowDefaultsReason === '' ? 'must not be set' : `must not be set ${context.disallowDefaultsReason}`));
  }
  if (typeof schema['id'] === 'string' && schema['id'] !== '') errors.push(forbidden(`${path}.id`, 'id is not supported'));
  if (schema['additionalItems'] !== undefined) errors.push(forbidden(`${path}.additionalItems`, 'additionalItems is not supported'));
  if (isSchema(schema['patternProperties']) && Object.keys(schema['patternProperties']).length > 0) {
    errors.push(forbidden(`${path}.patternProperties`, 'patternProperties is not supported'));
  }
  if (isSchema(schema['definitions']) && Object.keys(schema['definitions']).length > 0) errors.push(forbidden(`${path}.definitions`, 'definitions is not supported'));
  if (schema['dependencies'] !== undefined) errors.push(forbidden(`${path}.dependencies`, 'dependencies is not supported'));
  if (schema['$ref'] !== undefined) errors.push(forbidden(`${path}.$ref`, '$ref is not supported'));
  if (type === 'null') errors.push(forbidden(`${path}.type`, 'type cannot be set to null, use nullable as an alternative'));
  if (Array.isArray(schema['items'])) errors.push(forbidden(`${path}.items`, 'items must be a schema object and not an array'));
  if (context.insideResourceMeta && schema['x-kubernetes-embedded-resource'] === true) {
    errors.push(forbidden(`${path}.x-kubernetes-embedded-resource`, 'must not be used inside of resource meta'));
  }
  return errors;
}

/** x-kubernetes-preserve-unknown-fields, map and list types. */
function extensionErrors(schema: JsonSchemaProps, path: string, options: SchemaTreeOptions): FieldError[] {
  const errors: FieldError[] = [];
  const type = typeof schema.type === 'string' ? schema.type : '';
  if (schema['x-kubernetes-preserve-unknown-fields'] === false) {
    errors.push(invalidValue(`${path}.x-kubernetes-preserve-unknown-fields`, false, 'must be true or undefined'));
  }
  const mapType = schema['x-kubernetes-map-type'];
  if (mapType !== undefined && type !== 'object') {
    errors.push(type === '' ? required(`${path}.type`, 'must be object if x-kubernetes-map-type is specified') : invalidValue(`${path}.type`, type, 'must be object if x-kubernetes-map-type is specified'));
  }
  if (mapType !== undefined && mapType !== 'atomic' && mapType !== 'granular') errors.push(notSupported(`${path}.x-kubernetes-map-type`, mapType, ['atomic', 'granular']));

  const listType = schema['x-kubernetes-list-type'];
  const items = isSchema(schema.items) ? schema.items : undefined;
  if (listType !== undefined && type !== 'array') {
    errors.push(type === '' ? required(`${path}.type`, 'must be array if x-kubernetes-list-type is specified') : invalidValue(`${path}.type`, type, 'must be array if x-kubernetes-list-type is specified'));
  } else if (options.requireAtomicSetType && listType === 'set' && items !== undefined) {
    if (items.type === 'array' && items['x-kubernetes-list-type'] !== undefined && items['x-kubernetes-list-type'] !== 'atomic') {
      errors.push(invalidValue(`${path}.items.x-kubernetes-list-type`, items['x-kubernetes-list-type'], 'must be atomic as item of a list with x-kubernetes-list-type=set'));
    }
    if (items.type === 'object' && items['x-kubernetes-map-type'] !== 'atomic') {
      errors.push(invalidValue(`${path}.items.x-kubernetes-map-type`, items['x-kubernetes-list-type'] ?? null, 'must be atomic as item of a list with x-kubernetes-list-type=set'));
    }
  }
  if (listType !== undefined && listType !== 'atomic' && listType !== 'set' && listType !== 'map') {
    errors.push(notSupported(`${path}.x-kubernetes-list-type`, listType, ['atomic', 'set', 'map']));
  }
  const mapKeys = Array.isArray(schema['x-kubernetes-list-map-keys']) ? (schema['x-kubernetes-list-map-keys'] as unknown[]) : [];
  if (mapKeys.length > 0) {
    if (listType === undefined) errors.push(required(`${path}.x-kubernetes-list-type`, 'must be map if x-kubernetes-list-map-keys is non-empty'));
    else if (listType !== 'map') errors.push(invalidValue(`${path}.x-kubernetes-list-type`, listType, 'must be map if x-kubernetes-list-map-keys is non-empty'));
  }
  if (listType === 'map') {
    if (mapKeys.length === 0) errors.push(required(`${path}.x-kubernetes-list-map-keys`, 'must not be empty if x-kubernetes-list-type is map'));
    if (schema.items === undefined) errors.push(required(`${path}.items`, 'must have a schema if x-kubernetes-list-type is map'));
    else if (Array.isArray(schema.items)) errors.push(invalidValue(`${path}.items`, schema.items, 'must only have a single schema if x-kubernetes-list-type is map'));
    if (items !== undefined && items.type !== 'object') errors.push(invalidValue(`${path}.items.type`, items.type ?? '', "must be object if parent array's x-kubernetes-list-type is map"));
    if (items !== undefined && items.type === 'object') {
      const seen = new Set<unknown>();
      for (const key of mapKeys) {
        const property = typeof key === 'string' ? items.properties?.[key] : undefined;
        if (property === undefined) errors.push(invalidValue(`${path}.x-kubernetes-list-map-keys`, mapKeys, 'entries must all be names of item properties'));
        else if (property.type === 'array' || property.type === 'object') {
          errors.push(invalidValue(`${path}.items.properties[${String(key)}].type`, items.type, "must be a scalar type if parent array's x-kubernetes-list-type is map"));
        }
        if (seen.has(key)) errors.push(invalidValue(`${path}.x-kubernetes-list-map-keys`, mapKeys, 'must not contain duplicate entries'));
        seen.add(key);
      }
    }
  }
  if (options.requireMapListKeysMapSetValidation && items !== undefined && (listType === 'set' || listType === 'map')) {
    if (items.nullable === true) errors.push(forbidden(`${path}.items.nullable`, `cannot be nullable when x-kubernetes-list-type is ${String(listType)}`));
    if (listType === 'map') {
      const requiredKeys = new Set(items.required ?? []);
      for (const key of mapKeys) {
        const property = typeof key === 'string' ? items.properties?.[key] : undefined;
        if (property === undefined) continue;
        if (!requiredKeys.has(key as string) && property.default === undefined) {
          errors.push(required(`${path}.items.properties[${String(key)}].default`, 'this property is in x-kubernetes-list-map-keys, so it must have a default or be a required property'));
        }
        if (property.nullable === true) {
          errors.push(forbidden(`${path}.items.properties[${String(key)}].nullable`, 'this property is in x-kubernetes-list-map-keys, so it cannot be nullable'));
        }
      }
    }
  }
  return errors;
}

/** The static shape of each x-kubernetes-validations entry (compilation is separate). */
function ruleShapeErrors(schema: JsonSchemaProps, path: string): FieldError[] {
  const rules = schema['x-kubernetes-validations'];
  if (!Array.isArray(rules)) return [];
  const errors: FieldError[] = [];
  rules.forEach((raw: unknown, index) => {
    const rule = (isSchema(raw) ? raw : {}) as Record<string, unknown>;
    const base = `${path}.x-kubernetes-validations[${index}]`;
    const text = typeof rule['rule'] === 'string' ? rule['rule'] : '';
    const message = typeof rule['message'] === 'string' ? rule['message'] : '';
    const trimmedRule = text.trim();
    const trimmedMessage = message.trim();
    if (trimmedRule === '') errors.push(required(`${base}.rule`, 'rule is not specified'));
    else if (message.length > 0 && trimmedMessage === '') errors.push(invalidValue(`${base}.message`, message, 'must be non-empty if specified'));
    else if (/[\n\r]/.test(trimmedMessage)) errors.push(invalidValue(`${base}.message`, message, 'must not contain line breaks'));
    else if (/[\n\r]/.test(trimmedRule) && trimmedMessage === '') errors.push(required(`${base}.message`, 'message must be specified if rule contains line breaks'));
    const messageExpression = typeof rule['messageExpression'] === 'string' ? rule['messageExpression'] : '';
    if (messageExpression.length > 0 && messageExpression.trim() === '') {
      errors.push(required(`${base}.messageExpression`, 'messageExpression must be non-empty if specified'));
    }
    if (rule['reason'] !== undefined && !RULE_REASONS.includes(String(rule['reason']))) errors.push(notSupported(`${base}.reason`, rule['reason'], RULE_REASONS));
    const fieldPath = typeof rule['fieldPath'] === 'string' ? rule['fieldPath'] : '';
    if (fieldPath.length > 0 && fieldPath.trim() === '') errors.push(invalidValue(`${base}.fieldPath`, fieldPath, 'must be non-empty if specified'));
    if (/[\n\r]/.test(fieldPath)) errors.push(invalidValue(`${base}.fieldPath`, fieldPath, 'must not contain line breaks'));
    if (fieldPath.length > 0 && !resolveFieldPath(fieldPath, schema).ok) errors.push(invalidValue(`${base}.fieldPath`, fieldPath, 'must be a valid path'));
  });
  return errors;
}
