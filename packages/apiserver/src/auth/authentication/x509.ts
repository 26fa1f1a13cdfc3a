import { X509Certificate } from 'node:crypto';
import { AuthenticationError, type Authenticator } from '../types.js';

/** The OID of the clientAuth extended key usage. */
const CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';
const ANY_EXTENDED_KEY_USAGE = '2.5.29.37.0';

function parseBundle(pem: string): X509Certificate[] {
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  if (blocks.length === 0) throw new TypeError('the client CA bundle holds no PEM certificate');
  return blocks.map((block) => new X509Certificate(block));
}

/** A subject's attribute values (node:crypto renders the subject as `KEY=value` lines). */
function subjectValues(certificate: X509Certificate, key: string): string[] {
  return certificate.subject
    .split('\n')
    .filter((line) => line.startsWith(`${key}=`))
    .map((line) => line.slice(key.length + 1));
}

/**
 * Upstream's x509 request authenticator: a client certificate issued by one
 * of the client CAs, valid now and usable for client authentication,
 * authenticates its Common Name as the user and its Organizations as the
 * groups. Intermediate certificates the client sends are followed up to a CA.
 */
export function x509Authenticator(clientCaPem: string, now: () => Date = () => new Date()): Authenticator {
  const authorities = parseBundle(clientCaPem);
  // A connection presents the same certificate objects for all its requests: verify their signatures once.
  const verified = new WeakMap<X509Certificate, X509Certificate[] | null>();
  return ({ peerCertificates }) => {
    const [leaf, ...intermediates] = peerCertificates;
    if (leaf === undefined) return undefined;
    const time = now();
    let chain = verified.get(leaf);
    if (chain === undefined) {
      chain = chainToAuthority(leaf, intermediates, authorities) ?? null;
      verified.set(leaf, chain);
    }
    if (chain === null) throw new AuthenticationError('x509: certificate signed by unknown authority');
    for (const certificate of chain) {
      const from = new Date(certificate.validFrom);
      const to = new Date(certificate.validTo);
      if (time < from || time > to) {
        throw new AuthenticationError(`x509: certificate has expired or is not yet valid: current time ${time.toISOString()} is ${time > to ? `after ${to.toISOString()}` : `before ${from.toISOString()}`}`);
      }
    }
    const usages = leaf.keyUsage;
    if (usages !== undefined && !usages.includes(CLIENT_AUTH) && !usages.includes(ANY_EXTENDED_KEY_USAGE)) {
      throw new AuthenticationError('x509: certificate specifies an incompatible key usage');
    }
    const name = subjectValues(leaf, 'CN')[0] ?? '';
    if (name === '') throw new AuthenticationError('x509: certificate has no Common Name to authenticate as');
    return { user: { name, groups: subjectValues(leaf, 'O') } };
  };
}

/** The certificates from the leaf up to (not including) a trusted CA, or undefined when the chain reaches none. */
function chainToAuthority(leaf: X509Certificate, intermediates: readonly X509Certificate[], authorities: readonly X509Certificate[]): X509Certificate[] | undefined {
  const chain = [leaf];
  let current = leaf;
  for (let depth = 0; depth <= intermediates.length; depth++) {
    if (authorities.some((authority) => current.checkIssued(authority) && current.verify(authority.publicKey))) return chain;
    const parent = intermediates.find((candidate) => candidate !== current && candidate.ca && current.checkIssued(candidate) && current.verify(candidate.publicKey));
    if (parent === undefined) return undefined;
    chain.push(parent);
    current = parent;
  }
  return undefined;
}
