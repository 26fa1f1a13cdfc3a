/**
 * Small helpers over plain JSON values that every patch format needs.
 *
 * The patch algorithms mutate the documents they are given, as upstream's
 * do (that is what makes their order and aliasing behaviour match), so the
 * front door hands them private copies made here.
 */
import type { JsonObject, JsonValue } from '../resources/types.js';

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function hasMember(object: JsonObject, key: string): boolean {
  return Object.hasOwn(object, key);
}

/**
 * Sets a member without ever reaching Object.prototype: a plain assignment
 * to `__proto__` would change the object's prototype instead of adding the
 * key, and `__proto__` is a legal JSON key a client may send.
 */
export function setMember(object: JsonObject, key: string, value: JsonValue): void {
  if (key === '__proto__' && !Object.hasOwn(object, key)) {
    Object.defineProperty(object, key, { value, writable: true, enumerable: true, configurable: true });
    return;
  }
  object[key] = value;
}

/**
 * A deep copy as a pure JSON value. Accepts anything JSON.stringify would
 * (objects the caller typed loosely, such as KubeObject): members whose value
 * is undefined or a function are dropped, as they would be on the wire.
 */
export function toJsonValue(value: unknown): JsonValue {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (Array.isArray(value)) return value.map((item) => (item === undefined || typeof item === 'function' ? null : toJsonValue(item)));
  if (typeof value === 'object') {
    const copy: JsonObject = {};
    for (const [key, member] of Object.entries(value as Record<string, unknown>)) {
      if (member === undefined || typeof member === 'function' || typeof member === 'symbol') continue;
      setMember(copy, key, toJsonValue(member));
    }
    return copy;
  }
  return null;
}

/** Structural equality: same JSON types, same members, same elements in the same order. */
export function jsonEqual(left: JsonValue, right: JsonValue): boolean {
  if (left === right) return true;
  if (Array.isArray(left)) {
    if (!Array.isArray(right) || left.length !== right.length) return false;
    return left.every((item, index) => jsonEqual(item, right[index]!));
  }
  if (isJsonObject(left)) {
    if (!isJsonObject(right)) return false;
    const keys = Object.keys(left);
    if (keys.length !== Object.keys(right).length) return false;
    return keys.every((key) => hasMember(right, key) && jsonEqual(left[key]!, right[key]!));
  }
  return false;
}

/** JSON's names for a value's type, as Go's decoder words them in type errors. */
export function jsonTypeWord(value: JsonValue): 'object' | 'array' | 'string' | 'number' | 'bool' | 'null' {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  switch (typeof value) {
    case 'object':
      return 'object';
    case 'string':
      return 'string';
    case 'number':
      return 'number';
    default:
      return 'bool';
  }
}
