import type { CrdCondition, CustomResourceDefinition } from './types.js';

/** CRDs in the community's own groups need the API review annotation (KEP 1111). */
export const APPROVAL_ANNOTATION = 'api-approved.kubernetes.io';

export type ApprovalState = 'missing' | 'bypassed' | 'approved' | 'invalid';

export function isProtectedGroup(group: string): boolean {
  return group === 'k8s.io' || group.endsWith('.k8s.io') || group === 'kubernetes.io' || group.endsWith('.kubernetes.io');
}

/** Upstream's GetAPIApprovalState: the state of the annotation and its explanation. */
export function approvalState(annotations: Record<string, string> | undefined): { state: ApprovalState; reason: string } {
  const value = annotations?.[APPROVAL_ANNOTATION] ?? '';
  if (value === '') return { state: 'missing', reason: `protected groups must have approval annotation "${APPROVAL_ANNOTATION}", see https://github.com/kubernetes/enhancements/pull/1111` };
  if (value.startsWith('unapproved')) return { state: 'bypassed', reason: `not approved: ${JSON.stringify(value)}` };
  if (/^[a-zA-Z][a-zA-Z0-9+.-]*:\/\/[^/\s?#]+/.test(value)) return { state: 'approved', reason: `approved in ${value}` };
  return {
    state: 'invalid',
    reason: `protected groups must have approval annotation "${APPROVAL_ANNOTATION}" with either a URL or a reason starting with "unapproved", see https://github.com/kubernetes/enhancements/pull/1111`,
  };
}

const REASONS: Record<ApprovalState, { status: CrdCondition['status']; reason: string }> = {
  approved: { status: 'True', reason: 'ApprovedAnnotation' },
  bypassed: { status: 'False', reason: 'UnapprovedAnnotation' },
  missing: { status: 'False', reason: 'MissingAnnotation' },
  invalid: { status: 'False', reason: 'InvalidAnnotation' },
};

/** The KubernetesAPIApprovalPolicyConformant condition a CRD of a protected group carries (none for other groups). */
export function approvalCondition(crd: CustomResourceDefinition): CrdCondition | undefined {
  if (!isProtectedGroup(crd.spec?.group ?? '')) return undefined;
  const { state, reason } = approvalState(crd.metadata.annotations);
  return { type: 'KubernetesAPIApprovalPolicyConformant', ...REASONS[state], message: reason };
}
