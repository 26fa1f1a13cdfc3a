/**
 * Validation of CustomResourceDefinitions with upstream's rules and messages
 * (apiextensions-apiserver's pkg/apis/apiextensions/validation). Upstream
 * validates the internal form, in which per-version schemas, subresources and
 * printer columns that are identical in every version sit at the top of the
 * spec: so errors name `spec.validation.openAPIV3Schema…`, `spec.subresources…`
 * and `spec.additionalPrinterColumns[i]…` in that case, as they do upstream.
 */
import type { FieldError } from '../errors/status.js';
import {
  forbiddenError as forbidden,
  invalidError as invalidValue,
  notSupportedError as notSupported,
  requiredError as required,
} from '../validation/schema-common.js';
import { deepEqual } from '../registry/object-diff.js';
import { dns1035LabelErrors, dnsSubdomainErrors } from '../validation/name-rules.js';
import { APPROVAL_ANNOTATION, approvalState, isProtectedGroup } from './approval.js';
import { resolveFieldPath } from './field-path.js';
import type { CrdSchemaTools } from './schema-tools.js';
import { validateSchemaTree } from './schema-rules.js';
import {
  isConditionTrue,
  versionsOf,
  type CrdNames,
  type CrdSubresources,
  type CrdVersion,
  type CustomResourceDefinition,
  type JsonSchemaProps,
  type PrinterColumn,
} from './types.js';

const PRINTER_COLUMN_TYPES = ['boolean', 'date', 'integer', 'number', 'string'];
const PRINTER_COLUMN_FORMATS = ['byte', 'date', 'date-time', 'double', 'float', 'int32', 'int64', 'password'];
const CONVERSION_REVIEW_VERSIONS = ['v1', 'v1beta1'];
const MAX_SELECTABLE_FIELDS = 8;

/** Which stricter rules apply: all on create; on update only those the old object already met (upstream ratchets). */
export interface CrdValidationOptions {
  readonly requireStructuralSchema: boolean;
  readonly requireImmutableNames: boolean;
  readonly requireValidPropertyType: boolean;
  readonly requireAtomicSetType: boolean;
  readonly requireMapListKeysMapSetValidation: boolean;
}

const CREATE_OPTIONS: CrdValidationOptions = {
  requireStructuralSchema: true,
  requireImmutableNames: false,
  requireValidPropertyType: true,
  requireAtomicSetType: true,
  requireMapListKeysMapSetValidation: true,
};


/** A CRD's spec seen as upstream's internal version: identical per-version parts hoisted to the top. */
interface InternalView {
  /** The shared schema when every version has the same one (possibly none). */
  readonly sharedSchema: { readonly value: JsonSchemaProps | undefined } | undefined;
  readonly sharedSubresources: { readonly value: CrdSubresources | undefined } | undefined;
  readonly sharedColumns: { readonly value: PrinterColumn[] | undefined } | undefined;
  readonly sharedSelectableFields: { readonly value: unknown[] | undefined } | undefined;
  readonly versions: CrdVersion[];
}

function hoisted<T>(versions: readonly CrdVersion[], read: (version: CrdVersion) => T): { value: T } | undefined {
  if (versions.length === 0) return undefined;
  const first = read(versions[0]!);
  return versions.every((version) => deepEqual(read(version), first)) ? { value: first } : undefined;
}

function internalView(crd: CustomResourceDefinition): InternalView {
  const versions = versionsOf(crd);
  const emptyAsUndefined = <T>(list: T[] | undefined): T[] | undefined => (list === undefined || list.length === 0 ? undefined : list);
  return {
    sharedSchema: hoisted(versions, (version) => version.schema?.openAPIV3Schema),
    sharedSubresources: hoisted(versions, (version) => version.subresources),
    sharedColumns: hoisted(versions, (version) => emptyAsUndefined(version.additionalPrinterColumns)),
    sharedSelectableFields: hoisted(versions, (version) => emptyAsUndefined(version.selectableFields)),
    versions,
  };
}

export function validateCustomResourceDefinition(crd: CustomResourceDefinition, tools: CrdSchemaTools): FieldError[] {
  return [
    ...validateName(crd),
    ...validateSpec(crd, CREATE_OPTIONS, tools),
    ...validateStatus(crd),
    ...validateStoredVersions(crd),
    ...validateApproval(crd, undefined),
    ...validatePreserveUnknownFields(crd, undefined),
  ];
}

