import { describe, expect, it } from 'vitest';
import { formatPath, type FieldPath } from '../../src/apply/index.js';
import { index, key, path, value } from './support.js';

// fieldpath.Path.String(): what conflict messages print.
const cases: { name: string; path: FieldPath; text: string }[] = [
  { name: 'the empty path', path: [], text: '' },
  { name: 'fields', path: path('spec', 'replicas'), text: '.spec.replicas' },
  { name: 'a list-map key', path: path('spec', 'template', 'spec', 'containers', key({ name: 'web' }), 'image'), text: '.spec.template.spec.containers[name="web"].image' },
  { name: 'a two-field key, values printed as Go does', path: path('ports', key({ containerPort: 80, protocol: 'TCP' })), text: '.ports[containerPort=80,protocol="TCP"]' },
  { name: 'key fields sorted by name whatever order they were given in', path: path('ports', key({ protocol: 'UDP', containerPort: 53 })), text: '.ports[containerPort=53,protocol="UDP"]' },
  { name: 'a string set value', path: path('metadata', 'finalizers', value('foo')), text: '.metadata.finalizers[="foo"]' },
  { name: 'a number set value', path: path('ports', value(8080)), text: '.ports[=8080]' },
  { name: 'a float key value, Go %v', path: path('items', key({ weight: 0.5 })), text: '.items[weight=0.5]' },
  { name: 'a boolean set value', path: path('flags', value(true)), text: '.flags[=true]' },
  { name: 'an index', path: path('args', index(3)), text: '.args[3]' },
  { name: 'a string needing escapes, Go %q', path: path('set', value('a"b\n')), text: '.set[="a\\"b\\n"]' },
  { name: 'a field name with dots stays as it is', path: path('metadata', 'labels', 'app.kubernetes.io/name'), text: '.metadata.labels.app.kubernetes.io/name' },
];

describe('formatPath', () => {
  it.each(cases)('$name', ({ path: p, text }) => {
    expect(formatPath(p)).toBe(text);
  });
});
