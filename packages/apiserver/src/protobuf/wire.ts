/**
 * Reading the protobuf wire format: varints, fixed-width numbers and
 * length-delimited fields. Enough for Kubernetes' generated messages, which
 * use proto2 with strings, bytes, int32/int64, bool, double and nested messages.
 */
export const enum WireType {
  Varint = 0,
  Fixed64 = 1,
  LengthDelimited = 2,
  StartGroup = 3,
  EndGroup = 4,
  Fixed32 = 5,
}

export class ProtobufError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProtobufError';
  }
}

export interface Field {
  readonly number: number;
  readonly wireType: WireType;
  /** Varint fields: the value (as bigint, to keep int64 exact). */
  readonly varint?: bigint;
  /** Length-delimited and fixed fields: the raw bytes. */
  readonly bytes?: Uint8Array;
}

export class WireReader {
  private position = 0;

  constructor(private readonly buffer: Uint8Array) {}

  get done(): boolean {
    return this.position >= this.buffer.length;
  }

  private readVarint(): bigint {
    let result = 0n;
    let shift = 0n;
    for (let i = 0; i < 10; i++) {
      if (this.position >= this.buffer.length) throw new ProtobufError('truncated varint');
      const byte = this.buffer[this.position++]!;
      result |= BigInt(byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) return result;
      shift += 7n;
    }
    throw new ProtobufError('varint longer than 10 bytes');
  }

  private take(length: number): Uint8Array {
    if (length < 0 || this.position + length > this.buffer.length) throw new ProtobufError('truncated field');
    const slice = this.buffer.subarray(this.position, this.position + length);
    this.position += length;
    return slice;
  }

  /** The next field, or undefined at the end of the message. */
  next(): Field | undefined {
    if (this.done) return undefined;
    const key = this.readVarint();
    const number = Number(key >> 3n);
    const wireType = Number(key & 7n) as WireType;
    if (number <= 0) throw new ProtobufError(`invalid field number ${number}`);
    switch (wireType) {
      case WireType.Varint:
        return { number, wireType, varint: this.readVarint() };
      case WireType.Fixed64:
        return { number, wireType, bytes: this.take(8) };
      case WireType.Fixed32:
        return { number, wireType, bytes: this.take(4) };
      case WireType.LengthDelimited: {
        const length = this.readVarint();
        if (length > BigInt(this.buffer.length)) throw new ProtobufError('field length beyond the message');
        return { number, wireType, bytes: this.take(Number(length)) };
      }
      default:
        throw new ProtobufError(`unsupported wire type ${wireType} (groups are not used by Kubernetes)`);
    }
  }

  /** All fields, in order. */
  static fields(buffer: Uint8Array): Field[] {
    const reader = new WireReader(buffer);
    const fields: Field[] = [];
    for (let field = reader.next(); field !== undefined; field = reader.next()) fields.push(field);
    return fields;
  }
}

/** Reads packed repeated varints (proto3 style, which decoders must accept for proto2 too). */
export function packedVarints(bytes: Uint8Array): bigint[] {
  const values: bigint[] = [];
  let result = 0n;
  let shift = 0n;
  for (const byte of bytes) {
    result |= BigInt(byte & 0x7f) << shift;
    if ((byte & 0x80) === 0) {
      values.push(result);
      result = 0n;
      shift = 0n;
    } else {
      shift += 7n;
    }
  }
  if (shift !== 0n) throw new ProtobufError('truncated packed varint');
  return values;
}

/** A varint as a signed 64-bit integer (two's complement), returned as a JS number. */
export function toInt64(value: bigint): number {
  return Number(BigInt.asIntN(64, value));
}

export function toInt32(value: bigint): number {
  return Number(BigInt.asIntN(32, value));
}

const decoder = new TextDecoder('utf-8', { fatal: true });

export function toText(bytes: Uint8Array): string {
  try {
    return decoder.decode(bytes);
  } catch {
    throw new ProtobufError('a string field is not valid UTF-8');
  }
}

export function toDouble(bytes: Uint8Array): number {
  return new DataView(bytes.buffer, bytes.byteOffset, 8).getFloat64(0, true);
}
