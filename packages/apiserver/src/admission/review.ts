/**
 * The admission.k8s.io/v1 AdmissionReview a webhook (or an in-process
 * hook) sees, and what its answer does to the request: upstream's
 * webhook request builder and response handling (k8s.io/apiserver/pkg/
 * admission/plugin/webhook/{request,mutating,validating}).
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { ApiError, badRequest, type Status } from '../errors/status.js';
import { applyJsonPatch } from '../patch/index.js';
import type { JsonValue, KubeObject } from '../resources/types.js';
import type { AdmissionRequest } from './types.js';

export interface AdmissionReviewRequest {
  readonly uid: string;
  readonly kind: { group: string; version: string; kind: string };
  readonly resource: { group: string; version: string; resource: string };
  readonly subResource?: string;
  readonly requestKind: { group: string; version: string; kind: string };
  readonly requestResource: { group: string; version: string; resource: string };
  readonly requestSubResource?: string;
  readonly name?: string;
  readonly namespace?: string;
  readonly operation: string;
  readonly userInfo: { username: string; uid?: string; groups?: string[]; extra?: Record<string, readonly string[]> };
  readonly object: KubeObject | null;
  readonly oldObject: KubeObject | null;
  readonly dryRun: boolean;
  readonly options: { apiVersion: 'meta.k8s.io/v1'; kind: string } | null;
}

const OPTIONS_KIND: Record<string, string> = { CREATE: 'CreateOptions', UPDATE: 'UpdateOptions', DELETE: 'DeleteOptions' };

/** The `request` of an AdmissionReview for one write (a fresh uid per call, as upstream). */
export function reviewRequest(request: AdmissionRequest): AdmissionReviewRequest {
  const { definition, user } = request;
  const kind = { group: definition.group, version: definition.version, kind: definition.kind };
  const resource = { group: definition.group, version: definition.version, resource: definition.plural };
  const optionsKind = OPTIONS_KIND[request.operation];
  return {
    uid: randomUUID(),
    kind,
    resource,
    ...(request.subresource !== '' && { subResource: request.subresource, requestSubResource: request.subresource }),
    requestKind: kind,
    requestResource: resource,
    ...(request.name !== '' && { name: request.name }),
    ...(request.namespace !== '' && { namespace: request.namespace }),
    operation: request.operation,
    userInfo: {
      username: user.name,
      ...(user.uid !== undefined && { uid: user.uid }),
      ...(user.groups.length > 0 && { groups: [...user.groups] }),
      ...(user.extra !== undefined && { extra: user.extra }),
    },
    object: request.object ?? null,
    oldObject: request.oldObject ?? null,
    dryRun: request.dryRun,
    options: optionsKind === undefined ? null : { apiVersion: 'meta.k8s.io/v1', kind: optionsKind },
  };
}

const jsonPatchOperations = z.array(z.record(z.string(), z.unknown()));

/** An AdmissionReview's `response`, as webhooks send it (zod: this is outside data). */
export const admissionResponseSchema = z
  .object({
    uid: z.string().optional(),
    allowed: z.boolean(),
    status: z
      .object({ code: z.number().int().optional(), message: z.string().optional(), reason: z.string().optional(), status: z.string().optional(), details: z.unknown().optional() })
      .loose()
      .nullish(),
    // base64 text from webhooks; in-process hooks may give the operations themselves.
    patch: z.union([z.string(), jsonPatchOperations]).nullish(),
    patchType: z.string().nullish(),
    warnings: z.array(z.string()).nullish(),
    auditAnnotations: z.record(z.string(), z.string()).nullish(),
  })
  .loose();

export type AdmissionResponse = z.infer<typeof admissionResponseSchema>;

/** upstream's webhookerrors.ToStatusErr: a rejection as a Status, never below 400. */
export function rejection(name: string, status: AdmissionResponse['status']): ApiError {
  const deniedBy = `admission webhook ${JSON.stringify(name)} denied the request`;
  const code = (status?.code ?? 0) < 400 ? 400 : status!.code!;
  const message = status?.message ? `${deniedBy}: ${status.message}` : status?.reason ? `${deniedBy}: ${status.reason}` : `${deniedBy} without explanation`;
  const result: Status = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, code };
  if (status?.reason !== undefined && status.reason !== '') result.reason = status.reason as Status['reason'];
  if (status?.details !== undefined) result.details = status.details as Status['details'];
  return new ApiError(result);
}

/**
 * Applies a mutating answer's JSONPatch to the request's object in place.
 * A patch from a validating hook, of another type, or one that does not
 * apply is an error of the webhook, as upstream.
 */
export function applyResponsePatch(name: string, request: AdmissionRequest, response: AdmissionResponse, mutating: boolean): boolean {
  if (response.patch === undefined || response.patch === null || (typeof response.patch === 'string' && response.patch === '')) return false;
  if (!mutating) throw new WebhookCallError(name, 'validating webhooks may not return a patch');
  if (response.patchType !== 'JSONPatch') throw new WebhookCallError(name, `unsupported patch type ${JSON.stringify(response.patchType ?? '')}`);
  if (request.object === undefined) return false;
  const operations = typeof response.patch === 'string' ? (JSON.parse(Buffer.from(response.patch, 'base64').toString('utf8')) as unknown) : response.patch;
  const parsed = jsonPatchOperations.safeParse(operations);
  if (!parsed.success) throw new WebhookCallError(name, 'the patch is not a list of JSON Patch operations');
  let patched: JsonValue;
  try {
    patched = applyJsonPatch(structuredClone(request.object) as unknown as JsonValue, parsed.data as JsonValue[]);
  } catch (error) {
    throw badRequest(`admission webhook ${JSON.stringify(name)} returned a patch that does not apply: ${error instanceof Error ? error.message : String(error)}`);
  }
  const object = request.object as Record<string, unknown>;
  for (const key of Object.keys(object)) delete object[key];
  Object.assign(object, patched);
  return true;
}

/** A webhook that could not be called or answered nonsense: failurePolicy decides. */
export class WebhookCallError extends Error {
  constructor(
    readonly webhook: string,
    reason: string,
  ) {
    super(`failed calling webhook ${JSON.stringify(webhook)}: ${reason}`);
  }
}
