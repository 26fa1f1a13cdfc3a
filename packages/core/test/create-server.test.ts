import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CoreV1Api } from '@kubernetes/client-node';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigurationError, createServer, createTestServer } from '@lk/core';

const dir = mkdtempSync(join(tmpdir(), 'lk-core-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('createServer', () => {
  it('serves the API, writes a private kubeconfig, and finds everything again after a restart', async () => {
    const dataDir = join(dir, 'restart');
    const first = await createServer({ dataDir, listen: '127.0.0.1:0' });
    expect(first.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(first.kubeconfigPath).toBe(join(dataDir, 'kubeconfig.yaml'));
    expect(statSync(first.kubeconfigPath!).mode & 0o777).toBe(0o600);
    const api = first.kubeConfig.makeApiClient(CoreV1Api);
    const namespaces = await api.listNamespace();
    expect(namespaces.items.map((ns) => ns.metadata?.name).sort()).toEqual(['default', 'kube-node-lease', 'kube-public', 'kube-system']);
    const created = await api.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'kept' }, data: { a: '1' } } });
    await first.close();

    const second = await createServer({ dataDir, listen: '127.0.0.1:0' });
    try {
      const again = await second.kubeConfig.makeApiClient(CoreV1Api).readNamespacedConfigMap({ name: 'kept', namespace: 'default' });
      expect(again.data).toEqual({ a: '1' });
      expect(again.metadata?.uid).toBe(created.metadata?.uid);
      expect(again.metadata?.resourceVersion).toBe(created.metadata?.resourceVersion);
    } finally {
      await second.close();
    }
  });

  it('serves plain HTTP on loopback only, saying why, and refuses malformed addresses', async () => {
    await expect(createServer({ dataDir: join(dir, 'open'), listen: '0.0.0.0:6443', transport: 'http' })).rejects.toThrow(ConfigurationError);
    await expect(createServer({ dataDir: join(dir, 'open'), listen: '0.0.0.0:6443', transport: 'http' })).rejects.toThrow(/loopback/);
    await expect(createServer({ dataDir: join(dir, 'bad'), listen: 'nonsense' })).rejects.toThrow(/must be host:port/);
  });

  it('runs many test servers side by side, each with its own store', async () => {
    const servers = await Promise.all(Array.from({ length: 5 }, () => createTestServer()));
    try {
      expect(new Set(servers.map((server) => server.url)).size).toBe(5);
      await Promise.all(
        servers.map((server, index) =>
          server.kubeConfig.makeApiClient(CoreV1Api).createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: `only-${index}` } } }),
        ),
      );
      for (const [index, server] of servers.entries()) {
        const list = await server.kubeConfig.makeApiClient(CoreV1Api).listNamespacedConfigMap({ namespace: 'default' });
        expect(list.items.map((item) => item.metadata?.name)).toEqual([`only-${index}`]);
      }
    } finally {
      await Promise.all(servers.map((server) => server.close()));
    }
  });
});
