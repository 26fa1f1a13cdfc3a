import { describe, expect, it } from 'vitest';
import { ApiError } from '../../src/errors/status.js';
import type { JsonValue } from '../../src/resources/types.js';
import { applyJsonPatch } from '../../src/patch/json-patch.js';

/** The 422 every failed operation gets, with the real reason kept as the cause. */
function failure(document: JsonValue, operations: JsonValue[], options = {}): { status: unknown; cause: string } {
  try {
    applyJsonPatch(document, operations, options);
  } catch (error) {
    expect(error).toBeInstanceOf(ApiError);
    const apiError = error as ApiError;
    return { status: apiError.status, cause: (apiError.cause as Error).message };
  }
  throw new Error('expected the patch to fail');
}

const UPSTREAM_422 = {
  kind: 'Status',
  apiVersion: 'v1',
  metadata: {},
  status: 'Failure',
  message: 'the server rejected our request due to an error in our request',
  reason: 'Invalid',
  details: {},
  code: 422,
};

describe('RFC 6902 appendix A', () => {
  it.each<[string, JsonValue, JsonValue[], JsonValue]>([
    ['A.1 adding an object member', { foo: 'bar' }, [{ op: 'add', path: '/baz', value: 'qux' }], { baz: 'qux', foo: 'bar' }],
    ['A.2 adding an array element', { foo: ['bar', 'baz'] }, [{ op: 'add', path: '/foo/1', value: 'qux' }], { foo: ['bar', 'qux', 'baz'] }],
    ['A.3 removing an object member', { baz: 'qux', foo: 'bar' }, [{ op: 'remove', path: '/baz' }], { foo: 'bar' }],
    ['A.4 removing an array element', { foo: ['bar', 'qux', 'baz'] }, [{ op: 'remove', path: '/foo/1' }], { foo: ['bar', 'baz'] }],
    ['A.5 replacing a value', { baz: 'qux', foo: 'bar' }, [{ op: 'replace', path: '/baz', value: 'boo' }], { baz: 'boo', foo: 'bar' }],
    [
      'A.6 moving a value',
      { foo: { bar: 'baz', waldo: 'fred' }, qux: { corge: 'grault' } },
      [{ op: 'move', from: '/foo/waldo', path: '/qux/thud' }],
      { foo: { bar: 'baz' }, qux: { corge: 'grault', thud: 'fred' } },
    ],
    [
      'A.7 moving an array element',
      { foo: ['all', 'grass', 'cows', 'eat'] },
      [{ op: 'move', from: '/foo/1', path: '/foo/3' }],
      { foo: ['all', 'cows', 'eat', 'grass'] },
    ],
    [
      'A.8 testing a value: success',
      { baz: 'qux', foo: ['a', 2, 'c'] },
      [
        { op: 'test', path: '/baz', value: 'qux' },
        { op: 'test', path: '/foo/1', value: 2 },
      ],
      { baz: 'qux', foo: ['a', 2, 'c'] },
    ],
    ['A.10 adding a nested member object', { foo: 'bar' }, [{ op: 'add', path: '/child', value: { grandchild: {} } }], { foo: 'bar', child: { grandchild: {} } }],
    ['A.11 ignoring unrecognized elements', { foo: 'bar' }, [{ op: 'add', path: '/baz', value: 'qux', xyz: 123 }], { foo: 'bar', baz: 'qux' }],
    ['A.14 ~ escape ordering', { '/': 9, '~1': 10 }, [{ op: 'test', path: '/~01', value: 10 }], { '/': 9, '~1': 10 }],
    ['A.16 adding an array value', { foo: ['bar'] }, [{ op: 'add', path: '/foo/-', value: ['abc', 'def'] }], { foo: ['bar', ['abc', 'def']] }],
  ])('%s', (_name, document, operations, expected) => {
    expect(applyJsonPatch(document, operations)).toEqual(expected);
  });

  it.each<[string, JsonValue, JsonValue[], string]>([
    ['A.9 testing a value: error', { baz: 'qux' }, [{ op: 'test', path: '/baz', value: 'bar' }], 'testing value /baz failed: test failed'],
    ['A.12 adding to a nonexistent target', { foo: 'bar' }, [{ op: 'add', path: '/baz/bat', value: 'qux' }], 'add operation does not apply: doc is missing path: "/baz/bat"'],
    // A.13's duplicate "op" decodes with the last one winning (remove), which then fails on the missing member.
    ['A.13 invalid patch document (as decoded)', { foo: 'bar' }, [{ op: 'remove', path: '/baz', value: 'qux' }], 'remove: unable to remove nonexistent key: baz'],
    ['A.15 comparing strings and numbers', { '/': 9, '~1': 10 }, [{ op: 'test', path: '/~01', value: '10' }], 'testing value /~01 failed: test failed'],
  ])('%s → upstream’s 422', (_name, document, operations, cause) => {
    const result = failure(document, operations);
    expect(result.status).toEqual(UPSTREAM_422);
    expect(result.cause).toBe(cause);
  });
});

