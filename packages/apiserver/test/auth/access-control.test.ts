/**
 * Authentication and authorization in front of the API, with RBAC on: who a
 * request is (static and bootstrap tokens, anonymous), what RBAC lets them
 * do, upstream's 401 and 403 texts, and the review kinds that answer
 * questions about both (`kubectl auth whoami` / `can-i` use them).
 */
import { describe, expect, it } from 'vitest';
import { eventually, useTestApiServer, type ApiResponse } from '../support/api-server.js';

const TOKENS = {
  alice: 'alice-token-0123456789',
  bob: 'bob-token-0123456789',
  robot: 'robot-token-0123456789',
};

const server = useTestApiServer(undefined, {
  authorization: { mode: 'RBAC' },
  authentication: {
    tokens: [
      { token: TOKENS.alice, user: 'alice', uid: 'alice-uid', groups: ['dev'] },
      { token: TOKENS.bob, user: 'bob' },
      // Stands in for a service-account token: RBAC matches ServiceAccount subjects by this user name.
      { token: TOKENS.robot, user: 'system:serviceaccount:default:robot', groups: ['system:serviceaccounts', 'system:serviceaccounts:default'] },
    ],
  },
});

function as(user: keyof typeof TOKENS | 'anonymous' | 'bad', method: string, path: string, body?: unknown): Promise<ApiResponse> {
  // An empty authorization header stands for none: api() sends the admin's otherwise.
  const authorization = user === 'anonymous' ? '' : `Bearer ${user === 'bad' ? 'not-a-known-token' : TOKENS[user]}`;
  return server().api(method, path, body, { authorization });
}

const admin = (method: string, path: string, body?: unknown): Promise<ApiResponse> => server().api(method, path, body);

describe('authentication', () => {
  it('refuses an unknown bearer token with 401 Unauthorized, never as anonymous', async () => {
    const response = await as('bad', 'GET', '/api/v1/namespaces');
    expect(response.status).toBe(401);
    expect(response.body).toMatchObject({ kind: 'Status', status: 'Failure', reason: 'Unauthorized', message: 'Unauthorized', code: 401 });
  });

  it('answers anonymous requests as system:anonymous, which RBAC does not let list namespaces', async () => {
    const response = await as('anonymous', 'GET', '/api/v1/namespaces');
    expect(response.status).toBe(403);
    expect(response.body.message).toBe('namespaces is forbidden: User "system:anonymous" cannot list resource "namespaces" in API group "" at the cluster scope');
    expect(response.body.details).toEqual({ kind: 'namespaces' });
  });

  it('reports who a request is in a SelfSubjectReview (kubectl auth whoami)', async () => {
    const review = { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' };
    const alice = await as('alice', 'POST', '/apis/authentication.k8s.io/v1/selfsubjectreviews', review);
    expect(alice.status).toBe(201);
    expect(alice.body.status.userInfo).toEqual({ username: 'alice', uid: 'alice-uid', groups: ['dev', 'system:authenticated'] });
    const anonymous = await as('anonymous', 'POST', '/apis/authentication.k8s.io/v1/selfsubjectreviews', review);
    expect(anonymous.status).toBe(403);
  });

  it('answers TokenReviews for tokens it knows and for tokens it does not', async () => {
    const path = '/apis/authentication.k8s.io/v1/tokenreviews';
    const good = await admin('POST', path, { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token: TOKENS.bob } });
    expect(good.status).toBe(201);
    expect(good.body.status).toEqual({ authenticated: true, user: { username: 'bob', groups: ['system:authenticated'] } });
    const bad = await admin('POST', path, { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token: 'nope' } });
    expect(bad.body.status).toMatchObject({ authenticated: false, error: 'invalid bearer token' });
    const empty = await admin('POST', path, { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: {} });
    expect(empty.status).toBe(400);
    expect(empty.body.message).toBe('token is required for TokenReview in authentication');
    // A review is an answer, not an object: nothing to list.
    expect((await admin('GET', path)).status).toBe(405);
  });

  it('authenticates bootstrap tokens from kube-system Secrets, and stops when they expire', async () => {
    const secret = (id: string, data: Record<string, string>) => ({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: `bootstrap-token-${id}`, namespace: 'kube-system' },
      type: 'bootstrap.kubernetes.io/token',
      stringData: data,
    });
    const created = await admin('POST', '/api/v1/namespaces/kube-system/secrets', secret('abcdef', {
      'token-id': 'abcdef',
      'token-secret': '0123456789abcdef',
      'usage-bootstrap-authentication': 'true',
      'auth-extra-groups': 'system:bootstrappers:lk:default-node-token',
    }));
    expect(created.status).toBe(201);
    await admin('POST', '/api/v1/namespaces/kube-system/secrets', secret('expird', {
      'token-id': 'expird',
      'token-secret': '0123456789abcdef',
      'usage-bootstrap-authentication': 'true',
      expiration: '2020-01-01T00:00:00Z',
    }));
    const whoami = (token: string) =>
      server().api('POST', '/apis/authentication.k8s.io/v1/selfsubjectreviews', { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' }, { authorization: `Bearer ${token}` });
    const joined = await eventually(() => whoami('abcdef.0123456789abcdef'), (response) => response.status === 201);
    expect(joined.body.status.userInfo).toEqual({
      username: 'system:bootstrap:abcdef',
      groups: ['system:bootstrappers', 'system:bootstrappers:lk:default-node-token', 'system:authenticated'],
    });
    expect((await whoami('abcdef.0123456789abcdee')).status).toBe(401);
    expect((await whoami('expird.0123456789abcdef')).status).toBe(401);
  });
});

