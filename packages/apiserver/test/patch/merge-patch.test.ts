import { describe, expect, it } from 'vitest';
import { ApiError } from '../../src/errors/status.js';
import type { JsonValue } from '../../src/resources/types.js';
import { applyMergePatch } from '../../src/patch/merge-patch.js';

describe('RFC 7386 appendix A', () => {
  it.each<[JsonValue, JsonValue, JsonValue]>([
    [{ a: 'b' }, { a: 'c' }, { a: 'c' }],
    [{ a: 'b' }, { b: 'c' }, { a: 'b', b: 'c' }],
    [{ a: 'b' }, { a: null }, {}],
    [{ a: 'b', b: 'c' }, { a: null }, { b: 'c' }],
    [{ a: ['b'] }, { a: 'c' }, { a: 'c' }],
    [{ a: 'c' }, { a: ['b'] }, { a: ['b'] }],
    [{ a: { b: 'c' } }, { a: { b: 'd', c: null } }, { a: { b: 'd' } }],
    [{ a: [{ b: 'c' }] }, { a: [1] }, { a: [1] }],
    [['a', 'b'], ['c', 'd'], ['c', 'd']],
    [{ a: 'b' }, ['c'], ['c']],
    [{ e: null }, { a: 1 }, { e: null, a: 1 }],
    [[1, 2], { a: 'b', c: null }, { a: 'b' }],
    [{}, { a: { bb: { ccc: null } } }, { a: { bb: {} } }],
  ])('%j + %j → %j', (target, patch, expected) => {
    expect(applyMergePatch(target, patch)).toEqual(expected);
  });

  // The RFC's rows {"a":"foo"} + null → null and {"a":"foo"} + "bar" → "bar": the library upstream uses refuses both.
  it.each<[JsonValue]>([[null], ['bar'], [42], [true]])('refuses the patch %j with 400 Invalid JSON Patch, unlike the RFC', (patch) => {
    let caught: unknown;
    try {
      applyMergePatch({ a: 'foo' }, patch);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ApiError);
    expect((caught as ApiError).status).toEqual({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'Invalid JSON Patch', reason: 'BadRequest', code: 400 });
  });
});

describe('merge patch as evanphx/json-patch v4 applies it', () => {
  it.each<[string, JsonValue, JsonValue, JsonValue]>([
    ['objects merge recursively', { person: { title: 'hello', age: 18 } }, { person: { title: 'goodbye' } }, { person: { title: 'goodbye', age: 18 } }],
    ['a value replaces a null member', { title: null }, { title: { foo: 'bar' } }, { title: { foo: 'bar' } }],
    ['an empty list replaces a list', { array: ['one', 'two'] }, { array: [] }, { array: [] }],
    ['null elements of a list stay', { a: ['b'] }, { a: ['b', null] }, { a: ['b', null] }],
    ['a list replacing a non-object loses null members of its objects', { a: 'x' }, { a: [{ k: 'v', gone: null }, null] }, { a: [{ k: 'v' }, null] }],
    ['a list landing on nothing loses them too', {}, { a: [[{ deep: null, kept: 1 }]] }, { a: [[{ kept: 1 }]] }],
    ['a list replacing an object is taken as sent', { a: { b: 1 } }, { a: [{ k: 'v', kept: null }] }, { a: [{ k: 'v', kept: null }] }],
    ['a scalar replacing an object', { a: { b: 1 } }, { a: 2 }, { a: 2 }],
    ['an object replacing a scalar loses its null members', { a: 2 }, { a: { b: null, c: { d: null } } }, { a: { c: {} } }],
    ['deleting an absent member is harmless', { a: 1 }, { b: null }, { a: 1 }],
    ['a list patch replaces the document, nulls in its objects removed', { a: 1 }, [{ b: null, c: 1 }], [{ c: 1 }]],
    [
      'labels: add, change and remove in one patch',
      { metadata: { name: 'web', labels: { app: 'web', tier: 'front', old: 'x' } } },
      { metadata: { labels: { tier: 'back', old: null, team: 'a' } } },
      { metadata: { name: 'web', labels: { app: 'web', tier: 'back', team: 'a' } } },
    ],
  ])('%s', (_name, target, patch, expected) => {
    expect(applyMergePatch(target, patch)).toEqual(expected);
  });

  it('does not modify the document or the patch', () => {
    const target = { a: { b: 1 }, c: 1 };
    const patch = { a: { d: null, e: { f: null } }, c: null };
    expect(applyMergePatch(target, patch)).toEqual({ a: { b: 1, e: {} } });
    expect(target).toEqual({ a: { b: 1 }, c: 1 });
    expect(patch).toEqual({ a: { d: null, e: { f: null } }, c: null });
  });
});
