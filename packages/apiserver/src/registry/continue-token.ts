import { badRequest } from '../errors/status.js';

/**
 * The `continue` token of a paged list, in upstream's format: base64 of
 * `{"v":"meta.k8s.io/v1","rv":<revision>,"start":"<key after the prefix>"}`.
 * Clients treat it as opaque; keeping upstream's shape costs nothing and
 * keeps tokens readable when debugging.
 */
export interface ContinuePosition {
  /** The revision every page of the list is read at. */
  readonly revision: number;
  /** The key, relative to the list's prefix, to start the next page at. */
  readonly start: string;
}

const VERSION = 'meta.k8s.io/v1';

export function encodeContinue(position: ContinuePosition): string {
  return Buffer.from(JSON.stringify({ v: VERSION, rv: position.revision, start: position.start }), 'utf8').toString('base64');
}

export function decodeContinue(token: string): ContinuePosition {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(token, 'base64').toString('utf8'));
  } catch {
    throw invalidToken('could not decode it');
  }
  if (typeof parsed !== 'object' || parsed === null) throw invalidToken('it is not an object');
  const { v, rv, start } = parsed as { v?: unknown; rv?: unknown; start?: unknown };
  if (v !== VERSION) throw invalidToken(`unsupported version ${JSON.stringify(v)}`);
  if (typeof rv !== 'number' || !Number.isSafeInteger(rv) || rv <= 0) throw invalidToken('bad resource version');
  if (typeof start !== 'string' || start.includes('..') || start.startsWith('/')) throw invalidToken('bad start key');
  return { revision: rv, start };
}

function invalidToken(why: string): Error {
  return badRequest(`continue key is not valid: ${why}`);
}
