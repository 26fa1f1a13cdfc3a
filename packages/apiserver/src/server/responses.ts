import type { ServerResponse } from 'node:http';
import type { Http2ServerResponse } from 'node:http2';
import { stringify } from 'yaml';
import { ApiError, internalError, type Status } from '../errors/status.js';
import type { Negotiated } from '../request/negotiation.js';

export type OutgoingResponse = ServerResponse | Http2ServerResponse;

export interface ResponseExtras {
  readonly warnings?: readonly string[];
  readonly headers?: Readonly<Record<string, string>>;
}

/** Formats one `Warning` header value as upstream does: `299 - "text"`. */
export function warningHeader(text: string): string {
  return `299 - ${JSON.stringify(text)}`;
}

function setCommonHeaders(response: OutgoingResponse, extras: ResponseExtras | undefined): void {
  response.setHeader('Cache-Control', 'no-cache, private');
  if (extras?.warnings !== undefined && extras.warnings.length > 0) {
    response.setHeader('Warning', extras.warnings.map(warningHeader));
  }
  for (const [name, value] of Object.entries(extras?.headers ?? {})) response.setHeader(name, value);
}

export function serialize(value: unknown, format: 'json' | 'yaml'): string {
  return format === 'yaml' ? stringify(value, { aliasDuplicateObjects: false, lineWidth: 0 }) : `${JSON.stringify(value)}\n`;
}

export function sendObject(
  response: OutgoingResponse,
  code: number,
  value: unknown,
  negotiated: Pick<Negotiated, 'format' | 'contentType'>,
  extras?: ResponseExtras,
): void {
  if (response.headersSent) return;
  const body = serialize(value, negotiated.format);
  setCommonHeaders(response, extras);
  response.setHeader('Content-Type', negotiated.contentType);
  response.setHeader('Content-Length', Buffer.byteLength(body));
  response.statusCode = code;
  response.end(body);
}

export function sendStatus(response: OutgoingResponse, status: Status, format: 'json' | 'yaml' = 'json'): void {
  sendObject(response, status.code, status, { format, contentType: format === 'yaml' ? 'application/yaml' : 'application/json' });
}

/** Turns any failure into its Status response; unexpected errors become 500 InternalError. */
export function sendError(response: OutgoingResponse, error: unknown, format: 'json' | 'yaml' = 'json'): Status {
  const apiError = error instanceof ApiError ? error : internalError(error);
  const status = apiError.status;
  if (status.code === 429 || status.code === 503 || status.code === 504) {
    const retry = status.details?.retryAfterSeconds;
    if (retry !== undefined && !response.headersSent) response.setHeader('Retry-After', String(retry));
  }
  sendStatus(response, status, format);
  return status;
}

export function sendText(response: OutgoingResponse, code: number, text: string, extras?: ResponseExtras): void {
  if (response.headersSent) return;
  setCommonHeaders(response, extras);
  response.setHeader('Content-Type', 'text/plain; charset=utf-8');
  response.setHeader('X-Content-Type-Options', 'nosniff');
  response.setHeader('Content-Length', Buffer.byteLength(text));
  response.statusCode = code;
  response.end(text);
}
