/**
 * JSON Patch (RFC 6902, application/json-patch+json) as kube-apiserver 1.32
 * applies it: through gopkg.in/evanphx/json-patch.v4, whose behaviour
 * differs from the RFC in ways clients rely on without knowing:
 *
 * - `replace` of a missing object member adds it (only array indexes must exist);
 * - `add` (and `replace`, `test`) without a `value` use null;
 * - `copy` from a missing object member copies null;
 * - a member whose value is null counts as absent when a path walks
 *   through it, and `test` of an absent member passes only against null;
 * - array indexes may be negative (counted from the end) and are parsed
 *   like Go's strconv.Atoi (`+1`, `01` are accepted);
 * - a path without a leading `/` keeps only its last segment;
 * - `add` or `remove` of the whole document (path "") fail; `replace`
 *   of it takes an object or array.
 *
 * Every failure is the same 422 upstream sends; what went wrong travels as
 * the error's `cause`, as upstream only logs it. Where the library
 * dereferences nil (a `test` or whole-document `replace` without a value,
 * a `test` meeting a null list element) upstream's panic filter answers
 * 500, and so do we.
 */
import type { JsonObject, JsonValue } from '../resources/types.js';
import { patchNotApplicable, patchPanic } from './errors.js';
import { goJsonSize } from './go-format.js';
import { hasMember, isJsonObject, setMember, toJsonValue } from './json-value.js';

/** Upstream's limit on operations in one JSON patch (a 413 beyond it). */
export const JSON_PATCH_MAX_OPERATIONS = 10_000;
/** Upstream's default limit on the bytes `copy` operations may add in one patch (JSONPatchMaxCopyBytes). */
export const JSON_PATCH_MAX_COPY_BYTES = 3 * 1024 * 1024;

export interface JsonPatchOptions {
  /** The copy limit; 0 or less means none. Defaults to upstream's 3 MiB. */
  readonly maxCopyBytes?: number;
}

type Container = JsonObject | JsonValue[];

/** Where a pointer leads: the container that holds the target and the target's key there. */
interface Location {
  readonly container: Container;
  readonly key: string;
}

function fail(reason: string): never {
  throw patchNotApplicable(reason);
}

function unescapeToken(token: string): string {
  // One left-to-right pass, so "~01" becomes "~1" and not "/".
  return token.replace(/~[01]/g, (escape) => (escape === '~1' ? '/' : '~'));
}

/** strconv.Atoi: optional sign, decimal digits, within int64. */
function parseIndex(token: string): number | undefined {
  if (!/^[+-]?[0-9]+$/.test(token)) return undefined;
  const index = Number(token);
  return Math.abs(index) < 2 ** 63 ? index : undefined;
}

/** An index into a list of `length` elements; negative ones count from the end. */
function existingIndex(token: string, length: number): number | undefined {
  const index = parseIndex(token);
  if (index === undefined || index >= length || index < -length) return undefined;
  return index < 0 ? index + length : index;
}

/** A child as the library sees it: undefined when absent, or null (a nil node). */
function childOf(container: Container, key: string): JsonValue | undefined {
  if (Array.isArray(container)) {
    const index = existingIndex(key, container.length);
    return index === undefined ? undefined : container[index];
  }
  return hasMember(container, key) ? container[key] : undefined;
}

function locate(root: Container, path: string): Location | undefined {
  const tokens = path.split('/');
  if (tokens.length < 2) return undefined;
  let container = root;
  for (const token of tokens.slice(1, -1)) {
    const child = childOf(container, unescapeToken(token));
    if (child === undefined || child === null || typeof child !== 'object') return undefined;
    container = child;
  }
  return { container, key: unescapeToken(tokens.at(-1)!) };
}

function stringField(operation: JsonObject, field: 'path' | 'from', op: string): string {
  const value = operation[field];
  if (typeof value !== 'string') fail(`${op} operation is missing a string "${field}"`);
  return value;
}

function locateOrFail(root: Container, path: string, op: string): Location {
  return locate(root, path) ?? fail(`${op} operation does not apply: doc is missing path: "${path}"`);
}

/** The value at a location, undefined when absent or null; only an array index can be invalid. */
function read(location: Location, op: string): JsonValue | undefined {
  const { container, key } = location;
  if (Array.isArray(container) && existingIndex(key, container.length) === undefined) fail(`${op}: invalid index referenced: ${key}`);
  const value = childOf(container, key);
  return value === null ? undefined : value;
}

function insert(location: Location, value: JsonValue, op: string): void {
  const { container, key } = location;
  if (!Array.isArray(container)) {
    setMember(container, key, value);
    return;
  }
  if (key === '-') {
    container.push(value);
    return;
  }
  const index = parseIndex(key);
  const size = container.length + 1;
  if (index === undefined || index >= size || index < -size) fail(`${op}: invalid index referenced: ${key}`);
  container.splice(index < 0 ? index + size : index, 0, value);
}

