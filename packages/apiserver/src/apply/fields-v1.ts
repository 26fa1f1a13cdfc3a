/**
 * The keys of FieldsV1 (managedFields[].fieldsV1): each path element is
 * written as a prefix and its content — `f:<name>`, `k:<JSON object of the
 * key fields>`, `v:<JSON value>`, `i:<index>` — the format of upstream's
 * fieldpath/serialize-pe.go. The nesting itself is FieldSet's business.
 */
import { ApplyError, applyError } from './errors.js';
import { normalizeElement, type FieldPath, type PathElement } from './path.js';
import { goJson, goJsonString, isPlainObject } from './values.js';

/** The key "." marks a node that is itself a member and also has children. */
export const SELF_KEY = '.';

export function encodeElement(element: PathElement): string {
  switch (element.kind) {
    case 'field':
      // Written raw, as upstream does: field names are never escaped.
      return `f:${element.name}`;
    case 'key': {
      const fields = (normalizeElement(element) as typeof element).fields;
      return `k:{${fields.map(([name, value]) => `${goJsonString(name)}:${goJson(value)}`).join(',')}}`;
    }
    case 'value':
      return `v:${goJson(element.value)}`;
    case 'index':
      return `i:${element.index}`;
  }
}

/** One FieldsV1 key back into a path element; `path` (its parent) only serves the error message. */
export function decodeElement(key: string, path: FieldPath): PathElement {
  if (key.length < 2) throw applyError(path, `invalid FieldsV1 key ${JSON.stringify(key)}: key must be 2 characters long`);
  if (key[1] !== ':') throw applyError(path, `invalid FieldsV1 key ${JSON.stringify(key)}: missing colon`);
  const content = key.slice(2);
  switch (key[0]) {
    case 'f':
      return { kind: 'field', name: content };
    case 'v':
      return { kind: 'value', value: parseJson(content, key, path) };
    case 'k': {
      const parsed = parseJson(content, key, path);
      if (!isPlainObject(parsed)) throw applyError(path, `invalid FieldsV1 key ${JSON.stringify(key)}: a key must be a JSON object`);
      return normalizeElement({ kind: 'key', fields: Object.entries(parsed) });
    }
    case 'i':
      // strconv.Atoi: an optional sign and decimal digits.
      if (!/^[+-]?\d+$/.test(content) || !Number.isSafeInteger(Number(content))) throw applyError(path, `invalid FieldsV1 key ${JSON.stringify(key)}: not an integer index`);
      return { kind: 'index', index: Number(content) };
    default:
      // Upstream silently drops prefixes it does not know; a store that can only hold what it understands refuses them instead.
      throw applyError(path, `invalid FieldsV1 key ${JSON.stringify(key)}: unknown path element type ${JSON.stringify(key[0])}`);
  }
}

function parseJson(text: string, key: string, path: FieldPath): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new ApplyError(`${applyError(path, `invalid FieldsV1 key ${JSON.stringify(key)}`).message}: ${(error as Error).message}`);
  }
}