describe('RBAC', () => {
  const pods = '/api/v1/namespaces/default/pods';

  it('refuses until a RoleBinding grants, with upstream’s message, and only in that namespace', async () => {
    const refused = await as('alice', 'GET', pods);
    expect(refused.status).toBe(403);
    expect(refused.body).toMatchObject({
      reason: 'Forbidden',
      message: 'pods is forbidden: User "alice" cannot list resource "pods" in API group "" in the namespace "default"',
      details: { kind: 'pods' },
    });
    expect((await admin('POST', '/apis/rbac.authorization.k8s.io/v1/namespaces/default/roles', {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: { name: 'pod-reader' },
      rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch'] }],
    })).status).toBe(201);
    expect((await admin('POST', '/apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings', {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: 'devs-read-pods' },
      subjects: [{ kind: 'Group', name: 'dev', apiGroup: 'rbac.authorization.k8s.io' }],
      roleRef: { kind: 'Role', name: 'pod-reader', apiGroup: 'rbac.authorization.k8s.io' },
    })).status).toBe(201);
    expect((await eventually(() => as('alice', 'GET', pods), (response) => response.status === 200)).status).toBe(200);
    // Not bob (not in the group), not another namespace, not another verb, not a subresource.
    expect((await as('bob', 'GET', pods)).status).toBe(403);
    expect((await as('alice', 'GET', '/api/v1/namespaces/kube-system/pods')).status).toBe(403);
    const create = await as('alice', 'POST', pods, { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { containers: [{ name: 'c', image: 'x' }] } });
    expect(create.body.message).toBe('pods is forbidden: User "alice" cannot create resource "pods" in API group "" in the namespace "default"');
    const log = await as('alice', 'GET', `${pods}/p/log`);
    expect(log.status).toBe(403);
    expect(log.body.message).toBe('pods "p" is forbidden: User "alice" cannot get resource "pods/log" in API group "" in the namespace "default"');
    expect(log.body.details).toEqual({ name: 'p', kind: 'pods' });
  });

  it('matches resourceNames, service accounts, cluster roles through RoleBindings, and says when a role is missing', async () => {
    const rbac = '/apis/rbac.authorization.k8s.io/v1';
    await admin('POST', `${rbac}/clusterroles`, {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name: 'read-settings' },
      rules: [{ apiGroups: [''], resources: ['configmaps'], resourceNames: ['settings'], verbs: ['get'] }],
    });
    await admin('POST', `${rbac}/namespaces/default/rolebindings`, {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: 'robot-settings' },
      // No namespace: a RoleBinding's own namespace.
      subjects: [{ kind: 'ServiceAccount', name: 'robot' }],
      roleRef: { kind: 'ClusterRole', name: 'read-settings', apiGroup: 'rbac.authorization.k8s.io' },
    });
    await admin('POST', `${rbac}/namespaces/default/rolebindings`, {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: 'dangling' },
      subjects: [{ kind: 'User', name: 'bob', apiGroup: 'rbac.authorization.k8s.io' }],
      roleRef: { kind: 'Role', name: 'missing', apiGroup: 'rbac.authorization.k8s.io' },
    });
    const settings = '/api/v1/namespaces/default/configmaps/settings';
    // Allowed to get "settings" (a 404 as it does not exist: past authorization), not another name, not to list.
    expect((await eventually(() => as('robot', 'GET', settings), (response) => response.status !== 403)).status).toBe(404);
    expect((await as('robot', 'GET', '/api/v1/namespaces/default/configmaps/other')).status).toBe(403);
    expect((await as('robot', 'GET', '/api/v1/namespaces/default/configmaps')).status).toBe(403);
    const dangling = await eventually(() => as('bob', 'GET', settings), (response) => String(response.body.message).includes('RBAC'));
    expect(dangling.body.message).toBe(
      'configmaps "settings" is forbidden: User "bob" cannot get resource "configmaps" in API group "" in the namespace "default": RBAC: role.rbac.authorization.k8s.io "missing" not found',
    );
  });

  it('grants non-resource URLs with prefixes', async () => {
    await admin('POST', '/apis/rbac.authorization.k8s.io/v1/clusterroles', {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name: 'health-reader' },
      rules: [{ nonResourceURLs: ['/healthz', '/healthz/*'], verbs: ['get'] }],
    });
    await admin('POST', '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings', {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: 'bob-health' },
      subjects: [{ kind: 'User', name: 'bob', apiGroup: 'rbac.authorization.k8s.io' }],
      roleRef: { kind: 'ClusterRole', name: 'health-reader', apiGroup: 'rbac.authorization.k8s.io' },
    });
    expect((await eventually(() => as('bob', 'GET', '/healthz/ping'), (response) => response.status === 200)).status).toBe(200);
    const metrics = await as('bob', 'GET', '/metrics');
    expect(metrics.status).toBe(403);
    expect(metrics.body).toMatchObject({ reason: 'Forbidden', message: 'forbidden: User "bob" cannot get path "/metrics"', details: {} });
  });
});

