import { describe, expect, it } from 'vitest';
import { fieldErrorMessage, type FieldError } from '../../src/errors/status.js';
import type { ValidationRule } from '../../src/schema/types.js';
import { allRuleCompileErrors, escapeFieldName, evaluateRules, ruleCompileErrors } from '../../src/validation/schema-cel.js';
import type { SchemaNode } from '../../src/validation/schema-common.js';

const text = (error: FieldError): string => `${error.field}: ${fieldErrorMessage(error)}`;
const withRules = (schema: SchemaNode, ...rules: (string | ValidationRule)[]): SchemaNode => ({
  ...schema,
  'x-kubernetes-validations': rules.map((rule) => (typeof rule === 'string' ? { rule } : rule)),
});
/** Evaluates rules placed on `schema` (not a resource root), as upstream's cel validation tests do. */
const evaluate = (schema: SchemaNode, value: unknown, rules: (string | ValidationRule)[], old?: unknown): string[] =>
  evaluateRules(withRules(schema, ...rules), value, old, { isResourceRoot: false }).map(text);

const int: SchemaNode = { type: 'integer' };
const str: SchemaNode = { type: 'string' };
const num: SchemaNode = { type: 'number' };
const obj = (properties: Record<string, SchemaNode>, extra: Partial<SchemaNode> = {}): SchemaNode => ({ type: 'object', properties, ...extra });
const list = (items: SchemaNode, extra: Partial<SchemaNode> = {}): SchemaNode => ({ type: 'array', items, ...extra });
const map = (values: SchemaNode): SchemaNode => ({ type: 'object', additionalProperties: values });

interface RuleCase {
  readonly name: string;
  readonly schema: SchemaNode;
  readonly value: unknown;
  readonly rule: string;
  readonly old?: unknown;
  /** true: the rule holds; a string: the error message must contain it (upstream's cel/validation_test.go). */
  readonly expect: true | string;
}

const spec = obj({ minReplicas: int, maxReplicas: int, name: str, ratio: num, tags: list(str), labels: map(str), port: { 'x-kubernetes-int-or-string': true }, at: { type: 'string', format: 'date-time' }, ttl: { type: 'string', format: 'duration' } });
const value = { minReplicas: 1, maxReplicas: 3, name: 'web', ratio: 0.5, tags: ['a1', 'a2'], labels: { app: 'x' }, port: 8080, at: '2024-01-01T00:00:00Z', ttl: '1h' };

