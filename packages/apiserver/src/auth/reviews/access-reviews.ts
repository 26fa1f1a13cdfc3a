/**
 * The review kinds of authentication.k8s.io and authorization.k8s.io:
 * objects a client creates to ask a question, answered in their status and
 * never stored (upstream's pkg/registry/authentication and
 * pkg/registry/authorization REST handlers). `kubectl auth whoami` creates a
 * SelfSubjectReview, `kubectl auth can-i` a SelfSubjectAccessReview (or,
 * with --list, a SelfSubjectRulesReview); webhooks and aggregated servers
 * use TokenReview and SubjectAccessReview.
 */
import { z } from 'zod';
import { badRequest, invalid, type FieldError } from '../../errors/status.js';
import { rfc3339 } from '../../registry/store.js';
import type { AuthorizationAttributes, Authorizer, UserInfo } from '../types.js';
import type { RequestAuthenticator } from '../authentication/request-authenticator.js';

type Json = Record<string, unknown>;

/** What answering a review needs. */
export interface ReviewContext {
  readonly user: UserInfo;
  /** The namespace in the URL (LocalSubjectAccessReview). */
  readonly namespace: string;
  readonly authorizer: Authorizer;
  readonly authenticator: RequestAuthenticator;
  readonly now: () => Date;
}

export const REVIEW_KINDS = {
  'authentication.k8s.io/selfsubjectreviews': { kind: 'SelfSubjectReview', schema: 'io.k8s.api.authentication.v1.SelfSubjectReview' },
  'authentication.k8s.io/tokenreviews': { kind: 'TokenReview', schema: 'io.k8s.api.authentication.v1.TokenReview' },
  'authorization.k8s.io/subjectaccessreviews': { kind: 'SubjectAccessReview', schema: 'io.k8s.api.authorization.v1.SubjectAccessReview' },
  'authorization.k8s.io/selfsubjectaccessreviews': { kind: 'SelfSubjectAccessReview', schema: 'io.k8s.api.authorization.v1.SelfSubjectAccessReview' },
  'authorization.k8s.io/localsubjectaccessreviews': { kind: 'LocalSubjectAccessReview', schema: 'io.k8s.api.authorization.v1.LocalSubjectAccessReview' },
  'authorization.k8s.io/selfsubjectrulesreviews': { kind: 'SelfSubjectRulesReview', schema: 'io.k8s.api.authorization.v1.SelfSubjectRulesReview' },
} as const;

export type ReviewResource = keyof typeof REVIEW_KINDS;

export function isReviewResource(key: string): key is ReviewResource {
  return Object.hasOwn(REVIEW_KINDS, key);
}

const resourceAttributes = z
  .object({
    namespace: z.string().optional(),
    verb: z.string().optional(),
    group: z.string().optional(),
    version: z.string().optional(),
    resource: z.string().optional(),
    subresource: z.string().optional(),
    name: z.string().optional(),
  })
  .loose();
const nonResourceAttributes = z.object({ path: z.string().optional(), verb: z.string().optional() }).loose();
const accessReviewSpec = z
  .object({
    resourceAttributes: resourceAttributes.nullish(),
    nonResourceAttributes: nonResourceAttributes.nullish(),
    user: z.string().optional(),
    groups: z.array(z.string()).nullish(),
    uid: z.string().optional(),
    extra: z.record(z.string(), z.array(z.string())).nullish(),
  })
  .loose();
const review = z.object({ metadata: z.object({ namespace: z.string().optional() }).loose().optional(), spec: z.unknown().optional() }).loose();

type AccessReviewSpec = z.infer<typeof accessReviewSpec>;

function parse<T>(schema: z.ZodType<T>, value: unknown, kind: string): T {
  const result = schema.safeParse(value);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    throw badRequest(`${kind} in version "v1" cannot be handled as a ${kind}: ${issue.path.join('.') || 'body'}: ${issue.message}`);
  }
  return result.data;
}

/** ValidateSubjectAccessReviewSpec's rules on which attributes are given (`requireSubject` for SubjectAccessReview). */
function validateAttributesGiven(spec: AccessReviewSpec, requireSubject: boolean): FieldError[] {
  const errors: FieldError[] = [];
  if (spec.resourceAttributes != null && spec.nonResourceAttributes != null) {
    errors.push({ type: 'FieldValueInvalid', field: 'spec.nonResourceAttributes', value: 'object', detail: 'cannot be specified in combination with resourceAttributes' });
  }
  if (spec.resourceAttributes == null && spec.nonResourceAttributes == null) {
    errors.push({ type: 'FieldValueInvalid', field: 'spec.resourceAttributes', value: 'null', detail: 'exactly one of nonResourceAttributes or resourceAttributes must be specified' });
  }
  if (requireSubject && (spec.user ?? '') === '' && (spec.groups ?? []).length === 0) {
    errors.push({ type: 'FieldValueInvalid', field: 'spec.user', value: spec.user ?? '', detail: 'at least one of user or group must be specified' });
  }
  return errors;
}

/** authorizationutil.AuthorizationAttributesFrom: what a review's spec asks about. */
function attributesOf(spec: AccessReviewSpec, user: UserInfo): AuthorizationAttributes {
  const resource = spec.resourceAttributes;
  if (resource != null) {
    return {
      user,
      verb: resource.verb ?? '',
      isResourceRequest: true,
      path: '',
      namespace: resource.namespace ?? '',
      apiGroup: resource.group ?? '',
      apiVersion: resource.version ?? '',
      resource: resource.resource ?? '',
      subresource: resource.subresource ?? '',
      name: resource.name ?? '',
    };
  }
  const nonResource = spec.nonResourceAttributes ?? {};
  return { user, verb: nonResource.verb ?? '', isResourceRequest: false, path: nonResource.path ?? '', namespace: '', apiGroup: '', apiVersion: '', resource: '', subresource: '', name: '' };
}

