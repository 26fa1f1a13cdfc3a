import { randomBytes } from 'node:crypto';
import type { TokenAuthenticator } from '@lk/apiserver';
import type { ControlPlaneCertificates } from '@lk/certs';
import { Agent, fetch as undiciFetch } from 'undici';
import type { KubeconfigInput } from './kubeconfig.js';

export interface Identity {
  readonly name: string;
  readonly groups: readonly string[];
}

/** How one of lk's own clients reaches the API as some user. */
export interface ClientCredentials {
  /** A fetch that trusts lk's CA and presents the user's client certificate (TLS). */
  readonly fetch?: typeof fetch;
  /** A bearer token (plain HTTP, where there is no certificate to present). */
  readonly token?: string;
  /** Headers to send with every request (the bearer token's). */
  readonly headers: Readonly<Record<string, string>>;
  /** The kubeconfig fields that carry these credentials. */
  readonly kubeconfig: Pick<KubeconfigInput, 'token' | 'certificateAuthorityData' | 'clientCertificateData' | 'clientKeyData'>;
}

export interface Credentials {
  /** Recognises the tokens handed out by `forUser` (over plain HTTP); put it in the API server's chain. */
  readonly tokenAuthenticator: TokenAuthenticator;
  /** Credentials for the admin (system:admin in system:masters). */
  admin(): Promise<ClientCredentials>;
  /** Credentials for another user or component (over TLS, a certificate valid `validityDays`, default a year). */
  forUser(identity: Identity, validityDays?: number): Promise<ClientCredentials>;
}

/**
 * Credentials for lk's in-process clients. Over TLS: client certificates
 * from lk's client CA (the admin's is the one on disk, which `lk
 * certificate` manages; components get fresh ones, kept in memory only).
 * Over plain HTTP, which carries no certificates: random bearer tokens that
 * live as long as the process.
 */
export class InProcessCredentials implements Credentials {
  private readonly tokens = new Map<string, Identity>();

  constructor(private readonly tls: ControlPlaneCertificates | undefined) {}

  readonly tokenAuthenticator: TokenAuthenticator = (token) => {
    const identity = this.tokens.get(token);
    return identity === undefined ? undefined : { user: { name: identity.name, groups: identity.groups } };
  };

  async admin(): Promise<ClientCredentials> {
    if (this.tls === undefined) return this.forUser({ name: 'system:admin', groups: ['system:masters'] });
    return this.withCertificate(this.tls, this.tls.admin);
  }

  async forUser(identity: Identity, validityDays?: number): Promise<ClientCredentials> {
    if (this.tls === undefined) {
      const token = randomBytes(32).toString('base64url');
      this.tokens.set(token, identity);
      return { token, headers: { Authorization: `Bearer ${token}` }, kubeconfig: { token } };
    }
    const certificate = await this.tls.issueClientCertificate({ commonName: identity.name, organizations: identity.groups }, validityDays);
    return this.withCertificate(this.tls, certificate);
  }

  private withCertificate(tls: ControlPlaneCertificates, client: { readonly certificatePem: string; readonly keyPem: string }): ClientCredentials {
    return {
      fetch: fetchTrusting(tls.serverCa.certificatePem, client),
      headers: {},
      kubeconfig: { certificateAuthorityData: tls.serverCa.certificatePem, clientCertificateData: client.certificatePem, clientKeyData: client.keyPem },
    };
  }
}

/** A fetch that trusts `caPem` and presents a client certificate, as Node's global fetch cannot be told to. */
function fetchTrusting(caPem: string, client: { readonly certificatePem: string; readonly keyPem: string }): typeof fetch {
  const dispatcher = new Agent({ connect: { ca: caPem, cert: client.certificatePem, key: client.keyPem }, allowH2: true });
  return ((input: Parameters<typeof fetch>[0], init?: RequestInit) =>
    undiciFetch(input as Parameters<typeof undiciFetch>[0], { ...(init as Parameters<typeof undiciFetch>[1]), dispatcher })) as unknown as typeof fetch;
}
