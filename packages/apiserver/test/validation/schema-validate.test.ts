import { describe, expect, it } from 'vitest';
import { fieldErrorMessage, type FieldError } from '../../src/errors/status.js';
import type { SchemaNode } from '../../src/validation/schema-common.js';
import { compileRe2, goFloat, goQuote } from '../../src/validation/schema-common.js';
import { validateCustomResource, validateListSetsAndMaps, validateValue } from '../../src/validation/schema-validate.js';

/** A field error as kube-apiserver prints it in a Status message. */
const text = (error: FieldError): string => `${error.field}: ${fieldErrorMessage(error)}`;
const run = (schema: SchemaNode, value: unknown, old?: unknown): string[] => validateValue(schema, value, old === undefined ? {} : { old: { value: old } }).map(text);
const object = (props: Record<string, SchemaNode>, extra: Partial<SchemaNode> = {}): SchemaNode => ({ type: 'object', properties: props, ...extra });

interface Case {
  readonly name: string;
  readonly schema: SchemaNode;
  readonly value: unknown;
  /** Upstream's messages (apiextensions-apiserver validation_test.go and kube-openapi). */
  readonly expected: readonly string[];
}

const cases: Case[] = [
  { name: 'object field given a string', schema: object({ field: { type: 'object' } }), value: { field: 'foo' }, expected: ['field: Invalid value: "string": field in body must be of type object: "string"'] },
  { name: 'object field given an integer', schema: object({ field: { type: 'object' } }), value: { field: 42 }, expected: ['field: Invalid value: "integer": field in body must be of type object: "integer"'] },
  { name: 'object field given a boolean', schema: object({ field: { type: 'object' } }), value: { field: true }, expected: ['field: Invalid value: "boolean": field in body must be of type object: "boolean"'] },
  { name: 'object field given a number', schema: object({ field: { type: 'object' } }), value: { field: 1.2 }, expected: ['field: Invalid value: "number": field in body must be of type object: "number"'] },
  { name: 'object field given an array', schema: object({ field: { type: 'object' } }), value: { field: [] }, expected: ['field: Invalid value: "array": field in body must be of type object: "array"'] },
  { name: 'non-nullable null', schema: object({ field: { type: 'object' } }), value: { field: null }, expected: ['field: Invalid value: "null": field in body must be of type object: "null"'] },
  { name: 'nullable null', schema: object({ field: { type: 'object', nullable: true } }), value: { field: null }, expected: [] },
  {
    name: 'integer replicas given a string',
    schema: object({ spec: object({ replicas: { type: 'integer' } }) }),
    value: { spec: { replicas: 'string' } },
    expected: ['spec.replicas: Invalid value: "string": spec.replicas in body must be of type integer: "string"'],
  },
  {
    name: 'int-or-string given a boolean',
    schema: object({ field: { 'x-kubernetes-int-or-string': true } }),
    value: { field: true },
    expected: ['field: Invalid value: "boolean": field in body must be of type integer,string: "boolean"'],
  },
  { name: 'int-or-string given an integer and a string', schema: object({ a: { 'x-kubernetes-int-or-string': true }, b: { 'x-kubernetes-int-or-string': true } }), value: { a: 1, b: '50%' }, expected: [] },
  {
    name: 'nullable int-or-string with anyOf, given a boolean',
    schema: object({ field: { nullable: true, 'x-kubernetes-int-or-string': true, anyOf: [{ type: 'integer' }, { type: 'string' }] } }),
    value: { field: true },
    expected: [
      'field: Invalid value: "boolean": field in body must be of type integer,string: "boolean"',
      '<nil>: Invalid value: "": "field" must validate at least one schema (anyOf)',
      'field: Invalid value: "boolean": field in body must be of type integer: "boolean"',
    ],
  },
  {
    name: 'nullable int-or-string with allOf(anyOf), given an object',
    schema: object({ field: { nullable: true, 'x-kubernetes-int-or-string': true, allOf: [{ anyOf: [{ type: 'integer' }, { type: 'string' }] }] } }),
    value: { field: {} },
    expected: [
      'field: Invalid value: "object": field in body must be of type integer,string: "object"',
      '<nil>: Invalid value: "": "field" must validate at least one schema (anyOf)',
      'field: Invalid value: "object": field in body must be of type integer: "object"',
      '<nil>: Invalid value: "": "field" must validate all the schemas (allOf). None validated',
    ],
  },
  {
    name: 'invalid pattern',
    schema: object({ field: { type: 'string', pattern: '+' } }),
    value: { field: 'foo' },
    expected: ["field: Invalid value: \"foo\": field in body should match '+, but pattern is invalid: error parsing regexp: missing argument to repetition operator: `+`'"],
  },
  { name: 'pattern mismatch', schema: object({ name: { type: 'string', pattern: '^[a-z]+$' } }), value: { name: 'ABC' }, expected: ["name: Invalid value: \"ABC\": name in body should match '^[a-z]+$'"] },
  {
    name: 'required fields at two levels',
    schema: object({ field: { type: 'object', required: ['nested'], properties: { nested: {} } } }, { required: ['field'] }),
    value: { test: 'a' },
    expected: ['field: Required value'],
  },
  { name: 'nested required field', schema: object({ field: { type: 'object', required: ['nested'], properties: { nested: {} } } }), value: { field: {} }, expected: ['field.nested: Required value'] },
  {
    name: 'enum and type errors together',
    schema: object({
      field: {
        type: 'object',
        required: ['nestedint', 'nestedstring'],
        properties: { nestedint: { type: 'integer', enum: [1, 2] }, nestedstring: { type: 'string', enum: ['a', 'b'] } },
      },
    }),
    value: { field: { nestedint: 'x', nestedstring: true } },
    expected: [
      'field.nestedint: Invalid value: "string": field.nestedint in body must be of type integer: "string"',
      'field.nestedint: Unsupported value: "x": supported values: "1", "2"',
      'field.nestedstring: Invalid value: "boolean": field.nestedstring in body must be of type string: "boolean"',
      'field.nestedstring: Unsupported value: true: supported values: "a", "b"',
    ],
  },
  { name: 'maxProperties', schema: object({ fieldX: { type: 'object', maxProperties: 2 } }), value: { fieldX: { a: true, b: true, c: true } }, expected: ['fieldX: Too many: 3: must have at most 2 items'] },
  { name: 'minProperties', schema: object({ fieldX: { type: 'object', minProperties: 2 } }), value: { fieldX: { a: true } }, expected: ['fieldX: Invalid value: 1: fieldX in body should have at least 2 properties'] },
  { name: 'maxItems', schema: object({ fieldX: { type: 'array', maxItems: 2 } }), value: { fieldX: ['a', 'b', 'c'] }, expected: ['fieldX: Too many: 3: must have at most 2 items'] },
  { name: 'minItems', schema: object({ fieldX: { type: 'array', minItems: 2, items: { type: 'string' } } }), value: { fieldX: ['a'] }, expected: ['fieldX: Invalid value: 1: fieldX in body should have at least 2 items'] },
  { name: 'maxLength', schema: object({ fieldX: { type: 'string', maxLength: 2 } }), value: { fieldX: 'abc' }, expected: ['fieldX: Too long: may not be more than 2 bytes'] },
  { name: 'maxLength counts runes', schema: object({ fieldX: { type: 'string', maxLength: 2 } }), value: { fieldX: 'äö' }, expected: [] },
  { name: 'minLength', schema: object({ fieldX: { type: 'string', minLength: 2 } }), value: { fieldX: 'a' }, expected: ['fieldX: Invalid value: "a": fieldX in body should be at least 2 chars long'] },
  { name: 'maximum', schema: object({ replicas: { type: 'integer', maximum: 10 } }), value: { replicas: 11 }, expected: ['replicas: Invalid value: 11: replicas in body should be less than or equal to 10'] },
  { name: 'exclusive maximum', schema: object({ replicas: { type: 'integer', maximum: 10, exclusiveMaximum: true } }), value: { replicas: 10 }, expected: ['replicas: Invalid value: 10: replicas in body should be less than 10'] },
  { name: 'minimum', schema: object({ beta: { type: 'integer', minimum: 10 } }), value: { beta: 9 }, expected: ['beta: Invalid value: 9: beta in body should be greater than or equal to 10'] },
  { name: 'exclusive minimum on a float', schema: object({ ratio: { type: 'number', minimum: 0.5, exclusiveMinimum: true } }), value: { ratio: 0.5 }, expected: ['ratio: Invalid value: 0.5: ratio in body should be greater than 0.5'] },
  { name: 'float bound printed as Go prints floats', schema: object({ ratio: { type: 'number', maximum: 1000000 } }), value: { ratio: 1000000.5 }, expected: ['ratio: Invalid value: 1000000.5: ratio in body should be less than or equal to 1e+06'] },
  { name: 'integer accepted where a number is expected', schema: object({ ratio: { type: 'number' } }), value: { ratio: 3 }, expected: [] },
  { name: 'number where an integer is expected', schema: object({ count: { type: 'integer' } }), value: { count: 1.5 }, expected: ['count: Invalid value: "number": count in body must be of type integer: "number"'] },
  { name: 'multipleOf', schema: object({ count: { type: 'integer', multipleOf: 3 } }), value: { count: 4 }, expected: ['count: Invalid value: 4: count in body should be a multiple of 3'] },
  { name: 'multipleOf on a float', schema: object({ step: { type: 'number', multipleOf: 0.5 } }), value: { step: 0.75 }, expected: ['step: Invalid value: 0.75: step in body should be a multiple of 0.5'] },
  { name: 'uniqueItems', schema: object({ list: { type: 'array', uniqueItems: true, items: { type: 'string' } } }), value: { list: ['a', 'a'] }, expected: ['list: Invalid value: "": list in body shouldn\'t contain duplicates'] },
  { name: 'items validated with their index', schema: object({ list: { type: 'array', items: { type: 'integer' } } }), value: { list: [1, 'two'] }, expected: ['list[1]: Invalid value: "string": list[1] in body must be of type integer: "string"'] },
  {
    name: 'additionalProperties values',
    schema: object({ labels: { type: 'object', additionalProperties: { type: 'string' } } }),
    value: { labels: { a: 'x', b: 2 } },
    expected: ['labels.b: Invalid value: "integer": labels.b in body must be of type string: "integer"'],
  },
  { name: 'uuid format', schema: object({ id: { type: 'string', format: 'uuid' } }), value: { id: 'abc' }, expected: ['id: Invalid value: "abc": id in body must be of type uuid: "abc"'] },
  { name: 'date-time format', schema: object({ at: { type: 'string', format: 'date-time' } }), value: { at: '2024-13-01T00:00:00Z' }, expected: ['at: Invalid value: "2024-13-01T00:00:00Z": at in body must be of type date-time: "2024-13-01T00:00:00Z"'] },
  { name: 'valid date-time', schema: object({ at: { type: 'string', format: 'date-time' } }), value: { at: '2024-02-29T10:00:00.5+01:00' }, expected: [] },
  { name: 'byte format', schema: object({ data: { type: 'string', format: 'byte' } }), value: { data: 'not base64!' }, expected: ['data: Invalid value: "not base64!": data in body must be of type byte: "not base64!"'] },
  { name: 'int32 is not a validated format', schema: object({ port: { type: 'integer', format: 'int32' } }), value: { port: 99999999999 }, expected: [] },
  { name: 'unknown formats are ignored', schema: object({ name: { type: 'string', format: 'quantity' } }), value: { name: 'anything' }, expected: [] },
  { name: 'ipv4 format', schema: object({ ip: { type: 'string', format: 'ipv4' } }), value: { ip: '10.0.0.256' }, expected: ['ip: Invalid value: "10.0.0.256": ip in body must be of type ipv4: "10.0.0.256"'] },
  { name: 'format with a non-string value', schema: object({ at: { type: 'string', format: 'date-time' } }), value: { at: 5 }, expected: ['at: Invalid value: "int64": at in body must be of type date-time: "int64"'] },
  { name: 'oneOf with none valid', schema: object({ v: { type: 'integer', oneOf: [{ minimum: 5 }, { maximum: 1 }] } }), value: { v: 3 }, expected: ['<nil>: Invalid value: "": "v" must validate one and only one schema (oneOf). Found none valid', 'v: Invalid value: 3: v in body should be greater than or equal to 5'] },
  { name: 'oneOf with two valid', schema: object({ v: { type: 'integer', oneOf: [{ minimum: 1 }, { maximum: 5 }] } }), value: { v: 3 }, expected: ['<nil>: Invalid value: "": "v" must validate one and only one schema (oneOf). Found 2 valid alternatives'] },
  { name: 'not', schema: object({ v: { type: 'string', not: { enum: ['forbidden'] } } }), value: { v: 'forbidden' }, expected: ['<nil>: Invalid value: "": "v" must not validate the schema (not)'] },
  { name: 'root type error names the nil path', schema: { type: 'object' }, value: 'x', expected: ['<nil>: Invalid value: "string":  in body must be of type object: "string"'] },
  { name: 'null never matches an enum', schema: object({ v: { type: 'string', nullable: true, enum: ['a', null] } }), value: { v: null }, expected: ['v: Unsupported value: "null": supported values: "a", "null"'] },
];

