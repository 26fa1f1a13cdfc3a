import type { KubeObject, TableColumn } from '../resources/types.js';

/** Reads nested fields of a plain object without ceremony: `get(o, 'spec', 'replicas')`. */
export function get(object: unknown, ...path: (string | number)[]): unknown {
  let current: unknown = object;
  for (const part of path) {
    if (typeof current !== 'object' || current === null) return undefined;
    current = (current as Record<string | number, unknown>)[part];
  }
  return current;
}

export function num(value: unknown): number {
  return typeof value === 'number' ? value : 0;
}

export function str(value: unknown, fallback = ''): string {
  return typeof value === 'string' ? value : fallback;
}

export function list<T = Record<string, unknown>>(value: unknown): T[] {
  return Array.isArray(value) ? (value as T[]) : [];
}

export function column(name: string, description: string, priority = 0, type: TableColumn['type'] = 'string'): TableColumn {
  return { name, type, description, priority };
}

/** Comma-joined `key=value` of a label map, sorted, or "<none>". */
export function labelsText(labels: unknown): string {
  if (typeof labels !== 'object' || labels === null) return '<none>';
  const entries = Object.entries(labels as Record<string, string>).sort(([a], [b]) => a.localeCompare(b));
  return entries.length === 0 ? '<none>' : entries.map(([key, value]) => `${key}=${value}`).join(',');
}

/** A metav1.LabelSelector as kubectl prints it: `app=web,tier in (a,b)` or "<none>". */
export function selectorText(selector: unknown): string {
  const matchLabels = get(selector, 'matchLabels') as Record<string, string> | undefined;
  const expressions = list<{ key: string; operator: string; values?: string[] }>(get(selector, 'matchExpressions'));
  const parts: string[] = Object.keys(matchLabels ?? {})
    .sort()
    .map((key) => `${key}=${matchLabels![key]}`);
  for (const expression of expressions) {
    const values = [...(expression.values ?? [])].sort().join(',');
    switch (expression.operator) {
      case 'In':
        parts.push(`${expression.key} in (${values})`);
        break;
      case 'NotIn':
        parts.push(`${expression.key} notin (${values})`);
        break;
      case 'Exists':
        parts.push(expression.key);
        break;
      case 'DoesNotExist':
        parts.push(`!${expression.key}`);
        break;
    }
  }
  return parts.length === 0 ? '<none>' : parts.join(',');
}

/** The Containers and Images columns of workload kinds. */
export function containersAndImages(podSpec: unknown): [string, string] {
  const containers = list<{ name?: string; image?: string }>(get(podSpec, 'containers'));
  return [containers.map((c) => c.name ?? '').join(','), containers.map((c) => c.image ?? '').join(',')];
}

export function metaName(object: KubeObject): string {
  return object.metadata.name ?? '';
}

/** An integer-or-percent value as kubectl prints it ("25%", "1", or "N/A"). */
export function intOrStringText(value: unknown, fallback = 'N/A'): string {
  if (typeof value === 'number') return String(value);
  if (typeof value === 'string' && value !== '') return value;
  return fallback;
}
