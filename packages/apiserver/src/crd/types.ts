/**
 * The CustomResourceDefinition kind (apiextensions.k8s.io/v1) as the server
 * reads it. Objects arrive as JSON, so every field is optional here and code
 * that reads a CRD checks types as it goes: a malformed CRD must turn into
 * validation errors, never into an exception.
 */
import type { Schema } from '../schema/types.js';
import type { KubeObject } from '../resources/types.js';
import { rfc3339 } from '../registry/store.js';

export const CRD_GROUP = 'apiextensions.k8s.io';
export const CRD_VERSION = 'v1';
export const CRD_PLURAL = 'customresourcedefinitions';

/** Added on delete; removed once every custom resource of the CRD is gone (upstream's CRD finalizer). */
export const CLEANUP_FINALIZER = 'customresourcecleanup.apiextensions.k8s.io';

/** A CRD's OpenAPI v3 schema, which may hold keywords the Schema model leaves out (and that validation refuses). */
export type JsonSchemaProps = Schema & { readonly [keyword: string]: unknown };

export interface CrdNames {
  plural?: string;
  singular?: string;
  shortNames?: string[];
  kind?: string;
  listKind?: string;
  categories?: string[];
}

export interface ScaleSubresourceSpec {
  specReplicasPath?: string;
  statusReplicasPath?: string;
  labelSelectorPath?: string;
}

export interface CrdSubresources {
  status?: Record<string, unknown>;
  scale?: ScaleSubresourceSpec;
}

export interface PrinterColumn {
  name?: string;
  type?: string;
  format?: string;
  description?: string;
  priority?: number;
  jsonPath?: string;
}

export interface SelectableField {
  jsonPath?: string;
}

export interface CrdVersion {
  name?: string;
  served?: boolean;
  storage?: boolean;
  deprecated?: boolean;
  deprecationWarning?: string;
  schema?: { openAPIV3Schema?: JsonSchemaProps };
  subresources?: CrdSubresources;
  additionalPrinterColumns?: PrinterColumn[];
  selectableFields?: SelectableField[];
}

export interface WebhookClientConfig {
  url?: string;
  service?: { namespace?: string; name?: string; path?: string; port?: number };
  caBundle?: string;
}

export interface CrdConversion {
  strategy?: string;
  webhook?: { clientConfig?: WebhookClientConfig; conversionReviewVersions?: string[] };
}

export interface CrdSpec {
  group?: string;
  names?: CrdNames;
  scope?: string;
  versions?: CrdVersion[];
  conversion?: CrdConversion;
  preserveUnknownFields?: boolean;
}

export type ConditionStatus = 'True' | 'False' | 'Unknown';

export interface CrdCondition {
  type: string;
  status: ConditionStatus;
  lastTransitionTime?: string;
  reason?: string;
  message?: string;
}

export interface CrdStatus {
  conditions?: CrdCondition[];
  acceptedNames?: CrdNames;
  storedVersions?: string[];
}

export interface CustomResourceDefinition extends KubeObject {
  spec?: CrdSpec;
  status?: CrdStatus;
}

export function asCrd(object: KubeObject): CustomResourceDefinition {
  return object as CustomResourceDefinition;
}

/** The CRD's versions that are well-formed enough to reason about. */
export function versionsOf(crd: CustomResourceDefinition): CrdVersion[] {
  const versions = crd.spec?.versions;
  return Array.isArray(versions) ? versions.filter((version) => typeof version === 'object' && version !== null) : [];
}

export function storageVersionOf(crd: CustomResourceDefinition): string | undefined {
  return versionsOf(crd).find((version) => version.storage === true)?.name;
}

export function findCondition(crd: CustomResourceDefinition, type: string): CrdCondition | undefined {
  return crd.status?.conditions?.find((condition) => condition.type === type);
}

export function isConditionTrue(crd: CustomResourceDefinition, type: string): boolean {
  return findCondition(crd, type)?.status === 'True';
}

/**
 * Sets a condition the way upstream's SetCRDCondition does: the transition
 * time moves only when the status changes.
 */
export function setCondition(crd: CustomResourceDefinition, condition: CrdCondition, now: Date): void {
  const status = (crd.status ??= {});
  const conditions = (status.conditions ??= []);
  const existing = conditions.find((candidate) => candidate.type === condition.type);
  const stamped: CrdCondition = { ...condition, lastTransitionTime: condition.lastTransitionTime ?? rfc3339(now) };
  if (existing === undefined) {
    conditions.push(stamped);
    return;
  }
  if (existing.status === condition.status && existing.lastTransitionTime !== undefined) stamped.lastTransitionTime = existing.lastTransitionTime;
  Object.assign(existing, stamped);
  if (condition.reason === undefined) delete existing.reason;
  if (condition.message === undefined) delete existing.message;
}

/** Same type, status, reason and message (upstream's IsCRDConditionEquivalent: the time does not count). */
export function conditionsEquivalent(a: CrdCondition | undefined, b: CrdCondition | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return a.type === b.type && a.status === b.status && (a.reason ?? '') === (b.reason ?? '') && (a.message ?? '') === (b.message ?? '');
}
