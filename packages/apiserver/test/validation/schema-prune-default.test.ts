import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { fieldErrorMessage, type FieldError } from '../../src/errors/status.js';
import type { SchemaNode } from '../../src/validation/schema-common.js';
import { applyDefaults, validateDefaults } from '../../src/validation/schema-default.js';
import { pruneCustomResource, pruneNonNullableNullsWithoutDefaults, pruneUnknownFields, unknownMetadataFields } from '../../src/validation/schema-prune.js';

const text = (error: FieldError): string => `${error.field}: ${fieldErrorMessage(error)}`;

interface PruneCase {
  readonly name: string;
  readonly json: string;
  readonly schema: SchemaNode | undefined;
  readonly isResourceRoot?: boolean;
  readonly expectedObject: string;
  readonly expectedPruned: readonly string[];
}

// Cases from apiextensions-apiserver's pkg/apiserver/schema/pruning/algorithm_test.go.
const pruneCases: PruneCase[] = [
  { name: 'scalar', json: '4', schema: {}, expectedObject: '4', expectedPruned: [] },
  { name: 'object array', json: '[{"a":1},{"b":1},{"a":1,"b":2,"c":3}]', schema: { items: { properties: { a: {}, c: {} } } }, expectedObject: '[{"a":1},{},{"a":1,"c":3}]', expectedPruned: ['[1].b', '[2].b'] },
  { name: 'object array with nil schema', json: '[{"a":1},{"b":1},{"a":1,"b":2,"c":3}]', schema: undefined, expectedObject: '[{},{},{}]', expectedPruned: ['[0].a', '[1].b', '[2].a', '[2].b', '[2].c'] },
  {
    name: 'object array object',
    json: '{"array":[{"a":1},{"b":1},{"a":1,"b":2,"c":3}],"unspecified":{"a":1},"specified":{"a":1,"b":2,"c":3}}',
    schema: { properties: { array: { items: { properties: { a: {}, c: {} } } }, specified: { properties: { a: {}, c: {} } } } },
    expectedObject: '{"array":[{"a":1},{},{"a":1,"c":3}],"specified":{"a":1,"c":3}}',
    expectedPruned: ['array[1].b', 'array[2].b', 'specified.b', 'unspecified'],
  },
  {
    name: 'nested x-kubernetes-preserve-unknown-fields',
    json: JSON.stringify({
      unspecified: 'bar',
      alpha: 'abc',
      beta: 42.0,
      unspecifiedObject: { unspecified: 'bar' },
      pruning: { unspecified: 'bar', unspecifiedObject: { unspecified: 'bar' }, pruning: { unspecified: 'bar' }, apiVersion: 'unknown', preserving: { unspecified: 'bar' } },
      preserving: {
        unspecified: 'bar',
        unspecifiedObject: { unspecified: 'bar' },
        pruning: { unspecified: 'bar' },
        preserving: { unspecified: 'bar' },
        preservingUnknownType: [{ foo: true }, { bar: true }],
      },
      preservingAdditionalPropertiesNotInheritingXPreserveUnknownFields: { foo: { specified: { unspecified: 'bar' }, unspecified: 'bar' } },
      preservingAdditionalPropertiesKeyPruneValues: { foo: { specified: { unspecified: 'bar' }, unspecified: 'bar' } },
    }),
    schema: {
      type: 'object',
      'x-kubernetes-preserve-unknown-fields': true,
      properties: {
        alpha: { type: 'string' },
        beta: { type: 'number' },
        pruning: { type: 'object', properties: { preserving: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true }, pruning: { type: 'object' } } },
        preserving: {
          type: 'object',
          'x-kubernetes-preserve-unknown-fields': true,
          properties: {
            preserving: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
            preservingUnknownType: { 'x-kubernetes-preserve-unknown-fields': true },
            pruning: { type: 'object' },
          },
        },
        preservingAdditionalPropertiesNotInheritingXPreserveUnknownFields: {
          'x-kubernetes-preserve-unknown-fields': true,
          type: 'object',
          additionalProperties: { type: 'object', properties: { specified: { type: 'object' } } },
        },
        preservingAdditionalPropertiesKeyPruneValues: { type: 'object', additionalProperties: { type: 'object', properties: { specified: { type: 'object' } } } },
      },
    },
    expectedObject: JSON.stringify({
      unspecified: 'bar',
      alpha: 'abc',
      beta: 42.0,
      unspecifiedObject: { unspecified: 'bar' },
      pruning: { pruning: {}, preserving: { unspecified: 'bar' } },
      preserving: { unspecified: 'bar', unspecifiedObject: { unspecified: 'bar' }, pruning: {}, preserving: { unspecified: 'bar' }, preservingUnknownType: [{ foo: true }, { bar: true }] },
      preservingAdditionalPropertiesNotInheritingXPreserveUnknownFields: { foo: { specified: {} } },
      preservingAdditionalPropertiesKeyPruneValues: { foo: { specified: {} } },
    }),
    expectedPruned: [
      'preserving.pruning.unspecified',
      'preservingAdditionalPropertiesKeyPruneValues.foo.specified.unspecified',
      'preservingAdditionalPropertiesKeyPruneValues.foo.unspecified',
      'preservingAdditionalPropertiesNotInheritingXPreserveUnknownFields.foo.specified.unspecified',
      'preservingAdditionalPropertiesNotInheritingXPreserveUnknownFields.foo.unspecified',
      'pruning.apiVersion',
      'pruning.pruning.unspecified',
      'pruning.unspecified',
      'pruning.unspecifiedObject',
    ],
  },
  {
    name: 'additionalProperties with schema',
    json: '{"a":1,"b":1,"c":{"a":1,"b":2,"c":{"a":1}}}',
    schema: { properties: { a: {}, c: { additionalProperties: { type: 'integer' } } } },
    expectedObject: '{"a":1,"c":{"a":1,"b":2,"c":{}}}',
    expectedPruned: ['b', 'c.c.a'],
  },
  {
    name: 'additionalProperties with bool',
    json: '{"a":1,"b":1,"c":{"a":1,"b":2,"c":{"a":1, "apiVersion": "unknown"}}}',
    schema: { properties: { a: {}, c: { additionalProperties: false } } },
    expectedObject: '{"a":1,"c":{"a":1,"b":2,"c":{}}}',
    expectedPruned: ['b', 'c.c.a', 'c.c.apiVersion'],
  },
  {
    name: 'x-kubernetes-embedded-resource',
    json: JSON.stringify({
      apiVersion: 'foo/v1',
      kind: 'Foo',
      metadata: { name: 'instance', unspecified: 'bar' },
      unspecified: 'bar',
      pruned: { apiVersion: 'foo/v1', kind: 'Foo', unspecified: 'bar', metadata: { name: 'instance', unspecified: 'bar' }, spec: { unspecified: 'bar' } },
      preserving: { apiVersion: 'foo/v1', kind: 'Foo', unspecified: 'bar', metadata: { name: 'instance', unspecified: 'bar' }, spec: { unspecified: 'bar' } },
      nested: {
        apiVersion: 'foo/v1',
        kind: 'Foo',
        unspecified: 'bar',
        metadata: { name: 'instance', unspecified: 'bar' },
        spec: { unspecified: 'bar', embedded: { apiVersion: 'foo/v1', kind: 'Foo', unspecified: 'bar', metadata: { name: 'instance', unspecified: 'bar' }, spec: { unspecified: 'bar' } } },
      },
    }),
    schema: {
      type: 'object',
      properties: {
        pruned: { type: 'object', 'x-kubernetes-embedded-resource': true, properties: { spec: { type: 'object' } } },
        preserving: { type: 'object', 'x-kubernetes-embedded-resource': true, 'x-kubernetes-preserve-unknown-fields': true },
        nested: {
          type: 'object',
          'x-kubernetes-embedded-resource': true,
          properties: { spec: { type: 'object', properties: { embedded: { type: 'object', 'x-kubernetes-embedded-resource': true, properties: { spec: { type: 'object' } } } } } },
        },
      },
    },
    expectedObject: JSON.stringify({
      pruned: { apiVersion: 'foo/v1', kind: 'Foo', metadata: { name: 'instance', unspecified: 'bar' }, spec: {} },
      preserving: { apiVersion: 'foo/v1', kind: 'Foo', unspecified: 'bar', metadata: { name: 'instance', unspecified: 'bar' }, spec: { unspecified: 'bar' } },
      nested: { apiVersion: 'foo/v1', kind: 'Foo', metadata: { name: 'instance', unspecified: 'bar' }, spec: { embedded: { apiVersion: 'foo/v1', kind: 'Foo', metadata: { name: 'instance', unspecified: 'bar' }, spec: {} } } },
    }),
    expectedPruned: ['nested.spec.embedded.spec.unspecified', 'nested.spec.embedded.unspecified', 'nested.spec.unspecified', 'nested.unspecified', 'pruned.spec.unspecified', 'pruned.unspecified', 'unspecified'],
  },
  {
    name: 'resource root keeps apiVersion, kind and metadata',
    json: '{"apiVersion":"a/v1","kind":"A","metadata":{"name":"x"},"spec":{"a":1,"b":2},"other":1}',
    schema: { type: 'object', properties: { spec: { type: 'object', properties: { a: { type: 'integer' } } } } },
    isResourceRoot: true,
    expectedObject: '{"apiVersion":"a/v1","kind":"A","metadata":{"name":"x"},"spec":{"a":1}}',
    expectedPruned: ['other', 'spec.b'],
  },
];

