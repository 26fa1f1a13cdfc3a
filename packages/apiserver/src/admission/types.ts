/**
 * Admission: what a write looks like to the plugins that may change it
 * (mutating) or refuse it (validating) after authorization and decoding,
 * before storage, as upstream's k8s.io/apiserver/pkg/admission.Attributes.
 */
import type { UserInfo } from '../auth/types.js';
import type { KubeObject, ResourceDefinition } from '../resources/types.js';

export type AdmissionOperation = 'CREATE' | 'UPDATE' | 'DELETE' | 'CONNECT';

export interface AdmissionRequest {
  readonly operation: AdmissionOperation;
  /** The resource written (its group, version, kind, plural and scope). */
  readonly definition: ResourceDefinition;
  /** '' for the main resource; status, scale, binding, eviction… */
  readonly subresource: string;
  readonly namespace: string;
  readonly name: string;
  /** The object as it will be stored; mutating admission changes it in place. Undefined for DELETE. */
  readonly object: KubeObject | undefined;
  /** The stored object before this write (UPDATE, DELETE). */
  readonly oldObject: KubeObject | undefined;
  readonly dryRun: boolean;
  readonly user: UserInfo;
}

/**
 * One admission plugin. Mutating plugins (`mutate`) all run first, in
 * order, then validating ones (`validate`), as upstream's chain does. A
 * plugin refuses a request by throwing an ApiError (usually a 403
 * Forbidden, as upstream's admission.NewForbidden), and warns by pushing
 * to `warnings`, which reach the client as Warning headers.
 */
export interface AdmissionPlugin {
  readonly name: string;
  mutate?(request: AdmissionRequest, warnings: string[]): Promise<void> | void;
  validate?(request: AdmissionRequest, warnings: string[]): Promise<void> | void;
}
