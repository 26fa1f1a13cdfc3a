import type { KubeObject } from '../../resources/types.js';
import { objectReader, type ObjectReader } from '../object-reader.js';
import type { ApiServer } from '../../server/api-server.js';
import { AuthenticationError, type AuthenticatedUser, type TokenAuthenticator } from '../types.js';
import { timingSafeEqual } from 'node:crypto';
import { LEGACY_ISSUER, TokenError, type LegacyClaims, type ServiceAccountTokens } from './token-issuer.js';

export interface ServiceAccountObjects {
  readonly serviceAccounts: ObjectReader;
  readonly pods: ObjectReader;
  readonly secrets: ObjectReader;
  readonly nodes: ObjectReader;
}

/** The readers over an API server's caches. */
export function serviceAccountObjects(server: ApiServer): ServiceAccountObjects {
  return {
    serviceAccounts: objectReader(server, '', 'serviceaccounts'),
    pods: objectReader(server, '', 'pods'),
    secrets: objectReader(server, '', 'secrets'),
    nodes: objectReader(server, '', 'nodes'),
  };
}

const LEEWAY_MS = 60_000;

/** Deleted (deletionTimestamp) longer ago than the leeway: tokens bound to it are over. */
function deletedBefore(object: KubeObject, now: Date): boolean {
  const deleted = object.metadata.deletionTimestamp;
  return deleted !== undefined && Date.parse(deleted) < now.getTime() - LEEWAY_MS;
}

/**
 * Authenticates service-account JWTs as upstream's service-account token
 * authenticator with its validator (pkg/serviceaccount/jwt.go, claims.go):
 * a token of another issuer is not ours; ours must be signed by an
 * accepted key, within its times, meant for one of the API's audiences,
 * and its account (same uid, not deleted) and bound object (same uid) must
 * still exist. The user is system:serviceaccount:NS:NAME in
 * system:serviceaccounts and system:serviceaccounts:NS, with the pod, node
 * and credential id as extra.
 */
export function serviceAccountTokenAuthenticator(tokens: ServiceAccountTokens, objects: ServiceAccountObjects, now: () => Date = () => new Date()): TokenAuthenticator {
  return async (token, { audiences }) => {
    const issuer = tokens.issuerOf(token);
    if (issuer === undefined) return undefined;
    const time = now();
    if (issuer === LEGACY_ISSUER) return legacyUser(tokens, objects, token, time);
    let claims;
    try {
      claims = await tokens.verify(token, time);
    } catch (error) {
      throw new AuthenticationError(error instanceof TokenError ? error.message : String(error));
    }
    const tokenAudiences = typeof claims.aud === 'string' ? [claims.aud] : (claims.aud ?? []);
    const accepted = audiences.length === 0 ? tokenAudiences : tokenAudiences.filter((audience) => audiences.includes(audience));
    if (accepted.length === 0) throw new AuthenticationError(`token audiences ${JSON.stringify(tokenAudiences)} is invalid for the target audiences ${JSON.stringify(audiences)}`);
    const kubernetes = claims['kubernetes.io'];
    if (kubernetes === undefined || typeof kubernetes.namespace !== 'string' || typeof kubernetes.serviceaccount?.name !== 'string') {
      throw new AuthenticationError('service account token claims could not be validated due to unexpected private claim');
    }
    const { namespace, serviceaccount, pod, secret, node } = kubernetes;
    const account = await objects.serviceAccounts(namespace, serviceaccount.name);
    if (account === undefined) throw new AuthenticationError(`serviceaccounts "${serviceaccount.name}" not found`);
    if (deletedBefore(account, time)) throw new AuthenticationError(`service account ${namespace}/${serviceaccount.name} has been deleted`);
    if (account.metadata.uid !== serviceaccount.uid) throw new AuthenticationError(`service account UID (${account.metadata.uid ?? ''}) does not match claim (${serviceaccount.uid})`);
    for (const [kind, reference, read] of [
      ['secret', secret, (name: string) => objects.secrets(namespace, name)],
      ['pod', pod, (name: string) => objects.pods(namespace, name)],
      ['node', node, (name: string) => objects.nodes('', name)],
    ] as const) {
      if (reference === undefined) continue;
      // A node named by a pod-bound token is information, not a binding (upstream checks it only for node-bound tokens).
      if (kind === 'node' && pod !== undefined) continue;
      const bound = await read(reference.name);
      if (bound === undefined || deletedBefore(bound, time)) throw new AuthenticationError('service account token has been invalidated');
      if (bound.metadata.uid !== reference.uid) throw new AuthenticationError(`${kind} UID (${bound.metadata.uid ?? ''}) does not match service account ${kind} ref claim (${reference.uid})`);
    }
    const extra: Record<string, string[]> = {};
    if (pod !== undefined) {
      extra['authentication.kubernetes.io/pod-name'] = [pod.name];
      extra['authentication.kubernetes.io/pod-uid'] = [pod.uid];
    }
    if (node !== undefined) {
      extra['authentication.kubernetes.io/node-name'] = [node.name];
      extra['authentication.kubernetes.io/node-uid'] = [node.uid];
    }
    if (typeof claims.jti === 'string') extra['authentication.kubernetes.io/credential-id'] = [`JTI=${claims.jti}`];
    return {
      user: {
        name: `system:serviceaccount:${namespace}:${serviceaccount.name}`,
        uid: serviceaccount.uid,
        groups: ['system:serviceaccounts', `system:serviceaccounts:${namespace}`],
        ...(Object.keys(extra).length > 0 && { extra }),
      },
      audiences: accepted,
    };
  };
}