export function validateCustomResourceDefinitionUpdate(crd: CustomResourceDefinition, old: CustomResourceDefinition, tools: CrdSchemaTools): FieldError[] {
  const options: CrdValidationOptions = {
    requireStructuralSchema: !schemasOf(old).some((schema) => tools.structuralInitError(schema, '') !== undefined || tools.validateStructural(schema, '').length > 0),
    requireImmutableNames: isConditionTrue(old, 'Established'),
    requireValidPropertyType: !schemasOf(old).some((schema) => someSchema(schema, (node) => typeof node.type === 'string' && !OPENAPI_TYPES.includes(node.type))),
    requireAtomicSetType: true,
    requireMapListKeysMapSetValidation: true,
  };
  const errors = [...validateSpec(crd, options, tools)];
  const spec = crd.spec ?? {};
  const oldSpec = old.spec ?? {};
  if (options.requireImmutableNames) {
    errors.push(...immutable(spec.scope, oldSpec.scope, 'spec.scope'));
    errors.push(...immutable(spec.names?.kind, oldSpec.names?.kind, 'spec.names.kind'));
  }
  errors.push(...immutable(spec.group, oldSpec.group, 'spec.group'));
  errors.push(...immutable(spec.names?.plural, oldSpec.names?.plural, 'spec.names.plural'));
  errors.push(...validateStatus(crd), ...validateStoredVersions(crd), ...validateApproval(crd, old), ...validatePreserveUnknownFields(crd, old));
  return errors;
}

/** The status subresource of a CRD checks only status (the server's own controllers write it). */
export function validateCustomResourceDefinitionStatus(crd: CustomResourceDefinition): FieldError[] {
  return validateStatus(crd);
}

const OPENAPI_TYPES = ['array', 'boolean', 'integer', 'number', 'object', 'string'];

function immutable(value: unknown, old: unknown, field: string): FieldError[] {
  return deepEqual(value, old) ? [] : [invalidValue(field, value ?? '', 'field is immutable')];
}

function validateName(crd: CustomResourceDefinition): FieldError[] {
  const name = crd.metadata.name ?? '';
  const spec = crd.spec ?? {};
  const expected = `${spec.names?.plural ?? ''}.${spec.group ?? ''}`;
  return name !== '' && name !== expected ? [invalidValue('metadata.name', name, 'must be spec.names.plural+"."+spec.group')] : [];
}

function validateSpec(crd: CustomResourceDefinition, options: CrdValidationOptions, tools: CrdSchemaTools): FieldError[] {
  const errors: FieldError[] = [];
  const spec = crd.spec ?? {};
  const group = spec.group ?? '';
  if (group === '') errors.push(required('spec.group'));
  else {
    const problems = dnsSubdomainErrors(group);
    if (problems.length > 0) errors.push(invalidValue('spec.group', group, problems.join(',')));
    else if (group.split('.').length < 2) errors.push(invalidValue('spec.group', group, 'should be a domain with at least one dot'));
  }

  const scope = spec.scope ?? '';
  if (scope === '') errors.push(required('spec.scope'));
  else if (scope !== 'Cluster' && scope !== 'Namespaced') errors.push(notSupported('spec.scope', scope, ['Cluster', 'Namespaced']));

  const view = internalView(crd);
  // v1 CRDs prune, which needs structural schemas; defaults and Kubernetes extensions need them too.
  const structural = options.requireStructuralSchema || spec.preserveUnknownFields !== true;

  // Every version needs a schema (v1).
  if (view.sharedSchema?.value === undefined) {
    view.versions.forEach((version, index) => {
      if (version.schema?.openAPIV3Schema === undefined) errors.push(required(`spec.versions[${index}].schema.openAPIV3Schema`));
    });
  }
  if (spec.preserveUnknownFields === true && schemasOf(crd).some((schema) => someSchema(schema, (node) => node.default !== undefined))) {
    errors.push(invalidValue('spec.preserveUnknownFields', true, 'must be false in order to use defaults in the schema'));
  }

  let storageCount = 0;
  const seen = new Set<string>();
  let unique = true;
  view.versions.forEach((version, index) => {
    const path = `spec.versions[${index}]`;
    if (version.storage === true) storageCount++;
    const name = typeof version.name === 'string' ? version.name : '';
    if (seen.has(name)) unique = false;
    seen.add(name);
    const nameProblems = dns1035LabelErrors(name);
    if (nameProblems.length > 0) errors.push(invalidValue(`${path}.name`, name, nameProblems.join(',')));
    const subresources = view.sharedSubresources !== undefined ? view.sharedSubresources.value : version.subresources;
    errors.push(...validateVersion(version, path, view, subresources?.status !== undefined, options, structural, tools));
  });
  if (!unique) errors.push(invalidValue('spec.versions', view.versions, 'must contain unique version names'));
  if (storageCount !== 1) errors.push(invalidValue('spec.versions', view.versions, 'must have exactly one version marked as storage version'));

  const names = spec.names ?? {};
  if (!names.plural) errors.push(required('spec.names.plural'));
  if (!names.singular) errors.push(required('spec.names.singular'));
  if (!names.kind) errors.push(required('spec.names.kind'));
  if (!names.listKind) errors.push(required('spec.names.listKind'));
  errors.push(...validateNames(names, 'spec.names'));

  // The parts every version shares, validated once at the top (as upstream's internal form does).
  if (view.sharedSchema?.value !== undefined) {
    const statusEnabled = view.versions.some((version) => version.subresources?.status !== undefined);
    errors.push(...validateSchema(view.sharedSchema.value, 'spec.validation', statusEnabled, options, structural, tools));
  }
  if (view.sharedSubresources?.value !== undefined) errors.push(...validateSubresources(view.sharedSubresources.value, 'spec.subresources'));
  if (view.sharedColumns?.value !== undefined) {
    view.sharedColumns.value.forEach((column, index) => errors.push(...validateColumn(column, `spec.additionalPrinterColumns[${index}]`)));
  }
  if (view.sharedSelectableFields?.value !== undefined) {
    errors.push(...validateSelectableFields(view.sharedSelectableFields.value, view.sharedSchema?.value ?? view.versions[0]?.schema?.openAPIV3Schema, 'spec.selectableFields'));
  }

  errors.push(...validateConversion(crd));
  return errors;
}

