import { describe, expect, it } from 'vitest';
import { ApiError } from '../../src/errors/status.js';
import type { JsonObject } from '../../src/resources/types.js';
import type { Schema } from '../../src/schema/types.js';
import { applyStrategicMergePatch } from '../../src/patch/strategic-merge-patch.js';
import { DEPLOYMENT, POD, registry, schemaOf } from './schemas.js';

function pod(spec: JsonObject, metadata: JsonObject = { name: 'p' }): JsonObject {
  return { apiVersion: 'v1', kind: 'Pod', metadata, spec };
}

function deployment(spec: JsonObject): JsonObject {
  return { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd' }, spec };
}

/** `null` patches without a schema (a default parameter cannot be passed `undefined` explicitly). */
function smp(original: JsonObject, patch: JsonObject, schema: Schema | null = POD): JsonObject {
  return applyStrategicMergePatch(original, patch, schema ?? undefined, registry);
}

function smpError(original: JsonObject, patch: JsonObject, schema: Schema | null = POD): { code: number; reason: string | undefined; message: string | undefined } {
  try {
    smp(original, patch, schema);
  } catch (error) {
    expect(error).toBeInstanceOf(ApiError);
    const { code, reason, message } = (error as ApiError).status;
    return { code, reason, message };
  }
  throw new Error('expected the patch to fail');
}

type Case = [name: string, original: JsonObject, patch: JsonObject, expected: JsonObject];

describe('lists of objects with the merge strategy merge by key', () => {
  it.each<Case>([
    [
      'a new container goes first (kubectl patch task: patch-demo-ctr-2)',
      pod({ containers: [{ name: 'patch-demo-ctr', image: 'nginx' }] }),
      { spec: { containers: [{ name: 'patch-demo-ctr-2', image: 'redis' }] } },
      pod({ containers: [{ name: 'patch-demo-ctr-2', image: 'redis' }, { name: 'patch-demo-ctr', image: 'nginx' }] }),
    ],
    [
      'an existing container merges in place, keeping what the patch does not mention',
      pod({ containers: [{ name: 'a', image: 'x', args: ['1'] }, { name: 'b', image: 'y' }] }),
      { spec: { containers: [{ name: 'b', image: 'z' }] } },
      pod({ containers: [{ name: 'a', image: 'x', args: ['1'] }, { name: 'b', image: 'z' }] }),
    ],
    [
      'ports merge by containerPort, in the patch’s order',
      pod({ containers: [{ name: 'web', ports: [{ containerPort: 80, protocol: 'TCP' }] }] }),
      { spec: { containers: [{ name: 'web', ports: [{ containerPort: 443, name: 'https' }, { containerPort: 80, name: 'http' }] }] } },
      pod({ containers: [{ name: 'web', ports: [{ containerPort: 443, name: 'https' }, { containerPort: 80, protocol: 'TCP', name: 'http' }] }] }),
    ],
    [
      'env merges by name; new variables follow the ones the server had before them',
      pod({ containers: [{ name: 'c', env: [{ name: 'A', value: '1' }, { name: 'B', value: '2' }] }] }),
      { spec: { containers: [{ name: 'c', env: [{ name: 'B', value: '3' }, { name: 'C', value: '4' }] }] } },
      pod({ containers: [{ name: 'c', env: [{ name: 'A', value: '1' }, { name: 'B', value: '3' }, { name: 'C', value: '4' }] }] }),
    ],
    [
      'ownerReferences merge by uid',
      pod({}, { name: 'p', ownerReferences: [{ uid: '1', name: 'rs-a', kind: 'ReplicaSet' }] }),
      { metadata: { ownerReferences: [{ uid: '1', name: 'rs-b' }] } },
      pod({}, { name: 'p', ownerReferences: [{ uid: '1', name: 'rs-b', kind: 'ReplicaSet' }] }),
    ],
    [
      '$patch: delete removes the element with that key',
      pod({ containers: [{ name: 'a' }, { name: 'b' }, { name: 'c' }] }),
      { spec: { containers: [{ name: 'b', $patch: 'delete' }] } },
      pod({ containers: [{ name: 'a' }, { name: 'c' }] }),
    ],
    [
      '$patch: delete in a nested list (env)',
      pod({ containers: [{ name: 'c', env: [{ name: 'A' }, { name: 'B' }] }] }),
      { spec: { containers: [{ name: 'c', env: [{ $patch: 'delete', name: 'A' }] }] } },
      pod({ containers: [{ name: 'c', env: [{ name: 'B' }] }] }),
    ],
    [
      '$patch: delete of an absent key changes nothing',
      pod({ containers: [{ name: 'a' }] }),
      { spec: { containers: [{ name: 'zz', $patch: 'delete' }] } },
      pod({ containers: [{ name: 'a' }] }),
    ],
    [
      '$patch: delete removes every duplicate',
      pod({ containers: [{ name: 'a', image: '1' }, { name: 'b' }, { name: 'a', image: '2' }] }),
      { spec: { containers: [{ name: 'a', $patch: 'delete' }] } },
      pod({ containers: [{ name: 'b' }] }),
    ],
    [
      '$patch: replace makes the patch’s other elements the whole list',
      pod({ containers: [{ name: 'a', image: 'x' }, { name: 'b' }] }),
      { spec: { containers: [{ name: 'c', image: 'z' }, { $patch: 'replace' }] } },
      pod({ containers: [{ name: 'c', image: 'z' }] }),
    ],
    ['$patch: replace alone empties the list', pod({ containers: [{ name: 'a' }] }), { spec: { containers: [{ $patch: 'replace' }] } }, pod({ containers: [] })],
    [
      'two patch elements with one key: the second merges into the first',
      pod({ containers: [{ name: 'a', image: 'x' }] }),
      { spec: { containers: [{ name: 'b', image: 'y' }, { name: 'b', args: ['z'] }] } },
      pod({ containers: [{ name: 'b', image: 'y', args: ['z'] }, { name: 'a', image: 'x' }] }),
    ],
    [
      'duplicate keys in the original: only the first merges',
      pod({ containers: [{ name: 'a', image: '1' }, { name: 'a', image: '2' }] }),
      { spec: { containers: [{ name: 'a', image: '3' }] } },
      pod({ containers: [{ name: 'a', image: '3' }, { name: 'a', image: '2' }] }),
    ],
    [
      'a list the original lacks is taken from the patch, null members dropped',
      pod({ containers: [{ name: 'c' }] }),
      { spec: { containers: [{ name: 'c', env: [{ name: 'X', value: '1', valueFrom: null }] }] } },
      pod({ containers: [{ name: 'c', env: [{ name: 'X', value: '1' }] }] }),
    ],
    [
      'an element appended to an existing list is taken as sent (nulls too)',
      pod({ containers: [{ name: 'c', env: [{ name: 'A' }] }] }),
      { spec: { containers: [{ name: 'c', env: [{ name: 'B', valueFrom: null }] }] } },
      pod({ containers: [{ name: 'c', env: [{ name: 'B', valueFrom: null }, { name: 'A' }] }] }),
    ],
  ])('%s', (_name, original, patch, expected) => {
    expect(smp(original, patch)).toEqual(expected);
  });
});

describe('lists of scalars', () => {
  it.each<Case>([
    ['merge strategy (finalizers) is a set union: shared elements keep their place', pod({}, { finalizers: ['a', 'b'] }), { metadata: { finalizers: ['b', 'c'] } }, pod({}, { finalizers: ['a', 'b', 'c'] })],
    ['merge strategy: a new element goes first', pod({}, { finalizers: ['a', 'b'] }), { metadata: { finalizers: ['c'] } }, pod({}, { finalizers: ['c', 'a', 'b'] })],
    ['merge strategy: duplicates go', pod({}, { finalizers: ['a', 'a', 'b'] }), { metadata: { finalizers: ['b'] } }, pod({}, { finalizers: ['a', 'b'] })],
    [
      'no strategy (args) replaces',
      pod({ containers: [{ name: 'c', args: ['--a', '--b'] }] }),
      { spec: { containers: [{ name: 'c', args: ['--c'] }] } },
      pod({ containers: [{ name: 'c', args: ['--c'] }] }),
    ],
    [
      '$deleteFromPrimitiveList removes elements (design doc: a, b, c minus b, c)',
      pod({}, { finalizers: ['a', 'b', 'c'] }),
      { metadata: { '$deleteFromPrimitiveList/finalizers': ['b', 'c'] } },
      pod({}, { finalizers: ['a'] }),
    ],
    ['$deleteFromPrimitiveList removes every duplicate', pod({}, { finalizers: ['a', 'b', 'b', 'c'] }), { metadata: { '$deleteFromPrimitiveList/finalizers': ['b'] } }, pod({}, { finalizers: ['a', 'c'] })],
    ['$deleteFromPrimitiveList of an absent value adds nothing', pod({}, { finalizers: ['a'] }), { metadata: { '$deleteFromPrimitiveList/finalizers': ['z'] } }, pod({}, { finalizers: ['a'] })],
    ['$deleteFromPrimitiveList of an absent list adds nothing', pod({}, { name: 'p' }), { metadata: { '$deleteFromPrimitiveList/finalizers': ['z'] } }, pod({}, { name: 'p' })],
    ['$deleteFromPrimitiveList: null deletes the whole list', pod({}, { finalizers: ['a'] }), { metadata: { '$deleteFromPrimitiveList/finalizers': null } }, pod({}, {})],
    [
      '$deleteFromPrimitiveList works on a list without the merge strategy too',
      pod({ containers: [{ name: 'c', args: ['x', 'y', 'z'] }] }),
      { spec: { containers: [{ name: 'c', '$deleteFromPrimitiveList/args': ['y'] }] } },
      pod({ containers: [{ name: 'c', args: ['x', 'z'] }] }),
    ],
    [
      'deleting and adding in one patch',
      pod({}, { finalizers: ['a', 'b'] }),
      { metadata: { '$deleteFromPrimitiveList/finalizers': ['a'], finalizers: ['c'] } },
      pod({}, { finalizers: ['c', 'b'] }),
    ],
  ])('%s', (_name, original, patch, expected) => {
    expect(smp(original, patch)).toEqual(expected);
  });
});

describe('$setElementOrder', () => {
  it.each<Case>([
    [
      'reorders a list of objects (design doc)',
      pod({ containers: [{ name: 'a', image: '1' }, { name: 'b', image: '2' }, { name: 'c', image: '3' }] }),
      { spec: { '$setElementOrder/containers': [{ name: 'b' }, { name: 'c' }, { name: 'a' }] } },
      pod({ containers: [{ name: 'b', image: '2' }, { name: 'c', image: '3' }, { name: 'a', image: '1' }] }),
    ],
    [
      'reorders a list of scalars (design doc)',
      pod({}, { finalizers: ['a', 'b', 'c'] }),
      { metadata: { '$setElementOrder/finalizers': ['b', 'c', 'a'] } },
      pod({}, { finalizers: ['b', 'c', 'a'] }),
    ],
    [
      'places new elements where the directive says',
      pod({ containers: [{ name: 'b' }, { name: 'c', image: 'c' }] }),
      { spec: { '$setElementOrder/containers': [{ name: 'd' }, { name: 'b' }, { name: 'c' }, { name: 'e' }], containers: [{ name: 'd', image: 'd' }, { name: 'e', image: 'e' }] } },
      pod({ containers: [{ name: 'd', image: 'd' }, { name: 'b' }, { name: 'c', image: 'c' }, { name: 'e', image: 'e' }] }),
    ],
    [
      'elements only the server has keep their place among the listed ones',
      pod({ containers: [{ name: 'a' }, { name: 'x', image: 'server-only' }, { name: 'b' }] }),
      { spec: { '$setElementOrder/containers': [{ name: 'b' }, { name: 'a' }], containers: [{ name: 'b', image: 'new' }] } },
      pod({ containers: [{ name: 'x', image: 'server-only' }, { name: 'b', image: 'new' }, { name: 'a' }] }),
    ],
    [
      'with a deletion: appended elements fill the deleted one’s room in the server’s list, as in Go',
      pod({ containers: [{ name: 'one' }, { name: 'two', image: 'b' }, { name: 'four', image: 'c' }] }),
      { spec: { '$setElementOrder/containers': [{ name: 'two' }, { name: 'three' }], containers: [{ name: 'three' }, { name: 'one', $patch: 'delete' }] } },
      pod({ containers: [{ name: 'two', image: 'b' }, { name: 'four', image: 'c' }, { name: 'three' }] }),
    ],
    [
      'an empty directive leaves new elements to Go’s sort, which reverses them after the server’s',
      pod({ containers: [{ name: 'a' }, { name: 'b' }] }),
      { spec: { '$setElementOrder/containers': [], containers: [{ name: 'x' }, { name: 'y' }] } },
      pod({ containers: [{ name: 'a' }, { name: 'b' }, { name: 'y' }, { name: 'x' }] }),
    ],
    [
      'for a list the original lacks, takes the patch’s list in the directive’s order',
      pod({}),
      { spec: { '$setElementOrder/containers': [{ name: 'b' }, { name: 'a' }], containers: [{ name: 'b' }, { name: 'a' }, { name: 'gone', $patch: 'delete' }] } },
      pod({ containers: [{ name: 'b' }, { name: 'a' }] }),
    ],
  ])('%s', (_name, original, patch, expected) => {
    expect(smp(original, patch)).toEqual(expected);
  });

  it('refuses a patch list whose order the directive contradicts (500, Go’s message)', () => {
    const result = smpError(pod({ containers: [{ name: 'a' }, { name: 'c' }, { name: 'b' }] }), {
      spec: { '$setElementOrder/containers': [{ name: 'a' }, { name: 'b' }, { name: 'c' }], containers: [{ name: 'c', image: '3' }, { name: 'a', image: '1' }] },
    });
    expect(result).toEqual({
      code: 500,
      reason: undefined,
      message: "The order in patch list:\n[map[image:3 name:c] map[image:1 name:a]]\n doesn't match $setElementOrder list:\n[map[name:a] map[name:b] map[name:c]]\n",
    });
  });
});

describe('maps', () => {
  it.each<[string, JsonObject, JsonObject, JsonObject, Schema?]>([
    ['null deletes a key', pod({}, { labels: { a: '1', b: '2' } }), { metadata: { labels: { a: null } } }, pod({}, { labels: { b: '2' } })],
    ['null deletes a nested object', pod({ securityContext: { runAsUser: 1 }, nodeSelector: { a: 'b' } }), { spec: { securityContext: null } }, pod({ nodeSelector: { a: 'b' } })],
    ['null for an absent key changes nothing', pod({}, { name: 'p' }), { metadata: { labels: null } }, pod({}, { name: 'p' })],
    ['a new map loses its null members', pod({}, { name: 'p' }), { metadata: { annotations: { x: '1', y: null } } }, pod({}, { name: 'p', annotations: { x: '1' } })],
    [
      'nested maps merge',
      pod({ nodeSelector: { zone: 'a' } }, { name: 'p', labels: { app: 'web' } }),
      { metadata: { labels: { tier: 'front' }, annotations: { note: 'x' } }, spec: { nodeSelector: { disk: 'ssd' } } },
      pod({ nodeSelector: { zone: 'a', disk: 'ssd' } }, { name: 'p', labels: { app: 'web', tier: 'front' }, annotations: { note: 'x' } }),
    ],
    ['$patch: replace takes the map as sent', pod({ nodeSelector: { a: '1', b: '2' } }), { spec: { nodeSelector: { $patch: 'replace', c: '3' } } }, pod({ nodeSelector: { c: '3' } })],
    ['$patch: replace at the top replaces the whole object', pod({ nodeSelector: { a: '1' } }), { $patch: 'replace', kind: 'Pod', spec: {} }, { kind: 'Pod', spec: {} }],
    [
      '$patch: delete leaves an empty map, as upstream does',
      deployment({ strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%' } } }),
      { spec: { strategy: { rollingUpdate: { $patch: 'delete' } } } },
      deployment({ strategy: { type: 'RollingUpdate', rollingUpdate: {} } }),
      DEPLOYMENT,
    ],
    ['a value of another type replaces', pod({ nodeSelector: { a: '1' } }), { spec: { nodeSelector: 'x' } }, pod({ nodeSelector: 'x' })],
    ['scalars replace', deployment({ replicas: 1 }), { spec: { replicas: 3 } }, deployment({ replicas: 3 }), DEPLOYMENT],
  ])('%s', (_name, original, patch, expected, schema = POD) => {
    expect(smp(original, patch, schema)).toEqual(expected);
  });

  it('without a schema, merges maps and replaces lists', () => {
    expect(smp({ a: [1, 2], m: { x: 1 } }, { a: [3], m: { y: 2 } }, null)).toEqual({ a: [3], m: { x: 1, y: 2 } });
  });

  it('replaces lists without a strategy (kubectl patch task: tolerations)', () => {
    const original = pod({ tolerations: [{ effect: 'NoSchedule', key: 'dedicated', value: 'test-team' }] });
    const patch = { spec: { tolerations: [{ effect: 'NoSchedule', key: 'disktype', value: 'ssd' }] } };
    expect(smp(original, patch)).toEqual(pod({ tolerations: [{ effect: 'NoSchedule', key: 'disktype', value: 'ssd' }] }));
  });
});

describe('$retainKeys', () => {
  it('clears the union members of a volume not listed (emptyDir becomes hostPath)', () => {
    const original = pod({ volumes: [{ name: 'data', emptyDir: {} }, { name: 'cfg', configMap: { name: 'x' } }] });
    const patch = { spec: { volumes: [{ name: 'data', hostPath: { path: '/tmp' }, $retainKeys: ['name', 'hostPath'] }] } };
    expect(smp(original, patch)).toEqual(pod({ volumes: [{ name: 'data', hostPath: { path: '/tmp' } }, { name: 'cfg', configMap: { name: 'x' } }] }));
  });

  it('without the directive, the old member stays', () => {
    const original = pod({ volumes: [{ name: 'data', emptyDir: {} }] });
    expect(smp(original, { spec: { volumes: [{ name: 'data', hostPath: { path: '/tmp' } }] } })).toEqual(
      pod({ volumes: [{ name: 'data', emptyDir: {}, hostPath: { path: '/tmp' } }] }),
    );
  });

  it('clears rollingUpdate when the strategy becomes Recreate (kubectl patch task: retainkeys-demo)', () => {
    const original = deployment({ strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '30%' } } });
    expect(smp(original, { spec: { strategy: { $retainKeys: ['type'], type: 'Recreate' } } }, DEPLOYMENT)).toEqual(deployment({ strategy: { type: 'Recreate' } }));
  });

  it.each<[string, JsonObject]>([
    ['a patched key is not retained', { spec: { strategy: { $retainKeys: ['type'], type: 'Recreate', rollingUpdate: { maxSurge: 1 } } } }],
    ['the directive is not a list', { spec: { strategy: { $retainKeys: 'type', type: 'Recreate' } } }],
  ])('400 when %s', (_name, patch) => {
    expect(smpError(deployment({ strategy: { type: 'RollingUpdate' } }), patch, DEPLOYMENT)).toEqual({ code: 400, reason: 'BadRequest', message: 'invalid patch format of retainKeys' });
  });
});

describe('errors as upstream sends them', () => {
  it.each<[string, JsonObject, JsonObject, { code: number; reason: string | undefined; message: string }, Schema?]>([
    [
      'a patch element without the merge key',
      pod({ containers: [{ name: 'a' }] }),
      { spec: { containers: [{ image: 'nginx' }] } },
      { code: 500, reason: undefined, message: 'map: map[image:nginx] does not contain declared merge key: name' },
    ],
    [
      'a $patch: delete element without the merge key',
      pod({ containers: [{ name: 'a' }] }),
      { spec: { containers: [{ $patch: 'delete', image: 'x' }] } },
      { code: 500, reason: undefined, message: 'map: map[$patch:delete image:x] does not contain declared merge key: name' },
    ],
    [
      'a list of lists',
      pod({}, { finalizers: [] }),
      { metadata: { finalizers: [['x']] } },
      { code: 422, reason: 'Invalid', message: 'the server rejected our request due to an error in our request' },
    ],
    ['mixed element types', pod({}, { finalizers: ['a'] }), { metadata: { finalizers: [1] } }, { code: 500, reason: undefined, message: 'list element types are not identical: [[a] [1]]' }],
    [
      'a list beginning with null (upstream panics)',
      pod({}, { finalizers: [] }),
      { metadata: { finalizers: [null, 'a'] } },
      { code: 500, reason: undefined, message: 'This request caused apiserver to panic. Look in the logs for details.' },
    ],
    ['$patch: merge on a map', pod({ nodeSelector: { a: 'b' } }), { spec: { nodeSelector: { $patch: 'merge', a: 'b' } } }, { code: 500, reason: undefined, message: 'unknown patch type: merge in map: map[$patch:merge a:b]' }],
    [
      '$patch: merge in a list',
      pod({ containers: [{ name: 'a' }] }),
      { spec: { containers: [{ name: 'a', $patch: 'merge' }] } },
      { code: 500, reason: undefined, message: 'merging lists cannot yet be specified in the patch' },
    ],
    [
      'an unknown directive in a list',
      pod({ containers: [{ name: 'a' }] }),
      { spec: { containers: [{ name: 'a', $patch: 'frob' }] } },
      { code: 500, reason: undefined, message: 'unknown patch type: frob in map: map[$patch:frob name:a]' },
    ],
    [
      '$deleteFromPrimitiveList without a list name',
      pod({}, { finalizers: ['a'] }),
      { metadata: { $deleteFromPrimitiveList: ['a'] } },
      { code: 400, reason: 'BadRequest', message: 'invalid patch format of primitive list' },
    ],
    [
      '$setElementOrder without a list name',
      pod({}, { finalizers: ['a'] }),
      { metadata: { $setElementOrderfinalizers: ['a'] } },
      { code: 400, reason: 'BadRequest', message: 'invalid patch format of setElementOrder list' },
    ],
    [
      '$setElementOrder that is not a list',
      pod({}, { finalizers: ['a'] }),
      { metadata: { '$setElementOrder/finalizers': 'a' } },
      { code: 500, reason: undefined, message: 'expected a []interface {}, but received a string' },
    ],
    [
      '$setElementOrder of a field the type does not have',
      pod({}),
      { spec: { '$setElementOrder/sidecars': [{ name: 'a' }] } },
      { code: 500, reason: undefined, message: 'unable to find api field in struct PodSpec for the json field "sidecars"' },
    ],
    [
      'a nested merge into a field the type does not have',
      pod({ foo: { a: 1 } }),
      { spec: { foo: { b: 2 } } },
      { code: 500, reason: undefined, message: 'unable to find api field in struct PodSpec for the json field "foo"' },
    ],
    [
      'a nested merge inside a RawExtension',
      { metadata: { name: 'r' }, data: { spec: { a: 1 } }, revision: 1 },
      { data: { spec: { b: 2 } } },
      { code: 500, reason: undefined, message: 'unable to find api field in struct RawExtension for the json field "spec"' },
      schemaOf('io.k8s.api.apps.v1.ControllerRevision'),
    ],
    [
      'a nested merge inside a map of objects (a CRD’s properties)',
      { type: 'object', properties: { spec: { type: 'object', properties: { a: { type: 'string' } } } } },
      { properties: { spec: { properties: { b: { type: 'string' } } } } },
      { code: 500, reason: undefined, message: 'merging an object in json but data type is not struct, instead is: map' },
      schemaOf('io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSONSchemaProps'),
    ],
  ])('%s', (_name, original, patch, expected, schema = POD) => {
    expect(smpError(original, patch, schema)).toEqual(expected);
  });

  it('adds what the schema does not know when the original has nothing there to merge into', () => {
    expect(smp(pod({}), { spec: { foo: { b: 2 } } })).toEqual(pod({ foo: { b: 2 } }));
    const props = schemaOf('io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSONSchemaProps');
    expect(smp({ properties: { spec: { type: 'object' } } }, { properties: { status: { type: 'object' } } }, props)).toEqual({
      properties: { spec: { type: 'object' }, status: { type: 'object' } },
    });
  });
});

describe('the pure entry point', () => {
  it('modifies neither the original nor the patch', () => {
    const original = pod({ containers: [{ name: 'a', env: [{ name: 'A' }] }] }, { name: 'p', finalizers: ['x'] });
    const patch = { spec: { '$setElementOrder/containers': [{ name: 'b' }, { name: 'a' }], containers: [{ name: 'b' }] }, metadata: { '$deleteFromPrimitiveList/finalizers': ['x'] } };
    const originalCopy = structuredClone(original);
    const patchCopy = structuredClone(patch);
    expect(smp(original, patch)).toEqual(pod({ containers: [{ name: 'b' }, { name: 'a', env: [{ name: 'A' }] }] }, { name: 'p', finalizers: [] }));
    expect(original).toEqual(originalCopy);
    expect(patch).toEqual(patchCopy);
  });
});
