/**
 * Service-account tokens: TokenRequest issues them, the API accepts them
 * while the account (and the object a token is bound to) lives, and anyone
 * can verify them through the OpenID discovery documents.
 */
import { createLocalJWKSet, decodeJwt, jwtVerify } from 'jose';
import { describe, expect, it } from 'vitest';
import { AuthenticationError } from '../../src/auth/types.js';
import { serviceAccountTokenAuthenticator } from '../../src/auth/serviceaccount/token-authenticator.js';
import { DEFAULT_ISSUER, ServiceAccountTokens } from '../../src/auth/serviceaccount/token-issuer.js';
import type { KubeObject } from '../../src/resources/types.js';
import { ADMIN_HEADERS, eventually, useTestApiServer } from '../support/api-server.js';

const server = useTestApiServer(undefined, { authorization: { mode: 'RBAC' } });

const token = (name: string, spec: object = {}, query = '') =>
  server().api('POST', `/api/v1/namespaces/default/serviceaccounts/${name}/token${query}`, { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec });
const whoami = (bearer: string) =>
  server().api('POST', '/apis/authentication.k8s.io/v1/selfsubjectreviews', { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' }, { authorization: `Bearer ${bearer}` });

describe('TokenRequest', () => {
  it('issues a token with upstream’s claims that the API accepts and JWKS verifies', async () => {
    const account = await server().api('POST', '/api/v1/namespaces/default/serviceaccounts', { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'robot' } });
    expect(account.status).toBe(201);
    const issued = await token('robot', { expirationSeconds: 1200 });
    expect(issued.status).toBe(201);
    expect(issued.body).toMatchObject({ kind: 'TokenRequest', apiVersion: 'authentication.k8s.io/v1', spec: { audiences: [DEFAULT_ISSUER], expirationSeconds: 1200 } });
    const jwt = issued.body.status.token as string;
    const claims = decodeJwt(jwt);
    expect(claims).toMatchObject({
      iss: DEFAULT_ISSUER,
      sub: 'system:serviceaccount:default:robot',
      aud: [DEFAULT_ISSUER],
      'kubernetes.io': { namespace: 'default', serviceaccount: { name: 'robot', uid: account.body.metadata.uid } },
    });
    expect(claims.exp! - claims.iat!).toBe(1200);
    expect(Date.parse(issued.body.status.expirationTimestamp) / 1000).toBeCloseTo(claims.exp!, -1);
    expect(typeof claims.jti).toBe('string');

    const who = await whoami(jwt);
    expect(who.status).toBe(201);
    expect(who.body.status.userInfo).toEqual({
      username: 'system:serviceaccount:default:robot',
      uid: account.body.metadata.uid,
      groups: ['system:serviceaccounts', 'system:serviceaccounts:default', 'system:authenticated'],
      extra: { 'authentication.kubernetes.io/credential-id': [`JTI=${claims.jti}`] },
    });

    // Issuer discovery, readable by service accounts (system:service-account-issuer-discovery).
    const configuration = await server().api('GET', '/.well-known/openid-configuration', undefined, { authorization: `Bearer ${jwt}` });
    expect(configuration.status).toBe(200);
    expect(configuration.body).toEqual({
      issuer: DEFAULT_ISSUER,
      jwks_uri: `https://${new URL(server().url).host}/openid/v1/jwks`,
      response_types_supported: ['id_token'],
      subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: ['ES256'],
    });
    const jwks = await server().api('GET', '/openid/v1/jwks', undefined, { authorization: `Bearer ${jwt}` });
    expect(jwks.headers.get('content-type')).toBe('application/jwk-set+json');
    const verified = await jwtVerify(jwt, createLocalJWKSet(jwks.body), { issuer: DEFAULT_ISSUER, audience: DEFAULT_ISSUER });
    expect(verified.payload.sub).toBe('system:serviceaccount:default:robot');
    expect((await server().api('GET', '/openid/v1/jwks', undefined, { authorization: '' })).status).toBe(403);
  });

  it('refuses bad requests as upstream does', async () => {
    const short = await token('robot', { expirationSeconds: 599 });
    expect(short.status).toBe(422);
    expect(short.body.message).toBe('TokenRequest.authentication.k8s.io "" is invalid: spec.expirationSeconds: Invalid value: 599: may not specify a duration less than 10 minutes');
    const missing = await token('nobody');
    expect(missing.status).toBe(404);
    expect(missing.body.message).toBe('serviceaccounts "nobody" not found');
    const kind = await token('robot', { boundObjectRef: { kind: 'Deployment', apiVersion: 'apps/v1', name: 'x' } });
    expect(kind.status).toBe(400);
    expect(kind.body.message).toBe('cannot bind token to object of type apps/v1, Kind=Deployment');
    const dry = await token('robot', {}, '?dryRun=All');
    expect(dry.status).toBe(201);
    expect(dry.body.status.token).toBe('');
  });

  it('binds a token to a pod: it works while the pod lives, and refuses a pod of another account or uid', async () => {
    const pod = await server().api('POST', '/api/v1/namespaces/default/pods', {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'worker' },
      spec: { serviceAccountName: 'robot', containers: [{ name: 'c', image: 'x' }] },
    });
    expect(pod.status).toBe(201);
    const wrongUid = await token('robot', { boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'worker', uid: 'not-the-uid' } });
    expect(wrongUid.status).toBe(409);
    expect(wrongUid.body.message).toContain('the UID in the bound object reference (not-the-uid) does not match the UID in record');
    await server().api('POST', '/api/v1/namespaces/default/serviceaccounts', { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'other' } });
    const otherAccount = await token('other', { boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'worker' } });
    expect(otherAccount.status).toBe(400);
    expect(otherAccount.body.message).toBe('cannot bind token for serviceaccount "other" to pod running with different serviceaccount name.');

    const bound = await token('robot', { boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'worker' } });
    expect(bound.status).toBe(201);
    const jwt = bound.body.status.token as string;
    expect(decodeJwt(jwt)['kubernetes.io']).toMatchObject({ pod: { name: 'worker', uid: pod.body.metadata.uid } });
    const who = await whoami(jwt);
    expect(who.body.status.userInfo.extra).toMatchObject({ 'authentication.kubernetes.io/pod-name': ['worker'], 'authentication.kubernetes.io/pod-uid': [pod.body.metadata.uid] });

    await server().api('DELETE', '/api/v1/namespaces/default/pods/worker?gracePeriodSeconds=0');
    expect((await eventually(() => whoami(jwt), (response) => response.status === 401)).status).toBe(401);
  });

  it('stops accepting tokens when the account is deleted, even if it comes back, and refuses tampered ones', async () => {
    await server().api('POST', '/api/v1/namespaces/default/serviceaccounts', { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'short-lived' } });
    const jwt = (await token('short-lived')).body.status.token as string;
    expect((await whoami(jwt)).status).toBe(201);
    const [header, payload, signature] = jwt.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as { sub: string };
    const forged = `${header}.${Buffer.from(JSON.stringify({ ...claims, sub: 'system:serviceaccount:kube-system:admin' })).toString('base64url')}.${signature}`;
    expect((await whoami(forged)).status).toBe(401);
    const flipped = `${header}.${payload}.${signature.slice(0, -2)}${signature.endsWith('AA') ? 'BB' : 'AA'}`;
    expect((await whoami(flipped)).status).toBe(401);

    await server().api('DELETE', '/api/v1/namespaces/default/serviceaccounts/short-lived');
    expect((await eventually(() => whoami(jwt), (response) => response.status === 401)).status).toBe(401);
    await server().api('POST', '/api/v1/namespaces/default/serviceaccounts', { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'short-lived' } }, ADMIN_HEADERS);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect((await whoami(jwt)).status).toBe(401);
  });
});

