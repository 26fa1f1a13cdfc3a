import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { fieldErrorMessage, type FieldError } from '../../src/errors/status.js';
import type { SchemaNode } from '../../src/validation/schema-common.js';
import { structuralErrors, structuralSchemaInitError, validateStructural } from '../../src/validation/schema-structural.js';

const ROOT = 'spec.versions[0].schema.openAPIV3Schema';
const text = (error: FieldError): string => `${error.field}: ${fieldErrorMessage(error)}`;
const check = (yaml: string): string[] => validateStructural(parse(yaml) as SchemaNode, ROOT).map(text);

interface Case {
  readonly name: string;
  readonly schema: string;
  /** Upstream's violations (apiextensions-apiserver test/integration/validation_test.go). */
  readonly expected: readonly string[];
}

const cases: Case[] = [
  {
    name: 'forbidden in nested value validation',
    schema: `
type: object
properties:
  foo:
    type: string
not:
  type: string
  additionalProperties: true
  title: hello
  description: world
  nullable: true
allOf:
- properties:
    foo:
      type: string
      additionalProperties: true
      title: hello
      description: world
      nullable: true
anyOf:
- items:
    type: string
    additionalProperties: true
    title: hello
    description: world
    nullable: true
oneOf:
- properties:
    foo:
      type: string
      additionalProperties: true
      title: hello
      description: world
      nullable: true
`,
    expected: [
      `${ROOT}.anyOf[0].items.type: Forbidden: must be empty to be structural`,
      `${ROOT}.anyOf[0].items.additionalProperties: Forbidden: must be undefined to be structural`,
      `${ROOT}.anyOf[0].items.title: Forbidden: must be empty to be structural`,
      `${ROOT}.anyOf[0].items.description: Forbidden: must be empty to be structural`,
      `${ROOT}.anyOf[0].items.nullable: Forbidden: must be false to be structural`,
      `${ROOT}.allOf[0].properties[foo].type: Forbidden: must be empty to be structural`,
      `${ROOT}.allOf[0].properties[foo].additionalProperties: Forbidden: must be undefined to be structural`,
      `${ROOT}.allOf[0].properties[foo].title: Forbidden: must be empty to be structural`,
      `${ROOT}.allOf[0].properties[foo].description: Forbidden: must be empty to be structural`,
      `${ROOT}.allOf[0].properties[foo].nullable: Forbidden: must be false to be structural`,
      `${ROOT}.oneOf[0].properties[foo].type: Forbidden: must be empty to be structural`,
      `${ROOT}.oneOf[0].properties[foo].additionalProperties: Forbidden: must be undefined to be structural`,
      `${ROOT}.oneOf[0].properties[foo].title: Forbidden: must be empty to be structural`,
      `${ROOT}.oneOf[0].properties[foo].description: Forbidden: must be empty to be structural`,
      `${ROOT}.oneOf[0].properties[foo].nullable: Forbidden: must be false to be structural`,
      `${ROOT}.not.type: Forbidden: must be empty to be structural`,
      `${ROOT}.not.additionalProperties: Forbidden: must be undefined to be structural`,
      `${ROOT}.not.title: Forbidden: must be empty to be structural`,
      `${ROOT}.not.description: Forbidden: must be empty to be structural`,
      `${ROOT}.not.nullable: Forbidden: must be false to be structural`,
      `${ROOT}.items: Required value: because it is defined in ${ROOT}.anyOf[0].items`,
    ],
  },
  {
    name: 'invalid regex pattern',
    schema: `
type: object
properties:
  foo:
    type: string
    pattern: "+"
`,
    expected: [`${ROOT}.properties[foo].pattern: Invalid value: "+": must be a valid regular expression, but isn't: error parsing regexp: missing argument to repetition operator: \`+\``],
  },
  {
    name: 'missing types without extensions',
    schema: `
properties:
  foo:
    properties:
      a: {}
  bar:
    items:
      additionalProperties:
        properties:
          a: {}
        items: {}
  abc:
    additionalProperties:
      properties:
        a:
          items:
            additionalProperties:
              items: {}
`,
    expected: [
      `${ROOT}.properties[foo].properties[a].type: Required value: must not be empty for specified object fields`,
      `${ROOT}.properties[foo].type: Required value: must not be empty for specified object fields`,
      `${ROOT}.properties[abc].additionalProperties.properties[a].items.additionalProperties.type: Required value: must not be empty for specified object fields`,
      `${ROOT}.properties[abc].additionalProperties.properties[a].items.additionalProperties.items.type: Required value: must not be empty for specified array items`,
      `${ROOT}.properties[abc].additionalProperties.properties[a].items.type: Required value: must not be empty for specified array items`,
      `${ROOT}.properties[abc].additionalProperties.properties[a].type: Required value: must not be empty for specified object fields`,
      `${ROOT}.properties[abc].additionalProperties.type: Required value: must not be empty for specified object fields`,
      `${ROOT}.properties[abc].type: Required value: must not be empty for specified object fields`,
      `${ROOT}.properties[bar].items.additionalProperties.items.type: Required value: must not be empty for specified array items`,
      `${ROOT}.properties[bar].items.additionalProperties.properties[a].type: Required value: must not be empty for specified object fields`,
      `${ROOT}.properties[bar].items.additionalProperties.type: Required value: must not be empty for specified object fields`,
      `${ROOT}.properties[bar].items.type: Required value: must not be empty for specified array items`,
      `${ROOT}.properties[bar].type: Required value: must not be empty for specified object fields`,
      `${ROOT}.type: Required value: must not be empty at the root`,
    ],
  },
  { name: 'additionalProperties at the root', schema: 'type: object\nadditionalProperties: false\n', expected: [`${ROOT}.additionalProperties: Forbidden: must not be used at the root`] },
  {
    name: 'structural incomplete',
    schema: `
type: object
properties:
  b:
    type: object
    properties:
      b:
        type: array
  c:
    type: array
    items:
      type: object
  d:
    type: array
not:
  properties:
    a: {}
    b:
      not:
        properties:
          a: {}
          b:
            items: {}
    c:
      items:
        not:
          items:
            properties:
              a: {}
    d:
      items: {}
allOf:
- properties:
    e: {}
anyOf:
- properties:
    f: {}
oneOf:
- properties:
    g: {}
`,
    expected: [
      `${ROOT}.properties[b].properties[b].items: Required value: must be specified`,
      `${ROOT}.properties[d].items: Required value: must be specified`,
      `${ROOT}.properties[d].items: Required value: because it is defined in ${ROOT}.not.properties[d].items`,
      `${ROOT}.properties[a]: Required value: because it is defined in ${ROOT}.not.properties[a]`,
      `${ROOT}.properties[b].properties[a]: Required value: because it is defined in ${ROOT}.not.properties[b].not.properties[a]`,
      `${ROOT}.properties[b].properties[b].items: Required value: because it is defined in ${ROOT}.not.properties[b].not.properties[b].items`,
      `${ROOT}.properties[c].items.items: Required value: because it is defined in ${ROOT}.not.properties[c].items.not.items`,
      `${ROOT}.properties[e]: Required value: because it is defined in ${ROOT}.allOf[0].properties[e]`,
      `${ROOT}.properties[f]: Required value: because it is defined in ${ROOT}.anyOf[0].properties[f]`,
      `${ROOT}.properties[g]: Required value: because it is defined in ${ROOT}.oneOf[0].properties[g]`,
    ],
  },
  {
    name: 'structural complete',
    schema: `
type: object
properties:
  a: {type: string}
  b:
    type: object
    properties:
      a: {type: string}
      b: {type: array, items: {type: string}}
  c:
    type: array
    items:
      type: array
      items:
        type: object
        properties:
          a: {type: string}
  d: {type: array, items: {type: string}}
  e: {type: string}
  f: {type: string}
  g: {type: string}
not:
  properties:
    a: {}
    b:
      not:
        properties:
          a: {}
          b:
            items: {}
    c:
      items:
        not:
          items:
            properties:
              a: {}
    d:
      items: {}
allOf:
- properties:
    e: {}
anyOf:
- properties:
    f: {}
oneOf:
- properties:
    g: {}
`,
    expected: [],
  },
  {
    name: 'metadata with non-properties',
    schema: 'type: object\nproperties:\n  metadata:\n    minimum: 42.0\n',
    expected: [
      `${ROOT}.properties[metadata]: Forbidden: must not specify anything other than name and generateName, but metadata is implicitly specified`,
      // Upstream's test only checks that its list is contained; ValidateStructural also says this.
      `${ROOT}.properties[metadata].type: Invalid value: "": must be object`,
      `${ROOT}.properties[metadata].type: Required value: must not be empty for specified object fields`,
    ],
  },
  {
    name: 'metadata with other properties',
    schema: `
type: object
properties:
  metadata:
    properties:
      name:
        pattern: "^[a-z]+$"
      labels:
        type: object
        maxLength: 4
`,
    expected: [
      `${ROOT}.properties[metadata]: Forbidden: must not specify anything other than name and generateName, but metadata is implicitly specified`,
      // Upstream's test only checks that its list is contained; ValidateStructural also says this.
      `${ROOT}.properties[metadata].type: Invalid value: "": must be object`,
      `${ROOT}.properties[metadata].type: Required value: must not be empty for specified object fields`,
      `${ROOT}.properties[metadata].properties[name].type: Required value: must not be empty for specified object fields`,
    ],
  },
  { name: 'metadata with name property', schema: 'type: object\nproperties:\n  metadata:\n    type: object\n    properties:\n      name:\n        type: string\n        pattern: "^[a-z]+$"\n', expected: [] },
  {
    name: 'metadata with name and generateName',
    schema: 'type: object\nproperties:\n  metadata:\n    type: object\n    properties:\n      name: {type: string}\n      generateName: {type: string, pattern: "^[a-z]+$"}\n',
    expected: [],
  },
  {
    name: 'metadata under junctors',
    schema: `
type: object
properties:
  metadata:
    type: object
    properties:
      name:
        type: string
        pattern: "^[a-z]+$"
allOf:
- properties:
    metadata: {}
anyOf:
- properties:
    metadata: {}
oneOf:
- properties:
    metadata: {}
not:
  properties:
    metadata: {}
`,
    expected: [
      `${ROOT}.anyOf[0].properties[metadata]: Forbidden: must not be specified in a nested context`,
      `${ROOT}.allOf[0].properties[metadata]: Forbidden: must not be specified in a nested context`,
      `${ROOT}.oneOf[0].properties[metadata]: Forbidden: must not be specified in a nested context`,
      `${ROOT}.not.properties[metadata]: Forbidden: must not be specified in a nested context`,
    ],
  },
  { name: 'missing items for array', schema: 'type: object\nproperties:\n  slice:\n    type: array\n', expected: [`${ROOT}.properties[slice].items: Required value: must be specified`] },
  { name: 'no top-level type', schema: 'type: ""\n', expected: [`${ROOT}.type: Required value: must not be empty at the root`] },
  { name: 'non-object top-level type', schema: 'type: integer\n', expected: [`${ROOT}.type: Invalid value: "integer": must be object at the root`] },
  { name: 'embedded resource with properties', schema: 'type: object\nx-kubernetes-embedded-resource: true\nproperties:\n  apiVersion: {type: string}\n  kind: {type: string}\n  metadata: {type: object}\n', expected: [] },
  { name: 'embedded resource preserving unknown fields', schema: 'type: object\nx-kubernetes-embedded-resource: true\nx-kubernetes-preserve-unknown-fields: true\n', expected: [] },
  {
    name: 'embedded resource without type or properties',
    schema: 'type: object\nproperties:\n  tpl:\n    x-kubernetes-embedded-resource: true\n',
    expected: [
      `${ROOT}.properties[tpl].properties: Required value: must not be empty if x-kubernetes-embedded-resource is true without x-kubernetes-preserve-unknown-fields`,
      `${ROOT}.properties[tpl].type: Required value: must be object if x-kubernetes-embedded-resource is true`,
    ],
  },
  {
    name: 'embedded resource kind must be a string',
    schema: 'type: object\nproperties:\n  tpl:\n    type: object\n    x-kubernetes-embedded-resource: true\n    properties:\n      kind: {type: integer}\n      metadata: {type: string}\n',
    expected: [`${ROOT}.properties[tpl].properties[kind].type: Invalid value: "integer": must be string`, `${ROOT}.properties[tpl].properties[metadata].type: Invalid value: "string": must be object`],
  },
  { name: 'int-or-string needs no type', schema: 'type: object\nproperties:\n  port:\n    x-kubernetes-int-or-string: true\n', expected: [] },
  { name: 'int-or-string anyOf pattern may hold types', schema: 'type: object\nproperties:\n  port:\n    x-kubernetes-int-or-string: true\n    anyOf:\n    - type: integer\n    - type: string\n', expected: [] },
  { name: 'int-or-string allOf/anyOf pattern may hold types', schema: 'type: object\nproperties:\n  port:\n    x-kubernetes-int-or-string: true\n    allOf:\n    - anyOf:\n      - type: integer\n      - type: string\n    - pattern: "^[0-9]+%?$"\n', expected: [] },
  {
    name: 'int-or-string with other extensions',
    schema: 'type: object\nproperties:\n  port:\n    x-kubernetes-int-or-string: true\n    x-kubernetes-preserve-unknown-fields: true\n',
    expected: [`${ROOT}.properties[port].x-kubernetes-preserve-unknown-fields: Invalid value: true: must be false if x-kubernetes-int-or-string is true`],
  },
  {
    name: 'x-kubernetes extensions and rules inside value validations',
    schema: 'type: object\nproperties:\n  a: {type: string}\nanyOf:\n- properties:\n    a:\n      x-kubernetes-list-type: atomic\n      x-kubernetes-validations:\n      - rule: "true"\n      default: x\n',
    expected: [
      `${ROOT}.anyOf[0].properties[a].default: Forbidden: must be undefined to be structural`,
      `${ROOT}.anyOf[0].properties[a].x-kubernetes-list-type: Forbidden: must be undefined to be structural`,
      `${ROOT}.anyOf[0].properties[a].x-kubernetes-validations: Forbidden: must be empty to be structural`,
    ],
  },
  { name: 'preserve-unknown-fields stands in for a type', schema: 'type: object\nproperties:\n  any:\n    x-kubernetes-preserve-unknown-fields: true\n', expected: [] },
];

