/**
 * createServer serves TLS by default: HTTP/2 and HTTP/1.1 with a serving
 * certificate from lk's own CA, a kubeconfig that trusts that CA and
 * carries the admin's client certificate, and nothing trusted otherwise.
 */
import { connect } from 'node:http2';
import { request } from 'node:https';
import { connect as tlsConnect } from 'node:tls';
import { X509Certificate } from 'node:crypto';
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

describe('certificate upkeep while running', () => {
  /** The serving certificate a new TLS connection is offered (checked by the test, since the test's clock runs ahead of the real one). */
  function servedCertificate(url: string): Promise<X509Certificate> {
    return new Promise((resolve, reject) => {
      const socket = tlsConnect({ host: '127.0.0.1', port: Number(new URL(url).port), rejectUnauthorized: false, ALPNProtocols: ['http/1.1'] }, () => {
        const certificate = new X509Certificate(socket.getPeerCertificate().raw);
        socket.end();
        resolve(certificate);
      });
      socket.on('error', reject);
    });
  }

  it('renews the serving certificate in place, without a restart, from the same CA', async () => {
    const upkeepDir = mkdtempSync(join(tmpdir(), 'lk-upkeep-'));
    let clock = new Date();
    const running = await createServer({ dataDir: upkeepDir, listen: '127.0.0.1:0', writeKubeconfig: false, certificates: { now: () => clock, checkIntervalMs: 100 } });
    try {
      const serverCa = new X509Certificate(readFileSync(join(upkeepDir, 'tls', 'server-ca.crt')));
      const before = await servedCertificate(running.url);
      // 300 days on, the one-year serving certificate is inside the 90-day window: renewed, and served at once.
      clock = new Date(clock.getTime() + 300 * 86_400_000);
      const deadline = Date.now() + 10_000;
      let after = before;
      while (after.serialNumber === before.serialNumber && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        after = await servedCertificate(running.url);
      }
      expect(after.serialNumber).not.toBe(before.serialNumber);
      expect(new Date(after.validTo).getTime() - new Date(before.validTo).getTime()).toBeGreaterThan(299 * 86_400_000);
      // Same CA, so every client keeps trusting the server.
      expect(after.checkIssued(serverCa) && after.verify(serverCa.publicKey)).toBe(true);
      expect(new X509Certificate(readFileSync(join(upkeepDir, 'tls', 'server-ca.crt'))).fingerprint256).toBe(serverCa.fingerprint256);
    } finally {
      await running.close();
      rmSync(upkeepDir, { recursive: true, force: true });
    }
  });

  it('records a Warning Event while a CA is inside the renewal window (lk does not replace CAs unasked)', async () => {
    const upkeepDir = mkdtempSync(join(tmpdir(), 'lk-upkeep-'));
    // A window longer than a CA's ten years: the CAs are inside it from the start; leaves outlive it and stay.
    const running = await createServer({ dataDir: upkeepDir, listen: '127.0.0.1:0', writeKubeconfig: false, certificates: { renewalWindowDays: 3700, leafValidityDays: 4000, checkIntervalMs: 100 } });
    try {
      const deadline = Date.now() + 10_000;
      type EventSummary = { reason?: string; type?: string; message?: string; involvedObject?: { kind?: string; name?: string } };
      let warning: EventSummary | undefined;
      while (warning === undefined && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        const events = (await (await running.fetch('/api/v1/namespaces/default/events')).json()) as { items: EventSummary[] };
        warning = events.items.find((event) => event.reason === 'CertificateExpirationWarning');
      }
      expect(warning?.type).toBe('Warning');
      expect(warning?.involvedObject).toMatchObject({ kind: 'Service', name: 'kubernetes' });
      expect(warning?.message).toMatch(/^lk certificates require attention: server-ca expires \S+, client-ca expires \S+, request-header-ca expires \S+$/);
    } finally {
      await running.close();
      rmSync(upkeepDir, { recursive: true, force: true });
    }
  });
});

describe('bad input at the transport', () => {
  it('answers oversized headers with 431 and an unknown bearer token with a 401 Status, and keeps serving', async () => {
    const ca = readFileSync(join(dir, 'tls', 'server-ca.crt'), 'utf8');
    const get = (headers: Record<string, string>): Promise<{ status: number; body: string }> =>
      new Promise((resolve, reject) => {
        const req = request(`${server.url}/api/v1/namespaces`, { ca, headers }, (response) => {
          let body = '';
          response.on('data', (chunk: Buffer) => (body += chunk.toString()));
          response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
        });
        req.on('error', reject);
        req.end();
      });
    expect((await get({ 'x-padding': 'a'.repeat(64 * 1024) })).status).toBe(431);
    const bad = await get({ authorization: 'Bearer eyJhbGciOiJFUzI1NiJ9.bm90IGEgdG9rZW4.c2ln' });
    expect(bad.status).toBe(401);
    expect(JSON.parse(bad.body)).toMatchObject({ kind: 'Status', reason: 'Unauthorized', code: 401 });
    expect((await server.fetch('/api/v1/namespaces')).status).toBe(200);
  });

  it('listens on every interface over TLS, now that requests are authenticated', async () => {
    const openDir = mkdtempSync(join(tmpdir(), 'lk-open-'));
    const open = await createServer({ dataDir: openDir, listen: '0.0.0.0:0', writeKubeconfig: false });
    try {
      // The kubeconfig and the controllers reach it over loopback, a name its certificate carries.
      expect(open.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
      expect((await open.fetch('/api/v1/namespaces/default')).status).toBe(200);
      const port = new URL(open.url).port;
      const anonymous = await new Promise<number>((resolve, reject) => {
        const req = request(`https://127.0.0.1:${port}/api/v1/secrets`, { ca: readFileSync(join(openDir, 'tls', 'server-ca.crt'), 'utf8') }, (response) => {
          response.resume();
          resolve(response.statusCode ?? 0);
        });
        req.on('error', reject);
        req.end();
      });
      // Anonymous requests reach the server and are refused by RBAC.
      expect(anonymous).toBe(403);
    } finally {
      await open.close();
      rmSync(openDir, { recursive: true, force: true });
    }
  });
});
