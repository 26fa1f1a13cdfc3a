/**
 * createServer serves TLS by default: HTTP/2 and HTTP/1.1 with a serving
 * certificate from lk's own CA, a kubeconfig that trusts that CA and
 * carries the admin's client certificate, and nothing trusted otherwise.
 */
import { connect } from 'node:http2';
import { request } from 'node:https';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CoreV1Api } from '@kubernetes/client-node';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, createTestServer, type LkServer } from '@lk/core';

const dir = mkdtempSync(join(tmpdir(), 'lk-tls-'));
let server: LkServer;
beforeAll(async () => {
  server = await createServer({ dataDir: dir, listen: '127.0.0.1:0', tlsSan: ['gateway.local', '192.0.2.7'] });
});
afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

const ca = (): string => readFileSync(join(dir, 'tls', 'server-ca.crt'), 'utf8');

describe('TLS by default', () => {
  it('writes a kubeconfig that trusts lk’s CA and carries the admin certificate', () => {
    expect(server.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const config = parse(server.kubeconfig) as { clusters: { cluster: Record<string, unknown> }[]; users: { user: Record<string, unknown> }[] };
    expect(Buffer.from(String(config.clusters[0]!.cluster['certificate-authority-data']), 'base64').toString()).toBe(ca());
    expect(config.clusters[0]!.cluster['insecure-skip-tls-verify']).toBeUndefined();
    expect(Buffer.from(String(config.users[0]!.user['client-certificate-data']), 'base64').toString()).toContain('BEGIN CERTIFICATE');
    for (const key of ['server-ca.key', 'client-ca.key', 'serving-kube-apiserver.key', 'client-admin.key']) expect(statSync(join(dir, 'tls', key)).mode & 0o777).toBe(0o600);
  });

  it('speaks HTTP/2 to clients that offer it', async () => {
    const session = connect(server.url, { ca: ca() });
    try {
      const { status, alpn } = await new Promise<{ status: number; alpn: string | false | undefined }>((resolve, reject) => {
        const stream = session.request({ ':path': '/version' });
        stream.on('response', (headers) => resolve({ status: Number(headers[':status']), alpn: session.alpnProtocol }));
        stream.on('error', reject);
        stream.end();
      });
      expect(status).toBe(200);
      expect(alpn).toBe('h2');
    } finally {
      session.close();
    }
  });

  it('speaks HTTP/1.1, and is trusted only through lk’s CA, under its own names', async () => {
    const get = (options: { ca?: string; servername?: string }): Promise<number> =>
      new Promise((resolve, reject) => {
        // Node's https client offers no ALPN: this is HTTP/1.1.
        const req = request(`${server.url}/healthz`, { ...options }, (response) => {
          response.resume();
          resolve(response.statusCode ?? 0);
        });
        req.on('error', reject);
        req.end();
      });
    expect(await get({ ca: ca() })).toBe(200);
    await expect(get({})).rejects.toMatchObject({ code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' });
    const serving = new (await import('node:crypto')).X509Certificate(readFileSync(join(dir, 'tls', 'serving-kube-apiserver.crt')));
    expect(serving.subjectAltName).toContain('DNS:gateway.local');
    expect(serving.subjectAltName).toContain('IP Address:192.0.2.7');
  });

  it('serves client-node and the in-process controllers over TLS', async () => {
    const core = server.kubeConfig.makeApiClient(CoreV1Api);
    await core.createNamespace({ body: { metadata: { name: 'over-tls' } } });
    await core.createNamespacedConfigMap({ namespace: 'over-tls', body: { metadata: { name: 'x' } } });
    await core.deleteNamespace({ name: 'over-tls' });
    // The namespace controller (over TLS with its own client certificate) empties and finalizes it.
    const deadline = Date.now() + 10_000;
    while ((await server.fetch('/api/v1/namespaces/over-tls')).status !== 404) {
      if (Date.now() > deadline) throw new Error('the namespace controller did not finish the namespace over TLS');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  });
});

describe('createTestServer over TLS', () => {
  it('keeps its certificates in a temporary directory, removed on close, and serves through its own CA', async () => {
    const homes = (): string[] => readdirSync(tmpdir()).filter((name) => name.startsWith('lk-test-server-'));
    const before = homes();
    const test = await createTestServer({ transport: 'https' });
    try {
      expect(test.url).toMatch(/^https:/);
      expect((await test.fetch('/api/v1/namespaces/default')).status).toBe(200);
      const added = homes().filter((name) => !before.includes(name));
      expect(added).toHaveLength(1);
      expect(existsSync(join(tmpdir(), added[0]!, 'tls', 'server-ca.crt'))).toBe(true);
    } finally {
      await test.close();
    }
    expect(homes().filter((name) => !before.includes(name))).toEqual([]);
  });
});