describe('schema-structural: structural schema rules with upstream messages', () => {
  it.each(cases)('$name', ({ schema, expected }) => {
    const actual = check(schema);
    expect([...actual].sort()).toEqual([...expected].sort());
  });

  it('sorts errors by their text, as upstream does', () => {
    const actual = check(cases[0]!.schema);
    const sorted = [...actual].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    expect(actual).toEqual(sorted);
  });

  it.each([
    { keyword: '$ref: "#/definitions/foo"', message: "OpenAPIV3Schema '$ref' is not supported" },
    { keyword: 'id: foo', message: "OpenAPIV3Schema 'id' is not supported" },
    { keyword: '$schema: http://json-schema.org/schema', message: "OpenAPIV3Schema 'schema' is not supported" },
    { keyword: 'patternProperties: {"^a": {type: string}}', message: "OpenAPIV3Schema 'patternProperties' is not supported" },
    { keyword: 'x-kubernetes-preserve-unknown-fields: false', message: "internal error: 'x-kubernetes-preserve-unknown-fields' must be true or undefined" },
    { keyword: 'items: [{type: string}]', message: "OpenAPIV3Schema 'items' must be a schema, but is an array" },
  ])('refuses $keyword before checking structure', ({ keyword, message }) => {
    const schema = parse(`type: object\nproperties:\n  a:\n    type: array\n    ${keyword}\n`) as SchemaNode;
    const error = structuralSchemaInitError(schema, ROOT);
    expect(error === undefined ? undefined : text(error)).toBe(`${ROOT}: Invalid value: "": ${message}`);
    expect(structuralErrors(schema, ROOT).map(text)).toEqual([`${ROOT}: Invalid value: "": ${message}`]);
  });
});
