import { describe, expect, it } from 'vitest';
import { ApiError } from '../../src/errors/status.js';
import { MapSchemaRegistry, type Schema } from '../../src/schema/types.js';
import { scanJson, jsonNodeValue } from '../../src/validation/json-scan.js';
import type { SchemaNode } from '../../src/validation/schema-common.js';
import {
  applyFieldValidation,
  decodeCustomResource,
  fieldValidationDirective,
  parseBodyForStrictDecoding,
  patchStrictErrors,
  strictDecodingErrors,
} from '../../src/validation/schema-decode.js';

// A hand-written slice of the built-in Deployment schema, with $refs as the generated registry has them.
const registry = MapSchemaRegistry.fromRecord({
  Deployment: {
    type: 'object',
    properties: {
      apiVersion: { type: 'string' },
      kind: { type: 'string' },
      metadata: { $ref: '#/definitions/ObjectMeta' },
      spec: { $ref: '#/definitions/DeploymentSpec' },
    },
  },
  ObjectMeta: {
    type: 'object',
    properties: { name: { type: 'string' }, labels: { type: 'object', additionalProperties: { type: 'string' } } },
  },
  DeploymentSpec: {
    type: 'object',
    properties: {
      replicas: { type: 'integer' },
      strategy: { type: 'object', properties: { rollingUpdate: { type: 'object', properties: { maxSurge: { type: 'string', format: 'int-or-string' } } } } },
      template: {
        type: 'object',
        properties: {
          metadata: { $ref: '#/definitions/ObjectMeta' },
          spec: { type: 'object', properties: { containers: { type: 'array', items: { type: 'object', properties: { name: { type: 'string' }, image: { type: 'string' } } } } } },
        },
      },
      raw: { type: 'object', description: 'a RawExtension: anything goes' },
      embedded: { type: 'object', 'x-kubernetes-embedded-resource': true, properties: { spec: { type: 'object', properties: {} } } },
    },
  },
} satisfies Record<string, Schema>);
const deployment = registry.get('Deployment') as SchemaNode;
const target = { kind: 'Deployment', version: 'v1' };

const jsonErrors = (body: string): string[] => strictDecodingErrors(parseBodyForStrictDecoding(body, 'json'), deployment, { registry });
const yamlErrors = (body: string): string[] => strictDecodingErrors(parseBodyForStrictDecoding(body, 'yaml'), deployment, { registry });

describe('json-scan', () => {
  it('keeps duplicate keys and gives JSON.parse values', () => {
    const text = '{"a": 1, "b": [true, null, "x\\n\\u00e9"], "a": {"c": -1.5e3}, "__proto__": 1}';
    const node = scanJson(text);
    expect(node.kind === 'object' ? node.entries.map((entry) => entry.key) : []).toEqual(['a', 'b', 'a', '__proto__']);
    expect(jsonNodeValue(node)).toEqual(JSON.parse(text));
  });

  it.each(['{"a":1,}', '[1 2]', '{"a" 1}', '"unterminated', '01', '{"a":1} x', 'tru'])('refuses malformed JSON %s', (text) => {
    expect(() => scanJson(text)).toThrow(SyntaxError);
  });
});

describe('schema-decode: strict decoding of built-in kinds', () => {
  it.each([
    { name: 'unknown fields in document order', body: '{"spec":{"foo":1,"replicas":1,"bar":{"x":1}}}', expected: ['unknown field "spec.foo"', 'unknown field "spec.bar"'] },
    { name: 'duplicate struct field', body: '{"spec":{"replicas":1,"replicas":2}}', expected: ['duplicate field "spec.replicas"'] },
    { name: 'duplicate map key', body: '{"metadata":{"labels":{"a":"1","b":"2","a":"3"}}}', expected: ['duplicate field "metadata.labels.a"'] },
    { name: 'unknown and duplicate interleaved as met', body: '{"x":1,"spec":{"replicas":1},"spec":{"y":2}}', expected: ['unknown field "x"', 'duplicate field "spec"', 'unknown field "spec.y"'] },
    {
      name: 'list items by index',
      body: '{"spec":{"template":{"spec":{"containers":[{"name":"a"},{"name":"b","imagePullPolicy":"x","nope":1}]}}}}',
      expected: ['unknown field "spec.template.spec.containers[1].imagePullPolicy"', 'unknown field "spec.template.spec.containers[1].nope"'],
    },
    { name: 'the content of an unknown field is not looked into', body: '{"spec":{"foo":{"bar":1,"bar":2}}}', expected: ['unknown field "spec.foo"'] },
    { name: 'int-or-string and raw extensions accept anything', body: '{"spec":{"strategy":{"rollingUpdate":{"maxSurge":"25%"}},"raw":{"any":{"thing":1}}}}', expected: [] },
    { name: 'embedded resources allow apiVersion, kind and metadata', body: '{"spec":{"embedded":{"apiVersion":"v1","kind":"Pod","metadata":{},"spec":{},"status":{}}}}', expected: ['unknown field "spec.embedded.status"'] },
    { name: 'field names are case-sensitive', body: '{"Spec":{}}', expected: ['unknown field "Spec"'] },
    { name: 'a clean body', body: '{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"d","labels":{"app":"x"}},"spec":{"replicas":3}}', expected: [] },
  ])('$name', ({ body, expected }) => {
    expect(jsonErrors(body)).toEqual(expected);
  });

  it('keeps the last of duplicate keys, as Go does', () => {
    expect(parseBodyForStrictDecoding('{"spec":{"replicas":1,"replicas":2}}', 'json').value).toEqual({ spec: { replicas: 2 } });
  });

  it('reports YAML duplicate keys with the line of the repeated value, inner maps first', () => {
    const body = ['apiVersion: apps/v1', 'kind: Deployment', 'spec:', '  replicas: 1', '  replicas: 2', 'metadata:', '  name: a', 'spec:', '  foo: 1', '  foo: 2'].join('\n');
    expect(yamlErrors(body)).toEqual(['yaml: unmarshal errors:\n  line 5: key "replicas" already set in map\n  line 10: key "foo" already set in map\n  line 9: key "spec" already set in map', 'unknown field "spec.foo"']);
  });

  it('reports YAML unknown fields in sorted key order (upstream converts through a Go map)', () => {
    expect(yamlErrors('spec:\n  zeta: 1\n  alpha: 2\n  replicas: 1\n')).toEqual(['unknown field "spec.alpha"', 'unknown field "spec.zeta"']);
  });

  it('refuses malformed bodies with 400', () => {
    expect(() => parseBodyForStrictDecoding('{"a":', 'json')).toThrow(ApiError);
    expect(() => parseBodyForStrictDecoding('a: [', 'yaml')).toThrow(ApiError);
  });
});

