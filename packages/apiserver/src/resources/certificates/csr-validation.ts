/**
 * CertificateSigningRequest rules, as upstream's
 * pkg/apis/certificates/validation and pkg/registry/certificates/
 * certificates/strategy.go: what a request must be, and what the main
 * resource, /status and /approval may each change.
 */
import { CERTIFICATE_USAGES, CertificateError, parseCertificateRequest, pemBlocks } from '@lk/certs';
import type { FieldError } from '../../errors/status.js';
import type { KubeObject } from '../types.js';

type Json = Record<string, unknown>;

export interface Condition {
  type?: string;
  status?: string;
  reason?: string;
  message?: string;
  lastUpdateTime?: string;
  lastTransitionTime?: string;
}

const spec = (csr: KubeObject): Json => (csr['spec'] ?? {}) as Json;
const status = (csr: KubeObject): Json => (csr['status'] ?? {}) as Json;
export const conditionsOf = (csr: KubeObject): Condition[] => (Array.isArray(status(csr)['conditions']) ? (status(csr)['conditions'] as Condition[]) : []);

/** The request's PEM text (spec.request is base64 in the API, as every []byte). */
export function requestPem(csr: KubeObject): string {
  const request = spec(csr)['request'];
  return typeof request === 'string' ? Buffer.from(request, 'base64').toString('utf8') : '';
}

const SIGNER_NAME = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)+)\/([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)$/;
const CONDITION_TYPES_TRUE_ONLY = ['Approved', 'Denied', 'Failed'];

function validateConditions(csr: KubeObject): FieldError[] {
  const errors: FieldError[] = [];
  const seen = new Set<string>();
  conditionsOf(csr).forEach((condition, index) => {
    const field = `status.conditions[${index}]`;
    const type = condition.type ?? '';
    if (type === '') errors.push({ type: 'FieldValueRequired', field: `${field}.type`, detail: '' });
    else if (seen.has(type)) errors.push({ type: 'FieldValueDuplicate', field: `${field}.type`, value: type });
    seen.add(type);
    const value = condition.status ?? '';
    if (value === '') errors.push({ type: 'FieldValueRequired', field: `${field}.status`, detail: '' });
    else if (CONDITION_TYPES_TRUE_ONLY.includes(type) && value !== 'True') {
      errors.push({ type: 'FieldValueNotSupported', field: `${field}.status`, value, hasValue: true, detail: 'supported values: "True"' });
    } else if (!['True', 'False', 'Unknown'].includes(value)) {
      errors.push({ type: 'FieldValueNotSupported', field: `${field}.status`, value, hasValue: true, detail: 'supported values: "False", "True", "Unknown"' });
    }
  });
  if (seen.has('Approved') && seen.has('Denied')) {
    errors.push({ type: 'FieldValueInvalid', field: 'status.conditions', value: 'Approved', detail: 'Approved and Denied conditions are mutually exclusive' });
  }
  return errors;
}

function validateCertificate(csr: KubeObject): FieldError[] {
  const certificate = status(csr)['certificate'];
  if (typeof certificate !== 'string' || certificate === '') return [];
  const blocks = pemBlocks(Buffer.from(certificate, 'base64').toString('utf8'));
  if (blocks.length === 0 || blocks.some((block) => block.label !== 'CERTIFICATE')) {
    return [{ type: 'FieldValueInvalid', field: 'status.certificate', value: '<certificate data>', detail: 'must contain at least one CERTIFICATE PEM block, and no other blocks' }];
  }
  return [];
}

/** validateCertificateSigningRequest: the spec of a new request, and its status rules. */
export function validateCsr(csr: KubeObject): FieldError[] {
  const errors: FieldError[] = [];
  const request = requestPem(csr);
  try {
    parseCertificateRequest(request);
  } catch (error) {
    // Upstream quotes the request's bytes here; lk leaves the value out, which says the same more readably.
    errors.push({ type: 'FieldValueInvalid', field: 'spec.request', hasValue: false, detail: error instanceof CertificateError ? error.message : String(error) });
  }
  const signerName = spec(csr)['signerName'];
  if (typeof signerName !== 'string' || signerName === '') errors.push({ type: 'FieldValueRequired', field: 'spec.signerName', detail: '' });
  else if (!SIGNER_NAME.test(signerName)) {
    errors.push({ type: 'FieldValueInvalid', field: 'spec.signerName', value: signerName, detail: "must be a fully qualified domain and path of the form 'example.com/signer-name'" });
  }
  const usages = Array.isArray(spec(csr)['usages']) ? (spec(csr)['usages'] as string[]) : [];
  if (usages.length === 0) errors.push({ type: 'FieldValueRequired', field: 'spec.usages', detail: 'usages must be provided' });
  const seenUsages = new Set<string>();
  usages.forEach((usage, index) => {
    if (!CERTIFICATE_USAGES.includes(usage)) {
      errors.push({ type: 'FieldValueNotSupported', field: `spec.usages[${index}]`, value: usage, hasValue: true, detail: `supported values: ${[...CERTIFICATE_USAGES].sort().map((value) => `"${value}"`).join(', ')}` });
    } else if (seenUsages.has(usage)) errors.push({ type: 'FieldValueDuplicate', field: `spec.usages[${index}]`, value: usage });
    seenUsages.add(usage);
  });
  const expirationSeconds = spec(csr)['expirationSeconds'];
  if (typeof expirationSeconds === 'number' && expirationSeconds < 600) {
    errors.push({ type: 'FieldValueInvalid', field: 'spec.expirationSeconds', value: expirationSeconds, detail: 'may not specify a duration less than 600 seconds (10 minutes)' });
  }
  return [...errors, ...validateConditions(csr), ...validateCertificate(csr)];
}

/** On update: the certificate, once issued, stays; and the rest as on create (the spec is the old one by then). */
export function validateCsrUpdate(csr: KubeObject, old: KubeObject): FieldError[] {
  const errors = [...validateConditions(csr), ...validateCertificate(csr)];
  const before = status(old)['certificate'];
  if (typeof before === 'string' && before !== '' && status(csr)['certificate'] !== before) {
    errors.push({ type: 'FieldValueForbidden', field: 'status.certificate', detail: 'updates may not modify a certificate' });
  }
  return errors;
}

const isApproval = (condition: Condition): boolean => condition.type === 'Approved' || condition.type === 'Denied';

/**
 * What each endpoint may change (the strategies' PrepareForUpdate): the
 * main resource only metadata; /status the certificate and conditions other
 * than Approved/Denied; /approval only those two.
 */
export function prepareCsrUpdate(csr: KubeObject, old: KubeObject, subresource: string): void {
  csr['spec'] = old['spec'];
  const oldStatus = status(old);
  if (subresource === '') {
    csr['status'] = oldStatus;
    return;
  }
  const next = status(csr);
  if (subresource === 'status') {
    next['conditions'] = [...conditionsOf(csr).filter((condition) => !isApproval(condition)), ...conditionsOf(old).filter(isApproval)];
  } else if (subresource === 'approval') {
    next['conditions'] = [...conditionsOf(old).filter((condition) => !isApproval(condition)), ...conditionsOf(csr).filter(isApproval)];
    if (oldStatus['certificate'] !== undefined) next['certificate'] = oldStatus['certificate'];
    else delete next['certificate'];
  }
  if ((next['conditions'] as Condition[]).length === 0) delete next['conditions'];
  csr['status'] = next;
}