// Kubernetes-style rules: the measurement that chose the CEL library, kept as a regression table.
const cases: RuleCase[] = [
  { name: 'comparison', schema: spec, value, rule: 'self.minReplicas <= self.maxReplicas', expect: true },
  { name: 'comparison failing', schema: spec, value: { ...value, minReplicas: 5 }, rule: 'self.minReplicas <= self.maxReplicas', expect: 'failed rule: self.minReplicas <= self.maxReplicas' },
  { name: 'size of a list', schema: spec, value, rule: 'self.tags.size() <= 10', expect: true },
  { name: 'size() function', schema: spec, value, rule: 'size(self.name) == 3', expect: true },
  { name: 'all()', schema: spec, value, rule: "self.tags.all(x, x.startsWith('a'))", expect: true },
  { name: 'exists()', schema: spec, value, rule: "self.tags.exists(x, x == 'a2')", expect: true },
  { name: 'exists_one()', schema: spec, value, rule: "self.tags.exists_one(x, x.startsWith('a'))", expect: 'failed rule' },
  { name: 'map() and filter()', schema: spec, value, rule: "self.tags.map(t, t + '!').filter(t, t.endsWith('2!')).size() == 1", expect: true },
  { name: 'has() on a present field', schema: spec, value, rule: 'has(self.name)', expect: true },
  { name: 'has() on an absent field', schema: spec, value: { minReplicas: 1 }, rule: '!has(self.name)', expect: true },
  { name: 'has() on an undefined field does not compile', schema: spec, value, rule: 'has(self.z)', expect: "undefined field 'z'" },
  { name: 'matches()', schema: spec, value, rule: "self.name.matches('^[a-z]+$')", expect: true },
  { name: 'map keys and values', schema: spec, value, rule: "'app' in self.labels && self.labels.all(k, self.labels[k] != '')", expect: true },
  { name: 'map field selection', schema: spec, value, rule: 'has(self.labels.app) && !has(self.labels.other)', expect: true },
  { name: 'missing map key at runtime', schema: spec, value, rule: "self.labels['nope'] == 'x'", expect: 'no such key: nope' },
  { name: 'integer overflow', schema: spec, value: { ...value, maxReplicas: Number.MAX_SAFE_INTEGER }, rule: 'self.maxReplicas * 1000000 > 0', expect: 'integer overflow' },
  { name: 'division by zero', schema: spec, value, rule: '1 / 0 == 1 / 0', expect: 'division by zero' },
  { name: 'cross-type numeric comparison', schema: spec, value, rule: 'self.minReplicas < 1.5 && self.ratio < 1', expect: true },
  { name: 'int + double does not compile', schema: spec, value, rule: 'self.minReplicas + 1.0 > 0.0', expect: "found no matching overload for '_+_' applied to '(int, double)'" },
  { name: 'int-or-string is dynamic', schema: spec, value, rule: 'type(self.port) == int ? self.port > 0 : self.port.endsWith("%")', expect: true },
  { name: 'int-or-string mismatch at runtime', schema: spec, value: { ...value, port: '50%' }, rule: 'self.port > 1', expect: "'no such overload': call arguments did not match a supported operator, function or macro signature for rule: self.port > 1" },
  { name: 'date-time strings are timestamps', schema: spec, value, rule: "self.at < timestamp('2025-01-01T00:00:00Z')", expect: true },
  { name: 'duration strings are durations', schema: spec, value, rule: "self.ttl > duration('30m')", expect: true },
  { name: 'string extensions', schema: spec, value, rule: "self.name.upperAscii() == 'WEB' && 'a,b'.split(',').size() == 2 && self.name.indexOf('e') == 1 && self.name.substring(1) == 'eb' && ' x '.trim() == 'x'", expect: true },
  { name: 'replace and charAt', schema: spec, value, rule: "self.name.replace('w', 'W') == 'Web' && self.name.charAt(1) == 'e'", expect: true },
  { name: 'join and format', schema: spec, value, rule: "['a', 'b'].join('-') == 'a-b' && 'x=%d'.format([5]) == 'x=5'", expect: true },
  { name: 'optional field selection', schema: spec, value: { minReplicas: 1 }, rule: "self.?name.orValue('none') == 'none'", expect: true },
  { name: 'lists library', schema: spec, value, rule: '[1, 2, 3].isSorted() && [1, 2, 3].sum() == 6 && [3, 1].min() == 1 && [1, 3].max() == 3 && [1, 2].indexOf(2) == 1', expect: true },
  { name: 'regex library', schema: spec, value, rule: "'abc 123 45'.find('[0-9]+') == '123' && 'abc 123 45'.findAll('[0-9]+').size() == 2", expect: true },
  { name: 'quantity library', schema: spec, value, rule: "quantity('1Gi').isGreaterThan(quantity('1000Mi')) && quantity('500m').asApproximateFloat() == 0.5 && isQuantity('1.5Ki')", expect: true },
  { name: 'url library', schema: spec, value, rule: "url('https://example.com:8443/a?b=1').getHostname() == 'example.com' && url('https://example.com:8443/a').getPort() == '8443' && !isURL('no scheme')", expect: true },
  { name: 'ip and cidr libraries', schema: spec, value, rule: "cidr('10.0.0.0/8').containsIP('10.1.2.3') && ip('::1').isLoopback() && ip('192.168.0.1').family() == 4 && !isIP('1.2.3')", expect: true },
  { name: 'sets extension', schema: spec, value, rule: 'sets.contains([1, 2, 3], [2]) && sets.intersects([1], [1, 5]) && sets.equivalent([1, 2], [2, 1])', expect: true },
  { name: 'heterogeneous list literals do not compile', schema: spec, value, rule: "['a', 1].size() == 2", expect: 'compilation failed' },
  { name: 'invalid regex literal does not compile', schema: spec, value, rule: "self.name.matches('(')", expect: 'compilation failed' },
  { name: 'RE2 refuses lookahead', schema: spec, value, rule: "self.name.matches('(?=w)')", expect: 'compilation failed' },
  { name: 'null fields are absent', schema: obj({ a: { type: 'integer', nullable: true } }), value: { a: null }, rule: '!has(self.a)', expect: true },
  { name: 'objects in lists', schema: obj({ items: list(obj({ name: str, port: int })) }), value: { items: [{ name: 'a', port: 1 }, { name: 'b', port: 2 }] }, rule: "self.items.exists(i, i.name == 'b' && i.port == 2)", expect: true },
  { name: 'absent field of a list item', schema: obj({ items: list(obj({ k: str, v2: str })) }), value: { items: [{ k: 'a' }, { k: 'b' }] }, rule: "self.items.all(m, m.v2 == 'z')", expect: 'no such key: v2' },
  { name: 'property names that need escaping', schema: obj({ 'foo-bar': str, namespace: str }), value: { 'foo-bar': 'x', namespace: 'y' }, rule: "self.foo__dash__bar == 'x' && self.__namespace__ == 'y'", expect: true },
  { name: 'object equality', schema: obj({ a: obj({ x: int }), b: obj({ x: int }) }), value: { a: { x: 1 }, b: { x: 1 } }, rule: 'self.a.x == self.b.x', expect: true },
];

