/**
 * Shared pieces of the schema-driven processing (schema-*.ts): reading
 * schema nodes that came in as raw JSON, field paths rendered the way
 * upstream's field.Path renders them, Go's ways of printing values (the
 * messages we reproduce were printed by Go's fmt), and RE2 patterns run on
 * JavaScript's RegExp.
 */
import { FIELD_ERROR_TEXT, type FieldError } from '../errors/status.js';
import type { Schema, SchemaType } from '../schema/types.js';

/**
 * A schema node. It may arrive raw from a CRD, holding keywords the Schema
 * model does not declare (title, id, patternProperties, …) which structural
 * checks must still see in order to refuse them: those are read through
 * keyword(). Any Schema, and the CRD code's JsonSchemaProps, is one.
 */
export type SchemaNode = Schema;

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function isSchemaNode(value: unknown): value is SchemaNode {
  return isPlainObject(value);
}

/** A keyword the Schema model does not declare, read without casting at every call site. */
export function keyword(schema: SchemaNode, name: string): unknown {
  return (schema as unknown as Readonly<Record<string, unknown>>)[name];
}

export function schemaType(schema: SchemaNode): SchemaType | '' {
  const type: unknown = schema.type;
  return typeof type === 'string' ? (type as SchemaType) : '';
}

export function properties(schema: SchemaNode): ReadonlyArray<[string, SchemaNode]> {
  const props: unknown = schema.properties;
  if (!isPlainObject(props)) return [];
  return Object.entries(props).filter((entry): entry is [string, SchemaNode] => isSchemaNode(entry[1]));
}

export function property(schema: SchemaNode, name: string): SchemaNode | undefined {
  const props: unknown = schema.properties;
  if (!isPlainObject(props) || !Object.prototype.hasOwnProperty.call(props, name)) return undefined;
  const child = props[name];
  return isSchemaNode(child) ? child : undefined;
}

export function itemsSchema(schema: SchemaNode): SchemaNode | undefined {
  const items: unknown = schema.items;
  return isSchemaNode(items) ? items : undefined;
}

/**
 * additionalProperties the way upstream's structural schema holds it: absent,
 * a boolean without a schema, or a schema (which implies true).
 */
export type AdditionalProperties = { readonly kind: 'none' } | { readonly kind: 'bool'; readonly allows: boolean } | { readonly kind: 'schema'; readonly schema: SchemaNode };

export function additionalProperties(schema: SchemaNode): AdditionalProperties {
  const value: unknown = schema.additionalProperties;
  if (typeof value === 'boolean') return { kind: 'bool', allows: value };
  if (isSchemaNode(value)) return { kind: 'schema', schema: value };
  return { kind: 'none' };
}

export function schemaList(value: unknown): SchemaNode[] {
  return Array.isArray(value) ? value.filter(isSchemaNode) : [];
}

export const flag = (schema: SchemaNode, name: keyof Schema | string): boolean => keyword(schema, name) === true;

// ---------------------------------------------------------------------------
// Field paths, as k8s.io/apimachinery/pkg/util/validation/field.Path prints them.

/** `path.name`, or `name` at the root. */
export function childPath(path: string, name: string): string {
  return path === '' ? name : `${path}.${name}`;
}

/** `path[key]`: map keys are printed bare, as field.Path.Key does. */
export function keyPath(path: string, key: string): string {
  return `${path}[${key}]`;
}

export function indexPath(path: string, index: number): string {
  return `${path}[${index}]`;
}

// ---------------------------------------------------------------------------
// Field errors, as field.Required/Invalid/… build them.

export const requiredError = (field: string, detail = ''): FieldError => ({ type: 'FieldValueRequired', field, detail });
export const forbiddenError = (field: string, detail: string): FieldError => ({ type: 'FieldValueForbidden', field, detail });
export const invalidError = (field: string, value: unknown, detail: string): FieldError => ({ type: 'FieldValueInvalid', field, value, hasValue: true, detail });
export const typeInvalidError = (field: string, value: unknown, detail: string): FieldError => ({ type: 'FieldValueTypeInvalid', field, value, hasValue: true, detail });
export const duplicateError = (field: string, value: unknown): FieldError => ({ type: 'FieldValueDuplicate', field, value, hasValue: true });
/** field.TooLong never prints the value. */
export const tooLongError = (field: string, max: number): FieldError => ({
  type: 'FieldValueTooLong',
  field,
  hasValue: false,
  detail: max >= 0 ? `may not be more than ${max} bytes` : 'value is too long',
});
export const tooManyError = (field: string, actual: number, max: number): FieldError => ({
  type: 'FieldValueTooMany',
  field,
  value: actual,
  hasValue: actual >= 0,
  detail: max >= 0 ? `must have at most ${max} items` : 'has too many items',
});
/** field.NotSupported: the detail quotes each supported value with strconv.Quote. */
export const notSupportedError = (field: string, value: unknown, supported: readonly string[]): FieldError => ({
  type: 'FieldValueNotSupported',
  field,
  value,
  hasValue: true,
  detail: supported.length > 0 ? `supported values: ${supported.map(goQuote).join(', ')}` : '',
});

