/**
 * The certificates of one control plane, kept under `<dataDir>/tls` as k3s
 * keeps them: three CAs (server, client, request-header), the API serving
 * certificate, client certificates for the admin and the built-in
 * components, and the service-account signing key pair. `ensureCertificates`
 * creates what is missing and renews, at every start, each leaf that
 * expires within the renewal window; CAs are never replaced behind the
 * user's back, so certificates issued before a renewal stay valid until
 * they expire.
 */
import { X509Certificate } from 'node:crypto';
import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { isIPv6 } from 'node:net';
import { join } from 'node:path';
import { createCertificateAuthority, generateKeyPair, importKeyPair, issueLeafCertificate, privateKeyPem, publicKeyPem, type CertificateAndKey, type KeyPair, type LeafRequest, type Subject, type Usage } from './x509.js';

const DAY_MS = 24 * 60 * 60 * 1000;

export class CertificateError extends Error {
  constructor(
    message: string,
    readonly path?: string,
  ) {
    super(message);
    this.name = 'CertificateError';
  }
}

export interface CertificateOptions {
  /** The control plane's data dir; files go to `<dataDir>/tls`. */
  readonly dataDir: string;
  /** Extra names and addresses the API serving certificate answers to. */
  readonly serverNames?: readonly string[];
  readonly serverAddresses?: readonly string[];
  /** The `kubernetes` Service's ClusterIP (default 10.43.0.1, as k3s). */
  readonly serviceAddress?: string;
  /** A leaf expiring within this many days is renewed at start (default 90). */
  readonly renewalWindowDays?: number;
  /** Lifetimes in days: leaves 365, CAs 3650 by default. */
  readonly leafValidityDays?: number;
  readonly caValidityDays?: number;
  /** The clock (tests move it). */
  readonly now?: () => Date;
  /** Re-issue every leaf now, whatever its expiry (`lk certificate rotate`); CAs stay. */
  readonly renewAll?: boolean;
}

export interface IssuedCertificate extends CertificateAndKey {
  readonly certificatePath: string;
  readonly keyPath: string;
  readonly notAfter: Date;
}

export interface ControlPlaneCertificates {
  readonly directory: string;
  readonly serverCa: IssuedCertificate;
  readonly clientCa: IssuedCertificate;
  readonly requestHeaderCa: IssuedCertificate;
  readonly serving: IssuedCertificate;
  readonly admin: IssuedCertificate;
  readonly controllerManager: IssuedCertificate;
  readonly scheduler: IssuedCertificate;
  readonly serviceAccount: { readonly privateKeyPath: string; readonly publicKeyPath: string; readonly privateKeyPem: string; readonly publicKeyPem: string };
  /** Files written at this start: created or renewed, by name (e.g. "serving-kube-apiserver"). */
  readonly created: readonly string[];
  readonly renewed: readonly string[];
  /**
   * Issues a client certificate from lk's client CA, for the host app's
   * own users and components (CN = user name, O = groups). Not stored.
   */
  issueClientCertificate(subject: Subject, validityDays?: number): Promise<CertificateAndKey>;
}

interface Context {
  readonly directory: string;
  readonly now: Date;
  readonly options: CertificateOptions;
  readonly created: string[];
  readonly renewed: string[];
}

