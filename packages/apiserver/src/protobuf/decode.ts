import type { JsonObject, JsonValue } from '../resources/types.js';
import type { Schema, SchemaRegistry } from '../schema/types.js';
import { refName } from '../schema/types.js';
import { packedVarints, ProtobufError, toDouble, toInt32, toInt64, toText, WireReader, WireType, type Field } from './wire.js';

/**
 * Field numbers of Kubernetes' protobuf messages, per definition: JSON field
 * name to field number. A negative number marks a Go value field with
 * `omitempty` (not a pointer): the protobuf encoder always writes it, even
 * at its zero value, while JSON leaves it out, so a zero is dropped to give
 * the same object a JSON client would have sent.
 */
export type FieldNumberTable = Readonly<Record<string, Readonly<Record<string, number>>>>;

const TIME = 'io.k8s.apimachinery.pkg.apis.meta.v1.Time';
const MICRO_TIME = 'io.k8s.apimachinery.pkg.apis.meta.v1.MicroTime';
const QUANTITY = 'io.k8s.apimachinery.pkg.api.resource.Quantity';
const INT_OR_STRING = 'io.k8s.apimachinery.pkg.util.intstr.IntOrString';
const RAW_EXTENSION = 'io.k8s.apimachinery.pkg.runtime.RawExtension';
const FIELDS_V1 = 'io.k8s.apimachinery.pkg.apis.meta.v1.FieldsV1';
const JSON_TYPES = new Set([
  'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSON',
  'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSONSchemaPropsOrArray',
  'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSONSchemaPropsOrBool',
  'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSONSchemaPropsOrStringArray',
]);
const DURATION = 'io.k8s.apimachinery.pkg.apis.meta.v1.Duration';

/**
 * Turns a Kubernetes protobuf message into the JSON object it stands for,
 * guided by the type's schema (which says each field's JSON type) and the
 * field number table (which says each field's number).
 */
export class ProtobufDecoder {
  private readonly inverse = new Map<string, Map<number, { name: string; dropZero: boolean; inline?: string }>>();

  constructor(
    private readonly registry: SchemaRegistry,
    private readonly numbers: FieldNumberTable,
  ) {}

  /** Whether objects of this definition can be decoded (its field numbers are known). */
  supports(definitionName: string): boolean {
    return this.numbers[definitionName] !== undefined;
  }

  decode(bytes: Uint8Array, definitionName: string): JsonObject {
    return this.message(bytes, definitionName, 0);
  }

  private fieldsOf(definitionName: string): Map<number, { name: string; dropZero: boolean; inline?: string }> {
    let map = this.inverse.get(definitionName);
    if (map === undefined) {
      const table = this.numbers[definitionName];
      if (table === undefined) throw new ProtobufError(`no protobuf field numbers are known for ${definitionName}`);
      map = new Map(
        Object.entries(table).map(([name, number]) => [
          Math.abs(number),
          name.startsWith('$inline:') ? { name, dropZero: false, inline: name.slice('$inline:'.length) } : { name, dropZero: number < 0 },
        ]),
      );
      this.inverse.set(definitionName, map);
    }
    return map;
  }

  private message(bytes: Uint8Array, definitionName: string, depth: number): JsonObject {
    const schema = this.registry.get(definitionName);
    if (schema === undefined) throw new ProtobufError(`unknown type ${definitionName}`);
    const result: JsonObject = {};
    this.fill(result, bytes, definitionName, schema, depth);
    return result;
  }

  /**
   * Decodes a message's fields into `result`. `numbersOf` names the table to
   * read numbers from; `schema` is the JSON shape they land in (the same,
   * except for inlined types whose fields sit in their parent's JSON).
   */
  private fill(result: JsonObject, bytes: Uint8Array, numbersOf: string, schema: Schema, depth: number): void {
    if (depth > 64) throw new ProtobufError('message nesting too deep');
    const fields = this.fieldsOf(numbersOf);
    for (const field of WireReader.fields(bytes)) {
      const described = fields.get(field.number);
      // Unknown fields are skipped, as protobuf readers do (a newer client's fields).
      if (described === undefined) continue;
      if (described.inline !== undefined) {
        this.fill(result, expectBytes(field), described.inline, schema, depth + 1);
        continue;
      }
      const propertySchema = schema.properties?.[described.name];
      if (propertySchema === undefined) continue;
      this.assign(result, described.name, field, propertySchema, depth);
    }
    for (const [, described] of fields) {
      if (described.dropZero && isZero(result[described.name])) delete result[described.name];
    }
  }

