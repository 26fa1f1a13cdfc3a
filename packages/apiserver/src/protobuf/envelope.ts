import { badRequest } from '../errors/status.js';
import type { JsonObject } from '../resources/types.js';
import type { ProtobufDecoder } from './decode.js';
import { ProtobufError, toText, WireReader } from './wire.js';

/** Every Kubernetes protobuf body starts with these four bytes: "k8s" and a zero. */
export const PROTOBUF_MAGIC = Uint8Array.of(0x6b, 0x38, 0x73, 0x00);

export const PROTOBUF_MEDIA_TYPE = 'application/vnd.kubernetes.protobuf';

export interface DecodedEnvelope {
  readonly apiVersion: string;
  readonly kind: string;
  readonly raw: Uint8Array;
}

/**
 * Unwraps the envelope, a runtime.Unknown message: typeMeta (1) with
 * apiVersion (1) and kind (2), the object's own message in raw (2), and the
 * content encoding (3) and type (4), which Kubernetes leaves empty.
 */
export function readEnvelope(body: Uint8Array): DecodedEnvelope {
  if (body.length < 4 || !PROTOBUF_MAGIC.every((byte, i) => body[i] === byte)) {
    throw new ProtobufError('the body does not start with the Kubernetes protobuf prefix "k8s\\0"');
  }
  let apiVersion = '';
  let kind = '';
  let raw: Uint8Array = new Uint8Array(0);
  for (const field of WireReader.fields(body.subarray(4))) {
    if (field.number === 1 && field.bytes !== undefined) {
      for (const part of WireReader.fields(field.bytes)) {
        if (part.number === 1) apiVersion = toText(part.bytes!);
        else if (part.number === 2) kind = toText(part.bytes!);
      }
    } else if (field.number === 2 && field.bytes !== undefined) {
      raw = field.bytes;
    } else if (field.number === 3 && field.bytes !== undefined && field.bytes.length > 0) {
      throw new ProtobufError(`content encoding ${JSON.stringify(toText(field.bytes))} is not supported`);
    }
  }
  return { apiVersion, kind, raw };
}

/**
 * Decodes a protobuf request body into the JSON object a JSON client would
 * have sent. Failures are 400s that say what was wrong, as upstream's.
 */
export function decodeProtobufBody(body: Uint8Array, expectedDefinition: string, decoder: ProtobufDecoder): JsonObject {
  try {
    const envelope = readEnvelope(body);
    const object = decoder.decode(envelope.raw, expectedDefinition);
    return { apiVersion: envelope.apiVersion, kind: envelope.kind, ...object };
  } catch (error) {
    if (error instanceof ProtobufError) throw badRequest(`error decoding protobuf body: ${error.message}`);
    throw error;
  }
}
