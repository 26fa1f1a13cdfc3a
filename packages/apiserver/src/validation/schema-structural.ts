/**
 * Whether a CRD's openAPIV3Schema is structural, with apiextensions-
 * apiserver's messages and paths (pkg/apiserver/schema: NewStructural,
 * ValidateStructural, validateStructuralCompleteness):
 *
 * - every specified field has a type, except where x-kubernetes-int-or-string
 *   or x-kubernetes-preserve-unknown-fields stand in for it;
 * - value validations (allOf, anyOf, oneOf, not) only restrict: no type,
 *   default, description, title, nullable or x-kubernetes-* inside them, and
 *   every field they name is specified outside them too (at the root);
 * - metadata at the root may restrict only name and generateName;
 * - additionalProperties is not used at the root nor with embedded resources.
 *
 * Upstream sorts these errors by their text (its maps iterate randomly), so
 * do we. Keywords upstream's converter refuses outright ($ref, id, $schema,
 * patternProperties, …) come back from structuralSchemaInitError instead.
 */
import type { FieldError } from '../errors/status.js';
import {
  additionalProperties,
  childPath,
  compileRe2,
  flag,
  forbiddenError,
  invalidError,
  isPlainObject,
  isSchemaNode,
  itemsSchema,
  keyPath,
  keyword,
  properties,
  property,
  requiredError,
  schemaList,
  schemaType,
  sortByGoString,
  type SchemaNode,
} from './schema-common.js';

type Level = 'root' | 'item' | 'field';

export interface StructuralOptions {
  /** additionalProperties inside allOf/anyOf/oneOf/not (off for CRDs). */
  readonly allowNestedAdditionalProperties?: boolean;
  /** x-kubernetes-validations inside allOf (off for CRDs; never inside anyOf, oneOf, not). */
  readonly allowNestedXValidations?: boolean;
  /** Value validations of properties that only additionalProperties specifies (off for CRDs). */
  readonly allowValidationPropertiesWithAdditionalProperties?: boolean;
}

/**
 * The error upstream's NewStructural fails with, as the CRD validation
 * reports it (`<path>: Invalid value: "": OpenAPIV3Schema '$ref' is not
 * supported`), or undefined. Upstream shows it only when no other error was
 * found for the CRD, since the OpenAPI checks name the same keywords better.
 */
export function structuralSchemaInitError(schema: SchemaNode, path: string): FieldError | undefined {
  const problem = initProblem(schema);
  return problem === undefined ? undefined : invalidError(path, '', problem);
}

function initProblem(schema: SchemaNode): string | undefined {
  const nonEmpty = (value: unknown): boolean =>
    (typeof value === 'string' && value !== '') || (isPlainObject(value) && Object.keys(value).length > 0) || (Array.isArray(value) && value.length > 0);
  if (nonEmpty(keyword(schema, 'id'))) return "OpenAPIV3Schema 'id' is not supported";
  if (nonEmpty(keyword(schema, '$schema'))) return "OpenAPIV3Schema 'schema' is not supported";
  if (nonEmpty(keyword(schema, '$ref'))) return "OpenAPIV3Schema '$ref' is not supported";
  if (nonEmpty(keyword(schema, 'patternProperties'))) return "OpenAPIV3Schema 'patternProperties' is not supported";
  if (nonEmpty(keyword(schema, 'dependencies'))) return "OpenAPIV3Schema 'dependencies' is not supported";
  if (keyword(schema, 'additionalItems') !== undefined) return "OpenAPIV3Schema 'additionalItems' is not supported";
  if (nonEmpty(keyword(schema, 'definitions'))) return "OpenAPIV3Schema 'definitions' is not supported";
  for (const nested of [schema.not, ...schemaList(schema.allOf), ...schemaList(schema.anyOf), ...schemaList(schema.oneOf)]) {
    if (isSchemaNode(nested)) {
      const problem = initProblem(nested);
      if (problem !== undefined) return problem;
    }
  }
  if (keyword(schema, 'x-kubernetes-preserve-unknown-fields') === false) return "internal error: 'x-kubernetes-preserve-unknown-fields' must be true or undefined";
  const items: unknown = schema.items;
  if (Array.isArray(items)) return "OpenAPIV3Schema 'items' must be a schema, but is an array";
  if (isSchemaNode(items)) {
    const problem = initProblem(items);
    if (problem !== undefined) return problem;
  }
  for (const [, child] of properties(schema)) {
    const problem = initProblem(child);
    if (problem !== undefined) return problem;
  }
  const additional = additionalProperties(schema);
  return additional.kind === 'schema' ? initProblem(additional.schema) : undefined;
}

/**
 * upstream's ValidateStructural: the structural schema invariants and the
 * completeness of value validations, sorted as upstream sorts them.
 * Expects a schema NewStructural accepts (check structuralSchemaInitError first).
 */
