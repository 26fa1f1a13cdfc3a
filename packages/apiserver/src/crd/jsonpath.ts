/**
 * The JSONPath dialect of client-go's util/jsonpath, as far as CRD printer
 * columns and selectable fields use it: `.a.b`, `['a']`, `[0]`, `[-1]`,
 * `[1:3]`, `[*]`, `.*`, `..name` (recursive descent) and filters such as
 * `[?(@.type=="Ready")]`. Missing keys yield no result (AllowMissingKeys).
 */

type Step =
  | { readonly kind: 'field'; readonly name: string }
  | { readonly kind: 'recursive'; readonly name: string | undefined }
  | { readonly kind: 'wildcard' }
  | { readonly kind: 'index'; readonly indexes: readonly number[] }
  | { readonly kind: 'slice'; readonly start: number | undefined; readonly end: number | undefined; readonly step: number | undefined }
  | { readonly kind: 'filter'; readonly left: readonly Step[]; readonly operator: string | undefined; readonly right: Operand | undefined };

type Operand = { readonly kind: 'path'; readonly steps: readonly Step[] } | { readonly kind: 'literal'; readonly value: unknown };

export class JsonPathError extends Error {}

export interface JsonPath {
  readonly source: string;
  /** Every value the path selects, in document order. */
  find(data: unknown): unknown[];
}

/** Parses a path, with or without the `{…}` braces kubectl's -o jsonpath uses. */
export function parseJsonPath(source: string): JsonPath {
  let text = source.trim();
  if (text.startsWith('{') && text.endsWith('}')) text = text.slice(1, -1).trim();
  const parser = new Parser(text);
  const steps = parser.parsePath(true);
  if (!parser.done()) throw new JsonPathError(`unrecognized character in action: ${JSON.stringify(text.slice(parser.position))}`);
  return { source, find: (data) => evaluate(steps, [data]) };
}

class Parser {
  position = 0;

  constructor(private readonly text: string) {}

  done(): boolean {
    return this.position >= this.text.length;
  }

  private peek(offset = 0): string {
    return this.text[this.position + offset] ?? '';
  }

  /** Steps until the end of the text or a character that ends a path inside a filter. */
  parsePath(topLevel: boolean): Step[] {
    const steps: Step[] = [];
    if (this.peek() === '$') this.position++;
    if (topLevel && this.peek() === '@') this.position++;
    while (!this.done()) {
      const char = this.peek();
      if (char === '.') {
        if (this.peek(1) === '.') {
          this.position += 2;
          if (this.peek() === '*') {
            this.position++;
            steps.push({ kind: 'recursive', name: undefined });
          } else {
            steps.push({ kind: 'recursive', name: this.identifier() });
          }
          continue;
        }
        this.position++;
        if (this.done()) break;
        if (this.peek() === '*') {
          this.position++;
          steps.push({ kind: 'wildcard' });
          continue;
        }
        if (this.peek() === '[') continue;
        steps.push({ kind: 'field', name: this.identifier() });
        continue;
      }
      if (char === '[') {
        steps.push(this.bracket());
        continue;
      }
      if (!topLevel) break;
      throw new JsonPathError(`unrecognized character in action: ${JSON.stringify(this.text.slice(this.position))}`);
    }
    return steps;
  }

  private identifier(): string {
    const start = this.position;
    while (!this.done() && !/[.[\]()\s=!<>,]/.test(this.peek())) this.position++;
    if (this.position === start) throw new JsonPathError(`invalid field name at ${JSON.stringify(this.text.slice(start))}`);
    return this.text.slice(start, this.position);
  }

