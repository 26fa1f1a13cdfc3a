/**
 * Issuing X.509 certificates: @peculiar/x509 over Node's WebCrypto, with
 * ECDSA P-256 keys (what k3s uses: small, fast, accepted by every
 * Kubernetes client). The choice of library was made by measurement: see
 * bench/run.ts and docs/certs.md.
 */
import 'reflect-metadata';
import { randomBytes, webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

// Node's WebCrypto is the standard one; the library's types name the DOM's globals.
x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

type CryptoKey = webcrypto.CryptoKey;

const ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
/** How lk's CAs sign: ECDSA with SHA-256. */
export const signingAlgorithm = ALGORITHM;

export interface KeyPair {
  readonly privateKey: CryptoKey;
  readonly publicKey: CryptoKey;
}

/** A certificate and its private key, both PEM. */
export interface CertificateAndKey {
  readonly certificatePem: string;
  readonly keyPem: string;
}

export interface Subject {
  readonly commonName: string;
  /** O= entries: Kubernetes reads them as the user's groups. */
  readonly organizations?: readonly string[];
}

export type Usage = 'server' | 'client' | 'server-and-client';

export interface LeafRequest {
  readonly subject: Subject;
  readonly usage: Usage;
  readonly dnsNames?: readonly string[];
  readonly ipAddresses?: readonly string[];
  readonly notBefore: Date;
  readonly notAfter: Date;
}

export async function generateKeyPair(): Promise<KeyPair> {
  return (await webcrypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify'])) as KeyPair;
}

export async function privateKeyPem(key: CryptoKey): Promise<string> {
  const der = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', key));
  return pem('PRIVATE KEY', der);
}

export async function publicKeyPem(key: CryptoKey): Promise<string> {
  const der = Buffer.from(await webcrypto.subtle.exportKey('spki', key));
  return pem('PUBLIC KEY', der);
}

/** Reads a PKCS#8 ECDSA P-256 private key back, with the public key derived from it. */
export async function importKeyPair(privatePem: string): Promise<KeyPair> {
  const der = derOf(privatePem, 'PRIVATE KEY');
  const privateKey = await webcrypto.subtle.importKey('pkcs8', der, ALGORITHM, true, ['sign']);
  // WebCrypto cannot derive a public key from a private one; its JWK form carries both.
  const jwk = await webcrypto.subtle.exportKey('jwk', privateKey);
  const { d: _d, ...publicJwk } = jwk;
  const publicKey = await webcrypto.subtle.importKey('jwk', { ...publicJwk, key_ops: ['verify'] }, ALGORITHM, true, ['verify']);
  return { privateKey, publicKey };
}

function pem(label: string, der: Buffer): string {
  const lines = der.toString('base64').match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

function derOf(text: string, label: string): Buffer {
  const match = new RegExp(`-----BEGIN ${label}-----([\\s\\S]+?)-----END ${label}-----`).exec(text);
  if (match === null) throw new Error(`no "${label}" PEM block found`);
  return Buffer.from(match[1]!.replace(/\s+/g, ''), 'base64');
}

/** RFC 4514 form; commas and other specials in values are escaped. */
function distinguishedName(subject: Subject): string {
  const escape = (value: string): string => value.replace(/([,+"\\<>;=])/g, '\\$1');
  return [`CN=${escape(subject.commonName)}`, ...(subject.organizations ?? []).map((organization) => `O=${escape(organization)}`)].join(', ');
}

/** A positive serial of 128 random bits, as RFC 5280 recommends. */
export function serialNumber(): string {
  const bytes = randomBytes(16);
  bytes[0] = bytes[0]! & 0x7f;
  return bytes.toString('hex');
}

export async function createCertificateAuthority(subject: Subject, notBefore: Date, notAfter: Date): Promise<CertificateAndKey & { readonly keys: KeyPair }> {
  const keys = await generateKeyPair();
  const certificate = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serialNumber(),
    name: distinguishedName(subject),
    notBefore,
    notAfter,
    signingAlgorithm: ALGORITHM,
    keys: keys as unknown as Parameters<typeof x509.X509CertificateGenerator.createSelfSigned>[0]['keys'],
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { certificatePem: certificate.toString('pem'), keyPem: await privateKeyPem(keys.privateKey), keys };
}

/** Issues a leaf certificate for `keys` (a fresh pair unless given), signed by the CA. */
export async function issueLeafCertificate(
  ca: { readonly certificatePem: string; readonly keys: KeyPair },
  request: LeafRequest,
  keys?: KeyPair,
): Promise<CertificateAndKey> {
  const leafKeys = keys ?? (await generateKeyPair());
  const caCertificate = new x509.X509Certificate(ca.certificatePem);
  const usages = request.usage === 'server' ? [x509.ExtendedKeyUsage.serverAuth] : request.usage === 'client' ? [x509.ExtendedKeyUsage.clientAuth] : [x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth];
  const alternativeNames = [
    ...(request.dnsNames ?? []).map((value) => ({ type: 'dns' as const, value })),
    ...(request.ipAddresses ?? []).map((value) => ({ type: 'ip' as const, value })),
  ];
  const certificate = await x509.X509CertificateGenerator.create({
    serialNumber: serialNumber(),
    subject: distinguishedName(request.subject),
    issuer: caCertificate.subject,
    notBefore: request.notBefore,
    notAfter: request.notAfter,
    signingAlgorithm: ALGORITHM,
    publicKey: leafKeys.publicKey,
    signingKey: ca.keys.privateKey,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
      new x509.ExtendedKeyUsageExtension(usages, false),
      await x509.AuthorityKeyIdentifierExtension.create(caCertificate),
      ...(alternativeNames.length > 0 ? [new x509.SubjectAlternativeNameExtension(alternativeNames, false)] : []),
    ],
  });
  return { certificatePem: certificate.toString('pem'), keyPem: await privateKeyPem(leafKeys.privateKey) };
}
