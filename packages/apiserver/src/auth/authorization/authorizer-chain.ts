import { ApiError, forbidden } from '../../errors/status.js';
import { SYSTEM_MASTERS, type AuthorizationAttributes, type AuthorizationResult, type Authorizer, type RulesResult, type UserInfo } from '../types.js';

/**
 * Authorizers tried in order, as upstream's union authorizer behind its
 * privileged-group one: system:masters may do anything; otherwise the first
 * authorizer that allows or denies decides, and when all have no opinion
 * the request is refused with their reasons.
 */
export class AuthorizerChain implements Authorizer {
  constructor(private readonly authorizers: readonly Authorizer[]) {}

  async authorize(attributes: AuthorizationAttributes): Promise<AuthorizationResult> {
    if (attributes.user.groups.includes(SYSTEM_MASTERS)) return { decision: 'allow', reason: '' };
    const reasons: string[] = [];
    for (const authorizer of this.authorizers) {
      const result = await authorizer.authorize(attributes);
      if (result.decision !== 'noOpinion') return result;
      if (result.reason !== '') reasons.push(result.reason);
    }
    return { decision: 'noOpinion', reason: reasons.join('\n') };
  }

  async rulesFor(user: UserInfo, namespace: string): Promise<RulesResult> {
    const results = await Promise.all(
      this.authorizers.map((authorizer) => authorizer.rulesFor?.(user, namespace) ?? { resourceRules: [], nonResourceRules: [], incomplete: true }),
    );
    const errors = results.map((result) => result.evaluationError).filter((error): error is string => error !== undefined);
    return {
      resourceRules: results.flatMap((result) => result.resourceRules),
      nonResourceRules: results.flatMap((result) => result.nonResourceRules),
      incomplete: results.some((result) => result.incomplete),
      ...(errors.length > 0 && { evaluationError: errors.length === 1 ? errors[0]! : `[${errors.join(', ')}]` }),
    };
  }
}

/** Upstream's forbiddenMessage: who cannot do what, where. */
export function forbiddenMessage(attributes: AuthorizationAttributes): string {
  const user = JSON.stringify(attributes.user.name);
  if (!attributes.isResourceRequest) return `User ${user} cannot ${attributes.verb} path ${JSON.stringify(attributes.path)}`;
  const resource = attributes.subresource === '' ? attributes.resource : `${attributes.resource}/${attributes.subresource}`;
  const where = attributes.namespace !== '' ? `in the namespace ${JSON.stringify(attributes.namespace)}` : 'at the cluster scope';
  return `User ${user} cannot ${attributes.verb} resource ${JSON.stringify(resource)} in API group ${JSON.stringify(attributes.apiGroup)} ${where}`;
}

/** The 403 upstream's authorization filter answers (apierrors.NewForbidden with the reason appended). */
export function forbiddenError(attributes: AuthorizationAttributes, reason: string): ApiError {
  const why = reason === '' ? forbiddenMessage(attributes) : `${forbiddenMessage(attributes)}: ${reason}`;
  if (attributes.isResourceRequest) return forbidden({ group: attributes.apiGroup, resource: attributes.resource }, attributes.name, why);
  return new ApiError({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: `forbidden: ${why}`, reason: 'Forbidden', details: {}, code: 403 });
}