async function accessStatus(context: ReviewContext, attributes: AuthorizationAttributes): Promise<Json> {
  try {
    const result = await context.authorizer.authorize(attributes);
    return { allowed: result.decision === 'allow', ...(result.decision === 'deny' && { denied: true }), ...(result.reason !== '' && { reason: result.reason }) };
  } catch (error) {
    return { allowed: false, evaluationError: error instanceof Error ? error.message : String(error) };
  }
}

function userInfoOf(user: UserInfo): Json {
  return {
    username: user.name,
    ...(user.uid !== undefined && user.uid !== '' && { uid: user.uid }),
    ...(user.groups.length > 0 && { groups: [...user.groups] }),
    ...(user.extra !== undefined && Object.keys(user.extra).length > 0 && { extra: user.extra }),
  };
}

/**
 * Answers a review: the object as sent (kind, apiVersion, metadata, spec)
 * with its status filled in, for a 201.
 */
export async function answerReview(resource: ReviewResource, body: unknown, context: ReviewContext): Promise<Json> {
  const { kind } = REVIEW_KINDS[resource];
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw badRequest(`the body must be a ${kind} object`);
  const object = parse(review, body, kind);
  const group = resource.split('/')[0]!;
  const answer = (status: Json, extra: Json = {}): Json => ({
    ...object,
    kind,
    apiVersion: `${group}/v1`,
    metadata: { ...(object.metadata ?? {}), creationTimestamp: null, ...extra },
    status,
  });
  switch (resource) {
    case 'authentication.k8s.io/selfsubjectreviews':
      return { kind, apiVersion: `${group}/v1`, metadata: { creationTimestamp: rfc3339(context.now()) }, status: { userInfo: userInfoOf(context.user) } };
    case 'authentication.k8s.io/tokenreviews': {
      const spec = parse(z.object({ token: z.string().optional(), audiences: z.array(z.string()).nullish() }).loose(), object.spec ?? {}, kind);
      if ((spec.token ?? '') === '') throw badRequest('token is required for TokenReview in authentication');
      const outcome = await context.authenticator.authenticateToken(spec.token!, spec.audiences ?? undefined);
      if (!('user' in outcome)) return answer({ authenticated: false, error: outcome.error });
      return answer({ authenticated: true, user: userInfoOf(outcome.user), ...(outcome.audiences !== undefined && { audiences: [...outcome.audiences] }) });
    }
    case 'authorization.k8s.io/subjectaccessreviews': {
      const spec = parse(accessReviewSpec, object.spec ?? {}, kind);
      const errors = validateAttributesGiven(spec, true);
      if (errors.length > 0) throw invalid(kind, group, '', errors);
      const user: UserInfo = { name: spec.user ?? '', uid: spec.uid, groups: spec.groups ?? [], ...(spec.extra != null && { extra: spec.extra }) };
      return answer(await accessStatus(context, attributesOf(spec, user)));
    }
    case 'authorization.k8s.io/selfsubjectaccessreviews': {
      const spec = parse(accessReviewSpec, object.spec ?? {}, kind);
      const errors = validateAttributesGiven(spec, false);
      if (errors.length > 0) throw invalid(kind, group, '', errors);
      return answer(await accessStatus(context, attributesOf(spec, context.user)));
    }
    case 'authorization.k8s.io/localsubjectaccessreviews': {
      const spec = parse(accessReviewSpec, object.spec ?? {}, kind);
      const namespace = object.metadata?.namespace ?? context.namespace;
      if (namespace !== context.namespace) throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
      const errors = validateAttributesGiven(spec, true);
      if (spec.resourceAttributes != null && (spec.resourceAttributes.namespace ?? '') !== namespace) {
        errors.push({ type: 'FieldValueInvalid', field: 'spec.resourceAttributes.namespace', value: spec.resourceAttributes.namespace ?? '', detail: 'must match metadata.namespace' });
      }
      if (spec.nonResourceAttributes != null) errors.push({ type: 'FieldValueInvalid', field: 'spec.nonResourceAttributes', value: 'object', detail: 'disallowed on this kind of request' });
      if (errors.length > 0) throw invalid(kind, group, '', errors);
      const user: UserInfo = { name: spec.user ?? '', uid: spec.uid, groups: spec.groups ?? [], ...(spec.extra != null && { extra: spec.extra }) };
      return answer(await accessStatus(context, attributesOf(spec, user)), { namespace });
    }
    case 'authorization.k8s.io/selfsubjectrulesreviews': {
      const spec = parse(z.object({ namespace: z.string().optional() }).loose(), object.spec ?? {}, kind);
      if ((spec.namespace ?? '') === '') throw badRequest('no namespace on request');
      const rules = await (context.authorizer.rulesFor?.(context.user, spec.namespace!) ?? { resourceRules: [], nonResourceRules: [], incomplete: true });
      return answer({
        resourceRules: rules.resourceRules,
        nonResourceRules: rules.nonResourceRules,
        incomplete: rules.incomplete,
        ...(rules.evaluationError !== undefined && { evaluationError: rules.evaluationError }),
      });
    }
  }
}
