/**
 * OpenAPI v3 validation of a value against a (structural) schema, as a
 * custom resource is validated upstream: kube-openapi's SchemaValidator
 * (k8s.io/kube-openapi/pkg/validation/validate) run on the CRD schema, its
 * result turned into field errors by apiextensions-apiserver's
 * kubeOpenAPIResultToFieldErrors, plus the x-kubernetes-list-type
 * uniqueness checks (schema/listtype) and the embedded-resource checks
 * (schema/objectmeta.Validate) the custom resource strategy adds.
 *
 * The messages are kube-openapi's (`spec.replicas in body must be of type
 * integer: "string"`), and so is the order in which the validators of one
 * node run (type, allOf/anyOf/oneOf/not, string, format, number, array,
 * enum, object), because clients and tests read those messages verbatim.
 * Properties are visited in schema order where upstream iterates a Go map
 * (random order).
 */
import type { FieldError } from '../errors/status.js';
import { deepEqual } from '../registry/object-diff.js';
import {
  additionalProperties,
  childPath,
  compileRe2,
  duplicateError,
  flag,
  goFloat,
  goQuote,
  indexPath,
  invalidError,
  isPlainObject,
  parseIp,
  itemsSchema,
  notSupportedError,
  properties,
  property,
  requiredError,
  schemaList,
  schemaType,
  tooLongError,
  tooManyError,
  typeInvalidError,
  valueKind,
  type SchemaNode,
  type ValueKind,
} from './schema-common.js';

export interface ValidateOptions {
  /**
   * The field path errors are rooted at (upstream's fldPath argument). Omit
   * it for upstream's nil path: errors about the value itself then name the
   * field `<nil>`, as upstream prints a nil field.Path.
   */
  readonly fieldPath?: string;
  /**
   * Where the value sits in the request body, which kube-openapi's messages
   * name (`status.replicas in body …`). Empty for a whole object.
   */
  readonly bodyPath?: string;
  /**
   * The old value on update. Validation then ratchets as upstream's
   * CRDValidationRatcheting (on by default in 1.32) does: errors of a value
   * that is unchanged from the value it correlates with are dropped.
   */
  readonly old?: { readonly value: unknown };
}

/**
 * kube-openapi validation of `value` against `schema`, as field errors.
 * This is apiextensions' ValidateCustomResource / ValidateCustomResourceUpdate.
 */
export function validateValue(schema: SchemaNode, value: unknown, options: ValidateOptions = {}): FieldError[] {
  const root = options.bodyPath ?? '';
  const correlation = options.old === undefined ? undefined : new Correlation(value, options.old.value, schema, true);
  const result = new SchemaValidator(schema, root, correlation).validate(value);
  return toFieldErrors(result, options.fieldPath);
}

export interface CustomResourceValidateOptions {
  /** Old object on update (ratcheting, and list-type checks only when the old object passed them). */
  readonly old?: unknown;
  /** ObjectMeta validation for embedded resources' metadata (upstream's ValidateObjectMeta); omitted, only its shape is checked. */
  readonly embeddedMetadataErrors?: (metadata: Record<string, unknown>, path: string) => FieldError[];
}

/**
 * Everything the custom resource strategy checks against the schema, in
 * upstream's order: OpenAPI validation, embedded resources, list-type
 * uniqueness. CEL rules are schema-cel's; ObjectMeta of the object itself is
 * the generic metadata validation's.
 */
export function validateCustomResource(schema: SchemaNode, object: unknown, options: CustomResourceValidateOptions = {}): FieldError[] {
  const errors = validateValue(schema, object, options.old === undefined ? {} : { old: { value: options.old } });
  errors.push(...validateEmbeddedResources(schema, object, '', false, options.embeddedMetadataErrors));
  if (options.old === undefined || validateListSetsAndMaps(schema, options.old, '').length === 0) {
    errors.push(...validateListSetsAndMaps(schema, object, ''));
  }
  return errors;
}

// ---------------------------------------------------------------------------
// kube-openapi's errors and results.

type ErrorCode =
  | 'invalidType'
  | 'required'
  | 'tooLong'
  | 'tooShort'
  | 'pattern'
  | 'enum'
  | 'multipleOf'
  | 'max'
  | 'min'
  | 'unique'
  | 'maxItems'
  | 'minItems'
  | 'tooFewProperties'
  | 'tooManyProperties'
  | 'unallowedProperty'
  | 'multipleOfMustBePositive'
  /** errors.New(CompositeErrorCode, …): not a *Validation, so it keeps no path or value. */
  | 'composite';

interface OpenApiError {
  readonly code: ErrorCode;
  readonly name: string;
  readonly message: string;
  readonly value?: unknown;
  readonly valid?: number;
  readonly values?: readonly unknown[];
}

class Result {
  errors: OpenApiError[] = [];
  matchCount = 0;

  static of(error: OpenApiError): Result {
    const result = new Result();
    result.errors.push(error);
    return result;
  }

  /** Errors are deduplicated by message, as kube-openapi's Result.AddErrors does. */
  addErrors(...errors: OpenApiError[]): void {
    for (const error of errors) if (!this.errors.some((known) => known.message === error.message)) this.errors.push(error);
  }

