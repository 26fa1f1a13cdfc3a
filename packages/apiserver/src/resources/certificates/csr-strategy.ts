import { rfc3339 } from '../../registry/store.js';
import type { KubeObject, ResourceStrategy } from '../types.js';
import { conditionsOf, prepareCsrUpdate, validateCsr, validateCsrUpdate, type Condition } from './csr-validation.js';

/** Conditions get their times from the server when the writer left them out (upstream's populateConditionTimestamps). */
function stampConditions(csr: KubeObject, old: KubeObject | undefined, now: Date): void {
  const before = new Map((old === undefined ? [] : conditionsOf(old)).map((condition) => [condition.type, condition]));
  for (const condition of conditionsOf(csr) as Condition[]) {
    condition.lastUpdateTime ??= rfc3339(now);
    const previous = before.get(condition.type);
    if (condition.lastTransitionTime === undefined) condition.lastTransitionTime = previous !== undefined && previous.status === condition.status ? (previous.lastTransitionTime ?? rfc3339(now)) : rfc3339(now);
  }
}

/**
 * CertificateSigningRequests (certificates.k8s.io/v1): a new request
 * starts without status (spec.username and friends are the requester's,
 * set by admission, where the user is known); the main resource, /status
 * and /approval each change only their part.
 */
export const certificateSigningRequestStrategy: ResourceStrategy = {
  prepareForCreate(csr) {
    csr['status'] = {};
  },
  prepareForUpdate(csr, old, context) {
    prepareCsrUpdate(csr, old, context.subresource);
    stampConditions(csr, old, context.now);
  },
  validate: (csr) => validateCsr(csr),
  validateUpdate: (csr, old) => validateCsrUpdate(csr, old),
  fieldSelectors: { 'spec.signerName': (csr) => String((csr['spec'] as { signerName?: string } | undefined)?.signerName ?? '') },
};