const INVALID_SINCE = 'kubernetes.io/legacy-token-invalid-since';

/**
 * A legacy token (a Secret of type kubernetes.io/service-account-token):
 * valid while its Secret holds exactly this token and is not being deleted
 * or marked invalid, and its account exists with the same uid (upstream's
 * legacyValidator). It names no audience and never expires.
 */
async function legacyUser(tokens: ServiceAccountTokens, objects: ServiceAccountObjects, token: string, time: Date): Promise<AuthenticatedUser> {
  let claims: Partial<LegacyClaims>;
  try {
    claims = (await tokens.verify(token, time, LEGACY_ISSUER)) as Partial<LegacyClaims>;
  } catch (error) {
    throw new AuthenticationError(error instanceof TokenError ? error.message : String(error));
  }
  const namespace = claims['kubernetes.io/serviceaccount/namespace'] ?? '';
  const secretName = claims['kubernetes.io/serviceaccount/secret.name'] ?? '';
  const accountName = claims['kubernetes.io/serviceaccount/service-account.name'] ?? '';
  const accountUid = claims['kubernetes.io/serviceaccount/service-account.uid'] ?? '';
  const secret = await objects.secrets(namespace, secretName);
  if (secret === undefined || secret.metadata.deletionTimestamp !== undefined) throw new AuthenticationError('token has been invalidated');
  const stored = Buffer.from(String((secret['data'] as Record<string, string> | undefined)?.['token'] ?? ''), 'base64');
  const presented = Buffer.from(token);
  if (stored.length !== presented.length || !timingSafeEqual(stored, presented)) throw new AuthenticationError('token does not match server\'s copy');
  if (secret.metadata.labels?.[INVALID_SINCE] !== undefined) throw new AuthenticationError('token has been invalidated');
  const account = await objects.serviceAccounts(namespace, accountName);
  if (account === undefined || account.metadata.deletionTimestamp !== undefined) throw new AuthenticationError(`service account ${namespace}/${accountName} has been deleted`);
  if (account.metadata.uid !== accountUid) throw new AuthenticationError(`service account UID (${account.metadata.uid ?? ''}) does not match claim (${accountUid})`);
  return { user: { name: `system:serviceaccount:${namespace}:${accountName}`, uid: accountUid, groups: ['system:serviceaccounts', `system:serviceaccounts:${namespace}`] } };
}
