/**
 * x-kubernetes-validations: CEL rules on CRD schemas, compiled when a CRD is
 * written and evaluated on every create and update of its custom resources,
 * with apiextensions-apiserver's messages (pkg/apiserver/schema/cel):
 * `spec: Invalid value: "object": failed rule: self.min <= self.max`.
 *
 * Library: @marcbachmann/cel-js 8 (MIT, no dependencies, Node >= 20.19).
 * Chosen by measurement on 62 Kubernetes-style rules (comparisons, size(),
 * all/exists/exists_one/map/filter, has(), matches(), string extensions,
 * optionals, timestamps and durations, transition rules with oldSelf, and
 * the overflow/division/no-such-key errors), each library evaluating plain
 * JSON inputs:
 *   @marcbachmann/cel-js 57/62 in 11 ms: missed replace, charAt and format
 *     (added below) and reverse (not in Kubernetes 1.32 either);
 *   @bufbuild/cel 59/62 in 65 ms: cannot parse optional field selection
 *     (`self.?foo`, enabled in Kubernetes since 1.28), and declares object
 *     types only through protobuf descriptors;
 *   cel-js 24/62: no receiver-style functions, no conversions.
 * What decided it is type checking against declared types: rules are
 * checked against types built from the schema, so `self.foo` on a schema
 * without foo, or `self.replicas + 1.0`, fail when the CRD is written, as
 * cel-go's compile step makes them fail upstream; and Kubernetes' opaque
 * library types (Quantity, URL, IP, CIDR) are plain registered classes.
 * The test table in test/validation/schema-cel.test.ts keeps those rules.
 *
 * Kubernetes' CEL libraries that CRD rules may use in 1.32 are added here:
 * lists (isSorted, sum, min, max, indexOf, lastIndexOf), regex (find,
 * findAll), strings (replace, charAt, format, strings.quote), sets, url,
 * quantity, ip and cidr. Runtime cost limits are not enforced.
 */
import { parseQuantity as parseRationalQuantity } from '../resources/quantity.js';
import { Environment, Optional, type ASTNode, type TypeCheckResult } from '@marcbachmann/cel-js';
import type { FieldError } from '../errors/status.js';
import { deepEqual } from '../registry/object-diff.js';
import type { ValidationRule } from '../schema/types.js';
import {
  additionalProperties,
  childPath,
  compileRe2,
  flag,
  forbiddenError,
  goQuote,
  indexPath,
  invalidError,
  isPlainObject,
  itemsSchema,
  keyPath,
  parseIp,
  properties,
  property,
  requiredError,
  schemaType,
  type SchemaNode,
} from './schema-common.js';

export interface RuleEvaluationOptions {
  /**
   * Field path of the value (upstream's fldPath). Omitted means upstream's
   * nil path: errors of rules on the value itself name the field `<nil>`,
   * as kube-apiserver prints them for rules at the root of a custom resource.
   */
  readonly path?: string;
  /** The value is a whole resource: apiVersion, kind, metadata.name and metadata.generateName are visible to its rules. Default true. */
  readonly isResourceRoot?: boolean;
}

const MAX_MESSAGE_EXPRESSION_LENGTH = 5 * 1024;

// ---------------------------------------------------------------------------
// Declared types: the CEL type of each schema node (apiserver's SchemaDeclType).

const RESERVED = new Set(['true', 'false', 'null', 'in', 'as', 'break', 'const', 'continue', 'else', 'for', 'function', 'if', 'import', 'let', 'loop', 'package', 'namespace', 'return', 'var', 'void', 'while']);

/** How a property name appears in CEL (apiserver's cel.Escape), or undefined if it cannot. */
export function escapeFieldName(name: string): string | undefined {
  if (RESERVED.has(name)) return `__${name}__`;
  if (!/^[a-zA-Z_]/.test(name)) return undefined;
  const escaped = name.replaceAll('__', '__underscores__').replaceAll('.', '__dot__').replaceAll('-', '__dash__').replaceAll('/', '__slash__');
  return /^[a-zA-Z_][a-zA-Z0-9_]*$/.test(escaped) ? escaped : undefined;
}

/** A schema node as CEL sees it. */
type CelShape =
  | { readonly kind: 'scalar'; readonly type: string; readonly convert: 'int' | 'double' | 'string' | 'bool' | 'bytes' | 'timestamp' | 'duration' | 'dyn' }
  | { readonly kind: 'list'; readonly type: string; readonly items: CelShape }
  | { readonly kind: 'map'; readonly type: string; readonly values: CelShape }
  | { readonly kind: 'object'; readonly type: string; readonly ctor: new () => object; readonly fields: ReadonlyMap<string, { readonly escaped: string; readonly shape: CelShape }> };

const RAW = new WeakMap<object, unknown>();

/** All object types of one schema tree, registered in one environment. */
class TypeRegistry {
  readonly env = new Environment({ enableOptionalTypes: true });
  private counter = 0;
  private readonly shapes = new Map<SchemaNode, Map<boolean, CelShape | null>>();

  shapeOf(schema: SchemaNode, isResourceRoot: boolean): CelShape | undefined {
    const byRoot = this.shapes.get(schema) ?? new Map<boolean, CelShape | null>();
    this.shapes.set(schema, byRoot);
    const known = byRoot.get(isResourceRoot);
    if (known !== undefined) return known ?? undefined;
    const shape = this.build(schema, isResourceRoot);
    byRoot.set(isResourceRoot, shape ?? null);
    return shape;
  }