describe('evanphx/json-patch v4 behaviour kube-apiserver 1.32 exposes', () => {
  it.each<[string, JsonValue, JsonValue[], JsonValue]>([
    ['replace of a missing object member adds it', { a: 1 }, [{ op: 'replace', path: '/b', value: 2 }], { a: 1, b: 2 }],
    ['add without a value adds null', { a: 1 }, [{ op: 'add', path: '/b' }], { a: 1, b: null }],
    ['copy from a missing member copies null', { a: 1 }, [{ op: 'copy', from: '/nope', path: '/b' }], { a: 1, b: null }],
    ['a negative index counts from the end (add)', { l: ['x', 'y'] }, [{ op: 'add', path: '/l/-1', value: 'z' }], { l: ['x', 'y', 'z'] }],
    ['a negative index counts from the end (remove)', { l: ['x', 'y', 'z'] }, [{ op: 'remove', path: '/l/-2' }], { l: ['x', 'z'] }],
    ['add at -1 of an empty list appends', { l: [] }, [{ op: 'add', path: '/l/-1', value: 'q' }], { l: ['q'] }],
    ['indexes parse like strconv.Atoi ("+1", "01")', { l: ['a', 'b', 'c'] }, [{ op: 'replace', path: '/l/+1', value: 'B' }, { op: 'remove', path: '/l/02' }], { l: ['a', 'B'] }],
    ['a path without a leading slash keeps its last segment', { a: 1 }, [{ op: 'add', path: 'ignored/b', value: 2 }], { a: 1, b: 2 }],
    ['test of an absent member against null passes', { a: 1 }, [{ op: 'test', path: '/b', value: null }], { a: 1 }],
    ['test of a null member against null passes', { a: null }, [{ op: 'test', path: '/a', value: null }], { a: null }],
    ['replace of a null member', { bar: [{ baz: null }] }, [{ op: 'replace', path: '/bar/0/baz', value: 1 }], { bar: [{ baz: 1 }] }],
    ['copy of a list into its own first slot copies it whole', { foo: ['bar'] }, [{ op: 'copy', from: '/foo', path: '/foo/0' }], { foo: [['bar'], 'bar'] }],
    ['move within a list, forward by one', { foo: ['all', 'grass', 'cows', 'eat'] }, [{ op: 'move', from: '/foo/1', path: '/foo/2' }], { foo: ['all', 'cows', 'grass', 'eat'] }],
    [
      'replace of the whole document',
      { id: '0' },
      [
        { op: 'test', path: '', value: { id: '0' } },
        { op: 'replace', path: '', value: { id: '1', extra: true } },
      ],
      { id: '1', extra: true },
    ],
    ['keys with / and ~ unescape once', { 'a/b': { '~c': 1 } }, [{ op: 'replace', path: '/a~1b/~0c', value: 2 }], { 'a/b': { '~c': 2 } }],
  ])('%s', (_name, document, operations, expected) => {
    expect(applyJsonPatch(document, operations)).toEqual(expected);
  });

  it.each<[string, JsonValue, JsonValue[]]>([
    ['remove of a missing member', { a: { b: { d: 1 } } }, [{ op: 'remove', path: '/a/b/c' }]],
    ['move from a missing member', { a: { b: { d: 1 } } }, [{ op: 'move', from: '/a/b/c', path: '/a/b/e' }]],
    ['remove past the end of a list', { a: { b: [1] } }, [{ op: 'remove', path: '/a/b/1' }]],
    ['replace past the end of a list', { foo: ['bar', 'baz'] }, [{ op: 'replace', path: '/foo/2', value: 'bum' }]],
    ['add before the start of a list', { foo: ['bar', 'baz'] }, [{ op: 'add', path: '/foo/-4', value: 'bum' }]],
    ['add two past the end of a list', { foo: ['bar'] }, [{ op: 'add', path: '/foo/2', value: 'bum' }]],
    ['remove of "-"', { foo: [] }, [{ op: 'remove', path: '/foo/-' }]],
    ['remove of -1 in an empty list', { foo: [] }, [{ op: 'remove', path: '/foo/-1' }]],
    ['move to past the end', { foo: ['all', 'grass', 'cows', 'eat'] }, [{ op: 'move', from: '/foo/1', path: '/foo/4' }]],
    ['copy to past the end', { foo: ['bar'] }, [{ op: 'copy', from: '/foo/0', path: '/foo/2' }]],
    ['walking through a string', { name: { foo: 'bat' } }, [{ op: 'replace', path: '/name/foo/bar', value: 'baz' }]],
    ['walking through a null member', { a: null }, [{ op: 'add', path: '/a/b', value: 1 }]],
    ['add of the whole document', { foo: 'bar' }, [{ op: 'add', path: '', value: 'qux' }]],
    ['replace of the whole document by a scalar', { foo: 'bar' }, [{ op: 'replace', path: '', value: 'qux' }]],
    ['a missing path', { foo: 'bar' }, [{ op: 'add', pathz: '/baz', value: 'qux' }]],
    ['a null path', {}, [{ op: 'add', path: null }]],
    ['a null from', {}, [{ op: 'copy', from: null }]],
    ['test of an existing member without a value', { foo: [] }, [{ op: 'test', path: '/foo' }]],
    ['test of a list against null', { foo: [] }, [{ op: 'test', path: '/foo', value: null }]],
    ['test of an object against null', { foo: {} }, [{ op: 'test', path: '/foo', value: null }]],
    ['test of an absent member against a value', { baz: 'qux' }, [{ op: 'test', path: '/foo', value: 42 }]],
  ])('fails: %s', (_name, document, operations) => {
    expect(failure(document, operations).status).toEqual(UPSTREAM_422);
  });

  it.each<[JsonValue, string]>([
    [{ op: 'frobnicate', path: '/a' }, 'Unexpected kind: frobnicate'],
    [{ op: null, path: '' }, 'Unexpected kind: unknown'],
    [{ op: 7, path: '/a' }, 'Unexpected kind: unknown'],
    [null, 'Unexpected kind: unknown'],
  ])('an unknown operation %j fails: %s', (operation, cause) => {
    expect(failure({ a: 1 }, [operation]).cause).toBe(cause);
  });

  it.each<[string, JsonValue, JsonValue[]]>([
    ['test of an absent member without a value', { a: 1 }, [{ op: 'test', path: '/b' }]],
    ['test of the whole document without a value', { a: 1 }, [{ op: 'test', path: '' }]],
    ['replace of the whole document without a value', { a: 1 }, [{ op: 'replace', path: '' }]],
    ['test meeting a null list element', { l: [1, null] }, [{ op: 'test', path: '/l', value: [1, null] }]],
  ])('answers 500 where the library dereferences nil: %s', (_name, document, operations) => {
    let caught: unknown;
    try {
      applyJsonPatch(document, operations);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ApiError);
    expect((caught as ApiError).status).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'This request caused apiserver to panic. Look in the logs for details.',
      code: 500,
    });
  });

  it('stops comparing lists at the first difference, before any null element', () => {
    expect(failure({ l: [2, null] }, [{ op: 'test', path: '/l', value: [1, null] }]).status).toEqual(UPSTREAM_422);
    expect(applyJsonPatch({ m: { a: null, b: [1] } }, [{ op: 'test', path: '/m', value: { a: null, b: [1] } }])).toEqual({ m: { a: null, b: [1] } });
  });

  it('applies all or nothing, and never modifies its inputs', () => {
    const document = { a: 1, l: [1, 2] };
    const operations: JsonValue[] = [
      { op: 'add', path: '/b', value: { c: 1 } },
      { op: 'remove', path: '/l/0' },
      { op: 'test', path: '/a', value: 2 },
    ];
    failure(document, operations);
    expect(document).toEqual({ a: 1, l: [1, 2] });
    const result = applyJsonPatch(document, operations.slice(0, 2)) as { b: { c: number } };
    result.b.c = 99;
    expect(operations[0]).toEqual({ op: 'add', path: '/b', value: { c: 1 } });
  });

  it('limits the bytes copy operations add, counting them as encoding/json writes them', () => {
    const fortyEight = 'A'.repeat(48);
    const twice: JsonValue[] = [
      { op: 'copy', path: '/foo/-', from: '/foo/1' },
      { op: 'copy', path: '/foo/-', from: '/foo/1' },
    ];
    // Each copy adds the string with its quotes: 50 bytes, so two fit in 100 and not in 99.
    expect(applyJsonPatch({ foo: ['A', fortyEight] }, twice, { maxCopyBytes: 100 })).toEqual({ foo: ['A', fortyEight, fortyEight, fortyEight] });
    expect(failure({ foo: ['A', fortyEight] }, twice, { maxCopyBytes: 99 }).cause).toBe(
      'Unable to complete the copy, the accumulated size increase of copy is 100, exceeding the limit 99',
    );
    // HTML characters count as their \u escapes (6 bytes each).
    expect(failure({ foo: ['<'] }, [{ op: 'copy', path: '/bar', from: '/foo/0' }], { maxCopyBytes: 7 }).cause).toContain('is 8,');
  });
});