  merge(...others: (Result | undefined)[]): this {
    for (const other of others) {
      if (other === undefined) continue;
      this.addErrors(...other.errors);
      this.matchCount += other.matchCount;
    }
    return this;
  }

  inc(): void {
    this.matchCount++;
  }

  get valid(): boolean {
    return this.errors.length === 0;
  }
}

const IN = 'body';

function invalidType(name: string, typeName: string, value: string): OpenApiError {
  return { code: 'invalidType', name, value, message: `${name} in ${IN} must be of type ${typeName}: ${goQuote(value)}` };
}

/** kube-openapi's supported formats, after apiextensions strips the others (StripUnsupportedFormatsPostProcess). */
const FORMAT_CHECKS: Readonly<Record<string, (value: string) => boolean>> = {
  bsonobjectid: (value) => /^[0-9a-fA-F]{24}$/.test(value),
  uri: isRequestUri,
  email: isEmail,
  hostname: isHostname,
  ipv4: (value) => value.includes('.') && parseIp(value, true) !== undefined,
  ipv6: (value) => value.includes(':') && parseIp(value, false) !== undefined,
  cidr: isCidr,
  mac: isMac,
  uuid: (value) => /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i.test(value),
  uuid3: (value) => /^[0-9a-f]{8}-?[0-9a-f]{4}-?3[0-9a-f]{3}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i.test(value),
  uuid4: (value) => /^[0-9a-f]{8}-?[0-9a-f]{4}-?4[0-9a-f]{3}-?[89ab][0-9a-f]{3}-?[0-9a-f]{12}$/i.test(value),
  uuid5: (value) => /^[0-9a-f]{8}-?[0-9a-f]{4}-?5[0-9a-f]{3}-?[89ab][0-9a-f]{3}-?[0-9a-f]{12}$/i.test(value),
  isbn: (value) => isIsbn10(value) || isIsbn13(value),
  isbn10: isIsbn10,
  isbn13: isIsbn13,
  creditcard: isCreditCard,
  ssn: (value) => value.length === 11 && /^\d{3}[- ]?\d{2}[- ]?\d{4}$/.test(value),
  hexcolor: (value) => /^#?([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$/.test(value),
  rgbcolor: (value) => /^rgb\(\s*(0|[1-9]\d?|1\d\d?|2[0-4]\d|25[0-5])\s*,\s*(0|[1-9]\d?|1\d\d?|2[0-4]\d|25[0-5])\s*,\s*(0|[1-9]\d?|1\d\d?|2[0-4]\d|25[0-5])\s*\)$/.test(value),
  byte: (value) => /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=|[A-Za-z0-9+/]{4})$/.test(value),
  password: () => true,
  date: isDate,
  duration: isDuration,
  datetime: isDateTime,
};

/** The format kube-openapi checks for a schema, or '' (go-openapi normalizes names by dropping dashes). */
function supportedFormat(schema: SchemaNode): string {
  const format = schema.format;
  if (typeof format !== 'string' || format === '') return '';
  return Object.prototype.hasOwnProperty.call(FORMAT_CHECKS, format.replaceAll('-', '')) ? format : '';
}

function formatAccepts(format: string, value: string): boolean {
  const check = FORMAT_CHECKS[format.replaceAll('-', '')];
  return check === undefined || check(value);
}

/** The JSON type and format kube-openapi infers from a decoded value (typeValidator.schemaInfoForType). */
function schemaInfo(kind: ValueKind): [string, string] {
  switch (kind) {
    case 'string':
      return ['string', ''];
    case 'int':
      return ['integer', 'int64'];
    case 'float':
      return ['number', 'float64'];
    case 'bool':
      return ['boolean', ''];
    case 'array':
      return ['array', ''];
    default:
      return ['object', ''];
  }
}

/** swag.IsFloat64AJSONInteger. */
function isJsonInteger(value: number): boolean {
  if (!Number.isFinite(value) || Math.abs(value) > 2 ** 53) return false;
  if (Number.isInteger(value)) return true;
  const truncated = Math.trunc(value);
  const diff = Math.abs(value - truncated);
  if (truncated === 0) return diff < 1e-9 * Number.MIN_VALUE;
  return diff / Math.min(Math.abs(value) + Math.abs(truncated), Number.MAX_VALUE) < 1e-9;
}

/** Go's %v of an []interface{} of JSON values (enum lists in messages). */
function goSlice(values: readonly unknown[]): string {
  const render = (value: unknown): string => {
    if (value === null || value === undefined) return '<nil>';
    if (typeof value === 'string') return value;
    if (typeof value === 'number') return Number.isInteger(value) ? String(value) : goFloat(value);
    if (typeof value === 'boolean') return String(value);
    if (Array.isArray(value)) return `[${value.map(render).join(' ')}]`;
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `map[${entries.map(([key, entry]) => `${key}:${render(entry)}`).join(' ')}]`;
  };
  return render(values);
}

// ---------------------------------------------------------------------------
// Ratcheting: which old value a new value correlates with (apiserver's CorrelatedObject).

class Correlation {
  private equal: boolean | undefined;