describe('schema-prune: pruning unknown fields', () => {
  it.each(pruneCases)('$name', ({ json, schema, isResourceRoot, expectedObject, expectedPruned }) => {
    const value: unknown = JSON.parse(json);
    const pruned = pruneUnknownFields(value, schema, { isResourceRoot: isResourceRoot ?? false });
    expect(value).toEqual(JSON.parse(expectedObject));
    expect(pruned).toEqual(expectedPruned);
  });

  it('drops nulls of non-nullable fields without defaults, keeps the others for defaulting', () => {
    const schema: SchemaNode = {
      type: 'object',
      properties: { a: { type: 'string' }, b: { type: 'string', nullable: true }, c: { type: 'string', default: 'C' }, m: { type: 'object', additionalProperties: { type: 'string' } } },
    };
    const value = { a: null, b: null, c: null, m: { x: null }, unknown: null };
    pruneNonNullableNullsWithoutDefaults(value, schema);
    expect(value).toEqual({ b: null, c: null, m: {}, unknown: null });
  });

  it('reports unknown ObjectMeta fields in sorted order, as strict decoding of marshalled metadata does', () => {
    const metadata = { name: 'x', zzz: 1, labels: { a: 'b' }, ownerReferences: [{ name: 'o', bogus: true }], clusterName: 'c', managedFields: [{ manager: 'm', fieldsV1: { 'f:x': {} }, extra: 1 }] };
    expect(unknownMetadataFields(metadata)).toEqual(['metadata.clusterName', 'metadata.managedFields[0].extra', 'metadata.ownerReferences[0].bogus', 'metadata.zzz']);
  });

  it('prunes a custom resource as the CRD decoder does', () => {
    const schema: SchemaNode = {
      type: 'object',
      properties: {
        spec: {
          type: 'object',
          properties: { replicas: { type: 'integer' }, template: { type: 'object', 'x-kubernetes-embedded-resource': true, 'x-kubernetes-preserve-unknown-fields': true }, note: { type: 'string' } },
        },
      },
    };
    const object = {
      apiVersion: 'x.io/v1',
      kind: 'W',
      metadata: { name: 'w', bogus: 1 },
      spec: { replicas: 1, foo: 2, note: null, template: { kind: 'Pod', metadata: { name: 'p', junk: true }, anything: { goes: 1 } } },
    };
    expect(pruneCustomResource(object, schema)).toEqual(['spec.foo', 'spec.template.metadata.junk']);
    expect(object).toEqual({ apiVersion: 'x.io/v1', kind: 'W', metadata: { name: 'w' }, spec: { replicas: 1, template: { kind: 'Pod', metadata: { name: 'p' }, anything: { goes: 1 } } } });
  });
});

