import type { ApiServer, AccessControl } from '../server/api-server.js';
import { objectKey } from '../registry/object-codec.js';
import { objectReader } from './object-reader.js';
import { AuthorizerChain } from './authorization/authorizer-chain.js';
import { bootstrapTokenAuthenticator } from './authentication/bootstrap-tokens.js';
import { RequestAuthenticator } from './authentication/request-authenticator.js';
import { staticTokenAuthenticator, type StaticToken } from './authentication/static-tokens.js';
import { x509Authenticator } from './authentication/x509.js';
import { RbacAuthorizer } from './rbac/authorizer.js';
import { NodeAuthorizer } from './node/node-authorizer.js';
import { NodeGraph } from './node/node-graph.js';
import { PolicyIndex } from './rbac/policy-index.js';
import type { Authenticator, Authorizer, TokenAuthenticator } from './types.js';

export interface AuthenticationOptions {
  /** CA certificates (PEM) whose client certificates authenticate as CN (user) and O (groups). */
  readonly clientCaPem?: string;
  /** Static bearer tokens (kube-apiserver's --token-auth-file). */
  readonly tokens?: readonly StaticToken[];
  /** Bootstrap tokens from kube-system Secrets, for joining nodes (default true). */
  readonly bootstrapTokens?: boolean;
  /** The host's own authenticators, tried after client certificates. */
  readonly authenticators?: readonly Authenticator[];
  /** The host's own bearer-token authenticators, tried after lk's. */
  readonly tokenAuthenticators?: readonly TokenAuthenticator[];
  /** Requests without credentials act as system:anonymous (default true, as upstream). */
  readonly anonymous?: boolean;
}

export interface AuthorizationOptions {
  /**
   * `RBAC` (the default) behind the Node authorizer: upstream's
   * --authorization-mode=Node,RBAC. `AlwaysAllow` lets every authenticated
   * or anonymous request through: for tests of code that is not about access.
   */
  readonly mode?: 'RBAC' | 'AlwaysAllow';
  /** The host's own authorizers, consulted in order before lk's (after system:masters). */
  readonly authorizers?: readonly Authorizer[];
}

/** Upstream's AlwaysAllow authorizer, which also lists "everything" as the rules. */
export const alwaysAllow: Authorizer = {
  authorize: () => ({ decision: 'allow', reason: '' }),
  rulesFor: () => ({
    resourceRules: [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }],
    nonResourceRules: [{ verbs: ['*'], nonResourceURLs: ['*'] }],
    incomplete: false,
  }),
};

/** The RBAC authorizer over the API server's own watch caches of the four RBAC kinds. */
export async function rbacAuthorizer(server: ApiServer): Promise<RbacAuthorizer> {
  const cache = async (plural: string) => server.cacheFor(server.registry.find('rbac.authorization.k8s.io', 'v1', plural)!.definition);
  const [roles, clusterRoles, roleBindings, clusterRoleBindings] = await Promise.all([cache('roles'), cache('clusterroles'), cache('rolebindings'), cache('clusterrolebindings')]);
  return new RbacAuthorizer(new PolicyIndex({ roles, clusterRoles, roleBindings, clusterRoleBindings }));
}

/** The Node authorizer over the API server's watch caches of pods and claims. */
export async function nodeAuthorizer(server: ApiServer): Promise<NodeAuthorizer> {
  const pods = server.registry.find('', 'v1', 'pods')!.definition;
  const claims = server.registry.find('', 'v1', 'persistentvolumeclaims')!.definition;
  const [podCache, claimCache] = await Promise.all([server.cacheFor(pods), server.cacheFor(claims)]);
  return new NodeAuthorizer(new NodeGraph(podCache), (namespace, name) => claimCache.get(objectKey(claims, namespace, name)));
}

/**
 * The authentication and authorization lk puts in front of its API:
 * client certificates, static, bootstrap and the host's tokens, anonymous
 * requests; then system:masters, the host's authorizers and RBAC.
 * `rbac` is the RBAC authorizer (escalation checks use it too);
 * `lkTokenAuthenticators` are lk's own (service-account tokens).
 */
export async function createAccessControl(
  server: ApiServer,
  authentication: AuthenticationOptions,
  authorization: AuthorizationOptions,
  rbac: RbacAuthorizer,
  lkTokenAuthenticators: readonly TokenAuthenticator[] = [],
  audiences: readonly string[] = [],
): Promise<AccessControl> {
  const secrets = objectReader(server, '', 'secrets');
  const authenticators: Authenticator[] = [];
  if (authentication.clientCaPem !== undefined) authenticators.push(x509Authenticator(authentication.clientCaPem));
  authenticators.push(...(authentication.authenticators ?? []));
  const tokenAuthenticators: TokenAuthenticator[] = [];
  if ((authentication.tokens ?? []).length > 0) tokenAuthenticators.push(staticTokenAuthenticator(authentication.tokens!));
  if (authentication.bootstrapTokens !== false) tokenAuthenticators.push(bootstrapTokenAuthenticator((name) => secrets('kube-system', name)));
  tokenAuthenticators.push(...lkTokenAuthenticators, ...(authentication.tokenAuthenticators ?? []));
  const authenticator = new RequestAuthenticator({ authenticators, tokenAuthenticators, audiences, anonymous: authentication.anonymous });
  const builtin = authorization.mode === 'AlwaysAllow' ? [alwaysAllow] : [await nodeAuthorizer(server), rbac];
  return { authenticator, authorizer: new AuthorizerChain([...(authorization.authorizers ?? []), ...builtin]) };
}
