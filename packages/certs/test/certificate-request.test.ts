/**
 * Reading and signing PKCS#10 requests made by openssl, checked back with
 * openssl: what CSR validation and the CSR signers stand on.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CertificateError, ensureCertificates, readCertificateRequest, signCertificateRequest } from '../src/index.js';

const dir = mkdtempSync(join(tmpdir(), 'lk-csr-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function opensslRequest(name: string, subject: string, extra: string[] = []): string {
  const key = join(dir, `${name}.key`);
  execFileSync('openssl', ['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', key]);
  return execFileSync('openssl', ['req', '-new', '-key', key, '-subj', subject, ...extra], { encoding: 'utf8' });
}

describe('certificate requests', () => {
  it('reads subject and names, and whether the signature holds', async () => {
    const pem = opensslRequest('node', '/O=system:nodes/CN=system:node:n1', ['-addext', 'subjectAltName=DNS:n1.example.com,IP:192.0.2.10']);
    const info = await readCertificateRequest(pem);
    expect(info).toEqual({ commonName: 'system:node:n1', organizations: ['system:nodes'], dnsNames: ['n1.example.com'], ipAddresses: ['192.0.2.10'], emailAddresses: [], uris: [], signatureValid: true });
    // A flipped byte inside the signature.
    const der = Buffer.from(pem.replace(/-----[^-]+-----|\s/g, ''), 'base64');
    der[der.length - 3] = der[der.length - 3]! ^ 0xff;
    const broken = `-----BEGIN CERTIFICATE REQUEST-----\n${der.toString('base64')}\n-----END CERTIFICATE REQUEST-----\n`;
    expect((await readCertificateRequest(broken)).signatureValid).toBe(false);
    await expect(readCertificateRequest('nonsense')).rejects.toThrow(new CertificateError('PEM block type must be CERTIFICATE REQUEST'));
    await expect(readCertificateRequest('-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n')).rejects.toThrow(CertificateError);
  });

  it('signs a request with a CA for the usages given, which openssl verifies', async () => {
    const cluster = await ensureCertificates({ dataDir: join(dir, 'cluster') });
    const pem = opensslRequest('alice', '/O=dev/CN=alice');
    const now = Date.now();
    const certificate = await signCertificateRequest(cluster.clientCa, pem, { usages: ['digital signature', 'client auth'], notBefore: new Date(now - 60_000), notAfter: new Date(now + 3_600_000) });
    writeFileSync(join(dir, 'alice.crt'), certificate);
    expect(execFileSync('openssl', ['verify', '-CAfile', cluster.clientCa.certificatePath, join(dir, 'alice.crt')], { encoding: 'utf8' }).trim()).toBe(`${join(dir, 'alice.crt')}: OK`);
    const text = execFileSync('openssl', ['x509', '-in', join(dir, 'alice.crt'), '-noout', '-text'], { encoding: 'utf8' });
    expect(text).toMatch(/Subject: O ?= ?dev, CN ?= ?alice/);
    expect(text).toContain('TLS Web Client Authentication');
    expect(text).toContain('Digital Signature');
    expect(text).not.toContain('TLS Web Server Authentication');
    expect(readFileSync(join(dir, 'alice.crt'), 'utf8')).toContain('BEGIN CERTIFICATE');
  });
});
