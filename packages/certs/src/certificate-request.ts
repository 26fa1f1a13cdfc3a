/**
 * PKCS#10 certificate signing requests: reading one (what the API server
 * validates) and signing one with a CA (what the CSR signers do), with the
 * key usages Kubernetes names in a CertificateSigningRequest.
 */
import * as x509 from '@peculiar/x509';
import { CertificateError } from './control-plane.js';
import { importKeyPair, signingAlgorithm, serialNumber } from './x509.js';

export interface CertificateRequestInfo {
  readonly commonName: string;
  readonly organizations: readonly string[];
  readonly dnsNames: readonly string[];
  readonly ipAddresses: readonly string[];
  readonly emailAddresses: readonly string[];
  readonly uris: readonly string[];
  /** Whether the request is signed by the key it carries. */
  readonly signatureValid: boolean;
}

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/g;

/** The PEM blocks of a text, by label. */
export function pemBlocks(text: string): { label: string; der: Buffer }[] {
  return [...text.matchAll(PEM_BLOCK)].map((match) => ({ label: match[1]!, der: Buffer.from(match[2]!.replace(/\s+/g, ''), 'base64') }));
}

/** The request's subjectAltName extension, read as one (requests hand extensions back untyped). */
function alternativeNames(request: x509.Pkcs10CertificateRequest): x509.SubjectAlternativeNameExtension | undefined {
  const extension = request.getExtension('2.5.29.17');
  return extension === null ? undefined : new x509.SubjectAlternativeNameExtension(extension.rawData);
}

function subjectValues(name: x509.Name, type: string): string[] {
  return name.getField(type);
}

function decodeRequest(pem: string): x509.Pkcs10CertificateRequest {
  const block = pemBlocks(pem).find((candidate) => candidate.label === 'CERTIFICATE REQUEST');
  if (block === undefined) throw new CertificateError('PEM block type must be CERTIFICATE REQUEST');
  try {
    return new x509.Pkcs10CertificateRequest(block.der);
  } catch (error) {
    throw new CertificateError(`the CERTIFICATE REQUEST is not valid DER: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** Reads a PEM "CERTIFICATE REQUEST" without checking its signature; throws CertificateError when it is not one. */
export function parseCertificateRequest(pem: string): Omit<CertificateRequestInfo, 'signatureValid'> {
  const request = decodeRequest(pem);
  const names = alternativeNames(request)?.names.items ?? [];
  const of = (type: string): string[] => names.filter((name) => name.type === type).map((name) => name.value);
  const subject = new x509.Name(request.subject);
  return {
    commonName: subjectValues(subject, 'CN')[0] ?? '',
    organizations: subjectValues(subject, 'O'),
    dnsNames: of('dns'),
    ipAddresses: of('ip'),
    emailAddresses: of('email'),
    uris: of('url'),
  };
}

/** Whether a request is signed by the key it carries (its proof of possession). */
export async function verifyCertificateRequest(pem: string): Promise<boolean> {
  try {
    return await decodeRequest(pem).verify();
  } catch {
    return false;
  }
}

/** Reads a PEM "CERTIFICATE REQUEST" and checks its signature; throws CertificateError when it is not one. */
export async function readCertificateRequest(pem: string): Promise<CertificateRequestInfo> {
  return { ...parseCertificateRequest(pem), signatureValid: await verifyCertificateRequest(pem) };
}

const KEY_USAGES: Readonly<Record<string, x509.KeyUsageFlags>> = {
  signing: x509.KeyUsageFlags.digitalSignature,
  'digital signature': x509.KeyUsageFlags.digitalSignature,
  'content commitment': x509.KeyUsageFlags.nonRepudiation,
  'key encipherment': x509.KeyUsageFlags.keyEncipherment,
  'key agreement': x509.KeyUsageFlags.keyAgreement,
  'data encipherment': x509.KeyUsageFlags.dataEncipherment,
  'cert sign': x509.KeyUsageFlags.keyCertSign,
  'crl sign': x509.KeyUsageFlags.cRLSign,
  'encipher only': x509.KeyUsageFlags.encipherOnly,
  'decipher only': x509.KeyUsageFlags.decipherOnly,
};

const EXTENDED_KEY_USAGES: Readonly<Record<string, string>> = {
  any: '2.5.29.37.0',
  'server auth': x509.ExtendedKeyUsage.serverAuth,
  'client auth': x509.ExtendedKeyUsage.clientAuth,
  'code signing': x509.ExtendedKeyUsage.codeSigning,
  'email protection': x509.ExtendedKeyUsage.emailProtection,
  's/mime': x509.ExtendedKeyUsage.emailProtection,
  'ipsec end system': '1.3.6.1.5.5.7.3.5',
  'ipsec tunnel': '1.3.6.1.5.5.7.3.6',
  'ipsec user': '1.3.6.1.5.5.7.3.7',
  timestamping: x509.ExtendedKeyUsage.timeStamping,
  'ocsp signing': x509.ExtendedKeyUsage.ocspSigning,
  'microsoft sgc': '1.3.6.1.4.1.311.10.3.3',
  'netscape sgc': '2.16.840.1.113730.4.1',
};

/** Every usage name a CertificateSigningRequest may carry. */
export const CERTIFICATE_USAGES: readonly string[] = [...Object.keys(KEY_USAGES), ...Object.keys(EXTENDED_KEY_USAGES)];

export interface SignOptions {
  readonly usages: readonly string[];
  readonly notBefore: Date;
  readonly notAfter: Date;
}

/**
 * Signs a request with a CA (lk's: ECDSA P-256 keys), keeping the requested
 * subject and names and granting exactly the given usages, as upstream's
 * certificate authority does (pkg/controller/certificates/authority).
 */
export async function signCertificateRequest(ca: { readonly certificatePem: string; readonly keyPem: string }, requestPem: string, options: SignOptions): Promise<string> {
  const request = decodeRequest(requestPem);
  if (!(await request.verify())) throw new CertificateError('the certificate request is not signed by its own key');
  const keys = await importKeyPair(ca.keyPem);
  const caCertificate = new x509.X509Certificate(ca.certificatePem);
  let keyUsage = 0;
  const extended: string[] = [];
  for (const usage of options.usages) {
    if (KEY_USAGES[usage] !== undefined) keyUsage |= KEY_USAGES[usage]!;
    else if (EXTENDED_KEY_USAGES[usage] !== undefined) extended.push(EXTENDED_KEY_USAGES[usage]!);
    else throw new CertificateError(`unknown key usage ${JSON.stringify(usage)}`);
  }
  const names = alternativeNames(request);
  const certificate = await x509.X509CertificateGenerator.create({
    serialNumber: serialNumber(),
    subject: request.subject,
    issuer: caCertificate.subject,
    notBefore: options.notBefore,
    notAfter: options.notAfter,
    signingAlgorithm,
    publicKey: request.publicKey,
    signingKey: keys.privateKey,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      ...(keyUsage !== 0 ? [new x509.KeyUsagesExtension(keyUsage, true)] : []),
      ...(extended.length > 0 ? [new x509.ExtendedKeyUsageExtension(extended, false)] : []),
      await x509.AuthorityKeyIdentifierExtension.create(caCertificate),
      ...(names !== undefined ? [new x509.SubjectAlternativeNameExtension(names.names.toJSON(), false)] : []),
    ],
  });
  return certificate.toString('pem');
}