function validateVersion(
  version: CrdVersion,
  path: string,
  view: InternalView,
  statusEnabled: boolean,
  options: CrdValidationOptions,
  structural: boolean,
  tools: CrdSchemaTools,
): FieldError[] {
  const errors: FieldError[] = [];
  if (version.deprecationWarning !== undefined) {
    for (const problem of deprecationWarningProblems(version.deprecated === true, version.deprecationWarning)) {
      errors.push(invalidValue(`${path}.deprecationWarning`, version.deprecationWarning, problem));
    }
  }
  if (view.sharedSchema === undefined && version.schema?.openAPIV3Schema !== undefined) {
    errors.push(...validateSchema(version.schema.openAPIV3Schema, `${path}.schema`, statusEnabled, options, structural, tools));
  }
  if (view.sharedSubresources === undefined && version.subresources !== undefined) errors.push(...validateSubresources(version.subresources, `${path}.subresources`));
  if (view.sharedColumns === undefined) {
    (version.additionalPrinterColumns ?? []).forEach((column, index) => errors.push(...validateColumn(column, `${path}.additionalPrinterColumns[${index}]`)));
  }
  if (view.sharedSelectableFields === undefined && (version.selectableFields ?? []).length > 0) {
    errors.push(...validateSelectableFields(version.selectableFields ?? [], version.schema?.openAPIV3Schema, `${path}.selectableFields`));
  }
  return errors;
}

function deprecationWarningProblems(deprecated: boolean, warning: string): string[] {
  if (!deprecated) return ['can only be set for deprecated versions'];
  const problems: string[] = [];
  if (warning.length > 256) problems.push('must be <= 256 characters long');
  if (warning.length === 0) problems.push('must not be an empty string');
  const control = [...warning].findIndex((char) => /[\p{Cc}]/u.test(char));
  if (control >= 0) problems.push(`must only contain printable UTF-8 characters; control character found at index ${control}`);
  return problems;
}

