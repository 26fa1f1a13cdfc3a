import { describe, expect, it } from 'vitest';
import { removeItems, type FieldPath } from '../../src/apply/index.js';
import type { Schema } from '../../src/schema/types.js';
import { builtin, CONFIG_MAP, custom, DEPLOYMENT, key, path, POD, setOf, value, WIDGET } from './support.js';

interface Case {
  readonly name: string;
  readonly schema: Schema;
  readonly context?: typeof builtin;
  readonly value: unknown;
  readonly remove: readonly FieldPath[];
  readonly result: unknown;
}

const pod = (containers: unknown[]): Record<string, unknown> => ({ spec: { containers } });

const cases: Case[] = [
  { name: 'a struct field', schema: DEPLOYMENT, value: { spec: { replicas: 3, paused: true } }, remove: [path('spec', 'replicas')], result: { spec: { paused: true } } },
  { name: 'a map key', schema: CONFIG_MAP, value: { metadata: { labels: { a: '1', b: '2' } } }, remove: [path('metadata', 'labels', 'b')], result: { metadata: { labels: { a: '1' } } } },
  {
    name: 'a list-map item',
    schema: POD,
    value: pod([{ name: 'web', image: 'a' }, { name: 'side', image: 'b' }]),
    remove: [path('spec', 'containers', key({ name: 'side' }))],
    result: pod([{ name: 'web', image: 'a' }]),
  },
  {
    name: 'a field inside a list-map item',
    schema: POD,
    value: pod([{ name: 'web', image: 'a', args: ['x'] }]),
    remove: [path('spec', 'containers', key({ name: 'web' }), 'image')],
    result: pod([{ name: 'web', args: ['x'] }]),
  },
  {
    name: 'an item of a list-map with two keys',
    schema: POD,
    value: pod([{ name: 'web', ports: [{ containerPort: 53, protocol: 'UDP' }, { containerPort: 53, protocol: 'TCP' }] }]),
    remove: [path('spec', 'containers', key({ name: 'web' }), 'ports', key({ protocol: 'UDP', containerPort: 53 }))],
    result: pod([{ name: 'web', ports: [{ containerPort: 53, protocol: 'TCP' }] }]),
  },
  { name: 'a set value', schema: DEPLOYMENT, value: { metadata: { finalizers: ['a', 'b'] } }, remove: [path('metadata', 'finalizers', value('a'))], result: { metadata: { finalizers: ['b'] } } },
  {
    name: 'several paths at once, at different depths',
    schema: DEPLOYMENT,
    value: { metadata: { labels: { a: '1', b: '2' }, finalizers: ['x'] }, spec: { replicas: 1, paused: false } },
    remove: [path('metadata', 'labels', 'a'), path('spec', 'paused'), path('metadata', 'finalizers', value('nope'))],
    result: { metadata: { labels: { b: '2' }, finalizers: ['x'] }, spec: { replicas: 1 } },
  },
  {
    name: 'a struct with everything under it',
    schema: DEPLOYMENT,
    value: { spec: { replicas: 1, strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1 } } } },
    remove: [path('spec', 'strategy')],
    result: { spec: { replicas: 1 } },
  },
  { name: 'the last set value: the emptied list goes, its parent stays', schema: DEPLOYMENT, value: { metadata: { finalizers: ['a'] } }, remove: [path('metadata', 'finalizers', value('a'))], result: { metadata: {} } },
  { name: 'the last map key: the emptied map goes, its parent stays', schema: CONFIG_MAP, value: { metadata: { name: 'c', labels: { a: '1' } } }, remove: [path('metadata', 'labels', 'a')], result: { metadata: { name: 'c' } } },
  {
    name: 'a path inside an atomic map takes the whole map',
    schema: DEPLOYMENT,
    value: { spec: { template: { spec: { nodeSelector: { a: '1', b: '2' }, hostname: 'h' } } } },
    remove: [path('spec', 'template', 'spec', 'nodeSelector', 'a')],
    result: { spec: { template: { spec: { hostname: 'h' } } } },
  },
  {
    name: 'paths that are not in the value change nothing',
    schema: POD,
    value: pod([{ name: 'web', image: 'a' }]),
    remove: [path('spec', 'containers', key({ name: 'other' })), path('spec', 'hostname'), path('metadata', 'labels', 'x')],
    result: pod([{ name: 'web', image: 'a' }]),
  },
  {
    name: 'keys inside a preserve-unknown-fields object',
    schema: WIDGET,
    context: custom,
    value: { spec: { config: { a: { b: 1, c: 2 }, d: 3 } } },
    remove: [path('spec', 'config', 'a', 'b'), path('spec', 'config', 'd')],
    result: { spec: { config: { a: { c: 2 } } } },
  },
  {
    name: 'an item named through a schema-defaulted key',
    schema: WIDGET,
    context: custom,
    value: { spec: { listeners: [{ port: 80 }, { port: 80, protocol: 'UDP' }] } },
    remove: [path('spec', 'listeners', key({ port: 80, protocol: 'TCP' }))],
    result: { spec: { listeners: [{ port: 80, protocol: 'UDP' }] } },
  },
  { name: 'everything: an empty object', schema: CONFIG_MAP, value: { data: { a: 'b' } }, remove: [path('data')], result: {} },
];

describe('removeItems', () => {
  it.each(cases)('$name', ({ schema, context, value: input, remove, result }) => {
    expect(removeItems(input, setOf(...remove), schema, context ?? builtin)).toEqual(result);
  });

  it('leaves its input untouched', () => {
    const input = { metadata: { labels: { a: '1', b: '2' }, finalizers: ['x', 'y'] } };
    const snapshot = JSON.stringify(input);
    const out = removeItems(input, setOf(path('metadata', 'labels', 'a'), path('metadata', 'finalizers', value('y'))), CONFIG_MAP, builtin) as typeof input;
    out.metadata.labels.b = 'changed';
    expect(JSON.stringify(input)).toBe(snapshot);
    expect(out.metadata.finalizers).toEqual(['x']);
  });
});
