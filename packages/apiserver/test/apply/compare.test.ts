import { describe, expect, it } from 'vitest';
import { ApplyError, compareTyped } from '../../src/apply/index.js';
import type { Schema } from '../../src/schema/types.js';
import { builtin, CONFIG_MAP, custom, DEPLOYMENT, POD, strings, WIDGET } from './support.js';

interface Case {
  readonly name: string;
  readonly schema: Schema;
  readonly context?: typeof builtin;
  readonly old: unknown;
  readonly new: unknown;
  readonly added?: readonly string[];
  readonly modified?: readonly string[];
  readonly removed?: readonly string[];
}

const containers = (...list: Record<string, unknown>[]): Record<string, unknown> => ({ spec: { template: { spec: { containers: list } } } });
const C = '.spec.template.spec.containers';

const cases: Case[] = [
  { name: 'equal objects', schema: DEPLOYMENT, old: containers({ name: 'web', image: 'a' }), new: containers({ name: 'web', image: 'a' }) },
  { name: 'a modified leaf', schema: DEPLOYMENT, old: { spec: { replicas: 1 } }, new: { spec: { replicas: 2 } }, modified: ['.spec.replicas'] },
  {
    name: 'an added map: the map node itself and its keys',
    schema: CONFIG_MAP,
    old: { metadata: { name: 'c' } },
    new: { metadata: { name: 'c', labels: { a: '1', b: '2' } } },
    added: ['.metadata.labels', '.metadata.labels.a', '.metadata.labels.b'],
  },
  {
    name: 'a removed struct: the node and everything under it',
    schema: DEPLOYMENT,
    old: { spec: { replicas: 1, strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1 } } } },
    new: { spec: { replicas: 1 } },
    removed: ['.spec.strategy', '.spec.strategy.rollingUpdate', '.spec.strategy.rollingUpdate.maxSurge', '.spec.strategy.type'],
  },
  {
    name: 'a removed list-map item',
    schema: DEPLOYMENT,
    old: containers({ name: 'web', image: 'a' }, { name: 'side', image: 'b' }),
    new: containers({ name: 'web', image: 'a' }),
    removed: [`${C}[name="side"]`, `${C}[name="side"].image`, `${C}[name="side"].name`],
  },
  { name: 'list-map items are matched by key, not position', schema: DEPLOYMENT, old: containers({ name: 'a' }, { name: 'b' }), new: containers({ name: 'b' }, { name: 'a' }) },
  {
    name: 'a field changed inside a list-map item',
    schema: DEPLOYMENT,
    old: containers({ name: 'a', image: 'x' }, { name: 'b', image: 'x' }),
    new: containers({ name: 'b', image: 'y' }, { name: 'a', image: 'x' }),
    modified: [`${C}[name="b"].image`],
  },
  {
    name: 'set items are compared by value',
    schema: DEPLOYMENT,
    old: { metadata: { finalizers: ['a', 'b'] } },
    new: { metadata: { finalizers: ['c', 'b'] } },
    added: ['.metadata.finalizers[="c"]'],
    removed: ['.metadata.finalizers[="a"]'],
  },
  { name: 'a reordered set is unchanged', schema: DEPLOYMENT, old: { metadata: { finalizers: ['a', 'b'] } }, new: { metadata: { finalizers: ['b', 'a'] } } },
  {
    name: 'atomic lists and maps change as a whole',
    schema: DEPLOYMENT,
    old: { spec: { template: { spec: { nodeSelector: { a: '1' }, containers: [{ name: 'web', args: ['x', 'y'] }] } } } },
    new: { spec: { template: { spec: { nodeSelector: { a: '2', b: '1' }, containers: [{ name: 'web', args: ['y', 'x'] }] } } } },
    modified: [`${C}[name="web"].args`, '.spec.template.spec.nodeSelector'],
  },
  { name: 'an empty map appearing is added', schema: CONFIG_MAP, old: {}, new: { data: {} }, added: ['.data'] },
  { name: 'an empty map turning null is modified (both are leaves)', schema: CONFIG_MAP, old: { data: {} }, new: { data: null }, modified: ['.data'] },
  { name: 'an empty list turning null is modified', schema: DEPLOYMENT, old: { metadata: { finalizers: [] } }, new: { metadata: { finalizers: null } }, modified: ['.metadata.finalizers'] },
  { name: 'null filled in: only the keys are added, null being a value that was there', schema: CONFIG_MAP, old: { data: null }, new: { data: { k: 'v' } }, added: ['.data.k'] },
  {
    name: 'a value whose kind changes in an untyped field: modified, and its new contents added',
    schema: WIDGET,
    context: custom,
    old: { spec: { anything: 'text' } },
    new: { spec: { anything: { y: 1 } } },
    modified: ['.spec.anything'],
    added: ['.spec.anything.y'],
  },
  {
    name: 'a list-map item held twice that becomes single: the new item is added, the duplicate marker removed',
    schema: POD,
    old: { spec: { containers: [{ name: 'c', env: [{ name: 'A', value: '1' }, { name: 'A', value: '2' }] }] } },
    new: { spec: { containers: [{ name: 'c', env: [{ name: 'A', value: '1' }] }] } },
    added: ['.spec.containers[name="c"].env[name="A"]', '.spec.containers[name="c"].env[name="A"].name', '.spec.containers[name="c"].env[name="A"].value'],
    removed: ['.spec.containers[name="c"].env[name="A"]'],
  },
  {
    name: 'a whole object compared with null: everything is added',
    schema: CONFIG_MAP,
    old: null,
    new: { data: { k: 'v' }, metadata: { name: 'c' } },
    added: ['.data', '.data.k', '.metadata', '.metadata.name'],
  },
];

describe('compareTyped', () => {
  it.each(cases)('$name', (c) => {
    const result = compareTyped(c.old, c.new, c.schema, c.context ?? builtin);
    expect({ added: strings(result.added), modified: strings(result.modified), removed: strings(result.removed) }).toEqual({
      added: c.added ?? [],
      modified: c.modified ?? [],
      removed: c.removed ?? [],
    });
  });

  it('is symmetric: swapping the sides swaps added and removed', () => {
    const old = containers({ name: 'web', image: 'a' }, { name: 'side' });
    const next = containers({ name: 'web', image: 'b', args: ['x'] });
    const forward = compareTyped(old, next, DEPLOYMENT, builtin);
    const backward = compareTyped(next, old, DEPLOYMENT, builtin);
    expect(forward.added.equals(backward.removed)).toBe(true);
    expect(forward.removed.equals(backward.added)).toBe(true);
    expect(forward.modified.equals(backward.modified)).toBe(true);
    expect(forward.added.isEmpty()).toBe(false);
  });

  it('refuses a list-map item without its key on either side', () => {
    expect(() => compareTyped(containers({ image: 'x' }), containers({ name: 'a' }), DEPLOYMENT, builtin)).toThrow(ApplyError);
    expect(() => compareTyped(containers({ name: 'a' }), containers({ image: 'x' }), DEPLOYMENT, builtin)).toThrow(/element 0: associative list with keys has an element that omits all key fields/);
  });
});
