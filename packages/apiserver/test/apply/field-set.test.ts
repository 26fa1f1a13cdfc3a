import { describe, expect, it } from 'vitest';
import { ApplyError, FieldSet, type FieldPath } from '../../src/apply/index.js';
import { index, key, path, setOf, strings, value } from './support.js';

describe('FieldSet FieldsV1 encoding', () => {
  // Each case round-trips: the paths encode to exactly this JSON (key order included), and it decodes back to the same set.
  const cases: { name: string; paths: FieldPath[]; json: string }[] = [
    { name: 'the empty set', paths: [], json: '{}' },
    { name: 'a leaf under a field that is not a member', paths: [path('data', 'a')], json: '{"f:data":{"f:a":{}}}' },
    { name: 'a member that also has children gets "."', paths: [path('data'), path('data', 'a')], json: '{"f:data":{".":{},"f:a":{}}}' },
    { name: 'fields sorted by name', paths: [path('spec'), path('metadata', 'labels', 'b'), path('metadata', 'labels', 'a'), path('apiVersion')], json: '{"f:apiVersion":{},"f:metadata":{"f:labels":{"f:a":{},"f:b":{}}},"f:spec":{}}' },
    {
      name: 'list-map items with two keys, sorted by key value (numbers numerically)',
      paths: [
        path('ports', key({ protocol: 'TCP', containerPort: 8080 })),
        path('ports', key({ containerPort: 443, protocol: 'TCP' })),
        path('ports', key({ containerPort: 443, protocol: 'TCP' }), 'containerPort'),
        path('ports', key({ containerPort: 80, protocol: 'UDP' })),
        path('ports', key({ containerPort: 80, protocol: 'TCP' })),
      ],
      json: '{"f:ports":{"k:{\\"containerPort\\":80,\\"protocol\\":\\"TCP\\"}":{},"k:{\\"containerPort\\":80,\\"protocol\\":\\"UDP\\"}":{},"k:{\\"containerPort\\":443,\\"protocol\\":\\"TCP\\"}":{".":{},"f:containerPort":{}},"k:{\\"containerPort\\":8080,\\"protocol\\":\\"TCP\\"}":{}}}',
    },
    { name: 'set values as JSON', paths: [path('finalizers', value('b')), path('finalizers', value('a'))], json: '{"f:finalizers":{"v:\\"a\\"":{},"v:\\"b\\"":{}}}' },
    { name: 'numbers sort before strings, numerically', paths: [path('s', value('x')), path('s', value(10)), path('s', value(9)), path('s', value(1.5))], json: '{"f:s":{"v:1.5":{},"v:9":{},"v:10":{},"v:\\"x\\"":{}}}' },
    { name: 'indexes', paths: [path('args', index(10)), path('args', index(2))], json: '{"f:args":{"i:2":{},"i:10":{}}}' },
    { name: 'upstream element order: fields, then keys, then values, then indexes', paths: [path('x', index(0)), path('x', value('v')), path('x', key({ k: 'k' })), path('x', 'z')], json: '{"f:x":{"f:z":{},"k:{\\"k\\":\\"k\\"}":{},"v:\\"v\\"":{},"i:0":{}}}' },
    { name: 'Go escapes <, > and & in JSON values', paths: [path('s', value('<a&b>'))], json: '{"f:s":{"v:\\"\\\\u003ca\\\\u0026b\\\\u003e\\"":{}}}' },
    { name: 'field names are written raw', paths: [path('metadata', 'labels', 'app.kubernetes.io/name')], json: '{"f:metadata":{"f:labels":{"f:app.kubernetes.io/name":{}}}}' },
  ];

  it.each(cases)('$name', ({ paths, json }) => {
    const set = setOf(...paths);
    expect(JSON.stringify(set.toFieldsV1())).toBe(json);
    const decoded = FieldSet.fromFieldsV1(JSON.parse(json));
    expect(decoded.equals(set)).toBe(true);
    expect(JSON.stringify(decoded.toFieldsV1())).toBe(json);
  });

  it('decodes a key object with its fields in any order, and keys out of order, to the canonical set', () => {
    const decoded = FieldSet.fromFieldsV1({ 'f:ports': { 'k:{"protocol":"TCP","containerPort":80}': {}, 'k:{"containerPort":53,"protocol":"UDP"}': { '.': {}, 'f:name': {} } } });
    expect(strings(decoded)).toEqual(['.ports[containerPort=53,protocol="UDP"]', '.ports[containerPort=53,protocol="UDP"].name', '.ports[containerPort=80,protocol="TCP"]']);
  });

  it('reads null as a leaf, as upstream does', () => {
    expect(strings(FieldSet.fromFieldsV1({ 'f:a': null }))).toEqual(['.a']);
  });

  it('reads an object holding only "." as a leaf', () => {
    expect(FieldSet.fromFieldsV1({ 'f:a': { '.': {} } }).equals(setOf(path('a')))).toBe(true);
  });

  const malformed: { name: string; input: unknown; message: RegExp }[] = [
    { name: 'not an object', input: ['f:a'], message: /expected an object/ },
    { name: 'null', input: null, message: /expected an object/ },
    { name: 'a nested value that is not an object', input: { 'f:spec': { 'f:replicas': 1 } }, message: /^\.spec\.replicas: invalid FieldsV1: expected an object, got 1/ },
    { name: 'an unknown prefix', input: { 'f:spec': { 'x:foo': {} } }, message: /^\.spec: invalid FieldsV1 key "x:foo": unknown path element type "x"/ },
    { name: 'a key without a colon', input: { 'fspec': {} }, message: /missing colon/ },
    { name: 'a one-character key', input: { f: {} }, message: /2 characters/ },
    { name: 'a key that is not a JSON object', input: { 'f:ports': { 'k:[1]': {} } }, message: /^\.ports: .*must be a JSON object/ },
    { name: 'a value that is not JSON', input: { 'f:s': { 'v:nope': {} } }, message: /^\.s: invalid FieldsV1 key "v:nope"/ },
    { name: 'an index that is not an integer', input: { 'f:args': { 'i:1.5': {} } }, message: /not an integer index/ },
  ];

  it.each(malformed)('refuses $name', ({ input, message }) => {
    expect(() => FieldSet.fromFieldsV1(input)).toThrow(ApplyError);
    expect(() => FieldSet.fromFieldsV1(input)).toThrow(message);
  });
});

