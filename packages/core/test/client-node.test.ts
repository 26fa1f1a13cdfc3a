/**
 * @kubernetes/client-node as a controller author uses it: typed CRUD, and a
 * ListWatch informer that sees adds, updates and deletes, rides out a restart
 * of the server on a file-backed store, and relists after 410 Gone.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppsV1Api, CoreV1Api, makeInformer, PatchStrategy, setHeaderOptions, type V1ConfigMap } from '@kubernetes/client-node';
import { afterAll, describe, expect, it } from 'vitest';
import { openBackend } from '@lk/datastore-kine';
import { createServer, createTestServer, type LkServer } from '@lk/core';

const dir = mkdtempSync(join(tmpdir(), 'lk-client-node-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function eventually(check: () => void, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      check();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createNetServer().listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address !== null ? address.port : 0));
    });
  });
}

describe('@kubernetes/client-node against lk', () => {
  it('does typed CRUD on core and apps objects', async () => {
    const server = await createTestServer();
    try {
      const core = server.kubeConfig.makeApiClient(CoreV1Api);
      const apps = server.kubeConfig.makeApiClient(AppsV1Api);
      const cm = await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'settings', labels: { app: 'demo' } }, data: { mode: 'a' } } });
      expect(cm.metadata?.uid).toMatch(/^[0-9a-f-]{36}$/);
      const replaced = await core.replaceNamespacedConfigMap({ name: 'settings', namespace: 'default', body: { ...cm, data: { mode: 'b' } } });
      expect(Number(replaced.metadata?.resourceVersion)).toBeGreaterThan(Number(cm.metadata?.resourceVersion));
      await expect(core.replaceNamespacedConfigMap({ name: 'settings', namespace: 'default', body: { ...cm, data: { mode: 'stale' } } })).rejects.toMatchObject({ code: 409 });
      const listed = await core.listNamespacedConfigMap({ namespace: 'default', labelSelector: 'app=demo' });
      expect(listed.items.map((item) => item.data?.['mode'])).toEqual(['b']);

      const deployment = await apps.createNamespacedDeployment({
        namespace: 'default',
        body: {
          metadata: { name: 'web' },
          spec: { selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'nginx:1.27' }] } } },
        },
      });
      expect(deployment.spec?.replicas).toBe(1);
      expect(deployment.spec?.strategy?.type).toBe('RollingUpdate');
      expect(deployment.spec?.template.spec?.containers[0]?.imagePullPolicy).toBe('IfNotPresent');
      expect(deployment.metadata?.generation).toBe(1);

      await core.deleteNamespacedConfigMap({ name: 'settings', namespace: 'default' });
      await expect(core.readNamespacedConfigMap({ name: 'settings', namespace: 'default' })).rejects.toMatchObject({ code: 404 });
    } finally {
      await server.close();
    }
  });

  it('keeps an informer current across a server restart and a 410 Gone', async () => {
    const dataDir = join(dir, 'informer');
    const listen = `127.0.0.1:${await freePort()}`;
    let server: LkServer = await createServer({ dataDir, listen, writeKubeconfig: false });
    const kubeConfig = server.kubeConfig;
    const core = kubeConfig.makeApiClient(CoreV1Api);
    const informer = makeInformer<V1ConfigMap>(kubeConfig, '/api/v1/namespaces/default/configmaps', () => core.listNamespacedConfigMap({ namespace: 'default' }));
    const seen: string[] = [];
    // The root CA publisher's kube-root-ca.crt comes and goes on its own; this test follows its own objects.
    const ours = (object: V1ConfigMap): boolean => object.metadata?.name !== 'kube-root-ca.crt';
    informer.on('add', (object) => ours(object) && seen.push(`add ${object.metadata?.name}`));
    informer.on('update', (object) => ours(object) && seen.push(`update ${object.metadata?.name} ${object.data?.['v']}`));
    informer.on('delete', (object) => ours(object) && seen.push(`delete ${object.metadata?.name}`));
    // client-node's documented pattern: an informer whose watch fails is restarted.
    informer.on('error', () => setTimeout(() => void informer.start().catch(() => undefined), 200));
    await informer.start();
    try {
      await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'a' }, data: { v: '1' } } });
      await core.patchNamespacedConfigMap({ name: 'a', namespace: 'default', body: { data: { v: '2' } } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch));
      await eventually(() => expect(seen).toEqual(['add a', 'update a 2']));

      // Restart on the same file and port: the informer comes back by itself.
      await server.close();
      server = await createServer({ dataDir, listen, writeKubeconfig: false });
      await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'b' }, data: { v: '1' } } });
      await eventually(() => expect(seen).toContain('add b'));

      // Compact history away while the server is down: the informer's watch
      // comes back with 410 Gone and it must relist to see the change.
      await server.close();
      const backend = await openBackend(`sqlite://${join(dataDir, 'db', 'state.db')}`, { compactIntervalMs: 0 });
      for (let i = 0; i < 5; i++) await backend.create(`/registry/configmaps/other/filler-${i}`, new TextEncoder().encode('{"metadata":{"name":"x"}}'));
      await backend.compact(await backend.currentRevision());
      await backend.close();
      server = await createServer({ dataDir, listen, writeKubeconfig: false });
      await core.deleteNamespacedConfigMap({ name: 'a', namespace: 'default' });
      await eventually(() => expect(seen).toContain('delete a'), 20_000);
      expect(informer.list().filter(ours).map((item) => item.metadata?.name).sort()).toEqual(['b']);
    } finally {
      await informer.stop();
      await server.close();
    }
  });

  it('serves server-side apply to a controller-style reconcile loop: idempotent, owning only its fields, forcing them back', async () => {
    const server = await createTestServer();
    try {
      const core = server.kubeConfig.makeApiClient(CoreV1Api);
      const ssa = setHeaderOptions('Content-Type', PatchStrategy.ServerSideApply);
      const merge = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
      const desired: V1ConfigMap = {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'managed', namespace: 'default', labels: { 'app.kubernetes.io/managed-by': 'my-controller' } },
        data: { replicas: '3' },
      };
      // What a controller's Reconcile does every time: apply its whole intent, forcing ownership.
      const reconcile = (force = true): Promise<V1ConfigMap> =>
        core.patchNamespacedConfigMap({ name: 'managed', namespace: 'default', body: desired, fieldManager: 'my-controller', force }, ssa);

      const created = await reconcile();
      expect(created.data).toEqual({ replicas: '3' });
      const again = await reconcile();
      expect(again.metadata?.resourceVersion).toBe(created.metadata?.resourceVersion);

      // Someone else adds a key and changes one the controller owns.
      await core.patchNamespacedConfigMap({ name: 'managed', namespace: 'default', body: { data: { note: 'hi', replicas: '5' } }, fieldManager: 'human' }, merge);
      const restored = await reconcile();
      expect(restored.data).toEqual({ note: 'hi', replicas: '3' });
      const owners = Object.fromEntries((restored.metadata?.managedFields ?? []).map((entry) => [entry.manager, entry.fieldsV1]));
      expect(owners).toEqual({
        'my-controller': { 'f:data': { 'f:replicas': {} }, 'f:metadata': { 'f:labels': { 'f:app.kubernetes.io/managed-by': {} } } },
        human: { 'f:data': { 'f:note': {} } },
      });

      // Without force, the same change is a 409 naming the field and its manager.
      await core.patchNamespacedConfigMap({ name: 'managed', namespace: 'default', body: { data: { replicas: '7' } }, fieldManager: 'human' }, merge);
      const refused = await reconcile(false).then(
        () => undefined,
        (error: unknown) => error as { code?: number; body?: string },
      );
      expect(refused?.code).toBe(409);
      expect(JSON.parse(refused?.body ?? '{}')).toMatchObject({
        reason: 'Conflict',
        details: { causes: [{ reason: 'FieldManagerConflict', field: '.data.replicas', message: 'conflict with "human" using v1' }] },
      });
    } finally {
      await server.close();
    }
  });
});