export function validateStructural(schema: SchemaNode, path: string, options: StructuralOptions = {}): FieldError[] {
  const errors = [...invariants(schema, 'root', path, options), ...completeness(schema, path, options)];
  return sortByGoString(errors);
}

/**
 * What a CRD's schema must pass to be structural, as one list: the
 * NewStructural error if conversion fails, else ValidateStructural's errors.
 */
export function structuralErrors(schema: SchemaNode, path: string, options: StructuralOptions = {}): FieldError[] {
  const init = structuralSchemaInitError(schema, path);
  return init !== undefined ? [init] : validateStructural(schema, path, options);
}

// ---------------------------------------------------------------------------

const isIntOrStringPair = (list: readonly SchemaNode[]): boolean =>
  list.length === 2 && onlyType(list[0]!, 'integer') && onlyType(list[1]!, 'string');

/** A nested schema that says `type: <type>` and nothing else (Go's DeepEqual against the int-or-string pattern). */
function onlyType(schema: SchemaNode, type: string): boolean {
  return Object.entries(schema).every(([name, value]) => {
    if (name === 'type') return value === type;
    // Zero values are absent in Go; example and externalDocs do not survive conversion.
    return value === undefined || value === null || value === false || value === '' || name === 'example' || name === 'externalDocs';
  });
}

function invariants(schema: SchemaNode, level: Level, path: string, options: StructuralOptions): FieldError[] {
  const errors: FieldError[] = [];
  const type = schemaType(schema);
  const items = itemsSchema(schema);
  if (type === 'array' && items === undefined) errors.push(requiredError(childPath(path, 'items'), 'must be specified'));
  if (items !== undefined) errors.push(...invariants(items, 'item', childPath(path, 'items'), options));
  for (const [key, child] of properties(schema)) errors.push(...invariants(child, 'field', keyPath(childPath(path, 'properties'), key), options));

  const additional = additionalProperties(schema);
  if (additional.kind !== 'none') {
    if (level === 'root') errors.push(forbiddenError(childPath(path, 'additionalProperties'), 'must not be used at the root'));
    if (additional.kind === 'schema') errors.push(...invariants(additional.schema, 'field', childPath(path, 'additionalProperties'), options));
  }

  const intOrString = flag(schema, 'x-kubernetes-int-or-string');
  const preserve = flag(schema, 'x-kubernetes-preserve-unknown-fields');
  const embedded = flag(schema, 'x-kubernetes-embedded-resource');
  if (intOrString && preserve) errors.push(invalidError(childPath(path, 'x-kubernetes-preserve-unknown-fields'), true, 'must be false if x-kubernetes-int-or-string is true'));
  if (intOrString && embedded) errors.push(invalidError(childPath(path, 'x-kubernetes-embedded-resource'), true, 'must be false if x-kubernetes-int-or-string is true'));

  // The two int-or-string patterns may say `type` inside anyOf.
  const skipAnyOf = isIntOrStringPair(schemaList(schema.anyOf));
  const allOf = schemaList(schema.allOf);
  const skipFirstAllOfAnyOf = allOf.length >= 1 && isIntOrStringPair(schemaList(allOf[0]!.anyOf));
  errors.push(...valueValidation(schema, skipAnyOf, skipFirstAllOfAnyOf, level, path, options));

  const checkMetadata = level === 'root' || embedded;
  if (embedded && type !== 'object') {
    errors.push(
      type === ''
        ? requiredError(childPath(path, 'type'), 'must be object if x-kubernetes-embedded-resource is true')
        : invalidError(childPath(path, 'type'), type, 'must be object if x-kubernetes-embedded-resource is true'),
    );
  } else if (type === '' && !intOrString && !preserve) {
    const where = level === 'root' ? 'at the root' : level === 'item' ? 'for specified array items' : 'for specified object fields';
    errors.push(requiredError(childPath(path, 'type'), `must not be empty ${where}`));
  }
  if (embedded && additional.kind !== 'none') errors.push(forbiddenError(childPath(path, 'additionalProperties'), 'must not be used if x-kubernetes-embedded-resource is set'));
  if (level === 'root' && type !== '' && type !== 'object') errors.push(invalidError(childPath(path, 'type'), type, 'must be object at the root'));

  for (const name of ['kind', 'apiVersion']) {
    const child = property(schema, name);
    if (child !== undefined && checkMetadata && schemaType(child) !== 'string') {
      errors.push(invalidError(childPath(keyPath(childPath(path, 'properties'), name), 'type'), schemaType(child), 'must be string'));
    }
  }
  const metadata = property(schema, 'metadata');
  if (metadata !== undefined) errors.push(...metadataInvariants(metadata, checkMetadata, level, keyPath(childPath(path, 'properties'), 'metadata')));

  if (embedded && !preserve && properties(schema).length === 0) {
    errors.push(requiredError(childPath(path, 'properties'), 'must not be empty if x-kubernetes-embedded-resource is true without x-kubernetes-preserve-unknown-fields'));
  }
  return errors;
}