function validateSchema(
  schema: JsonSchemaProps,
  path: string,
  statusEnabled: boolean,
  options: CrdValidationOptions,
  structural: boolean,
  tools: CrdSchemaTools,
): FieldError[] {
  const root = `${path}.openAPIV3Schema`;
  const errors: FieldError[] = [];
  if (statusEnabled) errors.push(...statusRootErrors(schema, root));
  if (schema.nullable === true) errors.push(forbidden(`${root}.nullable`, 'nullable cannot be true at the root'));

  // Upstream: a schema its converter refuses reports that only if nothing else is wrong (the OpenAPI
  // checks name the same keywords better); else structural errors, then (if none) invalid defaults.
  // CEL rules compile only on a sound structural schema.
  let compileRules = false;
  let initError: FieldError | undefined;
  if (structural) {
    initError = tools.structuralInitError(schema, root);
    if (initError === undefined) {
      const structuralProblems = tools.validateStructural(schema, root);
      errors.push(...structuralProblems);
      if (structuralProblems.length === 0) {
        const defaults = tools.defaultErrors(schema, root);
        errors.push(...defaults);
        compileRules = defaults.length === 0;
      }
    }
  }
  errors.push(...validateSchemaTree(schema, root, { ...options, compileRules, tools }));
  if (errors.length === 0 && initError !== undefined) errors.push(initError);
  return errors;
}

const ALLOWED_AT_ROOT_WITH_STATUS = [
  'description', 'type', 'format', 'title', 'maximum', 'exclusiveMaximum', 'minimum', 'exclusiveMinimum', 'maxLength', 'minLength', 'pattern',
  'maxItems', 'minItems', 'uniqueItems', 'multipleOf', 'required', 'items', 'properties', 'externalDocs', 'example',
  'x-kubernetes-preserve-unknown-fields', 'x-kubernetes-validations',
];
const ALLOWED_AT_ROOT_GO_NAMES =
  '[Description Type Format Title Maximum ExclusiveMaximum Minimum ExclusiveMinimum MaxLength MinLength Pattern MaxItems MinItems UniqueItems MultipleOf Required Items Properties ExternalDocs Example XPreserveUnknownFields XValidations]';

/** With a status subresource, status is validated on its own as properties.status, so the root may only hold what survives that split. */
function statusRootErrors(schema: JsonSchemaProps, root: string): FieldError[] {
  for (const [keyword, value] of Object.entries(schema)) {
    if (value === undefined || value === false || value === '' || value === 0 || (Array.isArray(value) && value.length === 0)) continue;
    if (keyword === 'type') {
      if (value !== 'object') return [invalidValue(`${root}.type`, value, 'only "object" is allowed as the type at the root of the schema if the status subresource is enabled')];
      continue;
    }
    if (!ALLOWED_AT_ROOT_WITH_STATUS.includes(keyword)) {
      return [invalidValue(root, schema, `only ${ALLOWED_AT_ROOT_GO_NAMES} fields are allowed at the root of the schema if the status subresource is enabled`)];
    }
  }
  return [];
}

export function validateNames(names: CrdNames, path: string): FieldError[] {
  const errors: FieldError[] = [];
  const label = (value: unknown, field: string, prefix = ''): void => {
    if (typeof value !== 'string' || value === '') return;
    const problems = dns1035LabelErrors(prefix === '' ? value : value.toLowerCase());
    if (problems.length > 0) errors.push(invalidValue(field, value, prefix + problems.join(',')));
  };
  label(names.plural, `${path}.plural`);
  label(names.singular, `${path}.singular`);
  label(names.kind, `${path}.kind`, 'may have mixed case, but should otherwise match: ');
  label(names.listKind, `${path}.listKind`, 'may have mixed case, but should otherwise match: ');
  (names.shortNames ?? []).forEach((shortName, index) => label(shortName, `${path}.shortNames[${index}]`));
  if (names.kind !== undefined && names.kind !== '' && names.kind === names.listKind) {
    errors.push(invalidValue(`${path}.listKind`, names.listKind, 'kind and listKind may not be the same'));
  }
  (names.categories ?? []).forEach((category, index) => label(category, `${path}.categories[${index}]`));
  return errors;
}

function validateColumn(column: PrinterColumn, path: string): FieldError[] {
  const errors: FieldError[] = [];
  if (!column.name) errors.push(required(`${path}.name`));
  if (!column.type) errors.push(required(`${path}.type`, `must be one of ${PRINTER_COLUMN_TYPES.join(',')}`));
  else if (!PRINTER_COLUMN_TYPES.includes(column.type)) errors.push(invalidValue(`${path}.type`, column.type, `must be one of ${PRINTER_COLUMN_TYPES.join(',')}`));
  if (column.format && !PRINTER_COLUMN_FORMATS.includes(column.format)) {
    errors.push(invalidValue(`${path}.format`, column.format, `must be one of ${PRINTER_COLUMN_FORMATS.join(',')}`));
  }
  if (!column.jsonPath) errors.push(required(`${path}.JSONPath`));
  else errors.push(...simpleJsonPathErrors(column.jsonPath, `${path}.JSONPath`));
  return errors;
}