  private assign(target: JsonObject, name: string, field: Field, propertySchema: Schema, depth: number): void {
    const resolved = this.registry.resolve(propertySchema);
    if (resolved.type === 'array' && resolved.items !== undefined) {
      const list = (target[name] as JsonValue[] | undefined) ?? [];
      target[name] = list;
      const itemSchema = resolved.items;
      const itemResolved = this.registry.resolve(itemSchema);
      if (field.wireType === WireType.LengthDelimited && (itemResolved.type === 'integer' || itemResolved.type === 'boolean') && itemSchema.$ref === undefined) {
        for (const value of packedVarints(field.bytes!)) list.push(itemResolved.type === 'boolean' ? value !== 0n : toInt(value, itemResolved.format));
        return;
      }
      list.push(this.value(field, itemSchema, depth));
      return;
    }
    if (resolved.type === 'object' && resolved.properties === undefined && typeof resolved.additionalProperties === 'object' && propertySchema.$ref === undefined) {
      // A map: each entry is a message with the key in field 1 and the value in field 2.
      const map = (target[name] as JsonObject | undefined) ?? {};
      target[name] = map;
      let key = '';
      let value: JsonValue = defaultOf(this.registry.resolve(resolved.additionalProperties));
      for (const entry of WireReader.fields(field.bytes!)) {
        if (entry.number === 1) key = toText(entry.bytes!);
        else if (entry.number === 2) value = this.mapValue(entry, resolved.additionalProperties, depth);
      }
      map[key] = value;
      return;
    }
    target[name] = this.value(field, propertySchema, depth);
  }

  /**
   * A map's value. A list of strings as a map value (UserInfo.extra, a
   * CSR's spec.extra) travels as a message of its own (ExtraValue) whose
   * field 1 repeats, since protobuf maps cannot hold repeated values.
   */
  private mapValue(field: Field, schema: Schema, depth: number): JsonValue {
    const resolved = this.registry.resolve(schema);
    if (resolved.type === 'array' && schema.$ref === undefined) {
      return [...WireReader.fields(expectBytes(field))].filter((part) => part.number === 1).map((part) => toText(part.bytes!));
    }
    return this.value(field, schema, depth);
  }

  private value(field: Field, schema: Schema, depth: number): JsonValue {
    if (schema.$ref !== undefined) {
      const name = refName(schema.$ref);
      const special = this.special(field, name);
      if (special !== undefined) return special;
      const target = this.registry.resolve(schema);
      if (target.type !== 'object' || target.properties === undefined) return this.value(field, target, depth);
      return this.message(expectBytes(field), name, depth + 1);
    }
    switch (schema.type) {
      case 'string':
        if (schema.format === 'byte') return Buffer.from(expectBytes(field)).toString('base64');
        if (schema['x-kubernetes-int-or-string'] === true) return this.intOrString(expectBytes(field));
        return toText(expectBytes(field));
      case 'integer':
        return toInt(expectVarint(field), schema.format);
      case 'boolean':
        return expectVarint(field) !== 0n;
      case 'number':
        if (field.wireType === WireType.Fixed64) return toDouble(field.bytes!);
        return Number(expectVarint(field));
      case 'object':
        if (schema['x-kubernetes-preserve-unknown-fields'] === true || schema.properties === undefined) return rawJson(expectBytes(field));
        throw new ProtobufError('inline object schemas are not used by built-in types');
      default:
        if (schema['x-kubernetes-int-or-string'] === true) return this.intOrString(expectBytes(field));
        return rawJson(expectBytes(field));
    }
  }