  constructor(
    readonly value: unknown,
    readonly oldValue: unknown,
    readonly schema: SchemaNode,
    readonly isRoot = false,
  ) {}

  key(field: string): Correlation | undefined {
    if (this.isRoot && (field === 'kind' || field === 'apiVersion')) return undefined;
    if (!isPlainObject(this.value) || !isPlainObject(this.oldValue)) return undefined;
    if (!(field in this.value) || !(field in this.oldValue)) return undefined;
    const additional = additionalProperties(this.schema);
    const child = property(this.schema, field) ?? (additional.kind === 'schema' ? additional.schema : undefined);
    if (child === undefined) return undefined;
    return new Correlation(this.value[field], this.oldValue[field], child);
  }

  /** Only items of map lists correlate, by their keys. */
  index(index: number): Correlation | undefined {
    if (!Array.isArray(this.value) || !Array.isArray(this.oldValue) || index >= this.value.length) return undefined;
    const items = itemsSchema(this.schema);
    if (items === undefined || this.schema['x-kubernetes-list-type'] !== 'map') return undefined;
    const keys = (this.schema['x-kubernetes-list-map-keys'] ?? []).filter((key): key is string => typeof key === 'string');
    const current = this.value[index];
    if (!isPlainObject(current)) return undefined;
    const old = this.oldValue.find((candidate) => isPlainObject(candidate) && keys.every((key) => deepEqual(candidate[key], current[key])));
    return old === undefined ? undefined : new Correlation(current, old, items);
  }

  unchanged(): boolean {
    this.equal ??= deepEqual(this.value, this.oldValue);
    return this.equal;
  }
}

// ---------------------------------------------------------------------------
// The validator: one per schema node and path, as kube-openapi's SchemaValidator.

class SchemaValidator {
  private readonly types: readonly string[];
  private readonly format: string;

  constructor(
    private readonly schema: SchemaNode,
    private readonly path: string,
    private readonly correlation?: Correlation,
  ) {
    // apiextensions converts x-kubernetes-int-or-string into type [integer, string].
    const type = schemaType(schema);
    this.types = flag(schema, 'x-kubernetes-int-or-string') ? ['integer', 'string'] : type === '' ? [] : [type];
    this.format = supportedFormat(schema);
  }

  validate(data: unknown): Result {
    const result = this.validateNode(data);
    // A value equal to the one it correlates with keeps its errors as warnings, which nobody reads.
    if (!result.valid && this.correlation?.unchanged() === true) {
      const ratcheted = new Result();
      ratcheted.matchCount = result.matchCount;
      return ratcheted;
    }
    return result;
  }

  private child(schema: SchemaNode, path: string, correlation: Correlation | undefined): SchemaValidator {
    return new SchemaValidator(schema, path, correlation);
  }

  private validateNode(data: unknown): Result {
    const result = new Result();
    const kind = valueKind(data);
    if (kind === 'null') {
      result.merge(this.typeValidator(data, kind));
      result.merge(this.enumValidator(data));
      return result;
    }
    // Every applicable validator runs, in kube-openapi's order, whatever the earlier ones found.
    const steps: (() => Result | undefined)[] = [];
    if (this.types.length > 0 || this.format !== '') steps.push(() => this.typeValidator(data, kind));
    steps.push(() => this.compositionValidator(data));
    if (kind === 'string') steps.push(() => this.stringValidator(data as string));
    if (kind === 'string' && this.format !== '') steps.push(() => this.formatValidator(data as string));
    if (kind === 'int' || kind === 'float') steps.push(() => this.numberValidator(data as number, kind));
    if (kind === 'array') steps.push(() => this.sliceValidator(data as unknown[]));
    steps.push(() => this.enumValidator(data));
    if (kind === 'object') steps.push(() => this.objectValidator(data as Record<string, unknown>));
    for (const step of steps) {
      result.merge(step());
      result.inc();
    }
    result.inc();
    return result;
  }

  private typeValidator(data: unknown, kind: ValueKind): Result {
    const result = new Result();
    result.inc();
    if (kind === 'null') {
      if (this.types.length > 0 && !this.types.includes('null') && this.schema.nullable !== true) {
        return Result.of(invalidType(this.path, this.types.join(','), 'null'));
      }
      return result;
    }
    const [inferredType, inferredFormat] = schemaInfo(kind);
    const isFloatInt = inferredType === 'number' && isJsonInteger(data as number) && this.types.includes('integer');
    const isIntFloat = inferredType === 'integer' && this.types.includes('number');
    if (kind !== 'string' && kind !== 'array' && this.format !== '' && !(this.types.includes(inferredType) || inferredFormat === this.format || isFloatInt || isIntFloat)) {
      return Result.of(invalidType(this.path, this.format, inferredFormat));
    }
    if (!(this.types.includes('number') || this.types.includes('integer')) && this.format !== '' && (kind === 'string' || kind === 'array')) return result;
    if (!(this.types.includes(inferredType) || isFloatInt || isIntFloat)) return Result.of(invalidType(this.path, this.types.join(','), inferredType));
    return result;
  }