/** Keywords that leave metadata "implicitly specified" when present at the root (everything but type, default and name/generateName properties). */
const METADATA_ALLOWED = new Set(['type', 'default', 'properties', 'example', 'externalDocs']);

function metadataInvariants(metadata: SchemaNode, checkMetadata: boolean, level: Level, path: string): FieldError[] {
  const errors: FieldError[] = [];
  const type = schemaType(metadata);
  if (checkMetadata && type !== 'object') errors.push(invalidError(childPath(path, 'type'), type, 'must be object'));
  if (level === 'root') {
    const names = properties(metadata).map(([name]) => name);
    const onlyNames = names.every((name) => name === 'name' || name === 'generateName');
    const otherKeywords = Object.entries(metadata).some(([name, value]) => !METADATA_ALLOWED.has(name) && !isZero(value));
    if (!onlyNames || otherKeywords) {
      errors.push(forbiddenError(path, 'must not specify anything other than name and generateName, but metadata is implicitly specified'));
    }
  }
  return errors;
}

/** Go's zero values, which a typed JSONSchemaProps cannot tell from absent. */
function isZero(value: unknown): boolean {
  return value === undefined || value === null || value === false || value === '';
}

function valueValidation(schema: SchemaNode, skipAnyOf: boolean, skipFirstAllOfAnyOf: boolean, level: Level, path: string, options: StructuralOptions): FieldError[] {
  const errors: FieldError[] = [];
  // x-kubernetes-validations are only ever allowed (by option) under allOf.
  const celDisabled: StructuralOptions = { ...options, allowNestedXValidations: false };
  if (!skipAnyOf) schemaList(schema.anyOf).forEach((nested, index) => errors.push(...nestedValueValidation(nested, false, level, `${childPath(path, 'anyOf')}[${index}]`, celDisabled)));
  schemaList(schema.allOf).forEach((nested, index) =>
    errors.push(...nestedValueValidation(nested, skipFirstAllOfAnyOf && index === 0, level, `${childPath(path, 'allOf')}[${index}]`, options)),
  );
  schemaList(schema.oneOf).forEach((nested, index) => errors.push(...nestedValueValidation(nested, false, level, `${childPath(path, 'oneOf')}[${index}]`, celDisabled)));
  if (isSchemaNode(schema.not)) errors.push(...nestedValueValidation(schema.not, false, level, childPath(path, 'not'), celDisabled));
  const pattern = schema.pattern;
  if (typeof pattern === 'string' && pattern !== '') {
    const compiled = compileRe2(pattern);
    if (compiled.error !== undefined) errors.push(invalidError(childPath(path, 'pattern'), pattern, `must be a valid regular expression, but isn't: ${compiled.error}`));
  }
  return errors;
}

function nestedValueValidation(nested: SchemaNode, skipAnyOf: boolean, level: Level, path: string, options: StructuralOptions): FieldError[] {
  const errors: FieldError[] = [];
  // Only the first allOf of the structural node itself may hold the int-or-string anyOf.
  errors.push(...valueValidation(nested, skipAnyOf, false, level, path, options));
  const items = itemsSchema(nested);
  if (items !== undefined) errors.push(...nestedValueValidation(items, false, level, childPath(path, 'items'), options));
  for (const [key, child] of properties(nested)) errors.push(...nestedValueValidation(child, false, 'field', keyPath(childPath(path, 'properties'), key), options));

  if (schemaType(nested) !== '') errors.push(forbiddenError(childPath(path, 'type'), 'must be empty to be structural'));
  const additional = additionalProperties(nested);
  // `additionalProperties: false` converts to nothing; `true` to an empty nested validation.
  const hasAdditional = additional.kind === 'schema' || (additional.kind === 'bool' && additional.allows);
  if (hasAdditional && options.allowNestedAdditionalProperties !== true) {
    errors.push(forbiddenError(childPath(path, 'additionalProperties'), 'must be undefined to be structural'));
  } else if (additional.kind === 'schema') {
    errors.push(...nestedValueValidation(additional.schema, false, level, childPath(path, 'additionalProperties'), options));
  }
  if (nested.default !== undefined && nested.default !== null) errors.push(forbiddenError(childPath(path, 'default'), 'must be undefined to be structural'));
  if (nonEmptyString(keyword(nested, 'title'))) errors.push(forbiddenError(childPath(path, 'title'), 'must be empty to be structural'));
  if (nonEmptyString(nested.description)) errors.push(forbiddenError(childPath(path, 'description'), 'must be empty to be structural'));
  if (nested.nullable === true) errors.push(forbiddenError(childPath(path, 'nullable'), 'must be false to be structural'));
  if (flag(nested, 'x-kubernetes-preserve-unknown-fields')) errors.push(forbiddenError(childPath(path, 'x-kubernetes-preserve-unknown-fields'), 'must be false to be structural'));
  if (flag(nested, 'x-kubernetes-embedded-resource')) errors.push(forbiddenError(childPath(path, 'x-kubernetes-embedded-resource'), 'must be false to be structural'));
  if (flag(nested, 'x-kubernetes-int-or-string')) errors.push(forbiddenError(childPath(path, 'x-kubernetes-int-or-string'), 'must be false to be structural'));
  const mapKeys = nested['x-kubernetes-list-map-keys'];
  if (Array.isArray(mapKeys) && mapKeys.length > 0) errors.push(forbiddenError(childPath(path, 'x-kubernetes-list-map-keys'), 'must be empty to be structural'));
  if (nested['x-kubernetes-list-type'] !== undefined) errors.push(forbiddenError(childPath(path, 'x-kubernetes-list-type'), 'must be undefined to be structural'));
  if (nested['x-kubernetes-map-type'] !== undefined) errors.push(forbiddenError(childPath(path, 'x-kubernetes-map-type'), 'must be undefined to be structural'));
  const rules = nested['x-kubernetes-validations'];
  if (Array.isArray(rules) && rules.length > 0 && options.allowNestedXValidations !== true) {
    errors.push(forbiddenError(childPath(path, 'x-kubernetes-validations'), 'must be empty to be structural'));
  }
  if (property(nested, 'metadata') !== undefined) errors.push(forbiddenError(keyPath(childPath(path, 'properties'), 'metadata'), 'must not be specified in a nested context'));
  return errors;
}

