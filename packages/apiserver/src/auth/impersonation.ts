/**
 * Impersonation (`kubectl --as`, `--as-group`, `--as-uid`): the
 * Impersonate-* headers make the request act as another user, if the
 * requester may `impersonate` each part of that identity, as upstream's
 * WithImpersonation filter checks it (users, groups, serviceaccounts in
 * their namespace, uids and userextras/KEY).
 */
import { badRequest } from '../errors/status.js';
import type { IncomingRequest } from '../request/body.js';
import { forbiddenError } from './authorization/authorizer-chain.js';
import { ALL_AUTHENTICATED, ALL_UNAUTHENTICATED, ANONYMOUS_USER, type AuthorizationAttributes, type Authorizer, type UserInfo } from './types.js';

const SERVICE_ACCOUNT = /^system:serviceaccount:([^:]+):([^:]+)$/;
const EXTRA_PREFIX = 'impersonate-extra-';

function values(header: string | string[] | undefined): string[] {
  if (header === undefined) return [];
  return (Array.isArray(header) ? header : [header]).flatMap((value) => value.split(',')).map((value) => value.trim()).filter((value) => value !== '');
}

/** The user the request acts as: the authenticated one, or the one it impersonates (each part authorized). */
export async function impersonatedUser(request: IncomingRequest, user: UserInfo, authorizer: Authorizer): Promise<UserInfo> {
  const headers = request.headers;
  const name = values(headers['impersonate-user'])[0];
  const groups = values(headers['impersonate-group']);
  const uid = values(headers['impersonate-uid'])[0];
  const extra: Record<string, string[]> = {};
  for (const [header, value] of Object.entries(headers)) {
    if (header.startsWith(EXTRA_PREFIX)) extra[decodeURIComponent(header.slice(EXTRA_PREFIX.length))] = values(value);
  }
  if (name === undefined) {
    if (groups.length > 0 || uid !== undefined || Object.keys(extra).length > 0) throw badRequest(`requested impersonation of groups, uid or extra fields without impersonating a user`);
    return user;
  }
  const check = async (attributes: Omit<AuthorizationAttributes, 'user' | 'verb' | 'isResourceRequest' | 'path' | 'apiVersion' | 'subresource'>): Promise<void> => {
    const full: AuthorizationAttributes = { user, verb: 'impersonate', isResourceRequest: true, path: '', apiVersion: '', subresource: '', ...attributes };
    const result = await authorizer.authorize(full);
    if (result.decision !== 'allow') throw forbiddenError(full, result.reason);
  };
  const account = SERVICE_ACCOUNT.exec(name);
  if (account !== null) await check({ namespace: account[1]!, apiGroup: '', resource: 'serviceaccounts', name: account[2]! });
  else await check({ namespace: '', apiGroup: '', resource: 'users', name });
  for (const group of groups) await check({ namespace: '', apiGroup: '', resource: 'groups', name: group });
  if (uid !== undefined) await check({ namespace: '', apiGroup: 'authentication.k8s.io', resource: 'uids', name: uid });
  for (const [key, entries] of Object.entries(extra)) {
    for (const entry of entries) await check({ namespace: '', apiGroup: 'authentication.k8s.io', resource: `userextras/${key}`, name: entry });
  }
  const impersonatedGroups = [...groups];
  if (account !== null) impersonatedGroups.push('system:serviceaccounts', `system:serviceaccounts:${account[1]!}`);
  if (name !== ANONYMOUS_USER && !impersonatedGroups.includes(ALL_AUTHENTICATED) && !impersonatedGroups.includes(ALL_UNAUTHENTICATED)) impersonatedGroups.push(ALL_AUTHENTICATED);
  return { name, ...(uid !== undefined && { uid }), groups: impersonatedGroups, ...(Object.keys(extra).length > 0 && { extra }) };
}
