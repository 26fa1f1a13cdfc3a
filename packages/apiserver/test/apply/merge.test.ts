import { describe, expect, it } from 'vitest';
import { ApplyError, mergeTyped } from '../../src/apply/index.js';
import type { Schema } from '../../src/schema/types.js';
import { builtin, CONFIG_MAP, custom, DEPLOYMENT, POD, WIDGET } from './support.js';

interface Case {
  readonly name: string;
  readonly schema: Schema;
  readonly context?: typeof builtin;
  readonly live: unknown;
  readonly config: unknown;
  readonly merged: unknown;
}

const podSpec = (spec: Record<string, unknown>): Record<string, unknown> => ({ spec: { template: { spec } } });
const finalizers = (list: unknown): Record<string, unknown> => ({ metadata: { finalizers: list } });
const names = (...list: string[]): Record<string, unknown>[] => list.map((name) => ({ name }));

const cases: Case[] = [
  {
    name: 'list-map items merge by key; live-only items and fields stay',
    schema: DEPLOYMENT,
    live: podSpec({ containers: [{ name: 'web', image: 'a', ports: [{ containerPort: 80, protocol: 'TCP' }] }, { name: 'side', image: 's' }] }),
    config: podSpec({ containers: [{ name: 'web', image: 'b' }] }),
    merged: podSpec({ containers: [{ name: 'web', image: 'b', ports: [{ containerPort: 80, protocol: 'TCP' }] }, { name: 'side', image: 's' }] }),
  },
  {
    name: 'list-map items only the configuration has come in its order',
    schema: DEPLOYMENT,
    live: podSpec({ containers: names('a') }),
    config: podSpec({ containers: names('a', 'b', 'c') }),
    merged: podSpec({ containers: names('a', 'b', 'c') }),
  },
  {
    name: 'shared items follow the configuration’s order; live-only items keep their place among them',
    schema: DEPLOYMENT,
    live: podSpec({ containers: names('a', 'b', 'c') }),
    config: podSpec({ containers: names('c', 'a') }),
    merged: podSpec({ containers: names('b', 'c', 'a') }),
  },
  {
    name: 'nested list-maps merge by their two-field keys',
    schema: POD,
    live: { spec: { containers: [{ name: 'web', ports: [{ containerPort: 53, protocol: 'UDP', name: 'dns' }, { containerPort: 53, protocol: 'TCP' }] }] } },
    config: { spec: { containers: [{ name: 'web', ports: [{ containerPort: 53, protocol: 'TCP', name: 'dns-tcp' }] }] } },
    merged: { spec: { containers: [{ name: 'web', ports: [{ containerPort: 53, protocol: 'UDP', name: 'dns' }, { containerPort: 53, protocol: 'TCP', name: 'dns-tcp' }] }] } },
  },
  { name: 'set: union, new values after the live ones', schema: DEPLOYMENT, live: finalizers(['a', 'b']), config: finalizers(['b', 'c']), merged: finalizers(['a', 'b', 'c']) },
  { name: 'set: values both hold take the configuration’s order', schema: DEPLOYMENT, live: finalizers(['a', 'b']), config: finalizers(['b', 'a']), merged: finalizers(['b', 'a']) },
  { name: 'set: an empty configuration list keeps the live values', schema: DEPLOYMENT, live: finalizers(['a']), config: finalizers([]), merged: finalizers(['a']) },
  { name: 'set: a value held twice live and given again once', schema: DEPLOYMENT, live: finalizers(['a', 'b', 'b']), config: finalizers(['b']), merged: finalizers(['a', 'b']) },
  {
    name: 'atomic list: replaced whole',
    schema: DEPLOYMENT,
    live: podSpec({ containers: [{ name: 'web', args: ['x', 'y', 'z'] }] }),
    config: podSpec({ containers: [{ name: 'web', args: ['q'] }] }),
    merged: podSpec({ containers: [{ name: 'web', args: ['q'] }] }),
  },
  {
    name: 'atomic map: replaced whole',
    schema: DEPLOYMENT,
    live: podSpec({ nodeSelector: { a: '1', b: '2' } }),
    config: podSpec({ nodeSelector: { c: '3' } }),
    merged: podSpec({ nodeSelector: { c: '3' } }),
  },
  {
    name: 'nested granular maps merge key by key',
    schema: CONFIG_MAP,
    live: { metadata: { name: 'c', labels: { a: '1', b: '2' } }, data: { x: 'live' } },
    config: { metadata: { name: 'c', labels: { b: '3', c: '4' } } },
    merged: { metadata: { name: 'c', labels: { a: '1', b: '3', c: '4' } }, data: { x: 'live' } },
  },
  { name: 'a null leaf in the configuration sets null', schema: DEPLOYMENT, live: { spec: { replicas: 3, paused: true } }, config: { spec: { paused: null } }, merged: { spec: { replicas: 3, paused: null } } },
  { name: 'a null granular map in the configuration leaves the live map (nothing is removed by merging)', schema: CONFIG_MAP, live: { data: { k: 'v' } }, config: { data: null }, merged: { data: { k: 'v' } } },
  { name: 'an empty map in the configuration over an absent one', schema: CONFIG_MAP, live: { metadata: { name: 'c' } }, config: { data: {} }, merged: { metadata: { name: 'c' }, data: {} } },
  {
    name: 'a configuration item given once replaces an item held twice live',
    schema: POD,
    live: { spec: { containers: [{ name: 'c', env: [{ name: 'A', value: '1' }, { name: 'A', value: '2' }, { name: 'B', value: '3' }] }] } },
    config: { spec: { containers: [{ name: 'c', env: [{ name: 'A', value: '9' }] }] } },
    merged: { spec: { containers: [{ name: 'c', env: [{ name: 'A', value: '9' }, { name: 'B', value: '3' }] }] } },
  },
  {
    name: 'preserve-unknown-fields objects merge granularly; their lists are atomic',
    schema: WIDGET,
    context: custom,
    live: { spec: { config: { a: 1, b: { x: 1 }, l: [1, 2] } } },
    config: { spec: { config: { b: { y: 2 }, l: [3] } } },
    merged: { spec: { config: { a: 1, b: { x: 1, y: 2 }, l: [3] } } },
  },
  { name: 'RawExtension is atomic', schema: WIDGET, context: custom, live: { spec: { raw: { a: 1, b: 2 } } }, config: { spec: { raw: { c: 3 } } }, merged: { spec: { raw: { c: 3 } } } },
  {
    name: 'a list-map key left out matches the live item through its schema default',
    schema: WIDGET,
    context: custom,
    live: { spec: { listeners: [{ port: 80, protocol: 'TCP', name: 'a' }, { port: 80, protocol: 'UDP', name: 'u' }] } },
    config: { spec: { listeners: [{ port: 80, name: 'b' }] } },
    merged: { spec: { listeners: [{ port: 80, protocol: 'TCP', name: 'b' }, { port: 80, protocol: 'UDP', name: 'u' }] } },
  },
  { name: 'nothing live: the configuration', schema: CONFIG_MAP, live: null, config: { data: { k: 'v' } }, merged: { data: { k: 'v' } } },
  { name: 'an untyped field that changes kind takes the configuration’s value', schema: WIDGET, context: custom, live: { spec: { anything: { a: 1 } } }, config: { spec: { anything: 'text' } }, merged: { spec: { anything: 'text' } } },
];

