/**
 * Field validation on decode: the `fieldValidation` query parameter of
 * create, update and patch (Strict, Warn, Ignore; kubectl sends Strict, the
 * server's default is Warn). Upstream's strict JSON decoding
 * (sigs.k8s.io/json UnmarshalStrict into the Go type) reports unknown fields
 * and duplicate fields; strict YAML decoding (goyaml.v2 UnmarshalStrict)
 * reports duplicate keys with their line; custom resources report what
 * pruning drops instead of unknown fields of a Go type.
 *
 * - Strict: 400 BadRequest, `Deployment in version "v1" cannot be handled as
 *   a Deployment: strict decoding error: unknown field "spec.foo", unknown
 *   field "spec.bar"` (apiserver's transformDecodeError).
 * - Warn: each problem becomes a warning (`Warning: 299 - "unknown field
 *   \"spec.foo\""`); YAML's multi-line error is split into one per line.
 * - Ignore: nothing is reported (custom resources are still pruned).
 */
import { LineCounter, parseAllDocuments, isMap, isScalar, isSeq, type Node as YamlNode } from 'yaml';
import { badRequest } from '../errors/status.js';
import type { SchemaRegistry } from '../schema/types.js';
import { duplicateKeyPaths, jsonNodeValue, scanJson, type JsonNode } from './json-scan.js';
import { additionalProperties, flag, goQuote, isPlainObject, itemsSchema, properties, property, type SchemaNode } from './schema-common.js';
import { applyDefaults } from './schema-default.js';
import { pruneCustomResource, unknownMetadataFields } from './schema-prune.js';

export type FieldValidationDirective = 'Strict' | 'Warn' | 'Ignore';

/** The directive in force: upstream's default when the client names none is Warn. */
export function fieldValidationDirective(value: string | undefined): FieldValidationDirective {
  return value === 'Strict' || value === 'Ignore' ? value : 'Warn';
}

/** A body parsed with what strict decoding needs: the key structure (JSON) or the YAML duplicate-key errors. */
export interface ParsedBody {
  readonly format: 'json' | 'yaml';
  readonly value: unknown;
  /** The JSON document with duplicate keys kept (JSON bodies only). */
  readonly json?: JsonNode;
  /** goyaml.v2's strict error for duplicate keys (`yaml: unmarshal errors:\n  line 4: key "spec" already set in map`), YAML bodies only. */
  readonly yamlError?: string;
}

/**
 * Parses a JSON or YAML request body keeping duplicate keys in view.
 * Malformed input throws 400 with the message request/body.ts uses.
 */
export function parseBodyForStrictDecoding(text: string, format: 'json' | 'yaml'): ParsedBody {
  if (format === 'json') {
    let json: JsonNode;
    try {
      json = scanJson(text);
    } catch {
      try {
        JSON.parse(text);
      } catch (error) {
        throw badRequest(`error decoding JSON: ${(error as Error).message}`);
      }
      throw badRequest('error decoding JSON: malformed JSON');
    }
    return { format, value: jsonNodeValue(json), json };
  }
  const lineCounter = new LineCounter();
  const documents = parseAllDocuments(text, { uniqueKeys: false, lineCounter });
  const list = Array.isArray(documents) ? documents : [documents];
  const nonEmpty = list.filter((document) => document.contents !== null);
  if (nonEmpty.length !== 1) throw badRequest(`error decoding YAML: expected exactly one document, found ${nonEmpty.length}`);
  const document = nonEmpty[0]!;
  if (document.errors.length > 0) throw badRequest(`error converting YAML to JSON: ${document.errors[0]!.message}`);
  const lines = yamlDuplicateLines(document.contents, lineCounter);
  const value: unknown = document.toJS({ maxAliasCount: 100 });
  return lines.length === 0 ? { format, value } : { format, value, yamlError: `yaml: unmarshal errors:\n  ${lines.join('\n  ')}` };
}

/**
 * goyaml.v2's strict duplicate-key errors: `line N: key "k" already set in
 * map`, N the line of the repeated key's value, inner maps before the map
 * that holds them (goyaml decodes a value before it sets its key).
 */
function yamlDuplicateLines(root: unknown, lineCounter: LineCounter): string[] {
  const lines: string[] = [];
  const lineOf = (node: unknown, fallback: number): number => {
    const range = (node as YamlNode | null | undefined)?.range;
    return range === undefined || range === null ? fallback : lineCounter.linePos(range[0]).line;
  };
  const walk = (node: unknown): void => {
    if (isMap(node)) {
      const seen = new Set<string>();
      for (const pair of node.items) {
        walk(pair.value);
        const key = isScalar(pair.key) ? pair.key.value : pair.key;
        const id = JSON.stringify(key) ?? String(key);
        if (seen.has(id)) {
          const keyLine = lineOf(pair.key, 1);
          const rendered = typeof key === 'string' ? goQuote(key) : String(key);
          lines.push(`line ${lineOf(pair.value, keyLine)}: key ${rendered} already set in map`);
        }
        seen.add(id);
      }
    } else if (isSeq(node)) {
      for (const item of node.items) walk(item);
    }
  };
  walk(root);
  return lines;
}

