import type { JsonSchemaProps } from './types.js';

export type FieldPathResult = { readonly ok: true; readonly path: string; readonly schema: JsonSchemaProps } | { readonly ok: false; readonly error: string };

/**
 * Resolves a field path of the form CEL rules' fieldPath and CRD
 * selectableFields use (`.spec.x`, `.spec['a.b']`) against a schema, with
 * upstream's error texts (ValidFieldPath): only properties and map keys, no
 * list indexes.
 */
export function resolveFieldPath(jsonPath: string, root: JsonSchemaProps, allowArrayNotation = true): FieldPathResult {
  const tokens = tokenize(jsonPath);
  let schema: JsonSchemaProps | undefined = root;
  const parts: string[] = [];
  const step = (name: string): string | undefined => {
    const properties = schema?.properties;
    const additional = schema?.additionalProperties;
    if (properties !== undefined) {
      const next = properties[name];
      if (next === undefined) return 'does not refer to a valid field';
      parts.push(parts.length === 0 ? name : `.${name}`);
      schema = next as JsonSchemaProps;
    } else if (typeof additional === 'object') {
      parts.push(`[${name}]`);
      schema = additional as JsonSchemaProps;
    } else {
      return 'does not refer to a valid field';
    }
    return undefined;
  };
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!;
    if (token === '[') {
      if (!allowArrayNotation) return { ok: false, error: 'array notation is not allowed' };
      const quoted = tokens[++i];
      if (quoted === undefined) return { ok: false, error: 'unexpected end of JSON path' };
      if (quoted.length < 2 || !quoted.startsWith("'") || !quoted.endsWith("'")) return { ok: false, error: `expected single quoted string but got ${quoted}` };
      const problem = step(quoted.slice(1, -1).replace(/\\'/g, "'"));
      if (problem !== undefined) return { ok: false, error: problem };
      const close = tokens[++i];
      if (close === undefined) return { ok: false, error: 'unexpected end of JSON path' };
      if (close !== ']') return { ok: false, error: `expected ] but got ${close}` };
    } else if (token === '.') {
      const name = tokens[++i];
      if (name === undefined) return { ok: false, error: 'unexpected end of JSON path' };
      const problem = step(name);
      if (problem !== undefined) return { ok: false, error: problem };
    } else {
      return { ok: false, error: `expected [ or . but got: ${token}` };
    }
  }
  return { ok: true, path: parts.join(''), schema: schema! };
}

/** Splits on '.', '[' and ']' (each its own token), keeping single-quoted strings whole. */
function tokenize(text: string): string[] {
  const tokens: string[] = [];
  let i = 0;
  while (i < text.length) {
    const char = text[i]!;
    if (char === '.' || char === '[' || char === ']') {
      tokens.push(char);
      i++;
      continue;
    }
    let end = i;
    if (char === "'") {
      end = i + 1;
      while (end < text.length && !(text[end] === "'" && text[end - 1] !== '\\')) end++;
      end = Math.min(end + 1, text.length);
    } else {
      while (end < text.length && !'.[]'.includes(text[end]!)) end++;
    }
    tokens.push(text.slice(i, end));
    i = end;
  }
  return tokens;
}
