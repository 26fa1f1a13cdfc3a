/**
 * Shared pieces of the structured-merge tests: the real built-in schemas,
 * a small registry for shapes the built-ins do not have, and builders for
 * field paths.
 */
import type { FieldPath, PathElement } from '../../src/apply/index.js';
import { FieldSet, formatPath } from '../../src/apply/index.js';
import { builtinSchemas } from '../../src/schema/builtin.js';
import { MapSchemaRegistry, type Schema } from '../../src/schema/types.js';

export const builtin = { registry: builtinSchemas() };

function builtinDefinitions(): Record<string, Schema> {
  const registry = builtinSchemas();
  return Object.fromEntries([...registry.names()].map((name) => [name, registry.get(name)!]));
}

const ref = (name: string): Schema => ({ $ref: `#/definitions/${name}` });
export const DEPLOYMENT = ref('io.k8s.api.apps.v1.Deployment');
export const POD = ref('io.k8s.api.core.v1.Pod');
export const CONFIG_MAP = ref('io.k8s.api.core.v1.ConfigMap');
export const SERVICE = ref('io.k8s.api.core.v1.Service');

/** A custom-resource-like type: what CRD structural schemas can say and the built-ins do not. */
export const custom = {
  registry: MapSchemaRegistry.fromRecord({
    'example.com.v1.Widget': {
      type: 'object',
      properties: {
        apiVersion: { type: 'string' },
        kind: { type: 'string' },
        metadata: ref('io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta'),
        spec: {
          type: 'object',
          properties: {
            // Free-form: unknown fields kept, their values typed by what they are.
            config: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
            // Known fields plus unknown ones.
            mixed: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true, properties: { size: { type: 'integer' } } },
            // A map whose values are structs.
            backends: { type: 'object', additionalProperties: { type: 'object', properties: { host: { type: 'string' }, port: { type: 'integer' } } } },
            // A list-map whose second key has a schema default (upstream uses it when an item omits the key).
            listeners: {
              type: 'array',
              'x-kubernetes-list-type': 'map',
              'x-kubernetes-list-map-keys': ['port', 'protocol'],
              items: { type: 'object', properties: { port: { type: 'integer' }, protocol: { type: 'string', default: 'TCP' }, name: { type: 'string' } } },
            },
            // A list typed only by strategic-merge-patch tags, as older built-in fields are.
            legacy: { type: 'array', 'x-kubernetes-patch-strategy': 'merge', 'x-kubernetes-patch-merge-key': 'id', items: { type: 'object', properties: { id: { type: 'string' }, value: { type: 'string' } } } },
            tags: { type: 'array', 'x-kubernetes-patch-strategy': 'merge', items: { type: 'string' } },
            // No type at all: values are deduced from what they are.
            anything: { 'x-kubernetes-preserve-unknown-fields': true },
            port: { 'x-kubernetes-int-or-string': true },
            raw: ref('io.k8s.apimachinery.pkg.runtime.RawExtension'),
            selector: { type: 'object', 'x-kubernetes-map-type': 'atomic', properties: { app: { type: 'string' } } },
          },
        },
      },
    },
    // ObjectMeta and the rest come from the built-ins.
    ...builtinDefinitions(),
  }),
};
export const WIDGET = ref('example.com.v1.Widget');

export const field = (name: string): PathElement => ({ kind: 'field', name });
export const key = (fields: Record<string, unknown>): PathElement => ({ kind: 'key', fields: Object.entries(fields) });
export const value = (v: unknown): PathElement => ({ kind: 'value', value: v });
export const index = (i: number): PathElement => ({ kind: 'index', index: i });

/** A path from strings (field names) and elements. */
export const path = (...parts: (string | PathElement)[]): FieldPath => parts.map((part) => (typeof part === 'string' ? field(part) : part));

export function setOf(...paths: FieldPath[]): FieldSet {
  const set = FieldSet.empty();
  for (const p of paths) set.insert(p);
  return set;
}

/** The members as path strings, in the set's order: readable expectations. */
export const strings = (set: FieldSet): string[] => set.members().map(formatPath);

/** Fields every applied object carries that the tests below are not about. */
export const IDENTITY = [path('apiVersion'), path('kind'), path('metadata', 'name'), path('metadata', 'namespace')];