describe('schema-cel: evaluating Kubernetes-style rules', () => {
  it.each(cases)('$name', ({ schema, value: input, rule, old, expect: expected }) => {
    const errors = evaluate(schema, input, [rule], old);
    if (expected === true) expect(errors).toEqual([]);
    else {
      expect(errors).toHaveLength(1);
      expect(errors[0]).toContain(expected);
    }
  });
});

describe('schema-cel: error messages and paths', () => {
  const schema = obj({ spec: withRules(obj({ min: int, max: int }), 'self.min <= self.max') });

  it('reports a failed rule at the field with the schema type as the value', () => {
    expect(evaluateRules(schema, { spec: { min: 5, max: 1 } }, undefined).map(text)).toEqual(['spec: Invalid value: "object": failed rule: self.min <= self.max']);
  });

  it('names the nil path for rules at the root, as kube-apiserver prints it', () => {
    const root = withRules(obj({ a: int }), 'self.a > 0');
    expect(evaluateRules(root, { apiVersion: 'x/v1', kind: 'X', metadata: { name: 'n' }, a: 0 }, undefined).map(text)).toEqual(['<nil>: Invalid value: "object": failed rule: self.a > 0']);
  });

  it('uses message, messageExpression, reason and fieldPath', () => {
    const rules: ValidationRule[] = [
      { rule: 'self.min <= self.max', message: ' min must not exceed max ' },
      { rule: 'self.min <= self.max', messageExpression: "'min ' + string(self.min) + ' > max ' + string(self.max)" },
      { rule: 'self.min <= self.max', reason: 'FieldValueForbidden', fieldPath: '.max', message: 'too small' },
      { rule: 'self.min <= self.max', reason: 'FieldValueRequired', message: 'needed' },
      { rule: 'self.min <= self.max', reason: 'FieldValueDuplicate' },
      { rule: 'self.min <= self.max', messageExpression: "'line\\nbreak'" },
    ];
    const errors = evaluateRules(obj({ spec: withRules(obj({ min: int, max: int }), ...rules) }), { spec: { min: 5, max: 1 } }, undefined).map(text);
    expect(errors).toEqual([
      'spec: Invalid value: "object": min must not exceed max',
      'spec: Invalid value: "object": min 5 > max 1',
      'spec.max: Forbidden: too small',
      'spec: Required value: needed',
      'spec: Duplicate value: "object"',
      'spec: Invalid value: "object": failed rule: self.min <= self.max',
    ]);
  });

  it('reports runtime errors with the rule', () => {
    const failing = obj({ spec: withRules(obj({ m: map(int) }), "self.m['x'] == 1") });
    expect(evaluateRules(failing, { spec: { m: {} } }, undefined).map(text)).toEqual(['spec: Invalid value: "object": no such key: x evaluating rule: self.m[\'x\'] == 1']);
  });

  it('sees apiVersion, kind, metadata.name and metadata.generateName at a resource root only', () => {
    const root = withRules(obj({ spec: obj({}) }), "self.metadata.name.startsWith('a') && self.kind == 'X'");
    expect(evaluateRules(root, { apiVersion: 'x/v1', kind: 'X', metadata: { name: 'abc', namespace: 'n' }, spec: {} }, undefined)).toEqual([]);
    expect(ruleCompileErrors(withRules(obj({}), 'self.metadata.namespace == "n"'), 'root', { isResourceRoot: true }).map((error) => error.detail)).toEqual([
      "compilation failed: ERROR: <input>:1:14: undefined field 'namespace'\n | self.metadata.namespace == \"n\"\n | .............^",
    ]);
  });
});