  /** allOf, anyOf, oneOf and not (kube-openapi's schemaPropsValidator). */
  private compositionValidator(data: unknown): Result {
    const main = new Result();
    const sub = (schema: SchemaNode): Result => new SchemaValidator(schema, this.path, this.correlation).validateNode(data);
    const anyOf = schemaList(this.schema.anyOf);
    if (anyOf.length > 0) {
      let best: Result | undefined;
      let firstSuccess: Result | undefined;
      let succeeded = false;
      for (const schema of anyOf) {
        const result = sub(schema);
        if (result.valid) {
          best = undefined;
          succeeded = true;
          firstSuccess ??= result;
          break;
        }
        if (best === undefined || result.matchCount > best.matchCount) best = result;
      }
      if (!succeeded) main.addErrors({ code: 'composite', name: this.path, message: `${goQuote(this.path)} must validate at least one schema (anyOf)` });
      main.merge(best ?? firstSuccess);
    }
    const oneOf = schemaList(this.schema.oneOf);
    if (oneOf.length > 0) {
      let best: Result | undefined;
      let firstSuccess: Result | undefined;
      let validated = 0;
      for (const schema of oneOf) {
        const result = sub(schema);
        if (result.valid) {
          validated++;
          best = undefined;
          firstSuccess ??= result;
          continue;
        }
        if (validated === 0 && (best === undefined || result.matchCount > best.matchCount)) best = result;
      }
      if (validated !== 1) {
        const detail = validated === 0 ? 'Found none valid' : `Found ${validated} valid alternatives`;
        main.addErrors({ code: 'composite', name: this.path, message: `${goQuote(this.path)} must validate one and only one schema (oneOf). ${detail}` });
        main.merge(best);
      } else {
        main.merge(firstSuccess);
      }
    }
    const allOf = schemaList(this.schema.allOf);
    if (allOf.length > 0) {
      let validated = 0;
      for (const schema of allOf) {
        const result = sub(schema);
        if (result.valid) validated++;
        main.merge(result);
      }
      if (validated !== allOf.length) {
        main.addErrors({ code: 'composite', name: this.path, message: `${goQuote(this.path)} must validate all the schemas (allOf)${validated === 0 ? '. None validated' : ''}` });
      }
    }
    const not = this.schema.not;
    if (isPlainObject(not) && sub(not as SchemaNode).valid) {
      main.addErrors({ code: 'composite', name: this.path, message: `${goQuote(this.path)} must not validate the schema (not)` });
    }
    main.inc();
    return main;
  }

  private stringValidator(data: string): Result | undefined {
    const length = [...data].length;
    const { maxLength, minLength, pattern } = this.schema;
    if (typeof maxLength === 'number' && length > maxLength) {
      return Result.of({ code: 'tooLong', name: this.path, value: data, valid: maxLength, message: `${this.path} in ${IN} should be at most ${maxLength} chars long` });
    }
    if (typeof minLength === 'number' && length < minLength) {
      return Result.of({ code: 'tooShort', name: this.path, value: data, valid: minLength, message: `${this.path} in ${IN} should be at least ${minLength} chars long` });
    }
    if (typeof pattern === 'string' && pattern !== '') {
      const compiled = compileRe2(pattern);
      if (compiled.regexp === undefined) {
        return Result.of({ code: 'pattern', name: this.path, value: data, message: `${this.path} in ${IN} should match '${pattern}, but pattern is invalid: ${compiled.error ?? ''}'` });
      }
      if (!compiled.regexp.test(data)) return Result.of({ code: 'pattern', name: this.path, value: data, message: `${this.path} in ${IN} should match '${pattern}'` });
    }
    return undefined;
  }

  private formatValidator(data: string): Result | undefined {
    if (formatAccepts(this.format, data)) return undefined;
    return Result.of(invalidType(this.path, this.format, data));
  }

  private numberValidator(data: number, kind: ValueKind): Result {
    const result = new Result();
    const multiple = new Result();
    const minimum = new Result();
    const maximum = new Result();
    const isInt = kind === 'int';
    const render = (bound: number): string => (isInt ? String(Math.trunc(bound)) : goFloat(bound));
    const { multipleOf } = this.schema;
    if (typeof multipleOf === 'number') {
      const factor = isInt ? Math.trunc(multipleOf) : multipleOf;
      if (factor <= 0) {
        multiple.addErrors({ code: 'multipleOfMustBePositive', name: this.path, value: factor, message: `factor MultipleOf declared for ${this.path} must be positive: ${render(factor)}` });
      } else {
        const ok = isInt ? data % factor === 0 : isJsonInteger(factor < 1 ? (1 / factor) * data : data / factor);
        if (!ok) multiple.addErrors({ code: 'multipleOf', name: this.path, value: data, message: `${this.path} in ${IN} should be a multiple of ${render(factor)}` });
      }
    }
    const { maximum: max, minimum: min } = this.schema;
    if (typeof max === 'number') {
      const bound = isInt ? Math.trunc(max) : max;
      const exclusive = this.schema.exclusiveMaximum === true;
      if ((!exclusive && data > bound) || (exclusive && data >= bound)) {
        maximum.addErrors({ code: 'max', name: this.path, value: data, message: `${this.path} in ${IN} should be less than ${exclusive ? '' : 'or equal to '}${render(bound)}` });
      }
    }
    if (typeof min === 'number') {
      const bound = isInt ? Math.trunc(min) : min;
      const exclusive = this.schema.exclusiveMinimum === true;
      if ((!exclusive && data < bound) || (exclusive && data <= bound)) {
        minimum.addErrors({ code: 'min', name: this.path, value: data, message: `${this.path} in ${IN} should be greater than ${exclusive ? '' : 'or equal to '}${render(bound)}` });
      }
    }
    result.merge(multiple, minimum, maximum);
    result.inc();
    return result;
  }

