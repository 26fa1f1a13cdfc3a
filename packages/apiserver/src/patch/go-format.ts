/**
 * How Go prints the values a patch holds. Upstream's patch errors quote
 * decoded JSON with fmt (`map[name:web ports:[map[containerPort:80]]]`),
 * type names with reflect (`map[string]interface {}`), strings with %q and
 * whole documents with encoding/json; clients show those messages verbatim,
 * so we print the same text.
 *
 * Numbers follow the decoder upstream uses for patches (sigs.k8s.io/json
 * with PreserveInts): integral numbers are int64, others float64.
 */
import type { JsonValue } from '../resources/types.js';

const INT64_LIMIT = 2 ** 63;

function isInt64(value: number): boolean {
  return Number.isInteger(value) && Math.abs(value) < INT64_LIMIT;
}

/** Orders keys as Go compares strings: by UTF-8 bytes, which is code point order. */
export function compareGoStrings(left: string, right: string): number {
  const a = [...left];
  const b = [...right];
  for (let index = 0; index < Math.min(a.length, b.length); index++) {
    const difference = a[index]!.codePointAt(0)! - b[index]!.codePointAt(0)!;
    if (difference !== 0) return difference;
  }
  return a.length - b.length;
}

function sortedKeys(object: Record<string, unknown>): string[] {
  return Object.keys(object).sort(compareGoStrings);
}

/** A float64 as fmt's %v prints it: shortest digits, exponent form below 1e-4 and from 1e6 on. */
export function goFloat(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (!Number.isFinite(value)) return value > 0 ? '+Inf' : '-Inf';
  if (value === 0) return Object.is(value, -0) ? '-0' : '0';
  const [mantissa, exponentText] = value.toExponential().split('e') as [string, string];
  const exponent = Number(exponentText);
  if (exponent < -4 || exponent >= 6) {
    const digits = String(Math.abs(exponent)).padStart(2, '0');
    return `${mantissa}e${exponent < 0 ? '-' : '+'}${digits}`;
  }
  // In this range JavaScript prints the same shortest digits without an exponent.
  return String(value);
}

/** A value as fmt's %v prints a decoded JSON value (interface{} holding maps, slices, scalars). */
export function goValue(value: JsonValue): string {
  if (value === null) return '<nil>';
  if (typeof value === 'string') return value;
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') return isInt64(value) ? String(value) : goFloat(value);
  if (Array.isArray(value)) return `[${value.map(goValue).join(' ')}]`;
  return `map[${sortedKeys(value)
    .map((key) => `${key}:${goValue(value[key]!)}`)
    .join(' ')}]`;
}

/** A value as fmt's %s prints it: strings plainly, other scalars in fmt's bad-verb form. */
export function goStringVerb(value: JsonValue): string {
  if (typeof value === 'string') return value;
  if (value === null) return '%!s(<nil>)';
  if (typeof value === 'boolean') return `%!s(bool=${value})`;
  if (typeof value === 'number') return isInt64(value) ? `%!s(int64=${value})` : `%!s(float64=${goFloat(value)})`;
  return goValue(value);
}

/** reflect.TypeOf(value) printed with %s, as upstream's "expected a X, but received a Y" errors do. */
export function goTypeName(value: JsonValue): string {
  if (value === null) return '%!s(<nil>)';
  if (Array.isArray(value)) return '[]interface {}';
  switch (typeof value) {
    case 'object':
      return 'map[string]interface {}';
    case 'string':
      return 'string';
    case 'boolean':
      return 'bool';
    default:
      return isInt64(value) ? 'int64' : 'float64';
  }
}

function isGoPrintable(char: string): boolean {
  return char === ' ' || /^[\p{L}\p{M}\p{N}\p{P}\p{S}]$/u.test(char);
}

function hex(code: number, width: number): string {
  return code.toString(16).padStart(width, '0');
}

const SHORT_ESCAPES: Readonly<Record<string, string>> = {
  '\u0007': '\\a',
  '\b': '\\b',
  '\f': '\\f',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
  '\v': '\\v',
};

function quoteRunes(text: string): string {
  let out = '';
  for (const char of text) {
    if (char === '"' || char === '\\') out += `\\${char}`;
    else if (isGoPrintable(char)) out += char;
    else if (SHORT_ESCAPES[char] !== undefined) out += SHORT_ESCAPES[char];
    else {
      const code = char.codePointAt(0)!;
      if (code < 0x20 || code === 0x7f) out += `\\x${hex(code, 2)}`;
      else if (code < 0x10000) out += `\\u${hex(code, 4)}`;
      else out += `\\U${hex(code, 8)}`;
    }
  }
  return out;
}

/** strconv.Quote, which %q uses: field errors quote their string values this way. */
export function goQuote(text: string): string {
  return `"${quoteRunes(text)}"`;
}

/**
 * How encoding/json's scanner names an offending byte in a syntax error.
 * Go turns the byte itself into a rune, so a UTF-8 lead byte 0xC3 prints as 'Ã'.
 */
export function goQuoteByte(byte: number): string {
  if (byte === 0x27) return `'\\''`;
  if (byte === 0x22) return `'"'`;
  return `'${quoteRunes(String.fromCharCode(byte))}'`;
}

function goJsonString(text: string): string {
  // encoding/json escapes what JSON.stringify does, plus HTML-sensitive characters and JS line separators.
  return JSON.stringify(text).replace(/[<>&\u2028\u2029]/g, (char) => `\\u${hex(char.codePointAt(0)!, 4)}`);
}

/**
 * encoding/json's Marshal of a decoded value: map keys sorted, HTML
 * characters escaped. Numbers print as JSON.stringify prints them, which is
 * also how Go chooses between plain and exponent notation.
 */
export function goJsonMarshal(value: JsonValue): string {
  if (value === null || typeof value === 'boolean' || typeof value === 'number') return JSON.stringify(value);
  if (typeof value === 'string') return goJsonString(value);
  if (Array.isArray(value)) return `[${value.map(goJsonMarshal).join(',')}]`;
  return `{${sortedKeys(value)
    .map((key) => `${goJsonString(key)}:${goJsonMarshal(value[key]!)}`)
    .join(',')}}`;
}

/** Size in bytes of a value as encoding/json would write it. */
export function goJsonSize(value: JsonValue): number {
  return Buffer.byteLength(goJsonMarshal(value), 'utf8');
}