function nonEmptyString(value: unknown): boolean {
  return typeof value === 'string' && value !== '';
}

/** Every field a value validation at the root names must be specified structurally as well. */
function completeness(schema: SchemaNode, path: string, options: StructuralOptions): FieldError[] {
  return valueValidationCompleteness(schema, schema, path, path, options);
}

function valueValidationCompleteness(validation: SchemaNode, structural: SchemaNode | undefined, structuralPath: string, validationPath: string, options: StructuralOptions): FieldError[] {
  if (structural === undefined) return [requiredError(structuralPath, `because it is defined in ${validationPath}`)];
  const errors: FieldError[] = [];
  if (isSchemaNode(validation.not)) errors.push(...nestedCompleteness(validation.not, structural, structuralPath, childPath(validationPath, 'not'), options));
  for (const keywordName of ['allOf', 'anyOf', 'oneOf'] as const) {
    schemaList(validation[keywordName]).forEach((nested, index) =>
      errors.push(...nestedCompleteness(nested, structural, structuralPath, `${childPath(validationPath, keywordName)}[${index}]`, options)),
    );
  }
  return errors;
}

function nestedCompleteness(nested: SchemaNode, structural: SchemaNode | undefined, structuralPath: string, validationPath: string, options: StructuralOptions): FieldError[] {
  if (structural === undefined) return [requiredError(structuralPath, `because it is defined in ${validationPath}`)];
  const errors: FieldError[] = [...valueValidationCompleteness(nested, structural, structuralPath, validationPath, options)];
  const items = itemsSchema(nested);
  if (items !== undefined) errors.push(...nestedCompleteness(items, itemsSchema(structural), childPath(structuralPath, 'items'), childPath(validationPath, 'items'), options));
  const additional = additionalProperties(structural);
  const additionalSchema = additional.kind === 'schema' ? additional.schema : undefined;
  for (const [key, child] of properties(nested)) {
    const specified = property(structural, key);
    const nestedPath = keyPath(childPath(validationPath, 'properties'), key);
    if (specified !== undefined) {
      errors.push(...nestedCompleteness(child, specified, keyPath(childPath(structuralPath, 'properties'), key), nestedPath, options));
    } else if (additionalSchema === undefined || options.allowValidationPropertiesWithAdditionalProperties !== true) {
      errors.push(requiredError(keyPath(childPath(structuralPath, 'properties'), key), `because it is defined in ${nestedPath}`));
    } else {
      errors.push(...nestedCompleteness(child, additionalSchema, childPath(structuralPath, 'additionalProperties'), nestedPath, options));
    }
  }
  const nestedAdditional = additionalProperties(nested);
  if (options.allowNestedAdditionalProperties === true && (nestedAdditional.kind === 'schema' || (nestedAdditional.kind === 'bool' && nestedAdditional.allows))) {
    errors.push(
      ...nestedCompleteness(nestedAdditional.kind === 'schema' ? nestedAdditional.schema : {}, additionalSchema, childPath(structuralPath, 'additionalProperties'), childPath(validationPath, 'additionalProperties'), options),
    );
  }
  return errors;
}