interface DefaultCase {
  readonly name: string;
  readonly json: string;
  readonly schema: SchemaNode | undefined;
  readonly expected: string;
}

// Cases from apiextensions-apiserver's pkg/apiserver/schema/defaulting/algorithm_test.go.
const defaultCases: DefaultCase[] = [
  { name: 'scalar', json: '4', schema: { default: 'foo' }, expected: '4' },
  { name: 'scalar array', json: '[1,2]', schema: { items: { default: 'foo' } }, expected: '[1,2]' },
  {
    name: 'object array',
    json: '[{"a":1},{"b":1},{"c":1}]',
    schema: { items: { properties: { a: { default: 'A' }, b: { default: 'B' }, c: { default: 'C' } } } },
    expected: '[{"a":1,"b":"B","c":"C"},{"a":"A","b":1,"c":"C"},{"a":"A","b":"B","c":1}]',
  },
  {
    name: 'object array object',
    json: '{"array":[{"a":1},{"b":2}],"object":{"a":1},"additionalProperties":{"x":{"a":1},"y":{"b":2}}}',
    schema: {
      properties: {
        array: { items: { properties: { a: { default: 'A' }, b: { default: 'B' } } } },
        object: { properties: { a: { default: 'N' }, b: { default: 'O' } } },
        additionalProperties: { additionalProperties: { properties: { a: { default: 'alpha' }, b: { default: 'beta' } } } },
        foo: { default: 'bar' },
      },
    },
    expected: '{"array":[{"a":1,"b":"B"},{"a":"A","b":2}],"object":{"a":1,"b":"O"},"additionalProperties":{"x":{"a":1,"b":"beta"},"y":{"a":"alpha","b":2}},"foo":"bar"}',
  },
  {
    name: 'defaults are defaulted further down',
    json: '{}',
    schema: { properties: { spec: { type: 'object', default: {}, properties: { replicas: { type: 'integer', default: 1 } } } } },
    expected: '{"spec":{"replicas":1}}',
  },
  {
    name: 'non-nullable nulls take the default, nullable ones stay',
    json: '{"a":null,"b":null,"list":[null],"map":{"k":null}}',
    schema: {
      properties: {
        a: { type: 'string', default: 'A' },
        b: { type: 'string', default: 'B', nullable: true },
        list: { type: 'array', items: { type: 'string', default: 'item' } },
        map: { type: 'object', additionalProperties: { type: 'string', default: 'v' } },
      },
    },
    expected: '{"a":"A","b":null,"list":["item"],"map":{"k":"v"}}',
  },
];

