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

describe('a node reaches only its own Node and pods', () => {
  it('reads and lists only itself and the pods bound to it, and writes only itself and mirror pods bound to it', async () => {
    const admin = server().api;
    await admin('POST', '/api/v1/nodes', { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n2' } });
    await admin('POST', '/api/v1/namespaces/default/pods', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'on-n1' }, spec: { nodeName: 'n1', containers: [{ name: 'c', image: 'x' }] } });
    await admin('POST', '/api/v1/namespaces/default/pods', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'on-n2' }, spec: { nodeName: 'n2', containers: [{ name: 'c', image: 'x' }] } });
    expect((await as('node-one-token', 'GET', '/api/v1/nodes/n1')).status).toBe(200);
    expect((await as('node-one-token', 'GET', '/api/v1/nodes/n2')).status).toBe(403);
    expect((await as('node-one-token', 'GET', '/api/v1/nodes')).status).toBe(403);
    expect((await as('node-one-token', 'GET', '/api/v1/nodes?fieldSelector=metadata.name%3Dn1')).status).toBe(200);
    expect((await as('node-one-token', 'GET', '/api/v1/pods')).status).toBe(403);
    const mine = await as('node-one-token', 'GET', '/api/v1/pods?fieldSelector=spec.nodeName%3Dn1');
    expect(mine.status).toBe(200);
    expect(mine.body.items.map((item: { metadata: { name: string } }) => item.metadata.name)).toEqual(['on-n1']);
    expect((await eventually(() => as('node-one-token', 'GET', '/api/v1/namespaces/default/pods/on-n1'), (response) => response.status === 200)).status).toBe(200);
    expect((await as('node-one-token', 'GET', '/api/v1/namespaces/default/pods/on-n2')).status).toBe(403);

    const other = (await admin('GET', '/api/v1/nodes/n2')).body;
    expect((await as('node-one-token', 'PUT', '/api/v1/nodes/n2', { ...other, metadata: { ...other.metadata, labels: { taken: 'over' } } })).status).toBe(403);
    const plain = await as('node-one-token', 'POST', '/api/v1/namespaces/default/pods', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'sneaky' }, spec: { nodeName: 'n1', containers: [{ name: 'c', image: 'x' }] } });
    expect(plain.body.message).toBe('pods "sneaky" is forbidden: pod does not have "kubernetes.io/config.mirror" annotation, node "n1" can only create mirror pods');
    const elsewhere = await as('node-one-token', 'POST', '/api/v1/namespaces/default/pods', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'mirror', annotations: { 'kubernetes.io/config.mirror': 'x' } }, spec: { nodeName: 'n2', containers: [{ name: 'c', image: 'x' }] } });
    expect(elsewhere.body.message).toBe('pods "mirror" is forbidden: node "n1" can only create pods with spec.nodeName set to itself');
  });
});
