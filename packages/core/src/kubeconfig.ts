import { stringify } from 'yaml';

export interface KubeconfigInput {
  /** The API server URL, e.g. http://127.0.0.1:6443. */
  readonly server: string;
  /** Name of the cluster, context and user entries. */
  readonly name: string;
  /** Bearer token, when the server wants one. */
  readonly token?: string;
  /** PEM of the CA that signs the serving certificate (https servers). */
  readonly certificateAuthorityData?: string;
  readonly clientCertificateData?: string;
  readonly clientKeyData?: string;
  /** Namespace of the context (default: default). */
  readonly namespace?: string;
}

const base64 = (text: string): string => Buffer.from(text, 'utf8').toString('base64');

/** A kubeconfig document with one cluster, one user and one context, as kubectl writes them. */
export function renderKubeconfig(input: KubeconfigInput): string {
  const cluster: Record<string, string | boolean> = { server: input.server };
  if (input.certificateAuthorityData !== undefined) cluster['certificate-authority-data'] = base64(input.certificateAuthorityData);
  // client-node refuses a plain http:// server unless TLS checks are declared off (there is no TLS to check).
  if (input.server.startsWith('http://')) cluster['insecure-skip-tls-verify'] = true;
  const user: Record<string, string> = {};
  if (input.token !== undefined) user['token'] = input.token;
  if (input.clientCertificateData !== undefined) user['client-certificate-data'] = base64(input.clientCertificateData);
  if (input.clientKeyData !== undefined) user['client-key-data'] = base64(input.clientKeyData);
  const context: Record<string, string> = { cluster: input.name, user: input.name };
  if (input.namespace !== undefined) context['namespace'] = input.namespace;
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: input.name, cluster }],
    users: [{ name: input.name, user }],
    contexts: [{ name: input.name, context }],
    'current-context': input.name,
    preferences: {},
  });
}