/** Upstream's validateSimpleJSONPath: a path in the dot notation, starting with a dot. */
function simpleJsonPathErrors(path: string, field: string): FieldError[] {
  if (path === '') return [invalidValue(field, path, 'must not be empty')];
  if (!path.startsWith('.')) return [invalidValue(field, path, 'must be a simple json path starting with .')];
  return [];
}

function validateSubresources(subresources: CrdSubresources, path: string): FieldError[] {
  const scale = subresources.scale;
  if (scale === undefined || scale === null) return [];
  const errors: FieldError[] = [];
  const checkPath = (value: string | undefined, field: string, prefixes: readonly string[], detail: string, requiredPath: boolean): void => {
    if (value === undefined || value === '') {
      if (requiredPath) errors.push(required(field));
      return;
    }
    const problems = simpleJsonPathErrors(value, field);
    if (problems.length > 0) errors.push(...problems);
    else if (!prefixes.some((prefix) => value.startsWith(prefix))) errors.push(invalidValue(field, value, detail));
  };
  checkPath(scale.specReplicasPath, `${path}.scale.specReplicasPath`, ['.spec.'], 'should be a json path under .spec', true);
  checkPath(scale.statusReplicasPath, `${path}.scale.statusReplicasPath`, ['.status.'], 'should be a json path under .status', true);
  checkPath(scale.labelSelectorPath, `${path}.scale.labelSelectorPath`, ['.spec.', '.status.'], 'should be a json path under either .spec or .status', false);
  return errors;
}