describe('schema-validate: OpenAPI validation with kube-openapi messages', () => {
  it.each(cases)('$name', ({ schema, value, expected }) => {
    expect(run(schema, value)).toEqual(expected);
  });

  it('roots field paths and body paths where the caller says', () => {
    const schema = object({ replicas: { type: 'integer', maximum: 10 } });
    expect(validateValue(schema, { replicas: 15 }, { bodyPath: 'status' }).map(text)).toEqual(['status.replicas: Invalid value: 15: status.replicas in body should be less than or equal to 10']);
    expect(validateValue({ type: 'integer' }, 'x', { fieldPath: 'spec.versions[0].schema.openAPIV3Schema.properties[a].default' }).map(text)).toEqual([
      'spec.versions[0].schema.openAPIV3Schema.properties[a].default: Invalid value: "string":  in body must be of type integer: "string"',
    ]);
  });

  it('ratchets errors of values that did not change on update (CRDValidationRatcheting)', () => {
    const schema = object({ a: { type: 'string', maxLength: 2 }, b: { type: 'string', maxLength: 2 } });
    // a was already too long and is unchanged: tolerated; b becomes too long: refused.
    expect(run(schema, { a: 'xxx', b: 'yyy' }, { a: 'xxx', b: 'y' })).toEqual(['b: Too long: may not be more than 2 bytes']);
    expect(run(schema, { a: 'xxx' }, undefined)).toEqual(['a: Too long: may not be more than 2 bytes']);
    // A changed value is checked again.
    expect(run(schema, { a: 'xxxx' }, { a: 'xxx' })).toEqual(['a: Too long: may not be more than 2 bytes']);
  });

  it('ratchets map-list items by their keys, not their position', () => {
    const schema = object({
      ports: {
        type: 'array',
        'x-kubernetes-list-type': 'map',
        'x-kubernetes-list-map-keys': ['name'],
        items: object({ name: { type: 'string' }, port: { type: 'integer', maximum: 100 } }),
      },
    });
    const old = { ports: [{ name: 'a', port: 500 }] };
    expect(run(schema, { ports: [{ name: 'b', port: 1 }, { name: 'a', port: 500 }] }, old)).toEqual([]);
    expect(run(schema, { ports: [{ name: 'b', port: 500 }] }, old)).toEqual(['ports[0].port: Invalid value: 500: ports[0].port in body should be less than or equal to 100']);
  });
});