/** field.Error.Error(): `<field>: <body>`, the string upstream sorts error lists by. */
export function goErrorString(error: FieldError): string {
  let body = FIELD_ERROR_TEXT[error.type];
  const omitted = error.type === 'FieldValueRequired' || error.type === 'FieldValueForbidden' || error.type === 'FieldValueTooLong' || error.type === 'InternalError' || error.hasValue === false;
  if (!omitted) body += `: ${goValue(error.value)}`;
  if (error.detail !== undefined && error.detail !== '') body += `: ${error.detail}`;
  return `${error.field}: ${body}`;
}

/** Sorts field errors by their Go error string, as upstream does where map iteration would make the order random. */
export function sortByGoString(errors: FieldError[]): FieldError[] {
  return errors
    .map((error) => ({ error, key: goErrorString(error) }))
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    .map((entry) => entry.error);
}

// ---------------------------------------------------------------------------
// Go's printing of values.

/** strconv.Quote: Go's %q of a string. */
export function goQuote(text: string): string {
  let out = '"';
  for (const char of text) {
    const code = char.codePointAt(0)!;
    switch (char) {
      case '"':
        out += '\\"';
        continue;
      case '\\':
        out += '\\\\';
        continue;
      case '\n':
        out += '\\n';
        continue;
      case '\t':
        out += '\\t';
        continue;
      case '\r':
        out += '\\r';
        continue;
      case '\u0007':
        out += '\\a';
        continue;
      case '\b':
        out += '\\b';
        continue;
      case '\f':
        out += '\\f';
        continue;
      case '\v':
        out += '\\v';
        continue;
    }
    if (code < 0x20 || code === 0x7f) out += `\\x${code.toString(16).padStart(2, '0')}`;
    else if (code >= 0x80 && code < 0xa0) out += `\\u${code.toString(16).padStart(4, '0')}`;
    else out += char;
  }
  return `${out}"`;
}