describe('access reviews', () => {
  const sar = (spec: object) => ({ apiVersion: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview', spec });

  it('answers SubjectAccessReviews for any user, with the grant as the reason', async () => {
    const allowed = await eventually(
      () => admin('POST', '/apis/authorization.k8s.io/v1/subjectaccessreviews', sar({ user: 'alice', groups: ['dev'], resourceAttributes: { namespace: 'default', verb: 'list', resource: 'pods' } })),
      (response) => response.body?.status?.allowed === true,
    );
    expect(allowed.status).toBe(201);
    expect(allowed.body.status).toEqual({ allowed: true, reason: 'RBAC: allowed by RoleBinding "devs-read-pods/default" of Role "pod-reader" to Group "dev"' });
    expect(allowed.body.spec.user).toBe('alice');
    const denied = await admin('POST', '/apis/authorization.k8s.io/v1/subjectaccessreviews', sar({ user: 'alice', resourceAttributes: { namespace: 'default', verb: 'list', resource: 'pods' } }));
    expect(denied.body.status).toEqual({ allowed: false });
    const invalid = await admin('POST', '/apis/authorization.k8s.io/v1/subjectaccessreviews', sar({ resourceAttributes: { verb: 'get' }, nonResourceAttributes: { path: '/x', verb: 'get' } }));
    expect(invalid.status).toBe(422);
    expect(invalid.body.message).toBe(
      'SubjectAccessReview.authorization.k8s.io "" is invalid: [spec.nonResourceAttributes: Invalid value: "object": cannot be specified in combination with resourceAttributes, spec.user: Invalid value: "": at least one of user or group must be specified]',
    );
    // Asking about others needs a grant of its own.
    expect((await as('alice', 'POST', '/apis/authorization.k8s.io/v1/subjectaccessreviews', sar({ user: 'bob', nonResourceAttributes: { path: '/', verb: 'get' } }))).status).toBe(403);
  });

  it('answers LocalSubjectAccessReviews only about their own namespace', async () => {
    const path = '/apis/authorization.k8s.io/v1/namespaces/default/localsubjectaccessreviews';
    const review = (namespace: string) => ({ apiVersion: 'authorization.k8s.io/v1', kind: 'LocalSubjectAccessReview', spec: { user: 'alice', groups: ['dev'], resourceAttributes: { namespace, verb: 'get', resource: 'pods' } } });
    const ok = await admin('POST', path, review('default'));
    expect(ok.status).toBe(201);
    expect(ok.body.metadata.namespace).toBe('default');
    expect(ok.body.status.allowed).toBe(true);
    const other = await admin('POST', path, review('kube-system'));
    expect(other.status).toBe(422);
    expect(other.body.message).toContain('spec.resourceAttributes.namespace: Invalid value: "kube-system": must match metadata.namespace');
  });

  it('answers SelfSubjectAccessReviews (kubectl auth can-i) and SelfSubjectRulesReviews (can-i --list)', async () => {
    const ssar = (attributes: object) => ({ apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview', spec: { resourceAttributes: attributes } });
    const yes = await as('alice', 'POST', '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', ssar({ namespace: 'default', verb: 'watch', resource: 'pods' }));
    expect(yes.status).toBe(201);
    expect(yes.body.status.allowed).toBe(true);
    const no = await as('alice', 'POST', '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', ssar({ namespace: 'default', verb: 'delete', resource: 'pods' }));
    expect(no.body.status, JSON.stringify(no.body)).toEqual({ allowed: false });
    const rules = await as('alice', 'POST', '/apis/authorization.k8s.io/v1/selfsubjectrulesreviews', { apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectRulesReview', spec: { namespace: 'default' } });
    expect(rules.status).toBe(201);
    expect(rules.body.status.incomplete).toBe(false);
    expect(rules.body.status.resourceRules).toContainEqual({ verbs: ['get', 'list', 'watch'], apiGroups: [''], resources: ['pods'] });
    const noNamespace = await as('alice', 'POST', '/apis/authorization.k8s.io/v1/selfsubjectrulesreviews', { apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectRulesReview', spec: {} });
    expect(noNamespace.status).toBe(400);
    expect(noNamespace.body.message).toBe('no namespace on request');
  });
});

describe('escalation prevention', () => {
  const rbac = '/apis/rbac.authorization.k8s.io/v1';
  const role = (name: string, rules: object[]) => ({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name }, rules });
  const binding = (name: string, roleRef: { kind: string; name: string }) => ({
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata: { name },
    subjects: [{ kind: 'User', name: 'bob', apiGroup: 'rbac.authorization.k8s.io' }],
    roleRef: { ...roleRef, apiGroup: 'rbac.authorization.k8s.io' },
  });

  it('lets a user grant what they hold and nothing more, unless they may escalate or bind', async () => {
    // alice (group dev) may manage roles and bindings in "default" and already reads pods there.
    await admin('POST', `${rbac}/namespaces/default/roles`, role('rbac-manager', [{ apiGroups: ['rbac.authorization.k8s.io'], resources: ['roles', 'rolebindings'], verbs: ['create', 'get', 'update'] }]));
    await admin('POST', `${rbac}/namespaces/default/rolebindings`, {
      ...binding('alice-manages-rbac', { kind: 'Role', name: 'rbac-manager' }),
      subjects: [{ kind: 'User', name: 'alice', apiGroup: 'rbac.authorization.k8s.io' }],
    });
    const held = await eventually(
      () => as('alice', 'POST', `${rbac}/namespaces/default/roles`, role('read-pods-too', [{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list'] }])),
      (response) => response.status !== 403 || !String(response.body.message).includes('cannot create'),
    );
    expect(held.status).toBe(201);

    const more = await as('alice', 'POST', `${rbac}/namespaces/default/roles`, role('read-secrets', [{ apiGroups: [''], resources: ['secrets', 'pods'], verbs: ['get', 'delete'] }]));
    expect(more.status).toBe(403);
    expect(more.body.message).toBe(
      'roles.rbac.authorization.k8s.io "read-secrets" is forbidden: user "alice" (groups=["dev" "system:authenticated"]) is attempting to grant RBAC permissions not currently held:\n' +
        '{APIGroups:[""], Resources:["pods"], Verbs:["delete"]}\n{APIGroups:[""], Resources:["secrets"], Verbs:["get" "delete"]}',
    );

    // Binding a role alice holds all of is fine; binding cluster-admin is not.
    expect((await as('alice', 'POST', `${rbac}/namespaces/default/rolebindings`, binding('bob-reads-pods', { kind: 'Role', name: 'read-pods-too' }))).status).toBe(201);
    const bindAdmin = await as('alice', 'POST', `${rbac}/namespaces/default/rolebindings`, binding('bob-is-admin', { kind: 'ClusterRole', name: 'cluster-admin' }));
    expect(bindAdmin.status).toBe(403);
    expect(bindAdmin.body.message).toContain('rolebindings.rbac.authorization.k8s.io "bob-is-admin" is forbidden: user "alice" (groups=["dev" "system:authenticated"]) is attempting to grant RBAC permissions not currently held:');

    // The bind verb on a role, and the escalate verb on roles, lift the check.
    await admin('POST', `${rbac}/namespaces/default/roles`, role('binder', [
      { apiGroups: ['rbac.authorization.k8s.io'], resources: ['clusterroles'], verbs: ['bind'], resourceNames: ['cluster-admin'] },
      { apiGroups: ['rbac.authorization.k8s.io'], resources: ['roles'], verbs: ['escalate'] },
    ]));
    await admin('POST', `${rbac}/namespaces/default/rolebindings`, {
      ...binding('alice-binds', { kind: 'Role', name: 'binder' }),
      subjects: [{ kind: 'User', name: 'alice', apiGroup: 'rbac.authorization.k8s.io' }],
    });
    const bound = await eventually(
      () => as('alice', 'POST', `${rbac}/namespaces/default/rolebindings`, binding('bob-is-admin', { kind: 'ClusterRole', name: 'cluster-admin' })),
      (response) => response.status === 201,
    );
    expect(bound.status).toBe(201);
    expect((await as('alice', 'POST', `${rbac}/namespaces/default/roles`, role('read-secrets', [{ apiGroups: [''], resources: ['secrets'], verbs: ['get'] }]))).status).toBe(201);
  });
});

describe('impersonation', () => {
  const whoami = (headers: Record<string, string>) =>
    server().api('POST', '/apis/authentication.k8s.io/v1/selfsubjectreviews', { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' }, headers);

  it('lets those allowed to impersonate act as another user, groups and all', async () => {
    const admin = await whoami({ 'impersonate-user': 'carol', 'impersonate-group': 'qa', 'impersonate-extra-scopes': 'view' });
    expect(admin.status).toBe(201);
    expect(admin.body.status.userInfo).toEqual({ username: 'carol', groups: ['qa', 'system:authenticated'], extra: { scopes: ['view'] } });
    const account = await whoami({ 'impersonate-user': 'system:serviceaccount:default:robot' });
    expect(account.body.status.userInfo.groups).toEqual(['system:serviceaccounts', 'system:serviceaccounts:default', 'system:authenticated']);
  });

  it('refuses those who may not, naming what they may not impersonate', async () => {
    const refused = await whoami({ authorization: `Bearer ${TOKENS.bob}`, 'impersonate-user': 'system:admin' });
    expect(refused.status).toBe(403);
    expect(refused.body.message).toBe('users "system:admin" is forbidden: User "bob" cannot impersonate resource "users" in API group "" at the cluster scope');
    const groupsOnly = await whoami({ 'impersonate-group': 'system:masters' });
    expect(groupsOnly.status).toBe(400);
    // A grant to impersonate one user only.
    await server().api('POST', '/apis/rbac.authorization.k8s.io/v1/clusterroles', {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name: 'impersonate-carol' },
      rules: [{ apiGroups: [''], resources: ['users'], verbs: ['impersonate'], resourceNames: ['carol'] }],
    });
    await server().api('POST', '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings', {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: 'bob-as-carol' },
      subjects: [{ kind: 'User', name: 'bob', apiGroup: 'rbac.authorization.k8s.io' }],
      roleRef: { kind: 'ClusterRole', name: 'impersonate-carol', apiGroup: 'rbac.authorization.k8s.io' },
    });
    const asCarol = await eventually(() => whoami({ authorization: `Bearer ${TOKENS.bob}`, 'impersonate-user': 'carol' }), (response) => response.status === 201);
    expect(asCarol.body.status.userInfo.username).toBe('carol');
    const withGroup = await whoami({ authorization: `Bearer ${TOKENS.bob}`, 'impersonate-user': 'carol', 'impersonate-group': 'system:masters' });
    expect(withGroup.status).toBe(403);
    expect(withGroup.body.message).toBe('groups "system:masters" is forbidden: User "bob" cannot impersonate resource "groups" in API group "" at the cluster scope');
  });
});