describe('the service-account token authenticator', () => {
  const account: KubeObject = { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'app', namespace: 'ns', uid: 'uid-1' } };
  const objects = {
    serviceAccounts: async (namespace: string, name: string) => (namespace === 'ns' && name === 'app' ? account : undefined),
    pods: async () => undefined,
    secrets: async () => undefined,
    nodes: async () => undefined,
  };
  const tokens = ServiceAccountTokens.ephemeral();
  const issuedAt = new Date('2026-01-01T00:00:00Z');
  const issue = (audiences: string[] = [DEFAULT_ISSUER]) =>
    tokens.issue({ claim: { namespace: 'ns', serviceaccount: { name: 'app', uid: 'uid-1' } }, audiences, expirationSeconds: 3600, now: issuedAt });

  it('accepts a token within its lifetime (with a minute of leeway) and refuses it after', async () => {
    const jwt = await issue();
    const at = (date: Date) => serviceAccountTokenAuthenticator(tokens, objects, () => date)(jwt, { audiences: [DEFAULT_ISSUER] });
    expect((await at(new Date('2026-01-01T00:30:00Z')))?.user.name).toBe('system:serviceaccount:ns:app');
    expect((await at(new Date('2026-01-01T01:00:30Z')))?.user.name).toBe('system:serviceaccount:ns:app');
    await expect(at(new Date('2026-01-01T01:02:00Z'))).rejects.toThrow(new AuthenticationError('service account token has expired'));
    await expect(at(new Date('2025-12-31T23:58:00Z'))).rejects.toThrow('service account token is not valid yet');
  });

  it('refuses tokens for other audiences, and leaves tokens of other issuers to other authenticators', async () => {
    const jwt = await issue(['vault']);
    const authenticate = serviceAccountTokenAuthenticator(tokens, objects, () => issuedAt);
    await expect(authenticate(jwt, { audiences: [DEFAULT_ISSUER] })).rejects.toThrow(`token audiences ["vault"] is invalid for the target audiences ["${DEFAULT_ISSUER}"]`);
    const foreign = await ServiceAccountTokens.ephemeral('https://elsewhere.example.com').issue({ claim: { namespace: 'ns', serviceaccount: { name: 'app', uid: 'uid-1' } }, audiences: [DEFAULT_ISSUER], expirationSeconds: 3600, now: issuedAt });
    expect(await authenticate(foreign, { audiences: [DEFAULT_ISSUER] })).toBeUndefined();
    // Same issuer, another key: a forgery.
    const impostor = await ServiceAccountTokens.ephemeral().issue({ claim: { namespace: 'ns', serviceaccount: { name: 'app', uid: 'uid-1' } }, audiences: [DEFAULT_ISSUER], expirationSeconds: 3600, now: issuedAt });
    await expect(authenticate(impostor, { audiences: [DEFAULT_ISSUER] })).rejects.toThrow(AuthenticationError);
    expect(await authenticate('not.a.jwt', { audiences: [DEFAULT_ISSUER] })).toBeUndefined();
  });
});

