/**
 * X.509 client-certificate authentication over a real TLS connection:
 * certificates from the client CA authenticate as CN (user) and O
 * (groups); expired ones, ones from another CA and ones not meant for
 * client authentication are a 401, not a failed handshake.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, request, type Server } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openBackend, type Backend } from '@lk/datastore-kine';
import { ensureCertificates, type ControlPlaneCertificates } from '@lk/certs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiServer } from '../../src/create-api-server.js';
import type { ApiServer } from '../../src/server/api-server.js';

const dir = mkdtempSync(join(tmpdir(), 'lk-x509-'));
let certificates: ControlPlaneCertificates;
let backend: Backend;
let api: ApiServer;
let https: Server;
let port = 0;

beforeAll(async () => {
  certificates = await ensureCertificates({ dataDir: join(dir, 'cluster') });
  backend = await openBackend('sqlite://:memory:', { compactIntervalMs: 0 });
  api = await createApiServer({ backend, authentication: { clientCaPem: certificates.clientCa.certificatePem } });
  https = createServer(
    { cert: certificates.serving.certificatePem, key: certificates.serving.keyPem, requestCert: true, rejectUnauthorized: false, ca: [certificates.clientCa.certificatePem] },
    api.handle,
  );
  await new Promise<void>((resolve) => https.listen(0, '127.0.0.1', resolve));
  const address = https.address();
  port = typeof address === 'object' && address !== null ? address.port : 0;
});

afterAll(async () => {
  await new Promise<void>((resolve) => https.close(() => resolve()));
  https.closeAllConnections();
  await api.close();
  await backend.close();
  rmSync(dir, { recursive: true, force: true });
});

/** POSTs a SelfSubjectReview presenting a client certificate: the status code and the user it reports. */
function whoami(client?: { certificatePem: string; keyPem: string }): Promise<{ status: number; body: { status?: { userInfo?: unknown }; reason?: string } }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path: '/apis/authentication.k8s.io/v1/selfsubjectreviews',
        method: 'POST',
        ca: certificates.serverCa.certificatePem,
        ...(client !== undefined && { cert: client.certificatePem, key: client.keyPem }),
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        // A fresh connection per request: certificates are presented at the handshake.
        agent: false,
      },
      (response) => {
        let text = '';
        response.on('data', (chunk: Buffer) => (text += chunk.toString()));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body: JSON.parse(text) as never }));
      },
    );
    req.on('error', reject);
    req.end(JSON.stringify({ apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' }));
  });
}

describe('client certificate authentication', () => {
  it('authenticates the admin certificate as system:admin in system:masters', async () => {
    const response = await whoami(certificates.admin);
    expect(response.status).toBe(201);
    expect(response.body.status?.userInfo).toEqual({ username: 'system:admin', groups: ['system:masters', 'system:authenticated'] });
  });

  it('authenticates CN as the user and every O as a group', async () => {
    const alice = await certificates.issueClientCertificate({ commonName: 'alice', organizations: ['dev', 'ops'] });
    const response = await whoami(alice);
    // system:basic-user (bound to every authenticated user) lets alice ask who she is.
    expect(response.status).toBe(201);
    expect(response.body.status?.userInfo).toEqual({ username: 'alice', groups: ['dev', 'ops', 'system:authenticated'] });
  });

  it('refuses an expired certificate, one from another CA, and a serving certificate with 401', async () => {
    const longAgo = new Date(Date.now() - 400 * 86_400_000);
    const past = await ensureCertificates({ dataDir: join(dir, 'cluster'), now: () => longAgo });
    const expired = await past.issueClientCertificate({ commonName: 'alice' }, 1);
    expect((await whoami(expired)).status).toBe(401);
    const foreign = await (await ensureCertificates({ dataDir: join(dir, 'elsewhere') })).issueClientCertificate({ commonName: 'system:admin', organizations: ['system:masters'] });
    const refused = await whoami(foreign);
    expect(refused.status).toBe(401);
    expect(refused.body.reason).toBe('Unauthorized');
    // The serving certificate is from the server CA, and not for client authentication either.
    expect((await whoami(certificates.serving)).status).toBe(401);
  });

  it('treats a connection without a certificate as anonymous', async () => {
    const response = await whoami();
    expect(response.status).toBe(403);
    expect(JSON.stringify(response.body)).toContain('system:anonymous');
  });
});