/** Go's %v of a float64: strconv's shortest 'g' form, exponent from 1e+06 / below 1e-04. */
export function goFloat(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  if (value === 0) return Object.is(value, -0) ? '-0' : '0';
  const exponential = value.toExponential(); // shortest digits, e.g. 1.5e+6
  const match = /^(-?)(\d)(?:\.(\d+))?e([+-])(\d+)$/.exec(exponential);
  if (match === null) return String(value);
  const [, sign, lead, fraction = '', expSign, expDigits] = match as unknown as [string, string, string, string | undefined, string, string];
  const exp = Number(expDigits) * (expSign === '-' ? -1 : 1);
  if (exp < -4 || exp >= 6) {
    // %e form with at least two exponent digits, as Go prints it.
    const digits = fraction === '' ? lead : `${lead}.${fraction}`;
    return `${sign}${digits}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  }
  return String(value);
}

/**
 * Go's %v of a decoded JSON value, as field errors print BadValue: strings
 * quoted, integers as int64, other numbers as float64.
 */
export function goValue(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'string') return goQuote(value);
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : goFloat(value);
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'boolean') return String(value);
  return JSON.stringify(value) ?? 'null';
}

/** The JSON-ish kind Go's decoding gives a value: integers decode as int64, other numbers as float64. */
export type ValueKind = 'null' | 'string' | 'int' | 'float' | 'bool' | 'array' | 'object';

export function valueKind(value: unknown): ValueKind {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'string') return 'string';
  if (typeof value === 'number') return Number.isInteger(value) ? 'int' : 'float';
  if (typeof value === 'bigint') return 'int';
  if (typeof value === 'boolean') return 'bool';
  if (Array.isArray(value)) return 'array';
  return 'object';
}

export function deepCopyJson<T>(value: T): T {
  return value === undefined ? value : (structuredClone(value) as T);
}

// ---------------------------------------------------------------------------
// IP addresses.

/**
 * net.ParseIP (with `sloppy`, k8s' ParseIPSloppy, which allows leading
 * zeros in IPv4): the address as 4 or 16 bytes, or undefined.
 */
export function parseIp(value: string, sloppy: boolean): { readonly family: 4 | 6; readonly bytes: readonly number[] } | undefined {
  const v4 = (text: string): number[] | undefined => {
    const parts = text.split('.');
    if (parts.length !== 4) return undefined;
    const bytes = parts.map((part) => (/^\d{1,3}$/.test(part) && (sloppy || part.length === 1 || !part.startsWith('0')) ? Number(part) : NaN));
    return bytes.every((byte) => byte <= 255) ? bytes : undefined;
  };
  if (!value.includes(':')) {
    const bytes = v4(value);
    return bytes === undefined ? undefined : { family: 4, bytes };
  }
  if ((value.match(/::/g) ?? []).length > 1) return undefined;
  let tail: number[] = [];
  let text = value;
  const lastColon = text.lastIndexOf(':');
  if (text.slice(lastColon + 1).includes('.')) {
    const embedded = v4(text.slice(lastColon + 1));
    if (embedded === undefined) return undefined;
    tail = embedded;
    text = text.slice(0, lastColon + 1);
    // `::1.2.3.4` leaves `::`, `a:b:c:d:e:f:1.2.3.4` leaves a trailing ':' to drop.
    if (!text.endsWith('::')) text = text.slice(0, -1);
  }
  const [head = '', rest] = text.split('::') as [string, string | undefined];
  const groups = (part: string): string[] => (part === '' ? [] : part.split(':'));
  const before = groups(head);
  const after = rest === undefined ? [] : groups(rest);
  if ([...before, ...after].some((group) => !/^[0-9a-fA-F]{1,4}$/.test(group))) return undefined;
  const total = 8 - tail.length / 2;
  const count = before.length + after.length;
  if (rest === undefined ? count !== total : count > total - 1) return undefined;
  const words = [...before.map((g) => parseInt(g, 16)), ...new Array<number>(total - count).fill(0), ...after.map((g) => parseInt(g, 16))];
  const bytes = words.flatMap((word) => [word >> 8, word & 0xff]).concat(tail);
  return { family: 6, bytes };
}

// ---------------------------------------------------------------------------
// RE2 patterns on JavaScript's RegExp.

export interface CompiledPattern {
  readonly regexp?: RegExp;
  /** Go's regexp error text (`error parsing regexp: …`) when the pattern does not compile as RE2. */
  readonly error?: string;
}

const POSIX_CLASSES: Record<string, string> = {
  alnum: '0-9A-Za-z',
  alpha: 'A-Za-z',
  ascii: '\\x00-\\x7F',
  blank: '\\t ',
  cntrl: '\\x00-\\x1F\\x7F',
  digit: '0-9',
  graph: '!-~',
  lower: 'a-z',
  print: ' -~',
  punct: '!-\\/:-@\\[-`{-~',
  space: '\\t\\n\\v\\f\\r ',
  upper: 'A-Z',
  word: '0-9A-Za-z_',
  xdigit: '0-9A-Fa-f',
};

const patternCache = new Map<string, CompiledPattern>();

/**
 * Compiles an RE2 (Go regexp) pattern into a JavaScript RegExp with the same
 * meaning for the syntax CRD patterns and CEL rules use. RE2 refuses
 * lookaround and backreferences, which RegExp would accept: those fail here
 * with Go's message, so a schema that upstream rejects is rejected here too.
 */
export function compileRe2(pattern: string): CompiledPattern {
  const cached = patternCache.get(pattern);
  if (cached !== undefined) return cached;
  const result = translateRe2(pattern);
  if (patternCache.size > 1000) patternCache.clear();
  patternCache.set(pattern, result);
  return result;
}

function translateRe2(pattern: string): CompiledPattern {
  let flags = 'u';
  let source = pattern;
  // A leading flag group applies to the whole pattern; RegExp takes it as flags.
  const leading = /^\(\?([imsU]+)\)/.exec(source);
  if (leading !== null) {
    if (leading[1]!.includes('U')) return { error: `error parsing regexp: invalid or unsupported Perl syntax: \`(?U\`` };
    for (const f of leading[1]!) if (!flags.includes(f)) flags += f;
    source = source.slice(leading[0].length);
  }
  let out = '';
  let inClass = false;
  for (let i = 0; i < source.length; i++) {
    const char = source[i]!;
    if (char === '\\') {
      const next = source[i + 1];
      if (next === undefined) return { error: 'error parsing regexp: trailing backslash at end of expression: ``' };
      if (/[1-9]/.test(next)) return { error: `error parsing regexp: invalid escape sequence: \`\\${next}\`` };
      if (next === 'z') {
        out += inClass ? 'z' : '$(?![\\s\\S])';
        i++;
        continue;
      }
      if (next === 'A') {
        out += inClass ? 'A' : '^';
        i++;
        continue;
      }
      if ((next === 'p' || next === 'P') && source[i + 2] !== '{' && source[i + 2] !== undefined) {
        out += `\\${next}{${source[i + 2]}}`;
        i += 2;
        continue;
      }
      if (next === 'Q') {
        const end = source.indexOf('\\E', i + 2);
        const literal = end < 0 ? source.slice(i + 2) : source.slice(i + 2, end);
        out += literal.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
        i = end < 0 ? source.length : end + 1;
        continue;
      }
      if (next === 'x' && source[i + 2] === '{') {
        const end = source.indexOf('}', i + 3);
        if (end < 0) return { error: `error parsing regexp: invalid escape sequence: \`${source.slice(i)}\`` };
        out += `\\u{${source.slice(i + 3, end)}}`;
        i = end;
        continue;
      }
      // RE2 lets any punctuation be escaped; RegExp's u-mode only syntax characters (and '-' in a class).
      if (/[!"#%&',:;<=>@_`~]/.test(next) || (next === '-' && !inClass)) out += next;
      else out += `\\${next}`;
      i++;
      continue;
    }
    if (inClass) {
      if (char === '[' && source[i + 1] === ':') {
        const end = source.indexOf(':]', i + 2);
        if (end > 0) {
          const name = source.slice(i + 2, end);
          const negated = name.startsWith('^');
          const ranges = POSIX_CLASSES[negated ? name.slice(1) : name];
          if (ranges === undefined) return { error: `error parsing regexp: invalid character class range: \`[:${name}:]\`` };
          if (negated) return { error: `error parsing regexp: invalid character class range: \`[:${name}:]\`` };
          out += ranges;
          i = end + 1;
          continue;
        }
      }
      if (char === ']') inClass = false;
      out += char === '[' ? '\\[' : char;
      continue;
    }
    if (char === '[') {
      inClass = true;
      out += char;
      if (source[i + 1] === '^') {
        out += '^';
        i++;
      }
      // A ']' right after '[' or '[^' is a literal in RE2.
      if (source[i + 1] === ']') {
        out += '\\]';
        i++;
      }
      continue;
    }
    if (char === '(' && source[i + 1] === '?') {
      const rest = source.slice(i + 2);
      if (rest.startsWith('P<')) {
        out += '(?<';
        i += 3;
        continue;
      }
      if (rest.startsWith(':')) {
        out += '(?:';
        i += 2;
        continue;
      }
      if (rest.startsWith('<') && !rest.startsWith('<=') && !rest.startsWith('<!')) {
        out += '(?<';
        i += 2;
        continue;
      }
      const end = Math.min(...[source.indexOf(')', i), source.length].filter((index) => index >= 0));
      return { error: `error parsing regexp: invalid or unsupported Perl syntax: \`${source.slice(i, Math.min(end, i + 3))}\`` };
    }
    out += char;
  }
  if (inClass) return { error: `error parsing regexp: missing closing ]: \`${source.slice(source.lastIndexOf('['))}\`` };
  try {
    return { regexp: new RegExp(out, flags) };
  } catch (error) {
    try {
      // u-mode is stricter about escapes than RE2; without it the pattern may still mean the same.
      return { regexp: new RegExp(out, flags.replace('u', '')) };
    } catch {
      return { error: goRegexpError(pattern, (error as Error).message) };
    }
  }
}

/** The nearest Go regexp error for a pattern RegExp refused. */
function goRegexpError(pattern: string, jsMessage: string): string {
  let depth = 0;
  for (let i = 0; i < pattern.length; i++) {
    if (pattern[i] === '\\') {
      i++;
      continue;
    }
    if (pattern[i] === '(') depth++;
    if (pattern[i] === ')') {
      depth--;
      if (depth < 0) return `error parsing regexp: unexpected ): \`${pattern}\``;
    }
  }
  if (depth > 0) return `error parsing regexp: missing closing ): \`${pattern.slice(pattern.lastIndexOf('('))}\``;
  if (/^[*+?]|\([*+?]|\|[*+?]/.test(pattern)) {
    const match = /(^|[(|])([*+?]+)/.exec(pattern);
    return `error parsing regexp: missing argument to repetition operator: \`${match?.[2] ?? '*'}\``;
  }
  if (/\*\*|\+\+|\?\?\?|\*\+|\+\*/.test(pattern)) return `error parsing regexp: invalid nested repetition operator: \`${/[*+?]{2,}/.exec(pattern)?.[0] ?? '**'}\``;
  return `error parsing regexp: ${jsMessage}`;
}
