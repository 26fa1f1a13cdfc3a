import { describe, expect, it } from 'vitest';
import { parseJsonPath, printResult } from '../../src/crd/jsonpath.js';
import { decideNames } from '../../src/crd/naming.js';
import { publishedSchemas } from '../../src/crd/published-schema.js';
import { servedVersions } from '../../src/crd/served-version.js';
import { customResourceTable } from '../../src/crd/table.js';
import type { CustomResourceDefinition } from '../../src/crd/types.js';

const object = {
  apiVersion: 'example.com/v1',
  kind: 'Widget',
  metadata: { name: 'w', creationTimestamp: '2024-01-01T00:00:00Z' },
  spec: { replicas: 3, ratio: 1.5, on: true, tags: ['a', 'b'], map: { b: 2, a: 1 } },
  status: { conditions: [{ type: 'Synced', status: 'False' }, { type: 'Ready', status: 'True' }] },
};

describe('CRD JSONPath (client-go dialect)', () => {
  it('selects fields, indexes, slices, wildcards, recursive descent and filters', () => {
    expect(parseJsonPath('.spec.replicas').find(object)).toEqual([3]);
    expect(parseJsonPath('{.spec.tags[-1]}').find(object)).toEqual(['b']);
    expect(parseJsonPath('.spec.tags[0:2]').find(object)).toEqual(['a', 'b']);
    expect(parseJsonPath('.spec.tags[*]').find(object)).toEqual(['a', 'b']);
    expect(parseJsonPath(".spec['on']").find(object)).toEqual([true]);
    expect(parseJsonPath('..type').find(object)).toEqual(['Synced', 'Ready']);
    expect(parseJsonPath('.status.conditions[?(@.type=="Ready")].status').find(object)).toEqual(['True']);
    expect(parseJsonPath('.spec.missing.deeper').find(object)).toEqual([]);
    expect(() => parseJsonPath('.spec.tags[x]')).toThrow();
  });

  it('prints results as client-go does: maps and lists as JSON with sorted keys', () => {
    expect(printResult({ b: 2, a: [1, 'x'] })).toBe('{"a":[1,"x"],"b":2}');
    expect(printResult(3)).toBe('3');
    expect(printResult(1.5)).toBe('1.5');
    expect(printResult(true)).toBe('true');
  });
});

describe('CRD printer columns', () => {
  it('types cells by column type and falls back to null for other types', () => {
    const table = customResourceTable([
      { name: 'Replicas', type: 'integer', jsonPath: '.spec.ratio' },
      { name: 'Ratio', type: 'number', jsonPath: '.spec.ratio' },
      { name: 'On', type: 'boolean', jsonPath: '.spec.replicas' },
      { name: 'Tags', type: 'string', jsonPath: '.spec.tags' },
      { name: 'Ready', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].status' },
      { name: 'Created', type: 'date', jsonPath: '.metadata.creationTimestamp', priority: 1 },
    ]);
    expect(table.columns.map((column) => column.name)).toEqual(['Name', 'Replicas', 'Ratio', 'On', 'Tags', 'Ready', 'Created']);
    expect(table.columns[6]).toMatchObject({ type: 'date', priority: 1, description: 'Custom resource definition column (in JSONPath format): .metadata.creationTimestamp' });
    expect(table.cells(object, new Date('2024-01-03T00:00:00Z'))).toEqual(['w', 1, 1.5, null, '["a","b"]', 'True', '2d']);
  });

  it('stops at a column whose path does not parse, as upstream does', () => {
    const table = customResourceTable([
      { name: 'Ok', type: 'string', jsonPath: '.spec.replicas' },
      { name: 'Broken', type: 'string', jsonPath: '.spec[' },
      { name: 'After', type: 'string', jsonPath: '.spec.on' },
    ]);
    expect(table.columns.map((column) => column.name)).toEqual(['Name', 'Ok']);
  });
});

function crd(name: string, names: Record<string, unknown>, accepted?: Record<string, unknown>): CustomResourceDefinition {
  return {
    metadata: { name },
    spec: { group: 'example.com', names: { listKind: `${String(names['kind'])}List`, singular: String(names['kind']).toLowerCase(), ...names } },
    ...(accepted !== undefined && { status: { acceptedNames: accepted } }),
  };
}

describe('CRD naming', () => {
  it('accepts fresh names and reports each kind of conflict with upstream reasons', () => {
    const existing = crd('widgets.example.com', { plural: 'widgets', kind: 'Widget' }, { plural: 'widgets', singular: 'widget', kind: 'Widget', listKind: 'WidgetList' });
    const fresh = decideNames(crd('gadgets.example.com', { plural: 'gadgets', kind: 'Gadget' }), [existing]);
    expect(fresh.namesAccepted).toMatchObject({ status: 'True', reason: 'NoConflicts' });
    expect(fresh.established).toMatchObject({ status: 'False', reason: 'Installing', message: 'the initial names have been accepted' });

    const plural = decideNames(crd('x.example.com', { plural: 'widget', kind: 'Other' }), [existing]);
    expect(plural.namesAccepted).toMatchObject({ status: 'False', reason: 'PluralConflict', message: '"widget" is already in use' });
    const kind = decideNames(crd('y.example.com', { plural: 'ys', kind: 'Widget', listKind: 'YList' }), [existing]);
    expect(kind.namesAccepted).toMatchObject({ status: 'False', reason: 'KindConflict', message: '"Widget" is already in use' });
    expect(kind.acceptedNames.kind).toBeUndefined();
    expect(kind.acceptedNames.plural).toBe('ys');
    // Another group's names never conflict.
    const elsewhere = crd('widgets.other.com', { plural: 'widgets', kind: 'Widget' });
    elsewhere.spec!.group = 'other.com';
    expect(decideNames(elsewhere, [existing]).namesAccepted.status).toBe('True');
  });
});

describe('published CR schemas', () => {
  it('adds apiVersion, kind, metadata and the GVK, and a List type, under upstream names', () => {
    const definition: CustomResourceDefinition = {
      metadata: { name: 'widgets.example.com' },
      spec: {
        group: 'example.com',
        scope: 'Namespaced',
        names: { plural: 'widgets', kind: 'Widget' },
        versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', 'x-kubernetes-embedded-resource': true } } } } }],
      },
      status: { acceptedNames: { plural: 'widgets', singular: 'widget', kind: 'Widget', listKind: 'WidgetList' } },
    };
    const [served] = servedVersions(definition);
    const schemas = publishedSchemas(served!);
    expect(Object.keys(schemas)).toEqual(['com.example.v1.Widget', 'com.example.v1.WidgetList']);
    const widget = schemas['com.example.v1.Widget']!;
    expect(widget['x-kubernetes-group-version-kind']).toEqual([{ group: 'example.com', version: 'v1', kind: 'Widget' }]);
    expect(widget.properties?.['metadata']?.$ref).toBe('#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta');
    expect(widget.properties?.['spec']?.required).toEqual(['kind', 'apiVersion']);
    expect(schemas['com.example.v1.WidgetList']!.properties?.['items']?.items?.$ref).toBe('#/definitions/com.example.v1.Widget');
  });
});