describe('schema-decode: the fieldValidation directive', () => {
  const errors = ['unknown field "spec.foo"', 'unknown field "spec.bar"'];

  it('Strict: 400 BadRequest with upstream\'s message', () => {
    let thrown: unknown;
    try {
      applyFieldValidation(errors, 'Strict', target);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ApiError);
    const status = (thrown as ApiError).status;
    expect(status.code).toBe(400);
    expect(status.reason).toBe('BadRequest');
    expect(status.message).toBe('Deployment in version "v1" cannot be handled as a Deployment: strict decoding error: unknown field "spec.foo", unknown field "spec.bar"');
  });

  it('Warn: one warning per problem, YAML errors one per line', () => {
    expect(applyFieldValidation(errors, 'Warn', target)).toEqual(errors);
    expect(applyFieldValidation(['yaml: unmarshal errors:\n  line 3: key "a" already set in map\n  line 5: key "b" already set in map', 'unknown field "x"'], 'Warn', target)).toEqual([
      'line 3: key "a" already set in map',
      'line 5: key "b" already set in map',
      'unknown field "x"',
    ]);
  });

  it('Ignore: nothing', () => {
    expect(applyFieldValidation(errors, 'Ignore', target)).toEqual([]);
  });

  it('defaults to Warn when the client names no directive', () => {
    expect(fieldValidationDirective(undefined)).toBe('Warn');
    expect(fieldValidationDirective('Strict')).toBe('Strict');
    expect(fieldValidationDirective('Ignore')).toBe('Ignore');
  });
});

describe('schema-decode: custom resources', () => {
  const schema: SchemaNode = {
    type: 'object',
    properties: {
      spec: {
        type: 'object',
        properties: {
          replicas: { type: 'integer', default: 1 },
          selector: { type: 'object', additionalProperties: { type: 'string' } },
          config: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
        },
      },
    },
  };

  it('reports duplicates, then unknown metadata, then pruned fields; prunes and defaults', () => {
    const body = parseBodyForStrictDecoding(
      '{"apiVersion":"x.io/v1","kind":"W","metadata":{"name":"w","foo":1},"spec":{"bar":1,"selector":{"a":"1","a":"2"},"config":{"anything":true},"alpha":2},"status":{}}',
      'json',
    );
    const { object, errors } = decodeCustomResource(body, schema);
    expect(errors).toEqual(['duplicate field "spec.selector.a"', 'unknown field "metadata.foo"', 'unknown field "spec.alpha"', 'unknown field "spec.bar"', 'unknown field "status"']);
    expect(object).toEqual({ apiVersion: 'x.io/v1', kind: 'W', metadata: { name: 'w' }, spec: { replicas: 1, selector: { a: '2' }, config: { anything: true } } });
    expect(() => applyFieldValidation(errors, 'Strict', { kind: 'W', version: 'v1' })).toThrow(
      'W in version "v1" cannot be handled as a W: strict decoding error: duplicate field "spec.selector.a", unknown field "metadata.foo", unknown field "spec.alpha", unknown field "spec.bar", unknown field "status"',
    );
  });

  it('keeps everything without a schema (preserveUnknownFields)', () => {
    const { object, errors } = decodeCustomResource(parseBodyForStrictDecoding('{"metadata":{"name":"w"},"spec":{"x":1}}', 'json'), undefined);
    expect(errors).toEqual([]);
    expect(object).toEqual({ metadata: { name: 'w' }, spec: { x: 1 } });
  });
});

describe('schema-decode: patch documents', () => {
  it('reports duplicates of merge patches and unknown fields of JSON patch operations', () => {
    expect(patchStrictErrors('{"spec":{"a":1,"a":2}}', 'merge')).toEqual(['duplicate field "spec.a"']);
    expect(patchStrictErrors('[{"op":"add","path":"/a","value":{"b":1,"b":2},"extra":1}]', 'json')).toEqual(['json patch duplicate field "[0].value.b"', 'json patch unknown field "[0].extra"']);
  });
});