describe('schema-cel: transition rules', () => {
  const immutable = obj({ field: withRules(str, 'self == oldSelf') });

  it.each([
    { name: 'unchanged', value: { field: 'x' }, old: { field: 'x' }, expected: [] },
    { name: 'changed', value: { field: 'y' }, old: { field: 'x' }, expected: ['field: Invalid value: "string": failed rule: self == oldSelf'] },
    { name: 'create: not evaluated', value: { field: 'y' }, old: undefined, expected: [] },
    { name: 'field added on update: no old value, not evaluated', value: { field: 'y' }, old: {}, expected: [] },
  ])('self == oldSelf, $name', ({ value: input, old, expected }) => {
    expect(evaluateRules(immutable, input, old, { isResourceRoot: false }).map(text)).toEqual(expected);
  });

  it('correlates map-list items by key (upstream: correlatable transition rule)', () => {
    const schema = obj({
      field: list(obj({ k1: str, k2: str, v1: withRules(num, 'self >= oldSelf') }), { 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['k1', 'k2'] }),
    });
    const old = { field: [{ k1: 'a', k2: 'b', v1: 1.0 }] };
    expect(evaluateRules(schema, { field: [{ k1: 'a', k2: 'b', v1: 1.2 }] }, old, { isResourceRoot: false })).toEqual([]);
    expect(evaluateRules(schema, { field: [{ k1: 'a', k2: 'b', v1: 0.9 }] }, old, { isResourceRoot: false }).map(text)).toEqual(['field[0].v1: Invalid value: "number": failed rule: self >= oldSelf']);
    // Atomic lists do not correlate: no oldSelf, the rule is skipped.
    const atomic = obj({ field: list(obj({ v1: withRules(num, 'self >= oldSelf') })) });
    expect(evaluateRules(atomic, { field: [{ v1: 0.9 }] }, { field: [{ v1: 1.0 }] }, { isResourceRoot: false })).toEqual([]);
  });

  it('evaluates optionalOldSelf rules on create with oldSelf = optional.none()', () => {
    const schema = obj({ field: withRules(str, { rule: "oldSelf.hasValue() ? self == oldSelf.value() : self.startsWith('a')", optionalOldSelf: true }) });
    expect(evaluateRules(schema, { field: 'bcd' }, undefined, { isResourceRoot: false })).toHaveLength(1);
    expect(evaluateRules(schema, { field: 'abc' }, undefined, { isResourceRoot: false })).toEqual([]);
    expect(evaluateRules(schema, { field: 'zzz' }, { field: 'zzz' }, { isResourceRoot: false })).toEqual([]);
  });

  it('ratchets failing rules without oldSelf on values that did not change', () => {
    const schema = obj({ a: withRules(str, "self.startsWith('x')"), b: withRules(str, "self.startsWith('x')") });
    expect(evaluateRules(schema, { a: 'bad', b: 'bad' }, { a: 'bad', b: 'xok' }, { isResourceRoot: false }).map(text)).toEqual(['b: Invalid value: "string": failed rule: self.startsWith(\'x\')']);
  });
});