// ---------------------------------------------------------------------------
// Built-in kinds: strict decoding into the Go type the schema describes.

export interface TypedDecodeOptions {
  /** Resolves `$ref`s of built-in schemas. */
  readonly registry?: SchemaRegistry;
}

/**
 * The strict decoding errors of a body against a built-in kind's schema, in
 * the order upstream reports them: for JSON, unknown and duplicate fields in
 * document order (an unknown field's content is not looked into); for YAML,
 * the duplicate-key error first, then unknown fields in sorted key order
 * (upstream converts YAML to JSON through a Go map, which sorts keys).
 *
 * The schema is read as Go's typed decoding sees it: properties make a
 * struct (other keys are unknown), additionalProperties a map, and objects
 * with neither (RawExtension, FieldsV1, JSON), int-or-string, and
 * x-kubernetes-preserve-unknown-fields accept anything.
 */
export function strictDecodingErrors(body: ParsedBody, schema: SchemaNode | undefined, options: TypedDecodeOptions = {}): string[] {
  const errors: string[] = [];
  const seen = new Set<string>();
  const save = (message: string): void => {
    // Go keeps at most 100 and each once.
    if (seen.has(message) || seen.size >= 100) return;
    seen.add(message);
    errors.push(message);
  };
  const resolve = (node: SchemaNode | undefined): SchemaNode | undefined => (node === undefined || options.registry === undefined ? node : (options.registry.resolve(node) as SchemaNode));
  if (body.json !== undefined) {
    walkJson(body.json, resolve(schema), '', resolve, save);
  } else {
    if (body.yamlError !== undefined) errors.push(body.yamlError);
    walkValue(body.value, resolve(schema), '', resolve, save);
  }
  return errors;
}

type Shape = { readonly kind: 'struct'; readonly schema: SchemaNode } | { readonly kind: 'map'; readonly values: SchemaNode | undefined } | { readonly kind: 'list'; readonly items: SchemaNode | undefined } | { readonly kind: 'opaque' };

/** What Go type a schema node stands for, as far as strict decoding cares. */
function shapeOf(schema: SchemaNode | undefined): Shape {
  if (schema === undefined || flag(schema, 'x-kubernetes-preserve-unknown-fields') || flag(schema, 'x-kubernetes-int-or-string') || schema.format === 'int-or-string') return { kind: 'opaque' };
  if (schema.type === 'array' || schema.items !== undefined) return { kind: 'list', items: itemsSchema(schema) };
  if (properties(schema).length > 0) return { kind: 'struct', schema };
  const additional = additionalProperties(schema);
  if (additional.kind === 'schema') return { kind: 'map', values: additional.schema };
  if (additional.kind === 'bool' && additional.allows) return { kind: 'map', values: undefined };
  return { kind: 'opaque' };
}

function structField(schema: SchemaNode, key: string): { readonly known: boolean; readonly schema?: SchemaNode } {
  const declared = property(schema, key);
  if (declared !== undefined) return { known: true, schema: declared };
  // apiVersion, kind and metadata of an embedded resource are always allowed.
  if (flag(schema, 'x-kubernetes-embedded-resource') && (key === 'apiVersion' || key === 'kind' || key === 'metadata')) return { known: true };
  return { known: false };
}

const join = (path: string, key: string): string => (path === '' ? key : `${path}.${key}`);

function walkJson(node: JsonNode, schema: SchemaNode | undefined, path: string, resolve: (node: SchemaNode | undefined) => SchemaNode | undefined, save: (message: string) => void): void {
  const shape = shapeOf(schema);
  if (node.kind === 'object') {
    if (shape.kind === 'struct') {
      const seen = new Set<string>();
      for (const entry of node.entries) {
        const field = structField(shape.schema, entry.key);
        if (!field.known) {
          save(`unknown field ${goQuote(join(path, entry.key))}`);
          continue;
        }
        if (seen.has(entry.key)) save(`duplicate field ${goQuote(join(path, entry.key))}`);
        seen.add(entry.key);
        walkJson(entry.value, resolve(field.schema), join(path, entry.key), resolve, save);
      }
    } else if (shape.kind === 'map') {
      const seen = new Set<string>();
      for (const entry of node.entries) {
        if (seen.has(entry.key)) save(`duplicate field ${goQuote(join(path, entry.key))}`);
        seen.add(entry.key);
        walkJson(entry.value, resolve(shape.values), join(path, entry.key), resolve, save);
      }
    }
  } else if (node.kind === 'array' && shape.kind === 'list') {
    node.items.forEach((item, index) => walkJson(item, resolve(shape.items), `${path}[${index}]`, resolve, save));
  }
}