  private build(schema: SchemaNode, isResourceRoot: boolean): CelShape | undefined {
    if (flag(schema, 'x-kubernetes-int-or-string')) return { kind: 'scalar', type: 'dyn', convert: 'dyn' };
    const type = isResourceRoot && schemaType(schema) === '' ? 'object' : schemaType(schema);
    switch (type) {
      case 'array': {
        const items = itemsSchema(schema);
        const itemShape = items === undefined ? undefined : this.shapeOf(items, flag(items, 'x-kubernetes-embedded-resource'));
        return itemShape === undefined ? undefined : { kind: 'list', type: `list<${itemShape.type}>`, items: itemShape };
      }
      case 'object': {
        const additional = additionalProperties(schema);
        if (additional.kind === 'schema') {
          const valueShape = this.shapeOf(additional.schema, flag(additional.schema, 'x-kubernetes-embedded-resource'));
          return valueShape === undefined ? undefined : { kind: 'map', type: `map<string, ${valueShape.type}>`, values: valueShape };
        }
        const fields = new Map<string, { escaped: string; shape: CelShape }>();
        for (const [name, child] of properties(schema)) {
          if (isResourceRoot && (name === 'apiVersion' || name === 'kind' || name === 'metadata')) continue;
          const shape = this.shapeOf(child, flag(child, 'x-kubernetes-embedded-resource'));
          const escaped = escapeFieldName(name);
          if (shape !== undefined && escaped !== undefined) fields.set(name, { escaped, shape });
        }
        if (isResourceRoot) {
          // apiVersion, kind, metadata.name and metadata.generateName are always visible at a resource's root.
          const string: CelShape = { kind: 'scalar', type: 'string', convert: 'string' };
          fields.set('apiVersion', { escaped: 'apiVersion', shape: string });
          fields.set('kind', { escaped: 'kind', shape: string });
          const metaFields = new Map([
            ['name', { escaped: 'name', shape: string }],
            ['generateName', { escaped: 'generateName', shape: string }],
          ]);
          fields.set('metadata', { escaped: 'metadata', shape: this.objectType(metaFields) });
        }
        return this.objectType(fields);
      }
      case 'string':
        switch (schema.format) {
          case 'byte':
            return { kind: 'scalar', type: 'bytes', convert: 'bytes' };
          case 'duration':
            return { kind: 'scalar', type: 'google.protobuf.Duration', convert: 'duration' };
          case 'date':
          case 'date-time':
            return { kind: 'scalar', type: 'google.protobuf.Timestamp', convert: 'timestamp' };
          default:
            return { kind: 'scalar', type: 'string', convert: 'string' };
        }
      case 'boolean':
        return { kind: 'scalar', type: 'bool', convert: 'bool' };
      case 'number':
        return { kind: 'scalar', type: 'double', convert: 'double' };
      case 'integer':
        return { kind: 'scalar', type: 'int', convert: 'int' };
      default:
        return undefined;
    }
  }

  private objectType(fields: Map<string, { escaped: string; shape: CelShape }>): CelShape {
    const name = `object${this.counter++ === 0 ? '' : this.counter - 1}`;
    // One class per type: the library tells types apart by constructor.
    const ctor = { [name]: class {} }[name]!;
    const declared: Record<string, string> = {};
    for (const { escaped, shape } of fields.values()) declared[escaped] = shape.type;
    this.env.registerType(name, { ctor, fields: declared });
    // Objects compare by value in CEL; the library compares instances of custom types only through an operator.
    this.env.registerOperator(`${name} == ${name}`, (a: object, b: object) => deepEqual(RAW.get(a), RAW.get(b)));
    return { kind: 'object', type: name, ctor, fields };
  }
}

// ---------------------------------------------------------------------------
// Values: JSON as CEL sees it (apiextensions' UnstructuredToVal).

function toCel(value: unknown, shape: CelShape): unknown {
  if (value === null || value === undefined) return null;
  switch (shape.kind) {
    case 'scalar':
      return scalarToCel(value, shape.convert);
    case 'list':
      return Array.isArray(value) ? value.map((item) => toCel(item, shape.items)) : value;
    case 'map': {
      if (!isPlainObject(value)) return value;
      return new Map(Object.entries(value).map(([key, entry]) => [key, toCel(entry, shape.values)]));
    }
    case 'object': {
      if (!isPlainObject(value)) return value;
      const instance = new shape.ctor() as Record<string, unknown>;
      for (const [name, field] of shape.fields) {
        // A null field is an absent field to CEL rules (has() is false), as upstream treats it.
        if (Object.prototype.hasOwnProperty.call(value, name) && value[name] !== null) instance[field.escaped] = toCel(value[name], field.shape);
      }
      RAW.set(instance, value);
      return instance;
    }
  }
}

const DURATION_PROBE = new Environment().registerVariable('d', 'string');

