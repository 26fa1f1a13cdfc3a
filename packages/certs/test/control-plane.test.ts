/**
 * The control plane's certificates on disk: what is created, who signs
 * what (checked with the real openssl), key files 0600, renewal of leaves
 * inside the window at start (CAs untouched, so older certificates stay
 * valid), new SANs, a host app's own client certificate, and damaged files.
 */
import { spawnSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CertificateError, ensureCertificates } from '@lk/certs';

const root = mkdtempSync(join(tmpdir(), 'lk-certs-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const DAY = 24 * 60 * 60 * 1000;

function openssl(args: string[]): { code: number; output: string } {
  const result = spawnSync('openssl', args, { encoding: 'utf8' });
  return { code: result.status ?? -1, output: `${result.stdout}${result.stderr}` };
}

function verifyWithOpenssl(caPath: string, certificatePath: string, purpose: 'sslserver' | 'sslclient', at?: Date): string {
  const when = at === undefined ? [] : ['-attime', String(Math.floor(at.getTime() / 1000))];
  return openssl(['verify', '-CAfile', caPath, '-purpose', purpose, ...when, certificatePath]).output.trim();
}

describe('ensureCertificates', () => {
  const dataDir = join(root, 'plane');
  const start = new Date('2026-11-22T12:00:00Z');

  it('creates three CAs, the serving certificate, component client certificates and the service-account key', async () => {
    const certs = await ensureCertificates({ dataDir, now: () => start, serverNames: ['gateway.local'], serverAddresses: ['192.168.1.10'] });
    expect([...certs.created].sort()).toEqual(
      ['client-admin', 'client-ca', 'client-controller', 'client-scheduler', 'request-header-ca', 'server-ca', 'service-account-key', 'serving-kube-apiserver'].sort(),
    );
    expect(certs.renewed).toEqual([]);

    expect(verifyWithOpenssl(certs.serverCa.certificatePath, certs.serving.certificatePath, 'sslserver')).toBe(`${certs.serving.certificatePath}: OK`);
    expect(verifyWithOpenssl(certs.clientCa.certificatePath, certs.admin.certificatePath, 'sslclient')).toBe(`${certs.admin.certificatePath}: OK`);
    // The serving certificate is not a client certificate, and the client CA does not vouch for it.
    expect(verifyWithOpenssl(certs.clientCa.certificatePath, certs.serving.certificatePath, 'sslserver')).not.toContain(': OK');

    const serving = new X509Certificate(readFileSync(certs.serving.certificatePath));
    for (const name of ['DNS:kubernetes', 'DNS:kubernetes.default.svc.cluster.local', 'DNS:localhost', 'DNS:gateway.local', 'IP Address:127.0.0.1', 'IP Address:10.43.0.1', 'IP Address:192.168.1.10']) {
      expect(serving.subjectAltName).toContain(name);
    }
    const admin = new X509Certificate(readFileSync(certs.admin.certificatePath));
    expect(admin.subject.split('\n').sort()).toEqual(['CN=system:admin', 'O=system:masters']);
    expect(new Date(admin.validTo).getTime() - start.getTime()).toBeGreaterThan(364 * DAY);
    expect(new Date(new X509Certificate(readFileSync(certs.serverCa.certificatePath)).validTo).getTime() - start.getTime()).toBeGreaterThan(3649 * DAY);
  });

  it('writes private keys readable by the owner only', async () => {
    for (const name of ['server-ca.key', 'client-ca.key', 'request-header-ca.key', 'serving-kube-apiserver.key', 'client-admin.key', 'client-controller.key', 'client-scheduler.key', 'service.key']) {
      expect(statSync(join(dataDir, 'tls', name)).mode & 0o777, name).toBe(0o600);
    }
    expect(statSync(join(dataDir, 'tls')).mode & 0o777).toBe(0o700);
  });

  it('changes nothing at a start where everything is valid', async () => {
    const before = readFileSync(join(dataDir, 'tls', 'client-admin.crt'), 'utf8');
    const certs = await ensureCertificates({ dataDir, now: () => new Date(start.getTime() + 30 * DAY), serverNames: ['gateway.local'], serverAddresses: ['192.168.1.10'] });
    expect(certs.created).toEqual([]);
    expect(certs.renewed).toEqual([]);
    expect(readFileSync(join(dataDir, 'tls', 'client-admin.crt'), 'utf8')).toBe(before);
  });

  it('renews leaves inside the renewal window, keeping CAs and keys, so the old certificates stay valid until they expire', async () => {
    const tls = join(dataDir, 'tls');
    const oldAdmin = readFileSync(join(tls, 'client-admin.crt'), 'utf8');
    const oldKey = readFileSync(join(tls, 'client-admin.key'), 'utf8');
    const caBefore = readFileSync(join(tls, 'client-ca.crt'), 'utf8');
    const later = new Date(start.getTime() + 300 * DAY); // 65 days before expiry: inside the 90-day window
    const certs = await ensureCertificates({ dataDir, now: () => later, serverNames: ['gateway.local'], serverAddresses: ['192.168.1.10'] });
    expect([...certs.renewed].sort()).toEqual(['client-admin', 'client-controller', 'client-scheduler', 'serving-kube-apiserver']);
    expect(readFileSync(join(tls, 'client-ca.crt'), 'utf8')).toBe(caBefore);
    expect(readFileSync(join(tls, 'client-admin.key'), 'utf8')).toBe(oldKey);
    const renewed = readFileSync(join(tls, 'client-admin.crt'), 'utf8');
    expect(renewed).not.toBe(oldAdmin);
    expect(new Date(new X509Certificate(renewed).validTo).getTime()).toBe(later.getTime() + 365 * DAY);
    // Both verify against the unchanged CA at this moment.
    const oldPath = join(root, 'old-admin.crt');
    writeFileSync(oldPath, oldAdmin);
    expect(verifyWithOpenssl(join(tls, 'client-ca.crt'), oldPath, 'sslclient', later)).toBe(`${oldPath}: OK`);
    expect(verifyWithOpenssl(join(tls, 'client-ca.crt'), join(tls, 'client-admin.crt'), 'sslclient', later)).toBe(`${join(tls, 'client-admin.crt')}: OK`);
  });

  it('reissues the serving certificate when asked to answer to a new name', async () => {
    const certs = await ensureCertificates({ dataDir, now: () => new Date(start.getTime() + 301 * DAY), serverNames: ['gateway.local', 'new.example'], serverAddresses: ['192.168.1.10'] });
    expect(certs.renewed).toEqual(['serving-kube-apiserver']);
    expect(new X509Certificate(readFileSync(certs.serving.certificatePath)).subjectAltName).toContain('DNS:new.example');
  });

  it('issues a host app its own client certificates from the client CA', async () => {
    const certs = await ensureCertificates({ dataDir, now: () => new Date(start.getTime() + 301 * DAY), serverNames: ['gateway.local', 'new.example'], serverAddresses: ['192.168.1.10'] });
    const issued = await certs.issueClientCertificate({ commonName: 'device-42', organizations: ['iot:devices', 'team, with comma'] }, 30);
    const path = join(root, 'device.crt');
    writeFileSync(path, issued.certificatePem);
    expect(verifyWithOpenssl(certs.clientCa.certificatePath, path, 'sslclient', new Date(start.getTime() + 302 * DAY))).toBe(`${path}: OK`);
    const subject = new X509Certificate(issued.certificatePem).subject.split('\n');
    expect(subject).toContain('CN=device-42');
    expect(subject).toContain('O=iot:devices');
    expect(issued.keyPem).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
    await expect(certs.issueClientCertificate({ commonName: '' })).rejects.toThrow(CertificateError);
  });

  it('refuses damaged files with a typed error that says what to do', async () => {
    const damaged = join(root, 'damaged');
    await ensureCertificates({ dataDir: damaged });
    writeFileSync(join(damaged, 'tls', 'client-admin.crt'), 'not a certificate');
    const error = await ensureCertificates({ dataDir: damaged }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(CertificateError);
    expect((error as CertificateError).message).toMatch(/client-admin\.crt is not a PEM certificate .*; remove it to have a new one issued/);

    rmSync(join(damaged, 'tls', 'server-ca.key'));
    const missingKey = await ensureCertificates({ dataDir: damaged }).catch((caught: unknown) => caught);
    expect((missingKey as Error).message).toContain('server-ca.key is missing while its pair exists');
  });
});