describe('mergeTyped', () => {
  it.each(cases)('$name', ({ schema, context, live, config, merged }) => {
    expect(mergeTyped(live, config, schema, context ?? builtin)).toEqual(merged);
  });

  it('leaves its inputs untouched and returns a value sharing nothing with them', () => {
    const live = { metadata: { labels: { a: '1' } }, data: { x: 'y' } };
    const config = { metadata: { labels: { b: '2' } }, binaryData: { z: 'AA==' } };
    const snapshot = JSON.stringify([live, config]);
    const merged = mergeTyped(live, config, CONFIG_MAP, builtin) as { metadata: { labels: Record<string, string> }; data: Record<string, string>; binaryData: Record<string, string> };
    merged.metadata.labels.c = '3';
    merged.data.x = 'changed';
    merged.binaryData.z = 'changed';
    expect(JSON.stringify([live, config])).toBe(snapshot);
  });

  it('refuses duplicate items in the configuration', () => {
    const config = podSpec({ containers: names('web', 'web') });
    expect(() => mergeTyped({}, config, DEPLOYMENT, builtin)).toThrow(ApplyError);
    expect(() => mergeTyped({}, config, DEPLOYMENT, builtin)).toThrow('.spec.template.spec.containers: duplicate entries for key [name="web"]');
    expect(() => mergeTyped({}, finalizers(['a', 'a']), DEPLOYMENT, builtin)).toThrow('.metadata.finalizers: duplicate entries for key [="a"]');
  });

  it('refuses a configuration list-map item with no key', () => {
    expect(() => mergeTyped({}, podSpec({ containers: [{ image: 'x' }] }), DEPLOYMENT, builtin)).toThrow(/^\.spec\.template\.spec\.containers: element 0: associative list with keys has an element that omits all key fields \["name"\]/);
  });
});
