/**
 * The Node authorizer: a node (system:node:NAME in system:nodes) reads only
 * what the pods bound to it use, and only its own lease.
 */
import { describe, expect, it } from 'vitest';
import { eventually, useTestApiServer } from '../support/api-server.js';

const server = useTestApiServer(undefined, {
  authorization: { mode: 'RBAC' },
  authentication: {
    tokens: [
      { token: 'node-one-token', user: 'system:node:n1', groups: ['system:nodes'] },
      { token: 'node-two-token', user: 'system:node:n2', groups: ['system:nodes'] },
      // Named like a node but not in system:nodes: not a node.
      { token: 'impostor-token', user: 'system:node:n1' },
    ],
  },
});

const as = (token: string, method: string, path: string, body?: unknown) => server().api(method, path, body, { authorization: `Bearer ${token}` });

describe('Node authorizer', () => {
  it('lets a node read the secrets and configmaps its pods use, and nothing else', async () => {
    const api = server().api;
    await api('POST', '/api/v1/namespaces/default/secrets', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'db-password' }, stringData: { password: 'x' } });
    await api('POST', '/api/v1/namespaces/default/secrets', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'unrelated' }, stringData: { a: 'b' } });
    await api('POST', '/api/v1/namespaces/default/configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'app-config' }, data: { a: 'b' } });
    const pod = await api('POST', '/api/v1/namespaces/default/pods', {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'app' },
      spec: {
        nodeName: 'n1',
        containers: [{ name: 'app', image: 'app', env: [{ name: 'PASSWORD', valueFrom: { secretKeyRef: { name: 'db-password', key: 'password' } } }] }],
        volumes: [{ name: 'config', configMap: { name: 'app-config' } }],
      },
    });
    expect(pod.status).toBe(201);

    const read = await eventually(() => as('node-one-token', 'GET', '/api/v1/namespaces/default/secrets/db-password'), (response) => response.status === 200);
    expect(read.status).toBe(200);
    expect((await as('node-one-token', 'GET', '/api/v1/namespaces/default/configmaps/app-config')).status).toBe(200);
    const unrelated = await as('node-one-token', 'GET', '/api/v1/namespaces/default/secrets/unrelated');
    expect(unrelated.status).toBe(403);
    expect(unrelated.body.message).toBe(
      'secrets "unrelated" is forbidden: User "system:node:n1" cannot get resource "secrets" in API group "" in the namespace "default": no relationship found between node \'n1\' and this object',
    );
    // Another node, and a user who only has a node's name, get nothing.
    expect((await as('node-two-token', 'GET', '/api/v1/namespaces/default/secrets/db-password')).status).toBe(403);
    expect((await as('impostor-token', 'GET', '/api/v1/namespaces/default/secrets/db-password')).status).toBe(403);
    // Listing secrets is not reading one.
    expect((await as('node-one-token', 'GET', '/api/v1/namespaces/default/secrets')).status).toBe(403);

    // Once the pod is gone, so is the access.
    await server().api('DELETE', '/api/v1/namespaces/default/pods/app?gracePeriodSeconds=0');
    const after = await eventually(() => as('node-one-token', 'GET', '/api/v1/namespaces/default/secrets/db-password'), (response) => response.status === 403);
    expect(after.status).toBe(403);
  });

  it('grants what the system:node role lists, and only the node’s own lease', async () => {
    expect((await as('node-one-token', 'POST', '/api/v1/namespaces/default/events', { apiVersion: 'v1', kind: 'Event', metadata: { name: 'n1.1' }, involvedObject: { kind: 'Node', name: 'n1' }, reason: 'Starting', message: 'kubelet started' })).status).toBe(201);
    expect((await as('node-one-token', 'POST', '/api/v1/nodes', { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1' } })).status).toBe(201);
    const lease = (name: string) => ({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name }, spec: { holderIdentity: name } });
    expect((await as('node-one-token', 'POST', '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases', lease('n1'))).status).toBe(201);
    expect((await as('node-one-token', 'GET', '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/n1')).status).toBe(200);
    expect((await as('node-two-token', 'GET', '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/n1')).status).toBe(403);
    expect((await as('node-one-token', 'DELETE', '/api/v1/namespaces/default/configmaps/app-config')).status).toBe(403);
  });
});
