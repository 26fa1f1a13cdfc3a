import type { IncomingRequest } from '../../request/body.js';
import {
  ALL_AUTHENTICATED,
  ALL_UNAUTHENTICATED,
  ANONYMOUS_USER,
  AuthenticationError,
  type AuthenticatedUser,
  type Authenticator,
  type TokenAuthenticator,
  type UserInfo,
} from '../types.js';
import { peerCertificates } from './peer-certificates.js';

export interface RequestAuthenticatorOptions {
  /** Authenticators of the whole request (the x509 one, a host's own), tried in order. */
  readonly authenticators?: readonly Authenticator[];
  /** Authenticators of `Authorization: Bearer` tokens, tried in order after the request authenticators. */
  readonly tokenAuthenticators?: readonly TokenAuthenticator[];
  /** Audiences tokens must be meant for (the service-account issuer by default). */
  readonly audiences?: readonly string[];
  /**
   * Requests without credentials act as system:anonymous in
   * system:unauthenticated (upstream's default, --anonymous-auth=true);
   * authorization then decides what they reach (by default: health,
   * version). False refuses them with 401.
   */
  readonly anonymous?: boolean;
}

const BEARER = /^Bearer\s+(\S+)\s*$/i;

/**
 * The authentication step of the request flow, as upstream's union
 * authenticator with the authenticated-group adder and the anonymous
 * fallback: the first authenticator that recognises the request wins;
 * credentials presented and recognised by none are a 401 (a bad token is
 * never taken for anonymous); a request with none is anonymous when allowed.
 */
export class RequestAuthenticator {
  private readonly authenticators: readonly Authenticator[];
  private readonly tokenAuthenticators: readonly TokenAuthenticator[];
  private readonly audiences: readonly string[];
  private readonly anonymous: boolean;

  constructor(options: RequestAuthenticatorOptions) {
    this.authenticators = options.authenticators ?? [];
    this.tokenAuthenticators = options.tokenAuthenticators ?? [];
    this.audiences = options.audiences ?? [];
    this.anonymous = options.anonymous ?? true;
  }

  /**
   * The request's user, or the reasons it has none (for the log: the client
   * gets a plain 401, as upstream gives no clue which credential failed).
   */
  async authenticate(request: IncomingRequest): Promise<{ readonly user: UserInfo } | { readonly refused: readonly string[] }> {
    const failures: string[] = [];
    const found = await this.firstRecognised(request, failures);
    if (found !== undefined) return { user: withAuthenticatedGroup(found.user) };
    if (failures.length > 0) return { refused: failures };
    if (!this.anonymous) return { refused: ['the request carries no credentials and anonymous requests are disabled'] };
    return { user: { name: ANONYMOUS_USER, groups: [ALL_UNAUTHENTICATED] } };
  }

  /**
   * A bearer token alone, for TokenReview: the user (in
   * system:authenticated) and the audiences it was valid for, or why not.
   */
  async authenticateToken(token: string, audiences?: readonly string[]): Promise<AuthenticatedUser | { readonly error: string }> {
    const failures: string[] = [];
    const found = await this.firstTokenRecognised(token, audiences ?? this.audiences, failures);
    if (found === undefined) return { error: failures.join(', ') };
    return { ...found, user: withAuthenticatedGroup(found.user) };
  }

  private async firstRecognised(request: IncomingRequest, failures: string[]): Promise<AuthenticatedUser | undefined> {
    if (this.authenticators.length > 0) {
      const subject = { headers: request.headers, peerCertificates: peerCertificates(request) };
      for (const authenticator of this.authenticators) {
        const result = await attempt(() => authenticator(subject), failures);
        if (result !== undefined) return result;
      }
    }
    const header = request.headers.authorization;
    if (header === undefined || header === '') return undefined;
    // Other schemes (Basic…) are no credentials of lk's, as upstream's bearer-token authenticator ignores them.
    const token = BEARER.exec(header)?.[1];
    if (token === undefined) return undefined;
    return this.firstTokenRecognised(token, this.audiences, failures);
  }

  private async firstTokenRecognised(token: string, audiences: readonly string[], failures: string[]): Promise<AuthenticatedUser | undefined> {
    for (const authenticator of this.tokenAuthenticators) {
      const result = await attempt(() => authenticator(token, { audiences }), failures);
      if (result !== undefined) return result;
    }
    if (failures.length === 0) failures.push('invalid bearer token');
    return undefined;
  }
}

/** Runs one authenticator; a refusal is noted in `failures` and is no result. */
async function attempt(
  run: () => Promise<AuthenticatedUser | undefined> | AuthenticatedUser | undefined,
  failures: string[],
): Promise<AuthenticatedUser | undefined> {
  try {
    return await run();
  } catch (error) {
    // Anything but AuthenticationError is a fault of the authenticator, not of the credentials: still a 401 for this request.
    failures.push(error instanceof AuthenticationError ? error.message : `authenticator failed: ${String(error)}`);
    return undefined;
  }
}

/** Every authenticated user is in system:authenticated (upstream's AuthenticatedGroupAdder). */
function withAuthenticatedGroup(user: UserInfo): UserInfo {
  if (user.name === ANONYMOUS_USER || user.groups.includes(ALL_AUTHENTICATED) || user.groups.includes(ALL_UNAUTHENTICATED)) return user;
  return { ...user, groups: [...user.groups, ALL_AUTHENTICATED] };
}
