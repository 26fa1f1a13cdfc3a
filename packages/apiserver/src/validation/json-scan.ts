/**
 * A JSON parser that keeps what JSON.parse throws away: every key of an
 * object in document order, duplicates included. Strict decoding needs them
 * (`duplicate field "spec.replicas"`), and the walk that finds unknown fields
 * reports in document order, as Go's decoder does.
 *
 * It accepts exactly RFC 8259 JSON; on malformed input it throws a
 * SyntaxError, and callers report JSON.parse's message instead.
 */
export type JsonNode =
  | { readonly kind: 'object'; readonly entries: readonly JsonEntry[] }
  | { readonly kind: 'array'; readonly items: readonly JsonNode[] }
  | { readonly kind: 'scalar'; readonly value: string | number | boolean | null };

export interface JsonEntry {
  readonly key: string;
  readonly value: JsonNode;
}

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const WHITESPACE = /[ \t\n\r]*/y;

export function scanJson(text: string): JsonNode {
  let position = 0;
  const fail = (what: string): never => {
    throw new SyntaxError(`${what} at position ${position}`);
  };
  const skipWhitespace = (): void => {
    WHITESPACE.lastIndex = position;
    WHITESPACE.exec(text);
    position = WHITESPACE.lastIndex;
  };
  const readString = (): string => {
    const start = position + 1;
    let end = start;
    let escaped = false;
    for (;;) {
      const code = text.charCodeAt(end);
      if (Number.isNaN(code)) fail('Unterminated string');
      if (code === 0x22) break;
      if (code === 0x5c) {
        escaped = true;
        end += 2;
        continue;
      }
      if (code < 0x20) fail('Bad control character in string literal');
      end++;
    }
    position = end + 1;
    // The common case has no escapes; the others are JSON.parse's to decode.
    return escaped ? (JSON.parse(text.slice(start - 1, end + 1)) as string) : text.slice(start, end);
  };
  const readValue = (depth: number): JsonNode => {
    if (depth > 10_000) fail('Nesting too deep');
    skipWhitespace();
    const char = text[position];
    if (char === '{') {
      position++;
      const entries: JsonEntry[] = [];
      skipWhitespace();
      if (text[position] === '}') {
        position++;
        return { kind: 'object', entries };
      }
      for (;;) {
        skipWhitespace();
        if (text[position] !== '"') fail('Expected property name');
        const key = readString();
        skipWhitespace();
        if (text[position] !== ':') fail("Expected ':'");
        position++;
        entries.push({ key, value: readValue(depth + 1) });
        skipWhitespace();
        if (text[position] === ',') {
          position++;
          continue;
        }
        if (text[position] === '}') {
          position++;
          return { kind: 'object', entries };
        }
        fail("Expected ',' or '}'");
      }
    }
    if (char === '[') {
      position++;
      const items: JsonNode[] = [];
      skipWhitespace();
      if (text[position] === ']') {
        position++;
        return { kind: 'array', items };
      }
      for (;;) {
        items.push(readValue(depth + 1));
        skipWhitespace();
        if (text[position] === ',') {
          position++;
          continue;
        }
        if (text[position] === ']') {
          position++;
          return { kind: 'array', items };
        }
        fail("Expected ',' or ']'");
      }
    }
    if (char === '"') return { kind: 'scalar', value: readString() };
    if (text.startsWith('true', position)) {
      position += 4;
      return { kind: 'scalar', value: true };
    }
    if (text.startsWith('false', position)) {
      position += 5;
      return { kind: 'scalar', value: false };
    }
    if (text.startsWith('null', position)) {
      position += 4;
      return { kind: 'scalar', value: null };
    }
    NUMBER.lastIndex = position;
    const match = NUMBER.exec(text);
    if (match === null) return fail('Unexpected token');
    position = NUMBER.lastIndex;
    return { kind: 'scalar', value: Number(match[0]) };
  };
  const node = readValue(0);
  skipWhitespace();
  if (position !== text.length) fail('Unexpected non-whitespace character after JSON');
  return node;
}

/** The value JSON.parse would give: the last of duplicate keys wins. */
export function jsonNodeValue(node: JsonNode): unknown {
  switch (node.kind) {
    case 'scalar':
      return node.value;
    case 'array':
      return node.items.map(jsonNodeValue);
    case 'object': {
      const object: Record<string, unknown> = {};
      for (const entry of node.entries) {
        // defineProperty, so a "__proto__" key is data, as in JSON.parse.
        Object.defineProperty(object, entry.key, { value: jsonNodeValue(entry.value), enumerable: true, writable: true, configurable: true });
      }
      return object;
    }
  }
}

/**
 * Paths of duplicate keys in document order, as Go's strict decoding of
 * unstructured JSON names them: `spec.template.metadata.labels.app`,
 * `spec.containers[0].name`.
 */
export function duplicateKeyPaths(node: JsonNode): string[] {
  const found: string[] = [];
  const seenPaths = new Set<string>();
  const walk = (current: JsonNode, path: string): void => {
    if (current.kind === 'object') {
      const keys = new Set<string>();
      for (const entry of current.entries) {
        const entryPath = path === '' ? entry.key : `${path}.${entry.key}`;
        if (keys.has(entry.key)) {
          if (!seenPaths.has(entryPath)) found.push(entryPath);
          seenPaths.add(entryPath);
        }
        keys.add(entry.key);
        walk(entry.value, entryPath);
      }
    } else if (current.kind === 'array') {
      current.items.forEach((item, index) => walk(item, `${path}[${index}]`));
    }
  };
  walk(node, '');
  return found;
}