  private sliceValidator(data: unknown[]): Result {
    const result = new Result();
    const items = itemsSchema(this.schema);
    if (items !== undefined) {
      data.forEach((item, index) => {
        result.merge(this.child(items, `${this.path}[${index}]`, this.correlation?.index(index)).validate(item));
      });
    }
    const { minItems, maxItems } = this.schema;
    if (typeof minItems === 'number' && data.length < minItems) {
      result.addErrors({ code: 'minItems', name: this.path, value: data.length, valid: minItems, message: `${this.path} in ${IN} should have at least ${minItems} items` });
    }
    if (typeof maxItems === 'number' && data.length > maxItems) {
      result.addErrors({ code: 'maxItems', name: this.path, value: data.length, valid: maxItems, message: `${this.path} in ${IN} should have at most ${maxItems} items` });
    }
    if (this.schema.uniqueItems === true && data.some((item, index) => data.slice(0, index).some((earlier) => deepEqual(earlier, item)))) {
      result.addErrors({ code: 'unique', name: this.path, message: `${this.path} in ${IN} shouldn't contain duplicates` });
    }
    result.inc();
    return result;
  }

  /** enum, as kube-openapi's basicCommonValidator compares: Go conversion to the enum value's type, then DeepEqual. */
  private enumValidator(data: unknown): Result | undefined {
    const values = this.schema.enum;
    if (!Array.isArray(values) || values.length === 0) return undefined;
    for (const candidate of values) {
      // A null enum value has no type to convert to: it never matches, not even null.
      if (candidate === null || candidate === undefined || data === null || data === undefined) continue;
      if (enumMatches(data, candidate)) return undefined;
    }
    return Result.of({ code: 'enum', name: this.path, value: data, values, message: `${this.path} in ${IN} should be one of ${goSlice(values)}` });
  }

  private objectValidator(data: Record<string, unknown>): Result {
    const result = new Result();
    const keys = Object.keys(data);
    const { minProperties, maxProperties } = this.schema;
    if (typeof minProperties === 'number' && keys.length < minProperties) {
      result.addErrors({ code: 'tooFewProperties', name: this.path, value: keys.length, valid: minProperties, message: `${this.path} in ${IN} should have at least ${minProperties} properties` });
    }
    if (typeof maxProperties === 'number' && keys.length > maxProperties) {
      result.addErrors({ code: 'tooManyProperties', name: this.path, value: keys.length, valid: maxProperties, message: `${this.path} in ${IN} should have at most ${maxProperties} properties` });
    }
    const additional = additionalProperties(this.schema);
    if (additional.kind === 'bool' && !additional.allows) {
      for (const key of keys) {
        if (property(this.schema, key) === undefined) {
          result.addErrors({ code: 'unallowedProperty', name: this.path, value: key, message: `${this.path}.${key} in ${IN} is a forbidden property` });
        }
      }
    } else if (additional.kind === 'schema') {
      for (const key of keys) {
        if (property(this.schema, key) !== undefined) continue;
        result.merge(this.child(additional.schema, `${this.path}.${key}`, this.correlation?.key(key)).validate(data[key]));
      }
    }
    for (const [name, schema] of properties(this.schema)) {
      if (!Object.prototype.hasOwnProperty.call(data, name)) continue;
      const path = this.path === '' ? name : `${this.path}.${name}`;
      result.merge(this.child(schema, path, this.correlation?.key(name)).validate(data[name]));
    }
    const required = this.schema.required;
    if (Array.isArray(required)) {
      for (const name of required) {
        if (typeof name === 'string' && !Object.prototype.hasOwnProperty.call(data, name)) {
          result.addErrors({ code: 'required', name: `${this.path}.${name}`, message: `${this.path}.${name} in ${IN} is required` });
        }
      }
    }
    return result;
  }
}

function enumMatches(data: unknown, candidate: unknown): boolean {
  const dataKind = valueKind(data);
  const candidateKind = valueKind(candidate);
  if (typeof candidate === 'string') {
    if (typeof data === 'string') return data === candidate;
    // Go converts an integer to a string as the rune it encodes.
    if (dataKind === 'int') {
      const code = data as number;
      const rune = code >= 0 && code <= 0x10ffff && !(code >= 0xd800 && code <= 0xdfff) ? String.fromCodePoint(code) : '\ufffd';
      return rune === candidate;
    }
    return false;
  }
  if (typeof candidate === 'number') {
    if (typeof data !== 'number') return false;
    // Converting to an integer type truncates.
    return candidateKind === 'int' ? Math.trunc(data) === candidate : data === candidate;
  }
  if (typeof candidate === 'boolean') return data === candidate;
  if (Array.isArray(candidate)) return Array.isArray(data) && deepEqual(data, candidate);
  return isPlainObject(data) && isPlainObject(candidate) && deepEqual(data, candidate);
}

