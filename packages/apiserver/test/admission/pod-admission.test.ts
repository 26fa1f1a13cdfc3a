/**
 * The built-in admission plugins that shape pods: ServiceAccount (the
 * account, and its token projected into every container) and
 * DefaultTolerationSeconds.
 */
import { describe, expect, it } from 'vitest';
import { useTestApiServer } from '../support/api-server.js';

const server = useTestApiServer(undefined, { requireServiceAccounts: true });
const PODS = '/api/v1/namespaces/default/pods';
const pod = (name: string, spec: object = {}) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { containers: [{ name: 'app', image: 'app' }], ...spec } });

describe('ServiceAccount admission', () => {
  it('refuses a pod whose account does not exist', async () => {
    const refused = await server().api('POST', PODS, pod('no-account', { serviceAccountName: 'ghost' }));
    expect(refused.status).toBe(403);
    expect(refused.body.message).toBe('pods "no-account" is forbidden: error looking up service account default/ghost: serviceaccount "ghost" not found');
  });

  it('runs a pod as default and projects the account’s token, the CA and the namespace into each container', async () => {
    await server().api('POST', '/api/v1/namespaces/default/serviceaccounts', { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default' } });
    const created = await server().api('POST', PODS, pod('with-token', { initContainers: [{ name: 'init', image: 'init' }] }));
    expect(created.status).toBe(201);
    const spec = created.body.spec;
    expect(spec.serviceAccountName).toBe('default');
    const volume = spec.volumes.find((candidate: { name: string }) => candidate.name.startsWith('kube-api-access-'));
    expect(volume.name).toMatch(/^kube-api-access-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
    expect(volume.projected).toEqual({
      defaultMode: 420,
      sources: [
        { serviceAccountToken: { expirationSeconds: 3607, path: 'token' } },
        { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
        { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
      ],
    });
    for (const container of [...spec.initContainers, ...spec.containers]) {
      expect(container.volumeMounts).toEqual([{ name: volume.name, readOnly: true, mountPath: '/var/run/secrets/kubernetes.io/serviceaccount' }]);
    }
  });

  it('leaves the token out when the pod or its account opts out', async () => {
    const optOut = await server().api('POST', PODS, pod('no-token', { automountServiceAccountToken: false }));
    expect(optOut.body.spec.volumes ?? []).toEqual([]);
    await server().api('POST', '/api/v1/namespaces/default/serviceaccounts', { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'quiet' }, automountServiceAccountToken: false });
    const quiet = await server().api('POST', PODS, pod('quiet-pod', { serviceAccountName: 'quiet' }));
    expect(quiet.status).toBe(201);
    expect(quiet.body.spec.volumes ?? []).toEqual([]);
  });
});

describe('DefaultTolerationSeconds', () => {
  it('tolerates not-ready and unreachable nodes for five minutes unless the pod says otherwise', async () => {
    const plain = await server().api('POST', PODS, pod('tolerant', { automountServiceAccountToken: false }));
    expect(plain.body.spec.tolerations).toEqual([
      { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
      { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
    ]);
    const own = await server().api('POST', PODS, pod('own-tolerations', { automountServiceAccountToken: false, tolerations: [{ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 30 }] }));
    expect(own.body.spec.tolerations).toEqual([
      { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 30 },
      { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
    ]);
  });
});
