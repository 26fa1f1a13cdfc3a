/**
 * The vocabulary of authentication and authorization, as upstream's
 * k8s.io/apiserver/pkg/authentication/user and pkg/authorization/authorizer
 * define it. Every authenticator produces a UserInfo; every authorizer
 * answers for a set of Attributes.
 */
import type { X509Certificate } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

/** Who made a request. */
export interface UserInfo {
  readonly name: string;
  readonly uid?: string;
  readonly groups: readonly string[];
  /** Extra attributes (a service account token's pod name, credential id…). */
  readonly extra?: Readonly<Record<string, readonly string[]>>;
}

export const SYSTEM_MASTERS = 'system:masters';
export const ALL_AUTHENTICATED = 'system:authenticated';
export const ALL_UNAUTHENTICATED = 'system:unauthenticated';
export const ANONYMOUS_USER = 'system:anonymous';

/** Who a request is when nothing authenticated it (an ApiServer without access control). */
export const UNAUTHENTICATED: UserInfo = { name: ANONYMOUS_USER, groups: [ALL_UNAUTHENTICATED] };

/** What an authenticator sees of a request. */
export interface AuthenticationRequest {
  readonly headers: IncomingHttpHeaders;
  /**
   * The client certificate chain presented on the TLS connection, leaf first
   * (empty when none was presented or the connection is not TLS).
   */
  readonly peerCertificates: readonly X509Certificate[];
}

/**
 * An authenticator: a user when it recognises the request's credentials,
 * undefined when the request carries none of its kind, and a thrown
 * AuthenticationError when it carries credentials of its kind that are
 * invalid (expired, badly signed, unknown). Errors end in 401 unless another
 * authenticator recognises the request.
 */
export type Authenticator = (request: AuthenticationRequest) => Promise<AuthenticatedUser | undefined> | AuthenticatedUser | undefined;

/**
 * A bearer-token authenticator: the same contract for the token of an
 * `Authorization: Bearer` header. `audiences` are those the API server
 * accepts (its service-account issuer by default).
 */
export type TokenAuthenticator = (token: string, context: { readonly audiences: readonly string[] }) => Promise<AuthenticatedUser | undefined> | AuthenticatedUser | undefined;

export interface AuthenticatedUser {
  readonly user: UserInfo;
  /** Audiences the credential was valid for (bound tokens), as upstream's authenticator.Response. */
  readonly audiences?: readonly string[];
}

/** Credentials that were presented and are not valid: the request is refused with 401. */
export class AuthenticationError extends Error {
  override readonly name = 'AuthenticationError';
}

/** What a request asks to do, as authorizer.Attributes. */
export interface AuthorizationAttributes {
  readonly user: UserInfo;
  /** get, list, watch, create, update, patch, delete, deletecollection, or a special verb (bind, escalate, impersonate, approve…); for non-resource requests the lower-case HTTP method. */
  readonly verb: string;
  readonly isResourceRequest: boolean;
  /** Non-resource requests: the URL path. */
  readonly path: string;
  readonly namespace: string;
  readonly apiGroup: string;
  readonly apiVersion: string;
  readonly resource: string;
  readonly subresource: string;
  readonly name: string;
  /** The request's field selector (list and watch), for authorizers that allow only selected objects (the Node authorizer). */
  readonly fieldSelector?: string;
}

export type Decision = 'allow' | 'deny' | 'noOpinion';

export interface AuthorizationResult {
  readonly decision: Decision;
  /** Why; shown after the 403 message when not empty. */
  readonly reason: string;
}

/** A resource rule as SelfSubjectRulesReview reports it. */
export interface ResourceRuleInfo {
  readonly verbs: readonly string[];
  readonly apiGroups: readonly string[];
  readonly resources: readonly string[];
  readonly resourceNames?: readonly string[];
}

export interface NonResourceRuleInfo {
  readonly verbs: readonly string[];
  readonly nonResourceURLs: readonly string[];
}

export interface RulesResult {
  readonly resourceRules: readonly ResourceRuleInfo[];
  readonly nonResourceRules: readonly NonResourceRuleInfo[];
  /** True when the rules may not be all the user has (another authorizer cannot list its rules). */
  readonly incomplete: boolean;
  readonly evaluationError?: string;
}

/**
 * An authorizer: allow, deny, or no opinion (the next authorizer decides;
 * when none allows, the request is refused with 403). `rulesFor` lists what
 * a user may do in a namespace, for SelfSubjectRulesReview (`kubectl auth
 * can-i --list`); authorizers that cannot list their rules leave it out.
 */
export interface Authorizer {
  authorize(attributes: AuthorizationAttributes): Promise<AuthorizationResult> | AuthorizationResult;
  rulesFor?(user: UserInfo, namespace: string): Promise<RulesResult> | RulesResult;
}
