import { X509Certificate } from 'node:crypto';
import type { IncomingRequest } from '../../request/body.js';

/** What lk needs of a TLS socket (a TLSSocket, or the proxy Node's HTTP/2 compatibility layer puts in front of one). */
interface PeerCertificateSource {
  getPeerCertificate(detailed: true): { raw?: Buffer; issuerCertificate?: unknown } | null | Record<string, never>;
}

// Parsed once per connection: a connection presents its certificate once, at the handshake.
const chains = new WeakMap<object, readonly X509Certificate[]>();

function socketOf(request: IncomingRequest): PeerCertificateSource | undefined {
  // HTTP/2: the session's socket is the TLS connection; request.socket is a per-stream proxy.
  const session = (request as { stream?: { session?: { socket?: unknown } } }).stream?.session;
  const socket = (session?.socket ?? (request as { socket?: unknown }).socket) as Partial<PeerCertificateSource> | undefined;
  return socket !== undefined && socket !== null && typeof socket.getPeerCertificate === 'function' ? (socket as PeerCertificateSource) : undefined;
}

/**
 * The client certificate chain a request's TLS connection presented, leaf
 * first; empty for plain HTTP and for clients that presented none. The TLS
 * layer only asks for certificates: trust is decided by the x509
 * authenticator, so that an untrusted certificate is a 401, not a failed
 * handshake, as upstream.
 */
export function peerCertificates(request: IncomingRequest): readonly X509Certificate[] {
  const socket = socketOf(request);
  if (socket === undefined) return [];
  const cached = chains.get(socket);
  if (cached !== undefined) return cached;
  const chain: X509Certificate[] = [];
  let current = socket.getPeerCertificate(true) as { raw?: Buffer; issuerCertificate?: unknown } | null;
  const seen = new Set<unknown>();
  while (current !== null && current.raw !== undefined && !seen.has(current)) {
    seen.add(current);
    chain.push(new X509Certificate(current.raw));
    // The last certificate of a chain names itself as its issuer.
    current = (current.issuerCertificate ?? null) as typeof current;
  }
  chains.set(socket, chain);
  return chain;
}