describe('schema-validate: x-kubernetes-list-type uniqueness', () => {
  const set = object({ tags: { type: 'array', 'x-kubernetes-list-type': 'set', items: { type: 'string' } } });
  const map = object({
    ports: { type: 'array', 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['name'], items: object({ name: { type: 'string' }, port: { type: 'integer' } }) },
  });
  const twoKeys = object({
    routes: { type: 'array', 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['host', 'port'], items: object({ host: { type: 'string' }, port: { type: 'integer' } }) },
  });
  it.each([
    { name: 'set duplicates, reported once at the second occurrence', schema: set, value: { tags: ['a', 'b', 'a', 'a'] }, expected: ['tags[2]: Duplicate value: "a"'] },
    { name: 'unique set', schema: set, value: { tags: ['a', 'b'] }, expected: [] },
    { name: 'map list with a repeated key', schema: map, value: { ports: [{ name: 'http', port: 80 }, { name: 'http', port: 81 }] }, expected: ['ports[1]: Duplicate value: {"name":"http"}'] },
    { name: 'map list items must be objects', schema: map, value: { ports: ['x'] }, expected: ['ports[0]: Invalid value: "x": must be an object for an array of list-type map'] },
    { name: 'map list with two keys', schema: twoKeys, value: { routes: [{ host: 'a', port: 1 }, { port: 1, host: 'a' }, { host: 'a', port: 2 }] }, expected: ['routes[1]: Duplicate value: {"host":"a","port":1}'] },
  ])('$name', ({ schema, value, expected }) => {
    expect(validateListSetsAndMaps(schema, value, '').map(text)).toEqual(expected);
  });
});