async function readIfPresent(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** Writes through a temporary file so a crash never leaves half a key; keys are 0600. */
async function writeAtomically(path: string, content: string, mode: number): Promise<void> {
  const temporary = `${path}.tmp-${process.pid}`;
  await writeFile(temporary, content, { mode });
  await chmod(temporary, mode);
  await rename(temporary, path);
}

function parseCertificate(pem: string, path: string): X509Certificate {
  try {
    return new X509Certificate(pem);
  } catch (error) {
    throw new CertificateError(`${path} is not a PEM certificate (${(error as Error).message}); remove it to have a new one issued`, path);
  }
}

async function loadKeys(pem: string, path: string): Promise<KeyPair> {
  try {
    return await importKeyPair(pem);
  } catch (error) {
    throw new CertificateError(`${path} is not a PKCS#8 ECDSA P-256 private key (${(error as Error).message}); remove it and its certificate to have new ones issued`, path);
  }
}

async function ensureCa(context: Context, name: string, commonName: string): Promise<IssuedCertificate & { readonly keys: KeyPair }> {
  const certificatePath = join(context.directory, `${name}.crt`);
  const keyPath = join(context.directory, `${name}.key`);
  const [certificatePem, keyPem] = await Promise.all([readIfPresent(certificatePath), readIfPresent(keyPath)]);
  if (certificatePem !== undefined && keyPem !== undefined) {
    const certificate = parseCertificate(certificatePem, certificatePath);
    if (!certificate.ca) throw new CertificateError(`${certificatePath} is not a CA certificate`, certificatePath);
    return { certificatePem, keyPem, certificatePath, keyPath, notAfter: new Date(certificate.validTo), keys: await loadKeys(keyPem, keyPath) };
  }
  if (certificatePem !== undefined || keyPem !== undefined) {
    throw new CertificateError(`${certificatePem === undefined ? certificatePath : keyPath} is missing while its pair exists: restore it, or remove both to create a new CA (every certificate it issued stops being trusted)`);
  }
  const validity = (context.options.caValidityDays ?? 3650) * DAY_MS;
  const ca = await createCertificateAuthority({ commonName: `${commonName}@${Math.floor(context.now.getTime() / 1000)}` }, context.now, new Date(context.now.getTime() + validity));
  await writeAtomically(keyPath, ca.keyPem, 0o600);
  await writeAtomically(certificatePath, ca.certificatePem, 0o644);
  context.created.push(name);
  return { ...ca, certificatePath, keyPath, notAfter: new Date(context.now.getTime() + validity) };
}

interface LeafSpec {
  readonly name: string;
  readonly subject: Subject;
  readonly usage: Usage;
  readonly dnsNames?: readonly string[];
  readonly ipAddresses?: readonly string[];
}

/** An IP address in one spelling: IPv6 with every group written out (`::1` → `0:0:0:0:0:0:0:1`), as Node prints them. */
function canonicalAddress(address: string): string {
  if (!isIPv6(address)) return address;
  const [head = '', tail = ''] = address.toLowerCase().split('::');
  const left = head === '' ? [] : head.split(':');
  const right = tail === '' ? [] : tail.split(':');
  const groups = address.includes('::') ? [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right] : left;
  return groups.map((group) => group.replace(/^0+(?=.)/, '')).join(':');
}

/** What a certificate's subjectAltName must hold for it to still serve `spec`. */
function coversNames(certificate: X509Certificate, spec: LeafSpec): boolean {
  const present = new Set((certificate.subjectAltName ?? '').split(', ').map((entry) => (entry.startsWith('IP Address:') ? `IP:${canonicalAddress(entry.slice(11))}` : entry)));
  return (spec.dnsNames ?? []).every((name) => present.has(`DNS:${name}`)) && (spec.ipAddresses ?? []).every((address) => present.has(`IP:${canonicalAddress(address)}`));
}

async function ensureLeaf(context: Context, ca: { readonly certificatePem: string; readonly keys: KeyPair }, spec: LeafSpec): Promise<IssuedCertificate> {
  const certificatePath = join(context.directory, `${spec.name}.crt`);
  const keyPath = join(context.directory, `${spec.name}.key`);
  const [certificatePem, keyPem] = await Promise.all([readIfPresent(certificatePath), readIfPresent(keyPath)]);
  const windowMs = (context.options.renewalWindowDays ?? 90) * DAY_MS;
  let keys: KeyPair | undefined;
  if (certificatePem !== undefined && keyPem !== undefined) {
    const certificate = parseCertificate(certificatePem, certificatePath);
    const notAfter = new Date(certificate.validTo);
    const caCertificate = new X509Certificate(ca.certificatePem);
    const current = certificate.checkIssued(caCertificate) && certificate.verify(caCertificate.publicKey);
    if (context.options.renewAll !== true && current && notAfter.getTime() - context.now.getTime() > windowMs && coversNames(certificate, spec)) {
      return { certificatePem, keyPem, certificatePath, keyPath, notAfter };
    }
    // Renewal keeps the key: whoever pinned it keeps working.
    keys = await loadKeys(keyPem, keyPath);
  }
  const request: LeafRequest = {
    subject: spec.subject,
    usage: spec.usage,
    ...(spec.dnsNames !== undefined && { dnsNames: spec.dnsNames }),
    ...(spec.ipAddresses !== undefined && { ipAddresses: spec.ipAddresses }),
    // A little slack for clocks that lag behind ours.
    notBefore: new Date(context.now.getTime() - 60_000),
    notAfter: new Date(context.now.getTime() + (context.options.leafValidityDays ?? 365) * DAY_MS),
  };
  const issued = await issueLeafCertificate(ca, request, keys);
  await writeAtomically(keyPath, issued.keyPem, 0o600);
  await writeAtomically(certificatePath, issued.certificatePem, 0o644);
  (keys === undefined ? context.created : context.renewed).push(spec.name);
  return { ...issued, certificatePath, keyPath, notAfter: request.notAfter };
}

async function ensureServiceAccountKey(context: Context): Promise<ControlPlaneCertificates['serviceAccount']> {
  const privateKeyPath = join(context.directory, 'service.key');
  const publicKeyPath = join(context.directory, 'service.pub');
  const existing = await readIfPresent(privateKeyPath);
  if (existing !== undefined) {
    const keys = await loadKeys(existing, privateKeyPath);
    const publicPem = await publicKeyPem(keys.publicKey);
    if ((await readIfPresent(publicKeyPath)) !== publicPem) await writeAtomically(publicKeyPath, publicPem, 0o644);
    return { privateKeyPath, publicKeyPath, privateKeyPem: existing, publicKeyPem: publicPem };
  }
  const keys = await generateKeyPair();
  const privatePem = await privateKeyPem(keys.privateKey);
  const publicPem = await publicKeyPem(keys.publicKey);
  await writeAtomically(privateKeyPath, privatePem, 0o600);
  await writeAtomically(publicKeyPath, publicPem, 0o644);
  context.created.push('service-account-key');
  return { privateKeyPath, publicKeyPath, privateKeyPem: privatePem, publicKeyPem: publicPem };
}

/** The names and addresses the API serving certificate always covers. */
function servingNames(options: CertificateOptions): { dnsNames: string[]; ipAddresses: string[] } {
  const dnsNames = ['kubernetes', 'kubernetes.default', 'kubernetes.default.svc', 'kubernetes.default.svc.cluster.local', 'localhost', ...(options.serverNames ?? [])];
  const ipAddresses = ['127.0.0.1', '::1', options.serviceAddress ?? '10.43.0.1', ...(options.serverAddresses ?? [])];
  return { dnsNames: [...new Set(dnsNames)], ipAddresses: [...new Set(ipAddresses)] };
}

export async function ensureCertificates(options: CertificateOptions): Promise<ControlPlaneCertificates> {
  const directory = join(options.dataDir, 'tls');
  await mkdir(directory, { recursive: true, mode: 0o700 });
  const context: Context = { directory, now: options.now?.() ?? new Date(), options, created: [], renewed: [] };
  const serverCa = await ensureCa(context, 'server-ca', 'lk-server-ca');
  const clientCa = await ensureCa(context, 'client-ca', 'lk-client-ca');
  const requestHeaderCa = await ensureCa(context, 'request-header-ca', 'lk-request-header-ca');
  const serving = await ensureLeaf(context, serverCa, { name: 'serving-kube-apiserver', subject: { commonName: 'kube-apiserver' }, usage: 'server', ...servingNames(options) });
  const admin = await ensureLeaf(context, clientCa, { name: 'client-admin', subject: { commonName: 'system:admin', organizations: ['system:masters'] }, usage: 'client' });
  const controllerManager = await ensureLeaf(context, clientCa, { name: 'client-controller', subject: { commonName: 'system:kube-controller-manager' }, usage: 'client' });
  const scheduler = await ensureLeaf(context, clientCa, { name: 'client-scheduler', subject: { commonName: 'system:kube-scheduler' }, usage: 'client' });
  const serviceAccount = await ensureServiceAccountKey(context);
  const strip = ({ keys: _keys, ...rest }: IssuedCertificate & { readonly keys: KeyPair }): IssuedCertificate => rest;
  return {
    directory,
    serverCa: strip(serverCa),
    clientCa: strip(clientCa),
    requestHeaderCa: strip(requestHeaderCa),
    serving,
    admin,
    controllerManager,
    scheduler,
    serviceAccount,
    created: context.created,
    renewed: context.renewed,
    async issueClientCertificate(subject, validityDays = options.leafValidityDays ?? 365) {
      if (subject.commonName === '') throw new CertificateError('a client certificate needs a common name (the user name)');
      const now = options.now?.() ?? new Date();
      return issueLeafCertificate(clientCa, { subject, usage: 'client', notBefore: new Date(now.getTime() - 60_000), notAfter: new Date(now.getTime() + validityDays * DAY_MS) });
    },
  };
}