/** apiextensions' kubeOpenAPIResultToFieldErrors. */
function toFieldErrors(result: Result, fieldPath: string | undefined): FieldError[] {
  const nilPath = fieldPath ?? '<nil>';
  return result.errors.map((error): FieldError => {
    if (error.code === 'composite') return invalidError(nilPath, '', error.message);
    const name = error.name.startsWith('.') ? error.name.slice(1) : error.name;
    const field = name === '' || error.name === '.' ? nilPath : fieldPath === undefined ? name : childPath(fieldPath, name);
    const value = error.value === undefined || error.value === null ? '' : error.value;
    switch (error.code) {
      case 'required':
        return requiredError(field);
      case 'enum':
        // Go prints a nil BadValue as the string "null".
        return notSupportedError(
          field,
          error.value === null || error.value === undefined ? 'null' : error.value,
          (error.values ?? []).map((allowed) => (typeof allowed === 'string' ? allowed : JSON.stringify(allowed))),
        );
      case 'tooLong':
        return tooLongError(field, error.valid ?? -1);
      case 'maxItems':
      case 'tooManyProperties':
        return tooManyError(field, typeof error.value === 'number' ? error.value : -1, error.valid ?? -1);
      case 'invalidType':
        return typeInvalidError(field, value, error.message);
      default:
        return invalidError(field, value, error.message);
    }
  });
}

// ---------------------------------------------------------------------------
// x-kubernetes-list-type uniqueness (apiextensions' schema/listtype).

/** Sets and map lists must not hold duplicates: `Duplicate value` at the second occurrence. */
export function validateListSetsAndMaps(schema: SchemaNode, value: unknown, path: string): FieldError[] {
  if (!isPlainObject(value)) return [];
  const errors: FieldError[] = [];
  const additional = additionalProperties(schema);
  if (additional.kind === 'schema') {
    for (const [key, entry] of Object.entries(value)) errors.push(...listTypeNode(`${path}[${key}]`, additional.schema, entry));
  }
  for (const [key, entry] of Object.entries(value)) {
    const child = property(schema, key);
    if (child !== undefined) errors.push(...listTypeNode(childPath(path, key), child, entry));
  }
  return errors;
}

function listTypeNode(path: string, schema: SchemaNode, value: unknown): FieldError[] {
  if (Array.isArray(value)) return listTypeArray(path, schema, value);
  if (isPlainObject(value)) return validateListSetsAndMaps(schema, value, path);
  return [];
}

function listTypeArray(path: string, schema: SchemaNode, list: unknown[]): FieldError[] {
  const errors: FieldError[] = [];
  const listType = schema['x-kubernetes-list-type'];
  if (listType === 'set') {
    for (const index of firstRepeats(list)) errors.push(duplicateError(indexPath(path, index), list[index]));
  } else if (listType === 'map') {
    errors.push(...listMapErrors(path, schema, list));
  }
  const items = itemsSchema(schema);
  if (items !== undefined) list.forEach((item, index) => errors.push(...listTypeNode(indexPath(path, index), items, item)));
  return errors;
}

/** Indexes of the second appearance of each repeated value (a third one is not reported again). */
function firstRepeats(values: readonly unknown[]): number[] {
  const seen = new Map<string, number>();
  const repeats: number[] = [];
  values.forEach((value, index) => {
    const key = value === UNSPECIFIED ? '\u0000unspecified' : JSON.stringify(value) ?? 'null';
    const count = seen.get(key) ?? 0;
    seen.set(key, count + 1);
    if (count === 1) repeats.push(index);
  });
  return repeats;
}

const UNSPECIFIED = Symbol('unspecified key');

function listMapErrors(path: string, schema: SchemaNode, list: unknown[]): FieldError[] {
  for (const [index, item] of list.entries()) {
    if (item !== null && !isPlainObject(item)) return [invalidError(indexPath(path, index), item, 'must be an object for an array of list-type map')];
  }
  if (list.length <= 1) return [];
  const keyFields = (schema['x-kubernetes-list-map-keys'] ?? []).filter((key): key is string => typeof key === 'string');
  if (keyFields.length === 1) {
    const keyField = keyFields[0]!;
    const keys = list.map((item) => (isPlainObject(item) && Object.prototype.hasOwnProperty.call(item, keyField) ? item[keyField] : UNSPECIFIED));
    return firstRepeats(keys).map((index) => duplicateError(indexPath(path, index), keys[index] === UNSPECIFIED ? {} : { [keyField]: keys[index] }));
  }
  const keys = list.map((item) => {
    const key: Record<string, unknown> = {};
    if (isPlainObject(item)) for (const field of keyFields) if (Object.prototype.hasOwnProperty.call(item, field)) key[field] = item[field];
    return sortedKeys(key);
  });
  return firstRepeats(keys).map((index) => duplicateError(indexPath(path, index), keys[index]));
}