function scalarToCel(value: unknown, convert: 'int' | 'double' | 'string' | 'bool' | 'bytes' | 'timestamp' | 'duration' | 'dyn'): unknown {
  switch (convert) {
    case 'int':
      return typeof value === 'number' && Number.isInteger(value) ? BigInt(value) : value;
    case 'double':
      return value;
    case 'dyn':
      return typeof value === 'number' && Number.isInteger(value) ? BigInt(value) : value;
    case 'bytes':
      return typeof value === 'string' ? new Uint8Array(Buffer.from(value, 'base64')) : value;
    case 'timestamp': {
      if (typeof value !== 'string') return value;
      const date = new Date(/^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value}T00:00:00Z` : value);
      return Number.isNaN(date.getTime()) ? value : date;
    }
    case 'duration':
      if (typeof value !== 'string') return value;
      try {
        return DURATION_PROBE.evaluate('duration(d)', { d: value }) as unknown;
      } catch {
        return value;
      }
    default:
      return value;
  }
}

// ---------------------------------------------------------------------------
// Kubernetes' CEL libraries.

class CelNamespace {}

/** A CEL environment with Kubernetes' libraries (strings, lists, regex, URLs, quantities, IPs…), for expressions outside CRD schemas. */
export function kubernetesCelEnvironment(): Environment {
  const env = new Environment({ enableOptionalTypes: true });
  installLibraries(env);
  return env;
}

/** Upstream's rendering of a CEL parse or evaluation error, with the position marked. */
export function celIssue(source: string, error: unknown): string {
  return issue(source, error);
}

function installLibraries(env: Environment): void {
  const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);
  const compare = (a: unknown, b: unknown): number => {
    if (typeof a === 'bigint' && typeof b === 'bigint') return a < b ? -1 : a > b ? 1 : 0;
    if ((typeof a === 'number' || typeof a === 'bigint') && (typeof b === 'number' || typeof b === 'bigint')) return Number(a) < Number(b) ? -1 : Number(a) > Number(b) ? 1 : 0;
    if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
    if (typeof a === 'boolean' && typeof b === 'boolean') return Number(a) - Number(b);
    if (a instanceof Date && b instanceof Date) return a.getTime() - b.getTime();
    return 0;
  };
  // k8s.io/apiserver/pkg/cel/library: lists.
  env
    .registerFunction('list<dyn>.isSorted(): bool', (items: unknown[]) => list(items).every((item, index, all) => index === 0 || compare(all[index - 1], item) <= 0))
    .registerFunction('list<dyn>.sum(): dyn', (items: unknown[]) => {
      const values = list(items);
      if (values.length === 0) return 0n;
      if (values.every((value) => typeof value === 'bigint')) {
        const total = (values as bigint[]).reduce((sum, value) => sum + value, 0n);
        if (total > 9223372036854775807n || total < -9223372036854775808n) throw new Error('integer overflow');
        return total;
      }
      return values.reduce((sum: number, value) => sum + Number(value), 0);
    })
    .registerFunction('list<dyn>.min(): dyn', (items: unknown[]) => {
      const values = list(items);
      if (values.length === 0) throw new Error('min(list) called on empty list');
      return values.reduce((best, value) => (compare(value, best) < 0 ? value : best));
    })
    .registerFunction('list<dyn>.max(): dyn', (items: unknown[]) => {
      const values = list(items);
      if (values.length === 0) throw new Error('max(list) called on empty list');
      return values.reduce((best, value) => (compare(value, best) > 0 ? value : best));
    })
    .registerFunction('list<dyn>.indexOf(dyn): int', (items: unknown[], wanted: unknown) => BigInt(list(items).findIndex((item) => celEquals(item, wanted))))
    .registerFunction('list<dyn>.lastIndexOf(dyn): int', (items: unknown[], wanted: unknown) => {
      const values = list(items);
      for (let index = values.length - 1; index >= 0; index--) if (celEquals(values[index], wanted)) return BigInt(index);
      return -1n;
    });
  // Regex library.
  const regexp = (pattern: string, global: boolean): RegExp => {
    const compiled = compileRe2(pattern);
    if (compiled.regexp === undefined) throw new Error(compiled.error ?? 'invalid regular expression');
    return new RegExp(compiled.regexp.source, compiled.regexp.flags + (global ? 'g' : ''));
  };
  env
    .registerFunction('string.find(string): string', (text: string, pattern: string) => regexp(pattern, false).exec(text)?.[0] ?? '')
    .registerFunction('string.findAll(string): list<string>', (text: string, pattern: string) => [...text.matchAll(regexp(pattern, true))].map((match) => match[0]))
    .registerFunction('string.findAll(string, int): list<string>', (text: string, pattern: string, limit: bigint) => {
      const all = [...text.matchAll(regexp(pattern, true))].map((match) => match[0]);
      return limit < 0n ? all : all.slice(0, Number(limit));
    });
  // cel-go's strings extension (version 2) beyond what the library has.
  env
    .registerFunction('string.replace(string, string): string', (text: string, from: string, to: string) => text.split(from).join(to))
    .registerFunction('string.replace(string, string, int): string', (text: string, from: string, to: string, limit: bigint) => {
      if (limit < 0n) return text.split(from).join(to);
      let out = text;
      let start = 0;
      for (let n = 0n; n < limit; n++) {
        const at = out.indexOf(from, start);
        if (at < 0) break;
        out = out.slice(0, at) + to + out.slice(at + from.length);
        start = at + to.length + (from === '' ? 1 : 0);
      }
      return out;
    })
    .registerFunction('string.charAt(int): string', (text: string, index: bigint) => {
      const chars = [...text];
      if (index < 0n || index > BigInt(chars.length)) throw new Error(`index out of range: ${index}`);
      return chars[Number(index)] ?? '';
    })
    .registerFunction('string.format(list<dyn>): string', (template: string, args: unknown[]) => formatString(template, list(args)));
  env.registerType('strings', CelNamespace).registerConstant('strings', 'strings', new CelNamespace());
  env.registerFunction('strings.quote(string): string', (_ns: unknown, text: string) => goQuote(text));
  // cel-go's sets extension.
  env.registerType('sets', CelNamespace).registerConstant('sets', 'sets', new CelNamespace());
  env
    .registerFunction('sets.contains(list<dyn>, list<dyn>): bool', (_ns: unknown, a: unknown[], b: unknown[]) => list(b).every((item) => list(a).some((other) => celEquals(item, other))))
    .registerFunction('sets.equivalent(list<dyn>, list<dyn>): bool', (_ns: unknown, a: unknown[], b: unknown[]) =>
      list(b).every((item) => list(a).some((other) => celEquals(item, other))) && list(a).every((item) => list(b).some((other) => celEquals(item, other))),
    )
    .registerFunction('sets.intersects(list<dyn>, list<dyn>): bool', (_ns: unknown, a: unknown[], b: unknown[]) => list(a).some((item) => list(b).some((other) => celEquals(item, other))));
  installUrlLibrary(env);
  installQuantityLibrary(env);
  installIpLibrary(env);
}

function celEquals(a: unknown, b: unknown): boolean {
  if ((typeof a === 'bigint' || typeof a === 'number') && (typeof b === 'bigint' || typeof b === 'number')) return Number(a) === Number(b);
  if (a instanceof Map && b instanceof Map) return a.size === b.size && [...a].every(([key, value]) => b.has(key) && celEquals(value, b.get(key)));
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((value, index) => celEquals(value, b[index]));
  if (typeof a === 'object' && a !== null && typeof b === 'object' && b !== null && RAW.has(a) && RAW.has(b)) return deepEqual(RAW.get(a), RAW.get(b));
  return a === b;
}

/** cel-go's string.format: %s %d %f %e %b %o %x %X with optional precision. */
function formatString(template: string, args: unknown[]): string {
  let next = 0;
  return template.replace(/%(?:\.(\d+))?([sdfeboxX%])/g, (_match, precision: string | undefined, verb: string) => {
    if (verb === '%') return '%';
    if (next >= args.length) throw new Error(`index ${next} out of range`);
    const arg = args[next++];
    const digits = precision === undefined ? 6 : Number(precision);
    switch (verb) {
      case 's':
        return celString(arg);
      case 'd':
        if (typeof arg !== 'bigint' && typeof arg !== 'number') throw new Error('error during formatting: decimal clause can only be used on integers');
        return String(arg);
      case 'f':
        return Number(arg).toFixed(digits);
      case 'e':
        return Number(arg).toExponential(digits).replace(/e([+-])(\d)$/, 'e$10$2');
      case 'b':
        return typeof arg === 'boolean' ? String(arg) : BigInt(arg as bigint).toString(2);
      case 'o':
        return BigInt(arg as bigint).toString(8);
      case 'x':
        return typeof arg === 'string' ? Buffer.from(arg).toString('hex') : BigInt(arg as bigint).toString(16);
      default:
        return typeof arg === 'string' ? Buffer.from(arg).toString('hex').toUpperCase() : BigInt(arg as bigint).toString(16).toUpperCase();
    }
  });
}

function celString(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'string') return value;
  if (typeof value === 'bigint' || typeof value === 'boolean') return String(value);
  if (typeof value === 'number') return String(value);
  if (Array.isArray(value)) return `[${value.map(celString).join(', ')}]`;
  if (value instanceof Date) return value.toISOString().replace('.000Z', 'Z');
  if (value instanceof Map) return `{${[...value].map(([key, entry]) => `${celString(key)}: ${celString(entry)}`).join(', ')}}`;
  return String(value);
}

// url library.
class CelUrl {
  constructor(
    readonly scheme: string,
    readonly host: string,
    readonly path: string,
    readonly query: string,
  ) {}
}

function parseUrl(text: string): CelUrl | undefined {
  // Go's url.ParseRequestURI: absolute URL or absolute path.
  if (text.startsWith('/')) {
    const [path = '', query = ''] = text.split('?', 2);
    return new CelUrl('', '', path, query);
  }
  const match = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\/([^/?#]*)([^?#]*)(?:\?([^#]*))?$/.exec(text);
  if (match === null) return undefined;
  const host = match[2]!.includes('@') ? match[2]!.slice(match[2]!.lastIndexOf('@') + 1) : match[2]!;
  return new CelUrl(match[1]!.toLowerCase(), host, match[3]!, match[4] ?? '');
}

function installUrlLibrary(env: Environment): void {
  env.registerType('kubernetes.URL', CelUrl);
  const hostname = (url: CelUrl): string => {
    if (url.host.startsWith('[')) return url.host.slice(1, url.host.indexOf(']'));
    const colon = url.host.lastIndexOf(':');
    return colon >= 0 ? url.host.slice(0, colon) : url.host;
  };
  env
    .registerFunction('url(string): kubernetes.URL', (text: string) => {
      const url = parseUrl(text);
      if (url === undefined) throw new Error(`URL parse error during conversion from string: parse ${goQuote(text)}: invalid URI for request`);
      return url;
    })
    .registerFunction('isURL(string): bool', (text: string) => parseUrl(text) !== undefined)
    .registerFunction('kubernetes.URL.getScheme(): string', (url: CelUrl) => url.scheme)
    .registerFunction('kubernetes.URL.getHost(): string', (url: CelUrl) => url.host)
    .registerFunction('kubernetes.URL.getHostname(): string', hostname)
    .registerFunction('kubernetes.URL.getPort(): string', (url: CelUrl) => {
      const rest = url.host.startsWith('[') ? url.host.slice(url.host.indexOf(']') + 1) : url.host;
      const colon = rest.lastIndexOf(':');
      return colon >= 0 ? rest.slice(colon + 1) : '';
    })
    .registerFunction('kubernetes.URL.getEscapedPath(): string', (url: CelUrl) => url.path)
    .registerFunction('kubernetes.URL.getQuery(): map<string, list<string>>', (url: CelUrl) => {
      const query = new Map<string, string[]>();
      for (const [key, value] of new URLSearchParams(url.query)) query.set(key, [...(query.get(key) ?? []), value]);
      return query;
    });
}

// quantity library: exact rational arithmetic on Kubernetes quantities.
class CelQuantity {
  constructor(
    readonly numerator: bigint,
    readonly denominator: bigint,
  ) {}
}

function parseQuantity(text: string): CelQuantity | undefined {
  const value = parseRationalQuantity(text);
  return value === undefined ? undefined : new CelQuantity(value.numerator, value.denominator);
}

function installQuantityLibrary(env: Environment): void {
  env.registerType('kubernetes.Quantity', CelQuantity);
  const cmp = (a: CelQuantity, b: CelQuantity): number => {
    const left = a.numerator * b.denominator;
    const right = b.numerator * a.denominator;
    return left < right ? -1 : left > right ? 1 : 0;
  };
  const fromInt = (value: bigint): CelQuantity => new CelQuantity(value, 1n);
  const add = (a: CelQuantity, b: CelQuantity, sign: bigint): CelQuantity => new CelQuantity(a.numerator * b.denominator + sign * b.numerator * a.denominator, a.denominator * b.denominator);
  env
    .registerFunction('quantity(string): kubernetes.Quantity', (text: string) => {
      const quantity = parseQuantity(text);
      if (quantity === undefined) throw new Error('quantities must match the regular expression \'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$\'');
      return quantity;
    })
    .registerFunction('isQuantity(string): bool', (text: string) => parseQuantity(text) !== undefined)
    .registerFunction('kubernetes.Quantity.sign(): int', (q: CelQuantity) => BigInt(q.numerator > 0n ? 1 : q.numerator < 0n ? -1 : 0))
    .registerFunction('kubernetes.Quantity.isInteger(): bool', (q: CelQuantity) => q.numerator % q.denominator === 0n)
    .registerFunction('kubernetes.Quantity.asInteger(): int', (q: CelQuantity) => {
      const value = q.numerator / q.denominator;
      if (q.numerator % q.denominator !== 0n || value > 9223372036854775807n || value < -9223372036854775808n) throw new Error('cannot convert value to integer');
      return value;
    })
    .registerFunction('kubernetes.Quantity.asApproximateFloat(): double', (q: CelQuantity) => Number(q.numerator) / Number(q.denominator))
    .registerFunction('kubernetes.Quantity.isGreaterThan(kubernetes.Quantity): bool', (a: CelQuantity, b: CelQuantity) => cmp(a, b) > 0)
    .registerFunction('kubernetes.Quantity.isLessThan(kubernetes.Quantity): bool', (a: CelQuantity, b: CelQuantity) => cmp(a, b) < 0)
    .registerFunction('kubernetes.Quantity.compareTo(kubernetes.Quantity): int', (a: CelQuantity, b: CelQuantity) => BigInt(cmp(a, b)))
    .registerFunction('kubernetes.Quantity.add(kubernetes.Quantity): kubernetes.Quantity', (a: CelQuantity, b: CelQuantity) => add(a, b, 1n))
    .registerFunction('kubernetes.Quantity.add(int): kubernetes.Quantity', (a: CelQuantity, b: bigint) => add(a, fromInt(b), 1n))
    .registerFunction('kubernetes.Quantity.sub(kubernetes.Quantity): kubernetes.Quantity', (a: CelQuantity, b: CelQuantity) => add(a, b, -1n))
    .registerFunction('kubernetes.Quantity.sub(int): kubernetes.Quantity', (a: CelQuantity, b: bigint) => add(a, fromInt(b), -1n));
  env.registerOperator('kubernetes.Quantity == kubernetes.Quantity', (a: CelQuantity, b: CelQuantity) => cmp(a, b) === 0);
}

// ip and cidr libraries.
class CelIp {
  constructor(
    readonly family: 4 | 6,
    readonly bytes: readonly number[],
    readonly text: string,
  ) {}
}

class CelCidr {
  constructor(
    readonly ip: CelIp,
    readonly prefix: number,
    readonly text: string,
  ) {}
}

function parseCelIp(text: string): CelIp | undefined {
  // The ip library is strict: no leading zeros, no IPv4-mapped IPv6, no zones.
  if (text.includes('%')) return undefined;
  const parsed = parseIp(text, false);
  if (parsed === undefined) return undefined;
  if (parsed.family === 6 && text.includes('.')) return undefined;
  return new CelIp(parsed.family, parsed.bytes, text);
}

function parseCelCidr(text: string): CelCidr | undefined {
  const slash = text.indexOf('/');
  if (slash < 0) return undefined;
  const ip = parseCelIp(text.slice(0, slash));
  const prefix = text.slice(slash + 1);
  if (ip === undefined || !/^\d{1,3}$/.test(prefix) || Number(prefix) > ip.bytes.length * 8) return undefined;
  return new CelCidr(ip, Number(prefix), text);
}

function inPrefix(ip: CelIp, cidr: CelCidr): boolean {
  if (ip.family !== cidr.ip.family) return false;
  for (let bit = 0; bit < cidr.prefix; bit++) {
    const mask = 0x80 >> bit % 8;
    if ((ip.bytes[bit >> 3]! & mask) !== (cidr.ip.bytes[bit >> 3]! & mask)) return false;
  }
  return true;
}

function installIpLibrary(env: Environment): void {
  env.registerType('net.IP', CelIp).registerType('net.CIDR', CelCidr);
  const ip = (text: string): CelIp => {
    const parsed = parseCelIp(text);
    if (parsed === undefined) throw new Error(`IP Address ${goQuote(text)} parse error during conversion from string: ParseAddr(${goQuote(text)}): unable to parse IP`);
    return parsed;
  };
  const cidr = (text: string): CelCidr => {
    const parsed = parseCelCidr(text);
    if (parsed === undefined) throw new Error(`network address parse error during conversion from string: network address parse error during conversion from string: netip.ParsePrefix(${goQuote(text)}): bad prefix`);
    return parsed;
  };
  const isZero = (value: CelIp): boolean => value.bytes.every((byte) => byte === 0);
  env
    .registerFunction('ip(string): net.IP', ip)
    .registerFunction('isIP(string): bool', (text: string) => parseCelIp(text) !== undefined)
    .registerFunction('net.IP.family(): int', (value: CelIp) => BigInt(value.family))
    .registerFunction('net.IP.isUnspecified(): bool', isZero)
    .registerFunction('net.IP.isLoopback(): bool', (value: CelIp) => (value.family === 4 ? value.bytes[0] === 127 : value.bytes.slice(0, 15).every((byte) => byte === 0) && value.bytes[15] === 1))
    .registerFunction('net.IP.isLinkLocalMulticast(): bool', (value: CelIp) => (value.family === 4 ? value.bytes[0] === 224 && value.bytes[1] === 0 && value.bytes[2] === 0 : value.bytes[0] === 0xff && (value.bytes[1]! & 0x0f) === 0x02))
    .registerFunction('net.IP.isLinkLocalUnicast(): bool', (value: CelIp) => (value.family === 4 ? value.bytes[0] === 169 && value.bytes[1] === 254 : value.bytes[0] === 0xfe && (value.bytes[1]! & 0xc0) === 0x80))
    .registerFunction('net.IP.isGlobalUnicast(): bool', (value: CelIp) => {
      if (isZero(value)) return false;
      if (value.family === 4) return !(value.bytes[0] === 127 || value.bytes[0]! >= 224 || (value.bytes[0] === 169 && value.bytes[1] === 254) || value.bytes.every((byte) => byte === 255));
      return !(value.bytes[0] === 0xff || (value.bytes[0] === 0xfe && (value.bytes[1]! & 0xc0) === 0x80) || (value.bytes.slice(0, 15).every((byte) => byte === 0) && value.bytes[15] === 1));
    })
    .registerFunction('cidr(string): net.CIDR', cidr)
    .registerFunction('isCIDR(string): bool', (text: string) => parseCelCidr(text) !== undefined)
    .registerFunction('net.CIDR.containsIP(net.IP): bool', (range: CelCidr, value: CelIp) => inPrefix(value, range))
    .registerFunction('net.CIDR.containsIP(string): bool', (range: CelCidr, value: string) => inPrefix(ip(value), range))
    .registerFunction('net.CIDR.containsCIDR(net.CIDR): bool', (range: CelCidr, other: CelCidr) => other.prefix >= range.prefix && inPrefix(other.ip, range))
    .registerFunction('net.CIDR.containsCIDR(string): bool', (range: CelCidr, other: string) => {
      const parsed = cidr(other);
      return parsed.prefix >= range.prefix && inPrefix(parsed.ip, range);
    })
    .registerFunction('net.CIDR.ip(): net.IP', (range: CelCidr) => range.ip)
    .registerFunction('net.CIDR.prefixLength(): int', (range: CelCidr) => BigInt(range.prefix));
  env.registerOperator('net.IP == net.IP', (a: CelIp, b: CelIp) => a.family === b.family && a.bytes.every((byte, index) => byte === b.bytes[index]));
  env.registerOperator('net.CIDR == net.CIDR', (a: CelCidr, b: CelCidr) => a.prefix === b.prefix && a.ip.bytes.every((byte, index) => byte === b.ip.bytes[index]));
}

// ---------------------------------------------------------------------------
// Compilation.

interface CompiledRule {
  readonly rule: ValidationRule;
  /** The message of a rule that does not compile (`compilation failed: ERROR: <input>:1:6: …`). */
  readonly error?: string;
  readonly messageExpressionError?: string;
  readonly usesOldSelf: boolean;
  readonly program?: { readonly evaluate: (context: Record<string, unknown>) => unknown };
  readonly messageProgram?: { readonly evaluate: (context: Record<string, unknown>) => unknown };
  /** The rule's fieldPath as a field path (`spec.foo[bar]`), when it names a valid field. */
  readonly fieldPath?: string;
}

interface CompiledNode {
  readonly shape: CelShape | undefined;
  readonly rules: readonly CompiledRule[];
}

/** One environment (types, libraries) per schema tree, keyed by its root. */
const registries = new WeakMap<SchemaNode, TypeRegistry>();
const compiledNodes = new WeakMap<SchemaNode, Map<boolean, CompiledNode>>();

function registryFor(root: SchemaNode): TypeRegistry {
  let registry = registries.get(root);
  if (registry === undefined) {
    registry = new TypeRegistry();
    installLibraries(registry.env);
    registries.set(root, registry);
  }
  return registry;
}

function rulesOf(schema: SchemaNode): ValidationRule[] {
  const rules: unknown = schema['x-kubernetes-validations'];
  return Array.isArray(rules) ? rules.filter((rule): rule is ValidationRule => isPlainObject(rule) && typeof rule['rule'] === 'string') : [];
}

function compileNode(schema: SchemaNode, isResourceRoot: boolean, registry: TypeRegistry): CompiledNode {
  const byRoot = compiledNodes.get(schema) ?? new Map<boolean, CompiledNode>();
  compiledNodes.set(schema, byRoot);
  const cached = byRoot.get(isResourceRoot);
  if (cached !== undefined) return cached;
  const shape = registry.shapeOf(schema, isResourceRoot);
  const rules = rulesOf(schema);
  let compiled: CompiledRule[] = [];
  if (rules.length > 0) {
    const selfType = shape?.type ?? 'dyn';
    const plain = registry.env.clone().registerVariable('self', selfType).registerVariable('oldSelf', selfType);
    const optional = registry.env.clone().registerVariable('self', selfType).registerVariable('oldSelf', `optional<${selfType}>`);
    compiled = rules.map((rule) => compileRule(rule, rule.optionalOldSelf === true ? optional : plain, plain, schema));
  }
  const node: CompiledNode = { shape, rules: compiled };
  byRoot.set(isResourceRoot, node);
  return node;
}

function compileRule(rule: ValidationRule, env: Environment, messageEnv: Environment, schema: SchemaNode): CompiledRule {
  const fieldPath = rule.fieldPath !== undefined && rule.fieldPath !== '' ? normalizeFieldPath(rule.fieldPath, schema) : undefined;
  const base = { rule, ...(fieldPath === undefined ? {} : { fieldPath }) };
  if (rule.rule.trim() === '') return { ...base, usesOldSelf: false };
  let parsed: ReturnType<Environment['parse']>;
  try {
    parsed = env.parse(rule.rule);
  } catch (error) {
    return { ...base, usesOldSelf: false, error: `compilation failed: ${issue(rule.rule, error)}` };
  }
  const usesOldSelf = referencesOldSelf(parsed.ast);
  const checked = checkExpression(env, rule.rule, parsed.ast);
  let result: CompiledRule;
  if (checked.error !== undefined) result = { ...base, usesOldSelf, error: `compilation failed: ${checked.error}` };
  else if (checked.type !== 'bool') result = { ...base, usesOldSelf, error: 'cel expression must evaluate to a bool' };
  else result = { ...base, usesOldSelf, program: { evaluate: (context) => parsed(context) as unknown } };
  const messageExpression = rule.messageExpression;
  if (messageExpression !== undefined && messageExpression !== '') {
    try {
      const message = messageEnv.parse(messageExpression);
      const check = checkExpression(messageEnv, messageExpression, message.ast);
      if (check.error !== undefined) return { ...result, messageExpressionError: `messageExpression compilation failed: ${check.error}` };
      if (check.type !== 'string') return { ...result, messageExpressionError: 'messageExpression must evaluate to a string' };
      return { ...result, messageProgram: { evaluate: (context) => message(context) as unknown } };
    } catch (error) {
      return { ...result, messageExpressionError: `messageExpression compilation failed: ${issue(messageExpression, error)}` };
    }
  }
  return result;
}

function referencesOldSelf(node: ASTNode): boolean {
  if (node.op === 'id') return node.args === 'oldSelf';
  const args: unknown = node.args;
  const visit = (value: unknown): boolean => {
    if (Array.isArray(value)) return value.some(visit);
    return typeof value === 'object' && value !== null && 'op' in value && referencesOldSelf(value as ASTNode);
  };
  return visit(args);
}

/** Type-checks an expression; cel-go also refuses invalid regular expression literals at this point. */
function checkExpression(env: Environment, source: string, ast: ASTNode): { readonly type?: string; readonly error?: string } {
  let result: TypeCheckResult;
  try {
    result = env.check(source);
  } catch (error) {
    return { error: issue(source, error) };
  }
  if (!result.valid) return { error: issue(source, result.error) };
  const hasError = undefinedFieldInHas(env, ast, source);
  if (hasError !== undefined) return { error: hasError };
  const regexError = invalidRegexLiteral(ast, source);
  if (regexError !== undefined) return { error: regexError };
  return { type: result.type ?? 'dyn' };
}

/** Child nodes of an AST node, whatever shape its args take. */
function childNodes(node: ASTNode): ASTNode[] {
  const children: ASTNode[] = [];
  const collect = (value: unknown): void => {
    if (Array.isArray(value)) value.forEach(collect);
    else if (typeof value === 'object' && value !== null && 'op' in value) children.push(value as ASTNode);
  };
  collect(node.args);
  return children;
}

/**
 * cel-go refuses has() of a field the type does not declare; the library
 * accepts it, so the selection inside each has() is checked on its own.
 * Selections on macro variables cannot be checked alone and are left out.
 */
function undefinedFieldInHas(env: Environment, node: ASTNode, source: string): string | undefined {
  if (node.op === 'call' && node.args[0] === 'has') {
    const [argument] = node.args[1];
    if (argument !== undefined && argument.op === '.') {
      const selection = source.slice(argument.range.start, argument.range.end);
      let result: TypeCheckResult | undefined;
      try {
        result = env.check(selection);
      } catch {
        result = undefined;
      }
      const error = result?.error as { code?: string } | undefined;
      if (result !== undefined && !result.valid && error?.code === 'no_such_key') return issue(source, result.error, argument.range.start);
    }
  }
  for (const child of childNodes(node)) {
    const error = undefinedFieldInHas(env, child, source);
    if (error !== undefined) return error;
  }
  return undefined;
}

function invalidRegexLiteral(node: ASTNode, source: string): string | undefined {
  if (node.op === 'rcall') {
    const [name, , args] = node.args;
    const pattern = args[0];
    if ((name === 'matches' || name === 'find' || name === 'findAll') && pattern !== undefined && pattern.op === 'value' && typeof pattern.args === 'string') {
      const compiled = compileRe2(pattern.args);
      if (compiled.error !== undefined) return formatIssue(source, pattern.range.start, `invalid matches argument: ${compiled.error}`);
    }
  }
  for (const child of childNodes(node)) {
    const error = invalidRegexLiteral(child, source);
    if (error !== undefined) return error;
  }
  return undefined;
}

const OPERATOR_NAMES: Record<string, string> = {
  '+': '_+_',
  '-': '_-_',
  '*': '_*_',
  '/': '_/_',
  '%': '_%_',
  '==': '_==_',
  '!=': '_!=_',
  '<': '_<_',
  '<=': '_<=_',
  '>': '_>_',
  '>=': '_>=_',
  in: '@in',
};

/** A compile error in cel-go's form: `ERROR: <input>:1:5: undefined field 'foo'` with the source line and a caret. */
function issue(source: string, error: unknown, offset = 0): string {
  const err = error as { message?: string; code?: string; range?: { start: number; end: number }; node?: ASTNode } | undefined;
  const summary = (err?.message ?? String(error)).split('\n')[0]!;
  let position = (err?.range?.start ?? 0) + offset;
  let message = summary;
  switch (err?.code) {
    case 'no_such_key': {
      const field = /No such key: (.*)$/.exec(summary)?.[1] ?? '';
      // cel-go places a select at its '.'.
      position = Math.max(0, source.lastIndexOf('.', position));
      message = `undefined field '${field}'`;
      break;
    }
    case 'unknown_variable':
      message = `undeclared reference to '${/Unknown variable: (.*)$/.exec(summary)?.[1] ?? ''}' (in container '')`;
      break;
    case 'no_such_overload': {
      const match = /no such overload: (.+?) (\S+) (.+)$/.exec(summary);
      if (match !== null) {
        const operator = match[2]!;
        message = `found no matching overload for '${OPERATOR_NAMES[operator] ?? operator}' applied to '(${match[1]}, ${match[3]})'`;
        const operands = err?.node?.args;
        if (Array.isArray(operands) && operands.length === 2) {
          const left = operands[0] as { range?: { end: number } } | undefined;
          const at = source.indexOf(operator, left?.range?.end === undefined ? position : left.range.end + offset);
          if (at >= 0) position = at;
        }
      }
      break;
    }
    case 'no_matching_overload': {
      const match = /found no matching overload for '(?:(.+)\.)?([^.(]+)\((.*)\)'/.exec(summary);
      if (match !== null) message = `found no matching overload for '${match[2]}' applied to '${match[1] === undefined ? '' : match[1]}(${match[3]})'`.replace(`'${match[1]}(`, `'${match[1]}.(`);
      break;
    }
    default:
      if ((error as { name?: string } | undefined)?.name === 'ParseError') message = `Syntax error: ${summary}`;
  }
  return formatIssue(source, position, message);
}

function formatIssue(source: string, position: number, message: string): string {
  const before = source.slice(0, position);
  const line = before.split('\n').length;
  const lineStart = before.lastIndexOf('\n') + 1;
  const column = [...source.slice(lineStart, position)].length;
  const text = source.split('\n')[line - 1] ?? '';
  return `ERROR: <input>:${line}:${column + 1}: ${message}\n | ${text}\n | ${'.'.repeat(column)}^`;
}

/** A rule's fieldPath (`.spec.foo`, `.labels['a.b']`) as a field path, if it names a field of the schema. */
function normalizeFieldPath(jsonPath: string, schema: SchemaNode): string | undefined {
  const tokens = jsonPath.match(/'(?:[^'\\]|\\.)*'|[.[\]]|[^.[\]']+/g) ?? [];
  let path = '';
  let current: SchemaNode | undefined = schema;
  let started = false;
  const step = (name: string): boolean => {
    if (current === undefined) return false;
    const declared = property(current, name);
    if (current.properties !== undefined) {
      if (declared === undefined) return false;
      path = childPath(path, name);
      current = declared;
      return true;
    }
    const additional = additionalProperties(current);
    if (additional.kind === 'none') return false;
    path = keyPath(path, name);
    current = additional.kind === 'schema' ? additional.schema : undefined;
    return true;
  };
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!;
    if (token === '.') {
      const name = tokens[++i];
      if (name === undefined || !step(name)) return undefined;
    } else if (token === '[') {
      const quoted = tokens[++i];
      if (quoted === undefined || !quoted.startsWith("'") || tokens[++i] !== ']') return undefined;
      if (!step(quoted.slice(1, -1).replace(/\\(.)/g, '$1'))) return undefined;
    } else {
      return undefined;
    }
    started = true;
  }
  return started ? path : undefined;
}

/**
 * Compile errors of the rules of one schema node (self is that node), at
 * `<path>.x-kubernetes-validations[i].rule` / `.messageExpression`, as the
 * CRD validation reports them when the CRD is written. The Invalid value is
 * the rule itself, as upstream shows it.
 */
export function ruleCompileErrors(schema: SchemaNode, path: string, options: { readonly isResourceRoot?: boolean; readonly root?: SchemaNode } = {}): FieldError[] {
  const isResourceRoot = options.isResourceRoot ?? false;
  const registry = registryFor(options.root ?? schema);
  const node = compileNode(schema, isResourceRoot || flag(schema, 'x-kubernetes-embedded-resource'), registry);
  const errors: FieldError[] = [];
  node.rules.forEach((compiled, index) => {
    const base = `${childPath(path, 'x-kubernetes-validations')}[${index}]`;
    if (compiled.error !== undefined) errors.push(invalidError(childPath(base, 'rule'), compiled.rule, compiled.error));
    if (compiled.messageExpressionError !== undefined) errors.push(invalidError(childPath(base, 'messageExpression'), compiled.rule, compiled.messageExpressionError));
    if (!compiled.usesOldSelf && compiled.error === undefined && compiled.rule.optionalOldSelf !== undefined) {
      errors.push(invalidError(childPath(base, 'optionalOldSelf'), compiled.rule.optionalOldSelf, 'may not be set if oldSelf is not used in rule'));
    }
  });
  return errors;
}

/** Compile errors of every rule in a schema tree, each at its node's path. */
export function allRuleCompileErrors(schema: SchemaNode, path: string): FieldError[] {
  const errors: FieldError[] = [];
  const visit = (node: SchemaNode, at: string, isRoot: boolean): void => {
    if (rulesOf(node).length > 0) errors.push(...ruleCompileErrors(node, at, { isResourceRoot: isRoot, root: schema }));
    const items = itemsSchema(node);
    if (items !== undefined) visit(items, childPath(at, 'items'), false);
    for (const [key, child] of properties(node)) visit(child, keyPath(childPath(at, 'properties'), key), false);
    const additional = additionalProperties(node);
    if (additional.kind === 'schema') visit(additional.schema, childPath(at, 'additionalProperties'), false);
  };
  visit(schema, path, true);
  return errors;
}

// ---------------------------------------------------------------------------
// Evaluation.

/** Which old value a new value correlates with, for oldSelf and ratcheting (apiserver's CorrelatedObject). */
interface Correlation {
  readonly old: unknown;
  readonly value: unknown;
}

/**
 * Evaluates every x-kubernetes-validations rule in the schema against the
 * object (and, on update, the old object: transition rules using oldSelf
 * run only where an old value correlates). Returns upstream's errors:
 * `<path>: Invalid value: "<schema type>": <message or "failed rule: <rule>">`.
 * On update, errors of rules without oldSelf on values that did not change
 * are dropped (CRDValidationRatcheting, on by default in 1.32).
 */
export function evaluateRules(schema: SchemaNode, object: unknown, old: unknown, options: RuleEvaluationOptions = {}): FieldError[] {
  const registry = registryFor(schema);
  const errors: FieldError[] = [];
  const rootCorrelation: Correlation | undefined = old === undefined || old === null ? undefined : { old, value: object };
  const visit = (node: SchemaNode, value: unknown, oldValue: unknown, path: string | undefined, isRoot: boolean, correlation: Correlation | undefined, nearestCorrelation: Correlation | undefined): void => {
    if (value === null || value === undefined) return;
    const compiled = compileNode(node, isRoot || flag(node, 'x-kubernetes-embedded-resource'), registry);
    if (compiled.rules.length > 0) {
      const ratchet = (): boolean => {
        const basis = correlation ?? nearestCorrelation;
        return basis !== undefined && deepEqual(basis.value, basis.old);
      };
      errors.push(...evaluateNode(node, compiled, value, oldValue, path, ratchet));
    }
    const here = path;
    if (Array.isArray(value)) {
      const items = itemsSchema(node);
      if (items === undefined) return;
      const oldList = Array.isArray(oldValue) ? oldValue : undefined;
      value.forEach((item, index) => {
        const oldItem = correlatedItem(node, item, oldList);
        const itemCorrelation = correlation === undefined || oldItem === undefined ? undefined : { old: oldItem, value: item };
        visit(items, item, oldItem, indexPath(here ?? '', index), false, itemCorrelation, correlation ?? nearestCorrelation);
      });
    } else if (isPlainObject(value)) {
      const oldMap = isPlainObject(oldValue) ? oldValue : undefined;
      const additional = additionalProperties(node);
      const childOf = (key: string, childSchema: SchemaNode, childPathText: string): void => {
        const oldChild = oldMap !== undefined && Object.prototype.hasOwnProperty.call(oldMap, key) ? oldMap[key] : undefined;
        const childCorrelation = correlation === undefined || (isRoot && (key === 'apiVersion' || key === 'kind')) || oldChild === undefined ? undefined : { old: oldChild, value: value[key] };
        visit(childSchema, value[key], oldChild, childPathText, false, childCorrelation, correlation ?? nearestCorrelation);
      };
      if (additional.kind === 'schema') for (const key of Object.keys(value)) childOf(key, additional.schema, keyPath(here ?? '', key));
      for (const key of Object.keys(value)) {
        const declared = property(node, key);
        if (declared !== undefined) childOf(key, declared, here === undefined ? key : childPath(here, key));
      }
    }
  };
  visit(schema, object, old ?? undefined, options.path, options.isResourceRoot ?? true, rootCorrelation, undefined);
  return errors;
}

/** Only items of map lists correlate with old items, by their keys; others have no oldSelf. */
function correlatedItem(schema: SchemaNode, item: unknown, oldList: unknown[] | undefined): unknown {
  if (oldList === undefined || schema['x-kubernetes-list-type'] !== 'map' || !isPlainObject(item)) return undefined;
  const keys = (schema['x-kubernetes-list-map-keys'] ?? []).filter((key): key is string => typeof key === 'string');
  return oldList.find((candidate) => isPlainObject(candidate) && keys.every((key) => deepEqual(candidate[key], item[key])));
}

function evaluateNode(schema: SchemaNode, compiled: CompiledNode, value: unknown, oldValue: unknown, path: string | undefined, ratchet: () => boolean): FieldError[] {
  const errors: FieldError[] = [];
  const field = path ?? '<nil>';
  const type = schemaType(schema);
  const shape = compiled.shape;
  const self = shape === undefined ? value : toCel(value, shape);
  const oldSelf = oldValue === undefined ? undefined : shape === undefined ? oldValue : toCel(oldValue, shape);
  for (const rule of compiled.rules) {
    if (rule.error !== undefined) {
      errors.push(invalidError(field, type, `rule compile error: ${rule.error}`));
      continue;
    }
    if (rule.program === undefined) continue;
    const optionalOldSelf = rule.rule.optionalOldSelf === true;
    // Transition rules run only when there is an old value to compare with, unless oldSelf is optional.
    if (rule.usesOldSelf && oldSelf === undefined && !optionalOldSelf) continue;
    const context: Record<string, unknown> = { self };
    if (optionalOldSelf) context['oldSelf'] = oldSelf === undefined ? Optional.none() : Optional.of(oldSelf);
    else if (oldSelf !== undefined) context['oldSelf'] = oldSelf;
    let result: unknown;
    try {
      result = rule.program.evaluate(context);
    } catch (error) {
      const message = runtimeMessage(error);
      const ruleText = ruleErrorString(rule.rule);
      if (message.startsWith('no such overload')) {
        errors.push(invalidError(field, type, `'${message}': call arguments did not match a supported operator, function or macro signature for rule: ${ruleText}`));
      } else {
        errors.push(invalidError(field, type, `${message} evaluating rule: ${ruleText}`));
      }
      continue;
    }
    if (result === true) continue;
    // Errors of rules that cannot see a change, on values that did not change, are ratcheted away.
    if (!rule.usesOldSelf && ratchet()) continue;
    const at = rule.fieldPath === undefined ? field : path === undefined ? rule.fieldPath : childPath(path, rule.fieldPath);
    let detail = ruleMessageOrDefault(rule.rule);
    if (rule.messageProgram !== undefined) {
      const evaluated = evaluateMessage(rule.messageProgram, { self, ...(oldSelf === undefined ? {} : { oldSelf }) });
      if (evaluated !== undefined) detail = evaluated;
    }
    errors.push(errorForReason(at, type, detail, rule.rule.reason));
  }
  return errors;
}

function evaluateMessage(program: NonNullable<CompiledRule['messageProgram']>, context: Record<string, unknown>): string | undefined {
  try {
    const value = program.evaluate(context);
    if (typeof value !== 'string') return undefined;
    const trimmed = value.trim();
    // An unusable message falls back to the rule's message, as upstream does.
    if (trimmed === '' || trimmed.length > MAX_MESSAGE_EXPRESSION_LENGTH || /\n/.test(trimmed)) return undefined;
    return trimmed;
  } catch {
    return undefined;
  }
}

function errorForReason(field: string, type: string, detail: string, reason: string | undefined): FieldError {
  switch (reason) {
    case 'FieldValueForbidden':
      return forbiddenError(field, detail);
    case 'FieldValueRequired':
      return requiredError(field, detail);
    case 'FieldValueDuplicate':
      return { type: 'FieldValueDuplicate', field, value: type, hasValue: true };
    default:
      return invalidError(field, type, detail);
  }
}

function ruleMessageOrDefault(rule: ValidationRule): string {
  return rule.message === undefined || rule.message === '' ? `failed rule: ${ruleErrorString(rule)}` : rule.message.trim();
}

function ruleErrorString(rule: ValidationRule): string {
  return rule.message !== undefined && rule.message !== '' ? rule.message.trim() : rule.rule.trim();
}

/** cel-go's texts for the runtime errors rules hit most. */
function runtimeMessage(error: unknown): string {
  const err = error as { code?: string; message?: string };
  const summary = (err.message ?? String(error)).split('\n')[0]!;
  switch (err.code) {
    case 'division_by_zero':
      return 'division by zero';
    case 'modulo_by_zero':
      return 'modulus by zero';
    case 'numeric_overflow':
      return 'integer overflow';
    case 'no_such_key':
      return `no such key: ${summary.replace(/^No such key: /, '')}`;
    case 'index_out_of_bounds': {
      const index = /index (-?\d+)/.exec(summary)?.[1] ?? '';
      return `index out of bounds: ${index}`;
    }
    case 'no_such_overload':
    case 'no_matching_overload':
      return 'no such overload';
    default:
      return summary;
  }
}
