/**
 * Plain JSON values the way structured-merge-diff's value package sees them:
 * its total order (sets and keys are sorted by it, and FieldsV1 is written in
 * that order), deep equality, and the two ways it prints a value — as JSON in
 * FieldsV1 keys, and with Go's fmt in path strings.
 */
import { goFloat, goQuote, isPlainObject } from '../validation/schema-common.js';

export { isPlainObject };

/** Go compares strings byte by byte in UTF-8, which is code point order, not JavaScript's UTF-16 unit order. */
export function compareStrings(a: string, b: string): number {
  if (a === b) return 0;
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const ca = a.codePointAt(i)!;
    const cb = b.codePointAt(j)!;
    if (ca !== cb) return ca < cb ? -1 : 1;
    i += ca > 0xffff ? 2 : 1;
    j += cb > 0xffff ? 2 : 1;
  }
  if (i < a.length) return 1;
  if (j < b.length) return -1;
  return 0;
}

/** The rank of each kind in value.Compare: numbers, strings, booleans, lists, maps, then null. */
function rank(value: unknown): number {
  if (typeof value === 'number') return 0;
  if (typeof value === 'string') return 1;
  if (typeof value === 'boolean') return 2;
  if (Array.isArray(value)) return 3;
  if (isPlainObject(value)) return 4;
  return 5;
}

/** value.Compare: a total order over JSON values, so that sets of them can be kept sorted. */
export function compareValues(a: unknown, b: unknown): number {
  const ra = rank(a);
  const rb = rank(b);
  if (ra !== rb) return ra < rb ? -1 : 1;
  switch (ra) {
    case 0:
      return (a as number) < (b as number) ? -1 : (a as number) > (b as number) ? 1 : 0;
    case 1:
      return compareStrings(a as string, b as string);
    case 2:
      return a === b ? 0 : a === false ? -1 : 1;
    case 3:
      return compareLists(a as unknown[], b as unknown[]);
    case 4:
      return compareMaps(a as Record<string, unknown>, b as Record<string, unknown>);
    default:
      return 0;
  }
}

function compareLists(a: readonly unknown[], b: readonly unknown[]): number {
  for (let i = 0; ; i++) {
    if (i >= a.length && i >= b.length) return 0;
    if (i >= a.length) return -1;
    if (i >= b.length) return 1;
    const c = compareValues(a[i], b[i]);
    if (c !== 0) return c;
  }
}

/** value.MapCompare: keys walked in lexical order; the map that runs out or lacks a key first is smaller/larger as upstream decides. */
function compareMaps(a: Record<string, unknown>, b: Record<string, unknown>): number {
  const aKeys = Object.keys(a);
  const bKeys = Object.keys(b);
  if (aKeys.length === 0 && bKeys.length === 0) return 0;
  const keys = [...new Set([...aKeys, ...bKeys])].sort(compareStrings);
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    let c: number;
    if (i === aKeys.length) c = -1;
    else if (i === bKeys.length) c = 1;
    else if (!Object.hasOwn(a, key)) c = 1;
    else if (!Object.hasOwn(b, key)) c = -1;
    else c = compareValues(a[key], b[key]);
    if (c !== 0) return c;
  }
  return 0;
}

export function valuesEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) {
    return Array.isArray(b) && a.length === b.length && a.every((item, i) => valuesEqual(item, b[i]));
  }
  if (isPlainObject(a)) {
    if (!isPlainObject(b)) return false;
    const keys = Object.keys(a).filter((key) => a[key] !== undefined);
    if (keys.length !== Object.keys(b).filter((key) => b[key] !== undefined).length) return false;
    return keys.every((key) => Object.hasOwn(b, key) && valuesEqual(a[key], b[key]));
  }
  return false;
}

/**
 * JSON as Go's encoder writes it (the FieldsV1 writer uses an encoder
 * compatible with encoding/json): object keys sorted, and <, >, & and the
 * JavaScript line separators escaped. Sorting also makes the text canonical,
 * so equal values always give equal text.
 */
export function goJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(goJson).join(',')}]`;
  if (isPlainObject(value)) {
    const keys = Object.keys(value)
      .filter((key) => value[key] !== undefined)
      .sort(compareStrings);
    return `{${keys.map((key) => `${goJsonString(key)}:${goJson(value[key])}`).join(',')}}`;
  }
  if (typeof value === 'string') return goJsonString(value);
  if (typeof value === 'number') return Number.isFinite(value) ? JSON.stringify(value) : 'null';
  if (typeof value === 'boolean') return String(value);
  return 'null';
}

export function goJsonString(text: string): string {
  return JSON.stringify(text).replace(/[<>&\u2028\u2029]/g, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** value.ToString: how path strings print key and set values (strings with %q, numbers with %v). */
export function goValueString(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'string') return goQuote(value);
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : goFloat(value);
  if (typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return `[${value.map(goValueString).join(',')}]`;
  if (isPlainObject(value)) {
    return Object.keys(value)
      .sort(compareStrings)
      .map((key) => `${key}=${goValueString(value[key])}`)
      .join('');
  }
  return String(value);
}

/** A deep copy, so results never share structure with the inputs. */
export function copyValue<T>(value: T): T {
  if (Array.isArray(value)) return value.map(copyValue) as T;
  if (isPlainObject(value)) {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) out[key] = copyValue(item);
    return out as T;
  }
  return value;
}