/** Go marshals maps with sorted keys, so equal maps compare equal whatever their key order. */
function sortedKeys(value: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

// ---------------------------------------------------------------------------
// Embedded resources (apiextensions' schema/objectmeta.Validate).

/**
 * apiVersion and kind of every x-kubernetes-embedded-resource value (and of
 * the root when isResourceRoot), with upstream's messages; metadata through
 * the caller's ObjectMeta validation.
 */
export function validateEmbeddedResources(
  schema: SchemaNode,
  value: unknown,
  path: string,
  isResourceRoot: boolean,
  metadataErrors?: (metadata: Record<string, unknown>, path: string) => FieldError[],
): FieldError[] {
  const walk = (node: SchemaNode, current: unknown, at: string, embedded: boolean): FieldError[] => {
    const errors: FieldError[] = [];
    if (isPlainObject(current)) {
      if (embedded || flag(node, 'x-kubernetes-embedded-resource')) errors.push(...embeddedResourceErrors(at, current, metadataErrors));
      const additional = additionalProperties(node);
      for (const [key, entry] of Object.entries(current)) {
        const child = property(node, key);
        if (child !== undefined) errors.push(...walk(child, entry, childPath(at, key), false));
        else if (additional.kind === 'schema') errors.push(...walk(additional.schema, entry, `${at}[${key}]`, false));
      }
    } else if (Array.isArray(current)) {
      const items = itemsSchema(node);
      if (items !== undefined) current.forEach((item, index) => errors.push(...walk(items, item, indexPath(at, index), false)));
    }
    return errors;
  };
  return walk(schema, value, path, isResourceRoot);
}

/** schema.ParseGroupVersion: at most one '/'. */
const GROUP_VERSION_ERROR = (apiVersion: string): string | undefined =>
  (apiVersion.match(/\//g) ?? []).length > 1 ? `unexpected GroupVersion string: ${apiVersion}` : undefined;

function embeddedResourceErrors(path: string, object: Record<string, unknown>, metadataErrors?: (metadata: Record<string, unknown>, path: string) => FieldError[]): FieldError[] {
  const errors: FieldError[] = [];
  if (!('apiVersion' in object)) errors.push(requiredError(childPath(path, 'apiVersion'), 'must not be empty'));
  if (!('kind' in object)) errors.push(requiredError(childPath(path, 'kind'), 'must not be empty'));
  for (const [key, value] of Object.entries(object)) {
    if (key === 'apiVersion') {
      if (typeof value !== 'string') errors.push(invalidError(childPath(path, 'apiVersion'), value, 'must be a string'));
      else if (value === '') errors.push(invalidError(childPath(path, 'apiVersion'), value, 'must not be empty'));
      else {
        const problem = GROUP_VERSION_ERROR(value);
        if (problem !== undefined) errors.push(invalidError(childPath(path, 'apiVersion'), value, problem));
      }
    } else if (key === 'kind') {
      if (typeof value !== 'string') errors.push(invalidError(childPath(path, 'kind'), value, 'must be a string'));
      else if (value === '') errors.push(invalidError(childPath(path, 'kind'), value, 'must not be empty'));
      else {
        const lower = value.toLowerCase();
        const problems: string[] = [];
        if (lower.length > 63) problems.push('must be no more than 63 characters');
        if (!/^[a-z]([-a-z0-9]*[a-z0-9])?$/.test(lower)) {
          problems.push(
            "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')",
          );
        }
        if (problems.length > 0) errors.push(invalidError(childPath(path, 'kind'), value, `may have mixed case, but should otherwise match: ${problems.join(',')}`));
      }
    } else if (key === 'metadata') {
      if (!isPlainObject(value)) errors.push(invalidError(childPath(path, 'metadata'), value, `json: cannot unmarshal ${jsonTypeName(value)} into Go value of type v1.ObjectMeta`));
      else if (metadataErrors !== undefined) errors.push(...metadataErrors(value, childPath(path, 'metadata')));
    }
  }
  return errors;
}

function jsonTypeName(value: unknown): string {
  switch (valueKind(value)) {
    case 'string':
      return 'string';
    case 'int':
    case 'float':
      return 'number';
    case 'bool':
      return 'bool';
    case 'array':
      return 'array';
    default:
      return 'object';
  }
}

// ---------------------------------------------------------------------------
// Format checks (go-openapi strfmt and the Go functions it calls).

function isRequestUri(value: string): boolean {
  // net/url.ParseRequestURI: an absolute URI or an absolute path, no fragment handling, no spaces in the host.
  if (value === '' || /[\u0000-\u001f\u007f]/.test(value)) return false;
  if (value.startsWith('/')) return true;
  const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]*):(.*)$/.exec(value);
  if (scheme === null) return false;
  const rest = scheme[2]!;
  if (rest.startsWith('//')) {
    const authority = rest.slice(2).split(/[/?#]/, 1)[0]!;
    if (/[ ]/.test(authority)) return false;
    const host = authority.includes('@') ? authority.slice(authority.lastIndexOf('@') + 1) : authority;
    const port = /:(\d*)$/.exec(host);
    if (host.includes(':') && !host.startsWith('[') && port === null) return false;
  }
  return true;
}

function isEmail(value: string): boolean {
  // net/mail.ParseAddress accepts `local@domain` and `Name <local@domain>`.
  const angle = /^[^<>]*<([^<>]+)>\s*$/.exec(value);
  const address = (angle !== null ? angle[1]! : value).trim();
  return /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*$/.test(address) && !address.startsWith('.') && !address.includes('..');
}

function isHostname(value: string): boolean {
  const pattern = /^([a-zA-Z0-9\p{S}\p{L}]((-?[a-zA-Z0-9\p{S}\p{L}]{0,62})?)|([a-zA-Z0-9\p{S}\p{L}](([a-zA-Z0-9\-\p{S}\p{L}]{0,61}[a-zA-Z0-9\p{S}\p{L}])?)(\.)){1,}([a-zA-Z\p{L}]){2,63})$/u;
  if (!pattern.test(value) || value.length > 255) return false;
  return value.split('.').every((part) => part.length <= 63);
}

function isCidr(value: string): boolean {
  const slash = value.indexOf('/');
  if (slash < 0) return false;
  const address = value.slice(0, slash);
  const prefix = value.slice(slash + 1);
  if (!/^\d{1,3}$/.test(prefix)) return false;
  const isV6 = address.includes(':');
  if (parseIp(address, true) === undefined) return false;
  return Number(prefix) <= (isV6 ? 128 : 32);
}

function isMac(value: string): boolean {
  // net.ParseMAC: 6, 8 or 20 octets, separated by ':' or '-', or groups of four hex digits separated by '.'.
  if (/^([0-9A-Fa-f]{2})([:-])[0-9A-Fa-f]{2}(\2[0-9A-Fa-f]{2})*$/.test(value)) {
    const octets = value.split(/[:-]/).length;
    return octets === 6 || octets === 8 || octets === 20;
  }
  if (/^[0-9A-Fa-f]{4}(\.[0-9A-Fa-f]{4})*$/.test(value)) {
    const octets = value.split('.').length * 2;
    return octets === 6 || octets === 8 || octets === 20;
  }
  return false;
}

function isIsbn10(value: string): boolean {
  const digits = value.replace(/[\s-]/g, '');
  if (!/^\d{9}[\dX]$/.test(digits)) return false;
  let sum = 0;
  for (let i = 0; i < 9; i++) sum += (i + 1) * Number(digits[i]);
  sum += digits[9] === 'X' ? 100 : 10 * Number(digits[9]);
  return sum % 11 === 0;
}

function isIsbn13(value: string): boolean {
  const digits = value.replace(/[\s-]/g, '');
  if (!/^\d{13}$/.test(digits)) return false;
  let sum = 0;
  for (let i = 0; i < 12; i++) sum += Number(digits[i]) * (i % 2 === 0 ? 1 : 3);
  return (10 - (sum % 10)) % 10 === Number(digits[12]);
}

function isCreditCard(value: string): boolean {
  const digits = value.replace(/[^0-9]/g, '');
  if (!/^(?:4[0-9]{12}(?:[0-9]{3})?|5[1-5][0-9]{14}|(222[1-9]|22[3-9][0-9]|2[3-6][0-9]{2}|27[01][0-9]|2720)[0-9]{12}|6(?:011|5[0-9][0-9])[0-9]{12}|3[47][0-9]{13}|3(?:0[0-5]|[68][0-9])[0-9]{11}|(?:2131|1800|35\d{3})\d{11}|6[27][0-9]{14})$/.test(digits)) return false;
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let digit = Number(digits[i]);
    if (double) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
    double = !double;
  }
  return sum % 10 === 0;
}

/** time.Parse("2006-01-02"): the day must exist in its month. */
function isDate(value: string): boolean {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (match === null) return false;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  if (month < 1 || month > 12 || day < 1) return false;
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]!;
  return day <= days;
}

/** strfmt.IsDateTime: a date, a 't', and a time with a zone, compared loosely as go-openapi does. */
function isDateTime(value: string): boolean {
  if (value.length < 4) return false;
  const parts = value.toLowerCase().split('t');
  if (parts.length < 2 || !isDate(parts[0]!)) return false;
  const match = /^([0-9]{2}):([0-9]{2}):([0-9]{2})(.[0-9]+)?(z|([+-][0-9]{2}:[0-9]{2}))$/.exec(parts[1]!);
  if (match === null) return false;
  return match[1]! <= '23' && match[2]! <= '59' && match[3]! <= '59';
}

/** strfmt.ParseDuration: Go's time.ParseDuration, or `<n> <unit>` pairs with long unit names. */
function isDuration(value: string): boolean {
  if (/^[-+]?((\d+(\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h))+$/.test(value) || value === '0' || value === '-0' || value === '+0') return true;
  const units = [['ns', 'nano'], ['us', 'µs', 'micro'], ['ms', 'milli'], ['s', 'sec'], ['m', 'min'], ['h', 'hr', 'hour'], ['d', 'day'], ['w', 'wk', 'week']];
  const matches = [...value.matchAll(/((\d+)\s*([A-Za-zµ]+))/g)];
  return matches.some((match) => {
    const unit = match[3]!.toLowerCase().trim();
    return units.some((variants) => variants.some((variant, index) => (index === variants.length - 1 && unit.startsWith(variant)) || variant.toLowerCase() === unit));
  });
}
