/**
 * What each of the Kubernetes signers accepts (upstream's pkg/apis/
 * certificates/v1 helpers and the signer controller's validators): a
 * request that breaks these is marked Failed instead of signed.
 */
export interface RequestFacts {
  readonly commonName: string;
  readonly organizations: readonly string[];
  readonly dnsNames: readonly string[];
  readonly ipAddresses: readonly string[];
  readonly emailAddresses: readonly string[];
  readonly uris: readonly string[];
}

export const KUBE_APISERVER_CLIENT = 'kubernetes.io/kube-apiserver-client';
export const KUBELET_CLIENT = 'kubernetes.io/kube-apiserver-client-kubelet';
export const KUBELET_SERVING = 'kubernetes.io/kubelet-serving';
export const SIGNERS = [KUBE_APISERVER_CLIENT, KUBELET_CLIENT, KUBELET_SERVING] as const;

function usagesWithin(usages: readonly string[], allowed: readonly string[], required: readonly string[]): string | undefined {
  const extra = usages.filter((usage) => !allowed.includes(usage));
  if (extra.length > 0) return `usages did not match ${JSON.stringify([...allowed])}: ${JSON.stringify(extra)} not allowed`;
  const missing = required.filter((usage) => !usages.includes(usage));
  if (missing.length > 0) return `missing required usages ${JSON.stringify(missing)}`;
  return undefined;
}

function nodeIdentity(facts: RequestFacts): string | undefined {
  if (facts.organizations.length !== 1 || facts.organizations[0] !== 'system:nodes') return 'subject organization is not system:nodes';
  if (!facts.commonName.startsWith('system:node:') || facts.commonName === 'system:node:') return 'subject common name does not begin with system:node:';
  return undefined;
}

/** Why the signer refuses the request, or undefined when it may sign it. */
export function signerRefusal(signerName: string, facts: RequestFacts, usages: readonly string[]): string | undefined {
  switch (signerName) {
    case KUBE_APISERVER_CLIENT:
      // Any subject; only client usages.
      return usagesWithin(usages, ['digital signature', 'key encipherment', 'client auth'], ['client auth']);
    case KUBELET_CLIENT: {
      const identity = nodeIdentity(facts);
      if (identity !== undefined) return identity;
      if (facts.dnsNames.length + facts.ipAddresses.length + facts.emailAddresses.length + facts.uris.length > 0) return 'DNS, email, IP and URI subjectAltNames are not allowed';
      return usagesWithin(usages, ['digital signature', 'key encipherment', 'client auth'], ['client auth']);
    }
    case KUBELET_SERVING: {
      const identity = nodeIdentity(facts);
      if (identity !== undefined) return identity;
      if (facts.emailAddresses.length + facts.uris.length > 0) return 'email and URI subjectAltNames are not allowed';
      if (facts.dnsNames.length + facts.ipAddresses.length === 0) return 'DNS or IP subjectAltName is required';
      return usagesWithin(usages, ['digital signature', 'key encipherment', 'server auth'], ['server auth']);
    }
    default:
      return `unknown signer ${JSON.stringify(signerName)}`;
  }
}