describe('schema-validate: custom resources', () => {
  const schema = object({
    spec: object({
      template: { type: 'object', 'x-kubernetes-embedded-resource': true, 'x-kubernetes-preserve-unknown-fields': true },
      tags: { type: 'array', 'x-kubernetes-list-type': 'set', items: { type: 'string' } },
    }),
  });

  it('checks embedded resources and list types after the OpenAPI checks', () => {
    const errors = validateCustomResource(schema, { spec: { template: { kind: 'bad_kind', apiVersion: 'a/b/c' }, tags: ['x', 'x'] } }).map(text);
    expect(errors).toEqual([
      'spec.template.kind: Invalid value: "bad_kind": may have mixed case, but should otherwise match: a DNS-1035 label must consist of lower case alphanumeric characters or \'-\', start with an alphabetic character, and end with an alphanumeric character (e.g. \'my-name\',  or \'abc-123\', regex used for validation is \'[a-z]([-a-z0-9]*[a-z0-9])?\')',
      'spec.template.apiVersion: Invalid value: "a/b/c": unexpected GroupVersion string: a/b/c',
      'spec.tags[1]: Duplicate value: "x"',
    ]);
    expect(validateCustomResource(schema, { spec: { template: {} } }).map(text)).toEqual(['spec.template.apiVersion: Required value: must not be empty', 'spec.template.kind: Required value: must not be empty']);
  });

  it('skips list-type checks on update when the old object already broke them', () => {
    expect(validateCustomResource(schema, { spec: { tags: ['x', 'x'] } }, { old: { spec: { tags: ['y', 'y'] } } })).toEqual([]);
    expect(validateCustomResource(schema, { spec: { tags: ['x', 'x'] } }, { old: { spec: { tags: ['y'] } } }).map(text)).toEqual(['spec.tags[1]: Duplicate value: "x"']);
  });
});

