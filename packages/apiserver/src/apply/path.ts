/**
 * Field paths (SMD's fieldpath.Path): what a manager owns is a set of these.
 * Each step is a struct field or map key, a list-map item picked by its key
 * fields, a set item picked by its value, or (only ever decoded) a list index.
 */
import { compareStrings, compareValues, goValueString } from './values.js';

export type PathElement =
  | { readonly kind: 'field'; readonly name: string }
  | { readonly kind: 'key'; readonly fields: readonly (readonly [string, unknown])[] }
  | { readonly kind: 'value'; readonly value: unknown }
  | { readonly kind: 'index'; readonly index: number };

export type FieldPath = readonly PathElement[];

/** Key fields sorted by name, as upstream keeps them, so that equal keys look equal. */
export function normalizeElement(element: PathElement): PathElement {
  if (element.kind !== 'key') return element;
  const sorted = [...element.fields].sort((a, b) => compareStrings(a[0], b[0]));
  return sorted.every((field, i) => field === element.fields[i]) ? element : { kind: 'key', fields: sorted };
}

const KIND_ORDER: Readonly<Record<PathElement['kind'], number>> = { field: 0, key: 1, value: 2, index: 3 };

/**
 * PathElement.Compare: fields, then keys, then values, then indexes, each
 * in its own order. FieldsV1 objects are written in this order.
 */
export function comparePathElements(a: PathElement, b: PathElement): number {
  if (a.kind !== b.kind) return KIND_ORDER[a.kind] < KIND_ORDER[b.kind] ? -1 : 1;
  switch (a.kind) {
    case 'field':
      return compareStrings(a.name, (b as typeof a).name);
    case 'key':
      return compareKeyFields(a.fields, (b as typeof a).fields);
    case 'value':
      return compareValues(a.value, (b as typeof a).value);
    case 'index': {
      const other = (b as typeof a).index;
      return a.index < other ? -1 : a.index > other ? 1 : 0;
    }
  }
}

/** value.FieldList.Compare: field by field (name, then value); a shorter list that is a prefix sorts first. */
function compareKeyFields(a: readonly (readonly [string, unknown])[], b: readonly (readonly [string, unknown])[]): number {
  for (let i = 0; ; i++) {
    if (i >= a.length && i >= b.length) return 0;
    if (i >= a.length) return -1;
    if (i >= b.length) return 1;
    const [nameA, valueA] = a[i]!;
    const [nameB, valueB] = b[i]!;
    const c = compareStrings(nameA, nameB) || compareValues(valueA, valueB);
    if (c !== 0) return c;
  }
}

/** PathElement.String: `.name`, `[name="web"]`, `[containerPort=80,protocol="TCP"]`, `[="foo"]`, `[3]`. */
export function formatElement(element: PathElement): string {
  switch (element.kind) {
    case 'field':
      return `.${element.name}`;
    case 'key':
      return `[${normalizeElementFields(element)
        .map(([name, value]) => `${name}=${goValueString(value)}`)
        .join(',')}]`;
    case 'value':
      return `[=${goValueString(element.value)}]`;
    case 'index':
      return `[${element.index}]`;
  }
}

function normalizeElementFields(element: Extract<PathElement, { kind: 'key' }>): readonly (readonly [string, unknown])[] {
  return (normalizeElement(element) as typeof element).fields;
}

/** fieldpath.Path.String, as conflict messages print paths: `.spec.template.spec.containers[name="web"].image`. */
export function formatPath(path: FieldPath): string {
  return path.map(formatElement).join('');
}