  /** Types whose protobuf form differs from their JSON form. */
  private special(field: Field, name: string): JsonValue | undefined {
    switch (name) {
      case TIME:
      case MICRO_TIME: {
        const bytes = expectBytes(field);
        // Go's zero time marshals to no bytes at all, and to null in JSON.
        if (bytes.length === 0) return null;
        let seconds = 0;
        let nanos = 0;
        for (const part of WireReader.fields(bytes)) {
          if (part.number === 1) seconds = toInt64(part.varint ?? 0n);
          else if (part.number === 2) nanos = toInt32(part.varint ?? 0n);
        }
        const date = new Date(seconds * 1000 + Math.floor(nanos / 1e6));
        if (name === TIME) return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
        const micros = String(Math.floor(nanos / 1000)).padStart(6, '0');
        return date.toISOString().replace(/\.\d{3}Z$/, `.${micros}Z`);
      }
      case QUANTITY: {
        for (const part of WireReader.fields(expectBytes(field))) if (part.number === 1) return toText(part.bytes!);
        return '0';
      }
      case INT_OR_STRING:
        return this.intOrString(expectBytes(field));
      // FieldsV1 (managedFields) holds its JSON in field 1, as RawExtension does.
      case FIELDS_V1:
      case RAW_EXTENSION: {
        for (const part of WireReader.fields(expectBytes(field))) if (part.number === 1) return rawJson(part.bytes!);
        return null;
      }
      case DURATION: {
        for (const part of WireReader.fields(expectBytes(field))) if (part.number === 1) return goDuration(toInt64(part.varint ?? 0n));
        return '0s';
      }
      default:
        if (JSON_TYPES.has(name)) {
          for (const part of WireReader.fields(expectBytes(field))) if (part.number === 1) return rawJson(part.bytes!);
          return null;
        }
        return undefined;
    }
  }

  private intOrString(bytes: Uint8Array): JsonValue {
    let type = 0;
    let intVal = 0;
    let strVal = '';
    for (const part of WireReader.fields(bytes)) {
      if (part.number === 1) type = toInt64(part.varint ?? 0n);
      else if (part.number === 2) intVal = toInt32(part.varint ?? 0n);
      else if (part.number === 3) strVal = toText(part.bytes!);
    }
    return type === 1 ? strVal : intVal;
  }
}

function expectBytes(field: Field): Uint8Array {
  if (field.bytes === undefined || field.wireType !== WireType.LengthDelimited) {
    throw new ProtobufError(`field ${field.number} should be length-delimited, has wire type ${field.wireType}`);
  }
  return field.bytes;
}

function expectVarint(field: Field): bigint {
  if (field.varint === undefined) throw new ProtobufError(`field ${field.number} should be a varint, has wire type ${field.wireType}`);
  return field.varint;
}

function toInt(value: bigint, format: string | undefined): number {
  return format === 'int32' ? toInt32(value) : toInt64(value);
}

function rawJson(bytes: Uint8Array): JsonValue {
  if (bytes.length === 0) return null;
  try {
    return JSON.parse(toText(bytes)) as JsonValue;
  } catch {
    throw new ProtobufError('an embedded JSON value is not valid JSON');
  }
}

function defaultOf(schema: Schema): JsonValue {
  switch (schema.type) {
    case 'string':
      return '';
    case 'integer':
    case 'number':
      return 0;
    case 'boolean':
      return false;
    default:
      return null;
  }
}

function isZero(value: JsonValue | undefined): boolean {
  return value === undefined || value === '' || value === 0 || value === false || value === null;
}

/** Formats nanoseconds as Go's time.Duration.String(): `1h2m3.5s`, `150ms`, `0s`. */
export function goDuration(nanoseconds: number): string {
  if (nanoseconds === 0) return '0s';
  const sign = nanoseconds < 0 ? '-' : '';
  let rest = Math.abs(nanoseconds);
  if (rest < 1e3) return `${sign}${rest}ns`;
  if (rest < 1e6) return `${sign}${trim(rest / 1e3)}µs`;
  if (rest < 1e9) return `${sign}${trim(rest / 1e6)}ms`;
  const hours = Math.floor(rest / 3.6e12);
  rest -= hours * 3.6e12;
  const minutes = Math.floor(rest / 6e10);
  rest -= minutes * 6e10;
  const seconds = trim(rest / 1e9);
  return `${sign}${hours > 0 ? `${hours}h` : ''}${hours > 0 || minutes > 0 ? `${minutes}m` : ''}${seconds}s`;
}

function trim(value: number): string {
  return Number(value.toFixed(9)).toString();
}