describe('schema-common: RE2 patterns and Go printing', () => {
  it.each([
    { pattern: '(?i)^abc$', input: 'ABC', matches: true },
    { pattern: '^[[:alpha:]]+$', input: 'abcXYZ', matches: true },
    { pattern: '^[[:digit:]]+$', input: '12a', matches: false },
    { pattern: '^\\pL+$', input: 'äbc', matches: true },
    { pattern: '^(?P<word>[a-z]+)-\\d+$', input: 'abc-12', matches: true },
    { pattern: '^a\\-b\\_c$', input: 'a-b_c', matches: true },
    { pattern: 'abc\\z', input: 'xabc', matches: true },
  ])('RE2 $pattern', ({ pattern, input, matches }) => {
    const compiled = compileRe2(pattern);
    expect(compiled.error).toBeUndefined();
    expect(compiled.regexp!.test(input)).toBe(matches);
  });

  it.each([
    { pattern: '(?=a)', error: 'error parsing regexp: invalid or unsupported Perl syntax: `(?=`' },
    { pattern: '(a)\\1', error: 'error parsing regexp: invalid escape sequence: `\\1`' },
    { pattern: '(abc', error: 'error parsing regexp: missing closing ): `(abc`' },
    { pattern: '*a', error: 'error parsing regexp: missing argument to repetition operator: `*`' },
  ])('RE2 refuses $pattern like Go', ({ pattern, error }) => {
    expect(compileRe2(pattern).error).toBe(error);
  });

  it.each([
    [10, '10'],
    [0.5, '0.5'],
    [100000, '100000'],
    [1000000, '1e+06'],
    [1234567.5, '1.2345675e+06'],
    [0.0001, '0.0001'],
    [0.00001, '1e-05'],
    [-2.5e-7, '-2.5e-07'],
  ])('Go prints the float %d as %s', (value, printed) => {
    expect(goFloat(value)).toBe(printed);
  });

  it('quotes like strconv.Quote', () => {
    expect(goQuote('a"b\\c\n\u0001é')).toBe('"a\\"b\\\\c\\n\\x01é"');
  });
});