  private bracket(): Step {
    this.position++; // [
    const close = this.text.indexOf(']', this.position);
    if (this.peek() === '?') return this.filter();
    if (close < 0) throw new JsonPathError('unterminated array');
    const inner = this.text.slice(this.position, close).trim();
    this.position = close + 1;
    if (inner === '*') return { kind: 'wildcard' };
    const quoted = /^(['"])(.*)\1$/.exec(inner);
    if (quoted !== null) return { kind: 'field', name: quoted[2]! };
    if (inner.includes(':')) {
      const parts = inner.split(':').map((part) => part.trim());
      if (parts.length > 3 || parts.some((part) => part !== '' && !/^-?\d+$/.test(part))) throw new JsonPathError(`invalid array index ${inner}`);
      const number = (part: string | undefined): number | undefined => (part === undefined || part === '' ? undefined : Number(part));
      return { kind: 'slice', start: number(parts[0]), end: number(parts[1]), step: number(parts[2]) };
    }
    const indexes = inner.split(',').map((part) => part.trim());
    if (indexes.length === 0 || indexes.some((part) => !/^-?\d+$/.test(part))) throw new JsonPathError(`invalid array index ${inner}`);
    return { kind: 'index', indexes: indexes.map(Number) };
  }

  private filter(): Step {
    this.position++; // ?
    if (this.peek() !== '(') throw new JsonPathError('unrecognized filter: expected "("');
    this.position++;
    this.skipSpaces();
    const left = this.operandPath();
    this.skipSpaces();
    let operator: string | undefined;
    let right: Operand | undefined;
    const match = /^(==|!=|<=|>=|<|>)/.exec(this.text.slice(this.position));
    if (match !== null) {
      operator = match[1]!;
      this.position += operator.length;
      this.skipSpaces();
      right = this.operand();
      this.skipSpaces();
    }
    if (this.peek() !== ')' || this.peek(1) !== ']') throw new JsonPathError('unterminated filter');
    this.position += 2;
    return { kind: 'filter', left, operator, right };
  }

  private operandPath(): Step[] {
    if (this.peek() !== '@') throw new JsonPathError('unrecognized filter: expected "@"');
    this.position++;
    return this.parsePath(false);
  }

  private operand(): Operand {
    const char = this.peek();
    if (char === '@') return { kind: 'path', steps: this.operandPath() };
    if (char === '"' || char === "'") {
      const end = this.text.indexOf(char, this.position + 1);
      if (end < 0) throw new JsonPathError('unterminated string');
      const value = this.text.slice(this.position + 1, end);
      this.position = end + 1;
      return { kind: 'literal', value };
    }
    const match = /^(-?\d+(?:\.\d+)?|true|false|null)/.exec(this.text.slice(this.position));
    if (match === null) throw new JsonPathError(`unrecognized filter operand ${JSON.stringify(this.text.slice(this.position))}`);
    this.position += match[1]!.length;
    return { kind: 'literal', value: JSON.parse(match[1]!) as unknown };
  }

  private skipSpaces(): void {
    while (this.peek() === ' ') this.position++;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function evaluate(steps: readonly Step[], inputs: unknown[]): unknown[] {
  let current = inputs;
  for (const step of steps) {
    const next: unknown[] = [];
    for (const value of current) applyStep(step, value, next);
    current = next;
  }
  return current;
}

function applyStep(step: Step, value: unknown, out: unknown[]): void {
  switch (step.kind) {
    case 'field':
      if (isObject(value) && Object.hasOwn(value, step.name)) out.push(value[step.name]);
      return;
    case 'wildcard':
      if (Array.isArray(value)) out.push(...value);
      else if (isObject(value)) for (const key of Object.keys(value).sort()) out.push(value[key]);
      return;
    case 'recursive':
      collectRecursive(value, step.name, out);
      return;
    case 'index':
      if (!Array.isArray(value)) return;
      for (const index of step.indexes) {
        const resolved = index < 0 ? value.length + index : index;
        if (resolved >= 0 && resolved < value.length) out.push(value[resolved]);
      }
      return;
    case 'slice': {
      if (!Array.isArray(value)) return;
      const length = value.length;
      const clamp = (index: number): number => Math.min(Math.max(index < 0 ? length + index : index, 0), length);
      const start = clamp(step.start ?? 0);
      const end = clamp(step.end ?? length);
      const stride = step.step ?? 1;
      if (stride <= 0) return;
      for (let i = start; i < end; i += stride) out.push(value[i]);
      return;
    }
    case 'filter': {
      const items = Array.isArray(value) ? value : isObject(value) ? Object.keys(value).sort().map((key) => value[key]) : [];
      for (const item of items) if (filterMatches(step, item)) out.push(item);
      return;
    }
  }
}

function collectRecursive(value: unknown, name: string | undefined, out: unknown[]): void {
  if (isObject(value)) {
    for (const key of Object.keys(value).sort()) {
      if (name === undefined || key === name) out.push(value[key]);
      collectRecursive(value[key], name, out);
    }
  } else if (Array.isArray(value)) {
    for (const item of value) {
      if (name === undefined) out.push(item);
      collectRecursive(item, name, out);
    }
  }
}

function filterMatches(step: Extract<Step, { kind: 'filter' }>, item: unknown): boolean {
  const left = evaluate(step.left, [item]);
  if (step.operator === undefined || step.right === undefined) return left.length > 0 && left[0] !== false && left[0] !== null;
  if (left.length === 0) return false;
  const right = step.right.kind === 'literal' ? [step.right.value] : evaluate(step.right.steps, [item]);
  if (right.length === 0) return false;
  const [a, b] = [left[0], right[0]];
  switch (step.operator) {
    case '==':
      return equalValues(a, b);
    case '!=':
      return !equalValues(a, b);
    default: {
      if (typeof a !== 'number' || typeof b !== 'number') return false;
      if (step.operator === '<') return a < b;
      if (step.operator === '>') return a > b;
      if (step.operator === '<=') return a <= b;
      return a >= b;
    }
  }
}

function equalValues(a: unknown, b: unknown): boolean {
  return a === b || (a !== null && b !== null && typeof a === 'object' && JSON.stringify(a) === JSON.stringify(b));
}

/** JSON with object keys sorted, as Go's encoding/json writes maps. */
export function goJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(goJson).join(',')}]`;
  if (isObject(value)) {
    return `{${Object.keys(value)
      .sort()
      .filter((key) => value[key] !== undefined)
      .map((key) => `${JSON.stringify(key)}:${goJson(value[key])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

/** How client-go's jsonpath prints one result as text: maps and lists as JSON, scalars as Go's fmt prints them. */
export function printResult(value: unknown): string {
  if (value === undefined || value === null) return '<no value>';
  if (typeof value === 'object') return goJson(value);
  if (typeof value === 'number') return goNumber(value);
  return String(value);
}

/** Go prints integers plainly and floats in %v form (exponent from 1e21 up, as %g). */
function goNumber(value: number): string {
  if (Number.isInteger(value) && Math.abs(value) < 1e21) return String(value);
  const exponent = Math.floor(Math.log10(Math.abs(value)));
  if (exponent < -4 || exponent >= 21) {
    const [mantissa, power] = value.toExponential().split('e') as [string, string];
    const sign = power.startsWith('-') ? '-' : '+';
    const digits = power.replace(/^[+-]/, '').padStart(2, '0');
    return `${mantissa}e${sign}${digits}`;
  }
  return String(value);
}