describe('legacy service-account token Secrets', () => {
  const secret = (name: string, account: string) => ({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name, annotations: { 'kubernetes.io/service-account.name': account } },
    type: 'kubernetes.io/service-account-token',
  });

  it('fills a token Secret for an account, whose token works while Secret and account last', async () => {
    const account = await server().api('POST', '/api/v1/namespaces/default/serviceaccounts', { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'ci-bot' } });
    const created = await server().api('POST', '/api/v1/namespaces/default/secrets', secret('ci-bot-token', 'ci-bot'));
    expect(created.status).toBe(201);
    expect(created.body.metadata.annotations['kubernetes.io/service-account.uid']).toBe(account.body.metadata.uid);
    expect(Buffer.from(created.body.data.namespace, 'base64').toString()).toBe('default');
    const jwt = Buffer.from(created.body.data.token, 'base64').toString();
    expect(decodeJwt(jwt)).toEqual({
      iss: 'kubernetes/serviceaccount',
      sub: 'system:serviceaccount:default:ci-bot',
      'kubernetes.io/serviceaccount/namespace': 'default',
      'kubernetes.io/serviceaccount/secret.name': 'ci-bot-token',
      'kubernetes.io/serviceaccount/service-account.name': 'ci-bot',
      'kubernetes.io/serviceaccount/service-account.uid': account.body.metadata.uid,
    });
    const who = await eventually(() => whoami(jwt), (response) => response.status === 201);
    expect(who.body.status.userInfo).toEqual({ username: 'system:serviceaccount:default:ci-bot', uid: account.body.metadata.uid, groups: ['system:serviceaccounts', 'system:serviceaccounts:default', 'system:authenticated'] });

    // Deleting the Secret revokes the token.
    await server().api('DELETE', '/api/v1/namespaces/default/secrets/ci-bot-token');
    expect((await eventually(() => whoami(jwt), (response) => response.status === 401)).status).toBe(401);
  });

  it('leaves a token Secret for a missing account without a token', async () => {
    const orphan = await server().api('POST', '/api/v1/namespaces/default/secrets', secret('orphan-token', 'nobody-here'));
    expect(orphan.status).toBe(201);
    expect(orphan.body.data?.token).toBeUndefined();
  });
});