describe('FieldSet operations', () => {
  const a = setOf(path('spec', 'replicas'), path('spec', 'template'), path('spec', 'template', 'labels', 'app'), path('metadata', 'finalizers', value('x')));
  const b = setOf(path('spec', 'template'), path('spec', 'paused'), path('metadata', 'finalizers', value('x')), path('metadata', 'finalizers', value('y')));

  const cases: { name: string; result: () => FieldSet; members: string[] }[] = [
    {
      name: 'union',
      result: () => a.union(b),
      members: ['.metadata.finalizers[="x"]', '.metadata.finalizers[="y"]', '.spec.paused', '.spec.replicas', '.spec.template', '.spec.template.labels.app'],
    },
    { name: 'intersection', result: () => a.intersection(b), members: ['.metadata.finalizers[="x"]', '.spec.template'] },
    { name: 'difference keeps children of a removed member', result: () => a.difference(b), members: ['.spec.replicas', '.spec.template.labels.app'] },
    { name: 'recursiveDifference removes the whole subtree of a member of the other set', result: () => a.recursiveDifference(b), members: ['.spec.replicas'] },
    { name: 'difference the other way', result: () => b.difference(a), members: ['.metadata.finalizers[="y"]', '.spec.paused'] },
    { name: 'withoutPaths drops each path and all below it', result: () => a.withoutPaths([path('spec', 'template'), path('metadata')]), members: ['.spec.replicas'] },
    { name: 'withoutPaths of a path that is only a prefix', result: () => a.withoutPaths([path('spec')]), members: ['.metadata.finalizers[="x"]'] },
  ];

  it.each(cases)('$name', ({ result, members }) => {
    expect(strings(result())).toEqual(members);
  });

  it('never modifies its operands, and results share nothing with them', () => {
    const before = JSON.stringify([a.toFieldsV1(), b.toFieldsV1()]);
    const union = a.union(b);
    union.insert(path('spec', 'template', 'labels', 'new'));
    a.difference(b).insert(path('spec', 'replicas', 'x'));
    a.recursiveDifference(b);
    a.intersection(b);
    expect(JSON.stringify([a.toFieldsV1(), b.toFieldsV1()])).toBe(before);
  });

  it('has is about members only', () => {
    expect(a.has(path('spec', 'template'))).toBe(true);
    expect(a.has(path('spec'))).toBe(false);
    expect(a.has(path('spec', 'template', 'labels', 'app'))).toBe(true);
    expect(a.has(path('metadata', 'finalizers', value('x')))).toBe(true);
    expect(a.has(path('metadata', 'finalizers', value('y')))).toBe(false);
    expect(a.has([])).toBe(false);
  });

  it('finds list-map keys whatever the order of their fields', () => {
    const set = setOf(path('ports', key({ containerPort: 80, protocol: 'TCP' })));
    expect(set.has(path('ports', key({ protocol: 'TCP', containerPort: 80 })))).toBe(true);
    expect(set.has(path('ports', key({ containerPort: 80, protocol: 'UDP' })))).toBe(false);
  });

  it('isEmpty and equals', () => {
    expect(FieldSet.empty().isEmpty()).toBe(true);
    expect(a.isEmpty()).toBe(false);
    expect(a.difference(a).isEmpty()).toBe(true);
    expect(a.recursiveDifference(a).isEmpty()).toBe(true);
    expect(a.intersection(FieldSet.empty()).isEmpty()).toBe(true);
    expect(a.union(b).equals(b.union(a))).toBe(true);
    expect(a.equals(b)).toBe(false);
    // A member and the same path as a mere parent of something are different sets.
    expect(setOf(path('x')).equals(setOf(path('x', 'y')))).toBe(false);
  });

  it('inserting the empty path does nothing', () => {
    const set = FieldSet.empty();
    set.insert([]);
    expect(set.isEmpty()).toBe(true);
  });

  it('lists members depth first, each before what lies under it', () => {
    const set = setOf(path('b'), path('a', 'y'), path('a'), path('a', 'x', 'deep'), path('b', 'z'));
    expect(strings(set)).toEqual(['.a', '.a.x.deep', '.a.y', '.b', '.b.z']);
  });
});
