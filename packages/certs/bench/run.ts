/**
 * Why @lk/certs uses @peculiar/x509: issuing certificates with it (ECDSA
 * P-256 through Node's WebCrypto) against node-forge (pure JavaScript; RSA
 * only, forge has no ECDSA), in one run. Measures a leaf certificate with
 * a fresh key pair (what a node joining or a rotation costs) and signing
 * alone with an existing key.
 *
 *   pnpm --filter @lk/certs run bench
 */
import { cpus } from 'node:os';
import forge from 'node-forge';
import { createCertificateAuthority, generateKeyPair, issueLeafCertificate } from '../src/x509.js';

const ROUNDS = Number(process.env.LK_BENCH_ROUNDS ?? 40);

async function time(label: string, rounds: number, run: () => Promise<unknown> | unknown): Promise<{ label: string; msEach: number }> {
  await run(); // warm-up
  const started = performance.now();
  for (let i = 0; i < rounds; i++) await run();
  const msEach = (performance.now() - started) / rounds;
  process.stderr.write(`[bench] ${label}: ${msEach.toFixed(2)} ms each\n`);
  return { label, msEach };
}

const now = new Date();
const later = new Date(now.getTime() + 365 * 24 * 3600 * 1000);

// @peculiar/x509, ECDSA P-256
const ca = await createCertificateAuthority({ commonName: 'bench-ca' }, now, later);
const leafRequest = { subject: { commonName: 'system:node:bench', organizations: ['system:nodes'] }, usage: 'client' as const, notBefore: now, notAfter: later };
const reusedKeys = await generateKeyPair();

// node-forge, RSA 2048
const forgeCaKeys = forge.pki.rsa.generateKeyPair(2048);
const forgeCa = forge.pki.createCertificate();
forgeCa.publicKey = forgeCaKeys.publicKey;
forgeCa.serialNumber = '01';
forgeCa.validity.notBefore = now;
forgeCa.validity.notAfter = later;
forgeCa.setSubject([{ name: 'commonName', value: 'bench-ca' }]);
forgeCa.setIssuer([{ name: 'commonName', value: 'bench-ca' }]);
forgeCa.setExtensions([{ name: 'basicConstraints', cA: true }]);
forgeCa.sign(forgeCaKeys.privateKey, forge.md.sha256.create());
const forgeReused = forge.pki.rsa.generateKeyPair(2048);

function forgeLeaf(keys: forge.pki.rsa.KeyPair): string {
  const certificate = forge.pki.createCertificate();
  certificate.publicKey = keys.publicKey;
  certificate.serialNumber = '02';
  certificate.validity.notBefore = now;
  certificate.validity.notAfter = later;
  certificate.setSubject([
    { name: 'commonName', value: 'system:node:bench' },
    { name: 'organizationName', value: 'system:nodes' },
  ]);
  certificate.setIssuer(forgeCa.subject.attributes);
  certificate.setExtensions([{ name: 'basicConstraints', cA: false }, { name: 'extKeyUsage', clientAuth: true }]);
  certificate.sign(forgeCaKeys.privateKey, forge.md.sha256.create());
  return forge.pki.certificateToPem(certificate) + forge.pki.privateKeyToPem(keys.privateKey);
}

const results = [
  await time('@peculiar/x509 ECDSA P-256: new key + leaf certificate', ROUNDS, () => issueLeafCertificate(ca, leafRequest)),
  await time('@peculiar/x509 ECDSA P-256: leaf certificate, existing key', ROUNDS, () => issueLeafCertificate(ca, leafRequest, reusedKeys)),
  await time('node-forge RSA 2048: new key + leaf certificate', Math.max(5, Math.floor(ROUNDS / 8)), () => forgeLeaf(forge.pki.rsa.generateKeyPair(2048))),
  await time('node-forge RSA 2048: leaf certificate, existing key', ROUNDS, () => forgeLeaf(forgeReused)),
];

console.log(`\n${new Date().toISOString()} · Node ${process.version} · ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}\n`);
console.log('| library and key | ms per certificate |');
console.log('| --- | ---: |');
for (const result of results) console.log(`| ${result.label} | ${result.msEach.toFixed(2)} |`);
const ratio = results[2]!.msEach / results[0]!.msEach;
console.log(`\nWith a new key, node-forge takes ${ratio.toFixed(0)}× as long as @peculiar/x509.`);