function walkValue(value: unknown, schema: SchemaNode | undefined, path: string, resolve: (node: SchemaNode | undefined) => SchemaNode | undefined, save: (message: string) => void): void {
  const shape = shapeOf(schema);
  if (isPlainObject(value)) {
    const keys = Object.keys(value).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    if (shape.kind === 'struct') {
      for (const key of keys) {
        const field = structField(shape.schema, key);
        if (!field.known) save(`unknown field ${goQuote(join(path, key))}`);
        else walkValue(value[key], resolve(field.schema), join(path, key), resolve, save);
      }
    } else if (shape.kind === 'map') {
      for (const key of keys) walkValue(value[key], resolve(shape.values), join(path, key), resolve, save);
    }
  } else if (Array.isArray(value) && shape.kind === 'list') {
    value.forEach((item, index) => walkValue(item, resolve(shape.items), `${path}[${index}]`, resolve, save));
  }
}

// ---------------------------------------------------------------------------
// Custom resources: strict errors of the unstructured decode, then pruning.

/** Duplicate-key errors of decoding a body into unstructured JSON (map[string]interface{}). */
export function unstructuredStrictErrors(body: ParsedBody): string[] {
  if (body.json !== undefined) return duplicateKeyPaths(body.json).slice(0, 100).map((path) => `duplicate field ${goQuote(path)}`);
  return body.yamlError === undefined ? [] : [body.yamlError];
}

/**
 * Decodes a custom resource body as upstream's CRD decoder does
 * (schemaCoercingDecoder): duplicate fields of the document, then unknown
 * fields of metadata, then fields pruning drops (sorted), then unknown
 * metadata fields of embedded resources; the object is pruned, nulls that
 * may not be null are dropped, and defaults applied. Returns the object and
 * the strict decoding errors (as `unknown field "spec.foo"` texts); with
 * x-kubernetes-preserve-unknown-fields at the CRD level, pass no schema.
 */
export function decodeCustomResource(body: ParsedBody, schema: SchemaNode | undefined): { readonly object: unknown; readonly errors: string[] } {
  const object = body.value;
  const errors = unstructuredStrictErrors(body);
  const metadata = isPlainObject(object) ? object['metadata'] : undefined;
  const unknown = unknownMetadataFields(metadata);
  if (schema !== undefined) {
    unknown.push(...pruneCustomResource(object, schema));
    applyDefaults(object, schema);
  }
  errors.push(...unknown.map((path) => `unknown field ${goQuote(path)}`));
  return { object, errors };
}

// ---------------------------------------------------------------------------
// The directive applied.

export interface DecodeTarget {
  /** Kind and version of the body as sent (its apiVersion and kind, or the URL's when it names none). */
  readonly kind: string;
  readonly version: string;
  /** The kind the endpoint decodes into. */
  readonly intoKind?: string;
}

/**
 * Applies the directive to the strict decoding errors: Strict throws
 * upstream's 400, Warn returns the warning texts (one per error, YAML's
 * split per line), Ignore returns none.
 */
export function applyFieldValidation(errors: readonly string[], directive: FieldValidationDirective, target: DecodeTarget): string[] {
  if (errors.length === 0 || directive === 'Ignore') return [];
  if (directive === 'Strict') {
    throw badRequest(`${target.kind} in version ${goQuote(target.version)} cannot be handled as a ${target.intoKind ?? target.kind}: strict decoding error: ${errors.join(', ')}`);
  }
  return errors.flatMap(splitYamlWarnings);
}

/** apiserver's parseYAMLWarnings: a YAML strict error becomes one warning per line. */
function splitYamlWarnings(message: string): string[] {
  for (const prefix of ['yaml: unmarshal errors:\n', 'error converting YAML to JSON: yaml: unmarshal errors:\n']) {
    if (message.startsWith(prefix)) return message.slice(prefix.length).split('\n').map((line) => line.trim());
  }
  return [message];
}

/**
 * Strict errors of a JSON patch or merge patch document itself (apiserver's
 * patch handler decodes it strictly first): for a merge patch, duplicate
 * fields anywhere; for a JSON patch (a list of {op, path, from, value}),
 * unknown and duplicate fields of each operation and duplicates inside
 * values, each prefixed `json patch `.
 */
export function patchStrictErrors(patch: string, patchType: 'json' | 'merge'): string[] {
  let node: JsonNode;
  try {
    node = scanJson(patch);
  } catch {
    return [];
  }
  if (patchType === 'merge') return duplicateKeyPaths(node).map((path) => `duplicate field ${goQuote(path)}`);
  const errors: string[] = [];
  if (node.kind !== 'array') return errors;
  node.items.forEach((operation, index) => {
    if (operation.kind !== 'object') return;
    const seen = new Set<string>();
    for (const entry of operation.entries) {
      const path = `[${index}].${entry.key}`;
      if (!['op', 'path', 'from', 'value'].includes(entry.key)) {
        errors.push(`json patch unknown field ${goQuote(path)}`);
        continue;
      }
      if (seen.has(entry.key)) errors.push(`json patch duplicate field ${goQuote(path)}`);
      seen.add(entry.key);
      if (entry.key === 'value') errors.push(...duplicateKeyPaths(entry.value).map((inner) => `json patch duplicate field ${goQuote(inner.startsWith("[") ? `${path}${inner}` : `${path}.${inner}`)}`));
    }
  });
  return errors;
}
