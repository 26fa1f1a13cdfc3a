import type { IncomingMessage } from 'node:http';
import type { Http2ServerRequest } from 'node:http2';
import { parseAllDocuments } from 'yaml';
import { badRequest, requestEntityTooLarge, unsupportedMediaType } from '../errors/status.js';

/** Upstream's limit on a request body (kube-apiserver's maxRequestBodyBytes). */
export const MAX_BODY_BYTES = 3 * 1024 * 1024;

export type IncomingRequest = IncomingMessage | Http2ServerRequest;

/** Reads the whole body, refusing (413) as soon as it passes the limit rather than buffering it all. */
export async function readBody(request: IncomingRequest, limit = MAX_BODY_BYTES): Promise<Buffer> {
  const declared = Number(request.headers['content-length'] ?? Number.NaN);
  if (Number.isFinite(declared) && declared > limit) {
    request.resume();
    throw requestEntityTooLarge(limit);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) {
      request.resume();
      throw requestEntityTooLarge(limit);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, size);
}

export type BodyFormat = 'json' | 'yaml';
export type PatchType = 'json' | 'merge' | 'strategic' | 'apply';

/** The media type of a request body, without parameters. */
export function mediaType(header: string | undefined): string {
  return (header ?? '').split(';')[0]!.trim().toLowerCase();
}

export function bodyFormat(contentType: string | undefined): BodyFormat {
  const type = mediaType(contentType);
  if (type === '' || type === 'application/json' || type === '*/*') return 'json';
  if (type === 'application/yaml' || type === 'application/x-yaml' || type === 'text/yaml') return 'yaml';
  throw unsupportedMediaType(type);
}

export function patchType(contentType: string | undefined): PatchType {
  switch (mediaType(contentType)) {
    case 'application/json-patch+json':
      return 'json';
    case 'application/merge-patch+json':
      return 'merge';
    case 'application/strategic-merge-patch+json':
      return 'strategic';
    case 'application/apply-patch+yaml':
    case 'application/apply-patch+cbor':
      return 'apply';
    default:
      throw unsupportedMediaType(mediaType(contentType));
  }
}

/**
 * Parses a body as JSON or YAML into a plain value. Malformed input is a
 * 400 whose message says where it broke, as upstream's decoder does.
 */
export function parseBody(body: Buffer, format: BodyFormat): unknown {
  const text = body.toString('utf8');
  if (text.trim() === '') throw badRequest('the body of the request was empty');
  if (format === 'json') {
    try {
      return JSON.parse(text);
    } catch (error) {
      throw badRequest(`error decoding JSON: ${(error as Error).message}`);
    }
  }
  const documents = parseAllDocuments(text, { uniqueKeys: false });
  const list = Array.isArray(documents) ? documents : [documents];
  const nonEmpty = list.filter((document) => document.contents !== null);
  if (nonEmpty.length !== 1) throw badRequest(`error decoding YAML: expected exactly one document, found ${nonEmpty.length}`);
  const document = nonEmpty[0]!;
  if (document.errors.length > 0) throw badRequest(`error converting YAML to JSON: ${document.errors[0]!.message}`);
  return document.toJS({ maxAliasCount: 100 });
}