function remove(location: Location, op: string): void {
  const { container, key } = location;
  if (!Array.isArray(container)) {
    if (!hasMember(container, key)) fail(`${op}: unable to remove nonexistent key: ${key}`);
    delete container[key];
    return;
  }
  const index = existingIndex(key, container.length);
  if (index === undefined) fail(`${op}: invalid index referenced: ${key}`);
  container.splice(index, 1);
}

function overwrite(location: Location, value: JsonValue, op: string): void {
  const { container, key } = location;
  if (!Array.isArray(container)) {
    setMember(container, key, value);
    return;
  }
  const index = existingIndex(key, container.length);
  if (index === undefined) fail(`${op} operation does not apply: doc is missing key: ${key}`);
  container[index] = value;
}

/**
 * `test`'s comparison. The library compares list elements by calling a
 * method on each, which panics when an element is null; objects compare
 * member by member, null only equal to null.
 */
function testEquals(actual: JsonValue, expected: JsonValue): boolean {
  if (Array.isArray(actual)) {
    if (!Array.isArray(expected) || actual.length !== expected.length) return false;
    for (const [index, item] of actual.entries()) {
      const other = expected[index]!;
      if (item === null || other === null) throw patchPanic('json patch test: comparing a list with a null element');
      if (!testEquals(item, other)) return false;
    }
    return true;
  }
  if (isJsonObject(actual)) {
    if (!isJsonObject(expected)) return false;
    const keys = Object.keys(actual);
    if (keys.length !== Object.keys(expected).length) return false;
    return keys.every((key) => {
      if (!hasMember(expected, key)) return false;
      const [mine, theirs] = [actual[key]!, expected[key]!];
      if (mine === null || theirs === null) return mine === theirs;
      return testEquals(mine, theirs);
    });
  }
  return actual === expected;
}

/** The operation's value: null when it has none, as the library's nil node marshals. */
function valueOf(operation: JsonObject): JsonValue {
  return hasMember(operation, 'value') ? toJsonValue(operation.value) : null;
}

/**
 * Applies the operations to a copy of the document and returns it.
 * Throws the 422 ApiError upstream sends when any operation fails; the
 * operations are applied all or nothing.
 */
export function applyJsonPatch(document: JsonValue, operations: readonly JsonValue[], options: JsonPatchOptions = {}): JsonValue {
  let root = toJsonValue(document);
  if (root === null || typeof root !== 'object') fail('the document is not an object or array');
  const maxCopyBytes = options.maxCopyBytes ?? JSON_PATCH_MAX_COPY_BYTES;
  let copiedBytes = 0;

  for (const element of operations) {
    // A null element decodes to an empty operation, whose kind is unknown.
    const operation = isJsonObject(element) ? element : {};
    const op = typeof operation.op === 'string' ? operation.op : 'unknown';
    switch (op) {
      case 'add': {
        insert(locateOrFail(root, stringField(operation, 'path', op), op), valueOf(operation), op);
        break;
      }
      case 'remove': {
        remove(locateOrFail(root, stringField(operation, 'path', op), op), op);
        break;
      }
      case 'replace': {
        const path = stringField(operation, 'path', op);
        if (path === '') {
          const value = operation.value;
          // The library reads the missing value's type through a nil pointer.
          if (value === undefined) throw patchPanic('json patch replace of the whole document without a value');
          if (value === null || typeof value !== 'object') fail('replace operation value must be object or array');
          root = toJsonValue(value) as Container;
          break;
        }
        const location = locateOrFail(root, path, op);
        read(location, op);
        overwrite(location, valueOf(operation), op);
        break;
      }
      case 'move': {
        const from = locateOrFail(root, stringField(operation, 'from', op), op);
        const value = read(from, op) ?? null;
        remove(from, op);
        insert(locateOrFail(root, stringField(operation, 'path', op), op), value, op);
        break;
      }
      case 'copy': {
        const from = locateOrFail(root, stringField(operation, 'from', op), op);
        const value = read(from, op);
        const to = locateOrFail(root, stringField(operation, 'path', op), op);
        copiedBytes += value === undefined ? 0 : goJsonSize(value);
        if (maxCopyBytes > 0 && copiedBytes > maxCopyBytes) {
          fail(`Unable to complete the copy, the accumulated size increase of copy is ${copiedBytes}, exceeding the limit ${maxCopyBytes}`);
        }
        insert(to, toJsonValue(value ?? null), op);
        break;
      }
      case 'test': {
        const path = stringField(operation, 'path', op);
        const expected = operation.value;
        if (path === '') {
          if (expected === undefined) throw patchPanic('json patch test of the whole document without a value');
          if (!testEquals(root, expected)) fail('testing value  failed: test failed');
          break;
        }
        const actual = read(locateOrFail(root, path, op), op);
        let passes: boolean;
        if (actual === undefined) {
          // An absent (or null) target matches an explicit null; with no value at all the library dereferences nil.
          if (expected === undefined) throw patchPanic(`json patch test of ${path} without a value`);
          passes = expected === null;
        } else {
          passes = expected !== undefined && testEquals(actual, expected);
        }
        if (!passes) fail(`testing value ${path} failed: test failed`);
        break;
      }
      default:
        fail(`Unexpected kind: ${op}`);
    }
  }
  return root;
}
