import { describe, expect, it } from 'vitest';
import { ApplyError, fieldSetOf } from '../../src/apply/index.js';
import type { Schema } from '../../src/schema/types.js';
import { builtin, CONFIG_MAP, custom, DEPLOYMENT, IDENTITY, POD, SERVICE, strings, WIDGET } from './support.js';

interface Case {
  readonly name: string;
  readonly schema: Schema;
  readonly context: typeof builtin;
  readonly value: Record<string, unknown>;
  readonly members: readonly string[];
}

const deployment = (spec: Record<string, unknown> | undefined, metadata: Record<string, unknown> = {}): Record<string, unknown> => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', ...metadata },
  ...(spec === undefined ? {} : { spec }),
});
const podSpec = (spec: Record<string, unknown>): Record<string, unknown> => deployment({ template: { spec } });
const widget = (spec: Record<string, unknown>): Record<string, unknown> => ({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' }, spec });
const CONTAINERS = '.spec.template.spec.containers';

const cases: Case[] = [
  {
    name: 'the Deployment from the brief: leaves and list-map items are members, structs are not',
    schema: DEPLOYMENT,
    context: builtin,
    value: deployment({ replicas: 3, template: { spec: { containers: [{ name: 'web', image: 'x' }] } } }),
    members: ['.spec.replicas', `${CONTAINERS}[name="web"]`, `${CONTAINERS}[name="web"].image`, `${CONTAINERS}[name="web"].name`],
  },
  {
    name: 'container ports: a list-map keyed by containerPort and protocol',
    schema: DEPLOYMENT,
    context: builtin,
    value: podSpec({
      containers: [
        {
          name: 'web',
          ports: [
            { containerPort: 8080, protocol: 'TCP', name: 'http' },
            { containerPort: 53, protocol: 'UDP' },
          ],
        },
      ],
    }),
    members: [
      `${CONTAINERS}[name="web"]`,
      `${CONTAINERS}[name="web"].name`,
      `${CONTAINERS}[name="web"].ports[containerPort=53,protocol="UDP"]`,
      `${CONTAINERS}[name="web"].ports[containerPort=53,protocol="UDP"].containerPort`,
      `${CONTAINERS}[name="web"].ports[containerPort=53,protocol="UDP"].protocol`,
      `${CONTAINERS}[name="web"].ports[containerPort=8080,protocol="TCP"]`,
      `${CONTAINERS}[name="web"].ports[containerPort=8080,protocol="TCP"].containerPort`,
      `${CONTAINERS}[name="web"].ports[containerPort=8080,protocol="TCP"].name`,
      `${CONTAINERS}[name="web"].ports[containerPort=8080,protocol="TCP"].protocol`,
    ],
  },
  {
    name: 'a port without protocol: the key takes the schema default (TCP), as upstream',
    schema: POD,
    context: builtin,
    value: { spec: { containers: [{ name: 'c', ports: [{ containerPort: 80 }] }] } },
    members: [
      '.spec.containers[name="c"]',
      '.spec.containers[name="c"].name',
      '.spec.containers[name="c"].ports[containerPort=80,protocol="TCP"]',
      '.spec.containers[name="c"].ports[containerPort=80,protocol="TCP"].containerPort',
    ],
  },
  {
    name: 'labels: a granular map, each key a member',
    schema: DEPLOYMENT,
    context: builtin,
    value: deployment(undefined, { labels: { app: 'web', tier: 'front' } }),
    members: ['.metadata.labels.app', '.metadata.labels.tier'],
  },
  {
    name: 'nodeSelector: an atomic map is one leaf',
    schema: DEPLOYMENT,
    context: builtin,
    value: podSpec({ nodeSelector: { disk: 'ssd', zone: 'a' } }),
    members: ['.spec.template.spec.nodeSelector'],
  },
  {
    name: 'args: an atomic list is one leaf',
    schema: DEPLOYMENT,
    context: builtin,
    value: podSpec({ containers: [{ name: 'web', args: ['--a', '--b'] }] }),
    members: [`${CONTAINERS}[name="web"]`, `${CONTAINERS}[name="web"].args`, `${CONTAINERS}[name="web"].name`],
  },
  {
    name: 'finalizers: a set, each value a member',
    schema: DEPLOYMENT,
    context: builtin,
    value: deployment(undefined, { finalizers: ['b.example.com/x', 'a.example.com/y'] }),
    members: ['.metadata.finalizers[="a.example.com/y"]', '.metadata.finalizers[="b.example.com/x"]'],
  },
  {
    name: 'a field holding an empty object or null is a member; an empty set list is not',
    schema: DEPLOYMENT,
    context: builtin,
    value: deployment({ strategy: {}, paused: null, template: { metadata: { labels: null } } }, { finalizers: [] }),
    members: ['.spec.paused', '.spec.strategy', '.spec.template.metadata.labels'],
  },
  {
    name: 'ConfigMap data: keys of an additionalProperties map',
    schema: CONFIG_MAP,
    context: builtin,
    value: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: { 'a.conf': 'x', b: '' } },
    members: ['.data.a.conf', '.data.b'],
  },
  {
    name: 'Service ports: keyed by port and protocol',
    schema: SERVICE,
    context: builtin,
    value: { spec: { ports: [{ port: 443, protocol: 'TCP', targetPort: 'https' }] } },
    members: ['.spec.ports[port=443,protocol="TCP"]', '.spec.ports[port=443,protocol="TCP"].port', '.spec.ports[port=443,protocol="TCP"].protocol', '.spec.ports[port=443,protocol="TCP"].targetPort'],
  },
  {
    name: 'preserve-unknown-fields: objects are granular, every key a member, lists atomic',
    schema: WIDGET,
    context: custom,
    value: widget({ config: { a: { b: 1, c: [1, 2] }, d: 'x' } }),
    members: ['.spec.config.a', '.spec.config.a.b', '.spec.config.a.c', '.spec.config.d'],
  },
  {
    name: 'preserve-unknown-fields beside properties: declared fields are not members when filled, unknown keys are',
    schema: WIDGET,
    context: custom,
    value: widget({ mixed: { size: 3, extra: { deep: true } } }),
    members: ['.spec.mixed.extra', '.spec.mixed.extra.deep', '.spec.mixed.size'],
  },
  {
    name: 'a map of structs: each map key is a member besides its fields',
    schema: WIDGET,
    context: custom,
    value: widget({ backends: { primary: { host: 'a', port: 1 } } }),
    members: ['.spec.backends.primary', '.spec.backends.primary.host', '.spec.backends.primary.port'],
  },
  {
    name: 'a list-map key field left out takes the schema default',
    schema: WIDGET,
    context: custom,
    value: widget({ listeners: [{ port: 80, name: 'http' }] }),
    members: ['.spec.listeners[port=80,protocol="TCP"]', '.spec.listeners[port=80,protocol="TCP"].name', '.spec.listeners[port=80,protocol="TCP"].port'],
  },
  {
    name: 'lists typed only by patch strategy: a map by merge key, a set without one',
    schema: WIDGET,
    context: custom,
    value: widget({ legacy: [{ id: 'a', value: 'v' }], tags: ['t'] }),
    members: ['.spec.legacy[id="a"]', '.spec.legacy[id="a"].id', '.spec.legacy[id="a"].value', '.spec.tags[="t"]'],
  },
  {
    name: 'untyped, int-or-string, RawExtension (atomic) and an atomic struct',
    schema: WIDGET,
    context: custom,
    value: widget({ anything: { x: { y: 1 } }, port: 'http', raw: { kind: 'Thing', spec: { a: 1 } }, selector: { app: 'a' } }),
    members: ['.spec.anything.x', '.spec.anything.x.y', '.spec.port', '.spec.raw', '.spec.selector'],
  },
  {
    name: 'a set that holds a value twice owns it as one item',
    schema: DEPLOYMENT,
    context: builtin,
    value: deployment(undefined, { finalizers: ['a', 'a', 'b'] }),
    members: ['.metadata.finalizers[="a"]', '.metadata.finalizers[="b"]'],
  },
  {
    name: 'a list-map item held twice: the item is owned, not its fields',
    schema: POD,
    context: builtin,
    value: { spec: { containers: [{ name: 'c', env: [{ name: 'A', value: '1' }, { name: 'A', value: '2' }, { name: 'B', value: '3' }] }] } },
    members: ['.spec.containers[name="c"]', '.spec.containers[name="c"].env[name="A"]', '.spec.containers[name="c"].env[name="B"]', '.spec.containers[name="c"].env[name="B"].name', '.spec.containers[name="c"].env[name="B"].value', '.spec.containers[name="c"].name'],
  },
];

describe('fieldSetOf', () => {
  it.each(cases)('$name', ({ schema, context, value, members }) => {
    expect(strings(fieldSetOf(value, schema, context).withoutPaths(IDENTITY))).toEqual(members);
  });

  it('includes apiVersion, kind and metadata fields: ignoring them is the caller’s business', () => {
    expect(strings(fieldSetOf(deployment({}), DEPLOYMENT, builtin))).toEqual(['.apiVersion', '.kind', '.metadata.name', '.spec']);
  });

  it('encodes as kube-apiserver writes managedFields for the documented ConfigMap example', () => {
    const applied = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'test-cm', namespace: 'default', labels: { 'test-label': 'test' } }, data: { key: 'some value' } };
    expect(fieldSetOf(applied, CONFIG_MAP, builtin).withoutPaths(IDENTITY).toFieldsV1()).toEqual({ 'f:data': { 'f:key': {} }, 'f:metadata': { 'f:labels': { 'f:test-label': {} } } });
  });

  it('encodes a container with ports the way managedFields show it', () => {
    const applied = podSpec({ containers: [{ name: 'web', image: 'nginx', ports: [{ containerPort: 80, protocol: 'TCP' }] }] });
    expect(JSON.stringify(fieldSetOf(applied, DEPLOYMENT, builtin).withoutPaths(IDENTITY).toFieldsV1())).toBe(
      '{"f:spec":{"f:template":{"f:spec":{"f:containers":{"k:{\\"name\\":\\"web\\"}":{".":{},"f:image":{},"f:name":{},"f:ports":{"k:{\\"containerPort\\":80,\\"protocol\\":\\"TCP\\"}":{".":{},"f:containerPort":{},"f:protocol":{}}}}}}}}}',
    );
  });

  const malformed: { name: string; value: unknown; message: string }[] = [
    { name: 'a list-map item without any key field', value: { spec: { containers: [{ image: 'x' }] } }, message: '.spec.containers: element 0: associative list with keys has an element that omits all key fields ["name"]' },
    { name: 'a list-map item that is not an object', value: { spec: { containers: ['web'] } }, message: '.spec.containers: element 0: associative list with keys may not have non-map elements' },
    { name: 'a null list-map item', value: { spec: { containers: [{ name: 'a' }, null] } }, message: '.spec.containers: element 1: associative list with keys may not have a null element' },
    { name: 'an object in a set', value: { metadata: { finalizers: [{ a: 1 }] } }, message: ".metadata.finalizers: element 0: associative list without keys has an element that's a map type" },
    { name: 'a null in a set', value: { metadata: { finalizers: ['a', null] } }, message: ".metadata.finalizers: element 1: associative list without keys has an element that's an explicit null" },
  ];

  it.each(malformed)('refuses $name', ({ value, message }) => {
    let error: unknown;
    try {
      fieldSetOf(value, POD, builtin);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ApplyError);
    expect((error as Error).message.startsWith(message)).toBe(true);
  });
});