describe('schema-default: structural defaulting', () => {
  it.each(defaultCases)('$name', ({ json, schema, expected }) => {
    const value: unknown = JSON.parse(json);
    applyDefaults(value, schema);
    expect(value).toEqual(JSON.parse(expected));
  });

  it('deep-copies defaults, so objects never share them', () => {
    const schema: SchemaNode = { properties: { a: { type: 'object', default: { x: 1 } } } };
    const first: Record<string, Record<string, number>> = {};
    const second: Record<string, Record<string, number>> = {};
    applyDefaults(first, schema);
    applyDefaults(second, schema);
    first['a']!['x'] = 2;
    expect(second).toEqual({ a: { x: 1 } });
  });
});

describe('schema-default: defaults of a CRD schema must be valid and pruned', () => {
  const ROOT = 'spec.versions[0].schema.openAPIV3Schema';
  const check = (yaml: string): string[] => validateDefaults(parse(yaml) as SchemaNode, ROOT).map(text);

  it.each([
    { name: 'valid defaults', schema: 'type: object\nproperties:\n  spec:\n    type: object\n    default: {replicas: 1}\n    properties:\n      replicas: {type: integer, default: 2, minimum: 1}\n', expected: [] },
    {
      name: 'default of the wrong type',
      schema: 'type: object\nproperties:\n  replicas:\n    type: integer\n    default: "two"\n',
      expected: [`${ROOT}.properties[replicas].default: Invalid value: "string":  in body must be of type integer: "string"`],
    },
    {
      name: 'default breaking a bound',
      schema: 'type: object\nproperties:\n  replicas:\n    type: integer\n    minimum: 1\n    default: 0\n',
      expected: [`${ROOT}.properties[replicas].default: Invalid value: 0:  in body should be greater than or equal to 1`],
    },
    {
      name: 'default with unknown fields',
      schema: 'type: object\nproperties:\n  spec:\n    type: object\n    default: {a: 1, b: 2}\n    properties:\n      a: {type: integer}\n',
      expected: [`${ROOT}.properties[spec].default: Invalid value: {"a":1,"b":2}: must not have unknown fields`],
    },
    {
      name: 'nested default breaking a nested rule',
      schema: 'type: object\nproperties:\n  spec:\n    type: object\n    default: {name: "ABC"}\n    properties:\n      name: {type: string, pattern: "^[a-z]+$"}\n',
      expected: [`${ROOT}.properties[spec].default.name: Invalid value: "ABC": name in body should match '^[a-z]+$'`],
    },
    {
      name: 'default failing a CEL rule',
      schema: 'type: object\nproperties:\n  spec:\n    type: object\n    default: {min: 5, max: 1}\n    x-kubernetes-validations:\n    - rule: self.min <= self.max\n    properties:\n      min: {type: integer}\n      max: {type: integer}\n',
      expected: [`${ROOT}.properties[spec].default: Invalid value: "object": failed rule: self.min <= self.max`],
    },
    {
      name: 'embedded resource default without kind',
      schema: 'type: object\nproperties:\n  tpl:\n    type: object\n    x-kubernetes-embedded-resource: true\n    x-kubernetes-preserve-unknown-fields: true\n    default: {apiVersion: v1}\n',
      expected: [`${ROOT}.properties[tpl].default.kind: Required value: must not be empty`],
    },
  ])('$name', ({ schema, expected }) => {
    expect(check(schema)).toEqual(expected);
  });
});