/** selectableFields name string, boolean or integer fields of the schema, outside metadata, at most eight. */
function validateSelectableFields(fields: readonly unknown[], schema: JsonSchemaProps | undefined, path: string): FieldError[] {
  const errors: FieldError[] = [];
  const seen = new Set<string>();
  fields.forEach((entry, index) => {
    const jsonPath = typeof entry === 'object' && entry !== null ? (entry as { jsonPath?: unknown }).jsonPath : undefined;
    const field = `${path}[${index}].jsonPath`;
    if (typeof jsonPath !== 'string' || jsonPath === '') {
      errors.push(required(field));
      return;
    }
    const resolved = resolveFieldPath(jsonPath, schema ?? {}, false);
    if (!resolved.ok) {
      errors.push(invalidValue(field, jsonPath, `is an invalid path: ${resolved.error}`));
      return;
    }
    if (resolved.path.split(/[.[]/)[0] === 'metadata') errors.push(invalidValue(field, jsonPath, 'must not point to fields in metadata'));
    if (!['string', 'boolean', 'integer'].includes(resolved.schema.type ?? '')) {
      errors.push(invalidValue(field, jsonPath, 'must point to a field of type string, boolean or integer. Enum string fields and strings with formats are allowed.'));
    }
    if (seen.has(resolved.path)) errors.push({ type: 'FieldValueDuplicate', field, value: jsonPath, hasValue: true });
    seen.add(resolved.path);
  });
  if (seen.size > MAX_SELECTABLE_FIELDS) errors.push({ type: 'FieldValueTooMany', field: path, detail: `must have at most ${MAX_SELECTABLE_FIELDS} items`, value: seen.size, hasValue: true });
  return errors;
}

function validateConversion(crd: CustomResourceDefinition): FieldError[] {
  const conversion = crd.spec?.conversion;
  if (conversion === undefined || conversion === null) return [];
  const errors: FieldError[] = [];
  const strategy = conversion.strategy ?? '';
  if (strategy === '') errors.push(required('spec.conversion.strategy'));
  else if (strategy !== 'None' && strategy !== 'Webhook') errors.push(notSupported('spec.conversion.strategy', strategy, ['None', 'Webhook']));
  if (strategy === 'Webhook') {
    const config = conversion.webhook?.clientConfig;
    if (config === undefined) errors.push(required('spec.conversion.webhookClientConfig', 'required when strategy is set to Webhook'));
    else if ((config.url === undefined) === (config.service === undefined)) {
      errors.push(required('spec.conversion.webhookClientConfig', 'exactly one of url or service is required'));
    }
    const reviewVersions = conversion.webhook?.conversionReviewVersions ?? [];
    if (reviewVersions.length === 0) errors.push(required('spec.conversion.conversionReviewVersions'));
    else if (!reviewVersions.some((version) => CONVERSION_REVIEW_VERSIONS.includes(version))) {
      errors.push(invalidValue('spec.conversion.conversionReviewVersions', reviewVersions, `must include at least one of ${CONVERSION_REVIEW_VERSIONS.join(', ')}`));
    }
  } else if (conversion.webhook !== undefined) {
    if (conversion.webhook.clientConfig !== undefined) errors.push(forbidden('spec.conversion.webhookClientConfig', 'should not be set when strategy is not set to Webhook'));
    if ((conversion.webhook.conversionReviewVersions ?? []).length > 0) {
      errors.push(forbidden('spec.conversion.conversionReviewVersions', 'should not be set when strategy is not set to Webhook'));
    }
  }
  return errors;
}

function validateStatus(crd: CustomResourceDefinition): FieldError[] {
  return validateNames(crd.status?.acceptedNames ?? {}, 'status.acceptedNames');
}

function validateStoredVersions(crd: CustomResourceDefinition): FieldError[] {
  const stored = crd.status?.storedVersions ?? [];
  const field = 'status.storedVersions';
  if (stored.length === 0) return [invalidValue(field, stored, 'must have at least one stored version')];
  const errors: FieldError[] = [];
  const remaining = new Map(stored.map((version, index) => [version, index]));
  for (const version of versionsOf(crd)) {
    const name = version.name ?? '';
    if (version.storage === true && !remaining.has(name)) errors.push(invalidValue(field, stored, `must have the storage version ${name}`));
    remaining.delete(name);
  }
  for (const [version, index] of remaining) {
    errors.push(
      invalidValue(
        `${field}[${index}]`,
        version,
        `missing from spec.versions; ${version} was previously a storage version, and must remain in spec.versions until a storage migration ensures no data remains persisted in ${version} and removes ${version} from status.storedVersions`,
      ),
    );
  }
  return errors;
}

/** CRDs in the community's own groups (*.k8s.io, *.kubernetes.io) need an API review annotation. */
function validateApproval(crd: CustomResourceDefinition, old: CustomResourceDefinition | undefined): FieldError[] {
  if (!isProtectedGroup(crd.spec?.group ?? '')) return [];
  const current = approvalState(crd.metadata.annotations);
  if (old !== undefined && approvalState(old.metadata.annotations).state === current.state) return [];
  const field = `metadata.annotations[${APPROVAL_ANNOTATION}]`;
  if (current.state === 'missing') return [required(field, current.reason)];
  if (current.state === 'invalid') return [invalidValue(field, crd.metadata.annotations?.[APPROVAL_ANNOTATION] ?? '', current.reason)];
  return [];
}

function validatePreserveUnknownFields(crd: CustomResourceDefinition, old: CustomResourceDefinition | undefined): FieldError[] {
  if (old?.spec?.preserveUnknownFields === true) return [];
  if (crd.spec?.preserveUnknownFields === true) {
    return [invalidValue('spec.preserveUnknownFields', true, 'cannot set to true, set x-kubernetes-preserve-unknown-fields to true in spec.versions[*].schema instead')];
  }
  return [];
}

function schemasOf(crd: CustomResourceDefinition): JsonSchemaProps[] {
  return versionsOf(crd)
    .map((version) => version.schema?.openAPIV3Schema)
    .filter((schema): schema is JsonSchemaProps => schema !== undefined && schema !== null);
}

/** Whether any node of a schema satisfies a predicate (upstream's SchemaHas). */
export function someSchema(schema: JsonSchemaProps | undefined, predicate: (node: JsonSchemaProps) => boolean): boolean {
  if (schema === undefined || schema === null || typeof schema !== 'object') return false;
  if (predicate(schema)) return true;
  const children: unknown[] = [];
  const items = schema['items'];
  if (Array.isArray(items)) children.push(...items);
  else children.push(items);
  for (const keyword of ['allOf', 'anyOf', 'oneOf']) {
    const list = schema[keyword];
    if (Array.isArray(list)) children.push(...list);
  }
  children.push(schema['not'], schema['additionalProperties'], schema['additionalItems']);
  for (const keyword of ['properties', 'patternProperties', 'definitions', 'dependencies']) {
    const map = schema[keyword];
    if (typeof map === 'object' && map !== null) children.push(...Object.values(map));
  }
  return children.some((child) => typeof child === 'object' && child !== null && !Array.isArray(child) && someSchema(child as JsonSchemaProps, predicate));
}