describe('schema-cel: compile errors when the CRD is written', () => {
  const ROOT = 'spec.versions[0].schema.openAPIV3Schema';
  const node = obj({ replicas: int, name: str });

  it.each([
    { rule: 'self.foo == 1', detail: "compilation failed: ERROR: <input>:1:5: undefined field 'foo'\n | self.foo == 1\n | ....^" },
    { rule: 'foo == 1', detail: "compilation failed: ERROR: <input>:1:1: undeclared reference to 'foo' (in container '')\n | foo == 1\n | ^" },
    { rule: 'self.replicas + 1.0 > 0.0', detail: "compilation failed: ERROR: <input>:1:15: found no matching overload for '_+_' applied to '(int, double)'\n | self.replicas + 1.0 > 0.0\n | ..............^" },
    { rule: 'self.name', detail: 'cel expression must evaluate to a bool' },
  ])('$rule', ({ rule, detail }) => {
    const errors = ruleCompileErrors(withRules(node, rule), ROOT);
    expect(errors.map((error) => [error.type, error.field, error.detail])).toEqual([['FieldValueInvalid', `${ROOT}.x-kubernetes-validations[0].rule`, detail]]);
    expect(errors[0]!.value).toEqual({ rule });
  });

  it('reports syntax errors, messageExpression problems and a needless optionalOldSelf', () => {
    const errors = ruleCompileErrors(
      withRules(node, 'self.replicas >', { rule: 'self.replicas > 0', messageExpression: 'self.replicas' }, { rule: 'self.replicas > 0', optionalOldSelf: true }),
      ROOT,
    );
    expect(errors.map((error) => error.field)).toEqual([
      `${ROOT}.x-kubernetes-validations[0].rule`,
      `${ROOT}.x-kubernetes-validations[1].messageExpression`,
      `${ROOT}.x-kubernetes-validations[2].optionalOldSelf`,
    ]);
    expect(errors[0]!.detail).toMatch(/^compilation failed: ERROR: <input>:1:\d+: Syntax error: /);
    expect(errors[1]!.detail).toBe('messageExpression must evaluate to a string');
    expect(text(errors[2]!)).toBe(`${ROOT}.x-kubernetes-validations[2].optionalOldSelf: Invalid value: true: may not be set if oldSelf is not used in rule`);
  });

  it('finds every rule of a schema tree', () => {
    const tree = withRules(obj({ spec: withRules(obj({ a: int }), 'self.b > 0'), list: list(withRules(obj({ x: str }), 'self.x == 1')) }), 'has(self.spec)');
    expect(allRuleCompileErrors(tree, ROOT).map((error) => error.field)).toEqual([`${ROOT}.properties[spec].x-kubernetes-validations[0].rule`, `${ROOT}.properties[list].items.x-kubernetes-validations[0].rule`]);
  });

  it('escapes property names as upstream does', () => {
    expect(['a.b', 'a-b', 'a/b', 'a__b', 'in', 'x', '1a', 'a b'].map(escapeFieldName)).toEqual(['a__dot__b', 'a__dash__b', 'a__slash__b', 'a__underscores__b', '__in__', 'x', undefined, undefined]);
  });
});
