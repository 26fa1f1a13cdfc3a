/**
 * A host app's in-process admission hooks on an embedded control plane,
 * seen through client-node as any client sees them.
 */
import { CoreV1Api } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestServer, type LkServer } from '@lk/core';

let server: LkServer;
beforeAll(async () => {
  server = await createTestServer({
    admission: {
      mutating: [
        {
          name: 'owner.gateway.example.com',
          rules: [{ operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['configmaps'] }],
          handle: (request) => ({ allowed: true, patchType: 'JSONPatch', patch: [{ op: 'add', path: '/metadata/labels', value: { 'gateway/owner': request.userInfo.username.replaceAll(':', '.') } }] }),
        },
      ],
      validating: [
        {
          name: 'quota.gateway.example.com',
          rules: [{ operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['configmaps'] }],
          handle: (request) => (request.name?.startsWith('big-') ? { allowed: false, status: { code: 403, message: 'the gateway keeps configmaps small' } } : { allowed: true }),
        },
      ],
    },
  });
});
afterAll(async () => {
  await server.close();
});

describe('in-process admission through createServer', () => {
  it('labels what it admits and refuses what it must, with the hook’s message', async () => {
    const core = server.kubeConfig.makeApiClient(CoreV1Api);
    const created = await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'small' } } });
    expect(created.metadata?.labels).toEqual({ 'gateway/owner': 'system.admin' });
    const refused = await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'big-one' } } }).catch((error: { code?: number; body?: string }) => error);
    expect((refused as { code?: number }).code).toBe(403);
    expect(JSON.parse((refused as { body: string }).body).message).toBe('admission webhook "quota.gateway.example.com" denied the request: the gateway keeps configmaps small');
  });
});
