import type { AuthorizationAttributes, AuthorizationResult, Authorizer, RulesResult, UserInfo } from '../types.js';
import { ruleAllows, type PolicyRule } from './policy-rule.js';
import type { Binding, PolicyIndex, RoleRef, Subject } from './policy-index.js';

const SERVICE_ACCOUNT_PREFIX = 'system:serviceaccount:';

/** Whether a binding's subject is this user (upstream's appliesToUser). */
function appliesTo(user: UserInfo, subject: Subject, bindingNamespace: string): boolean {
  switch (subject.kind) {
    case 'User':
      return user.name === subject.name;
    case 'Group':
      return user.groups.includes(subject.name);
    case 'ServiceAccount': {
      // A RoleBinding may name a service account of its own namespace without saying so.
      const namespace = subject.namespace !== undefined && subject.namespace !== '' ? subject.namespace : bindingNamespace;
      return namespace !== '' && user.name === `${SERVICE_ACCOUNT_PREFIX}${namespace}:${subject.name}`;
    }
    default:
      return false;
  }
}

function describeSubject(subject: Subject, bindingNamespace: string): string {
  if (subject.kind !== 'ServiceAccount') return `${subject.kind} ${JSON.stringify(subject.name)}`;
  const namespace = subject.namespace !== undefined && subject.namespace !== '' ? subject.namespace : bindingNamespace;
  return `${subject.kind} ${JSON.stringify(`${subject.name}/${namespace}`)}`;
}

/** How upstream names the source of a grant in an "allowed by" reason. */
function describeGrant(binding: Binding, subject: Subject): string {
  if (binding.namespace === '') {
    return `ClusterRoleBinding ${JSON.stringify(binding.name)} of ClusterRole ${JSON.stringify(binding.roleRef.name)} to ${describeSubject(subject, '')}`;
  }
  return `RoleBinding ${JSON.stringify(`${binding.name}/${binding.namespace}`)} of ${binding.roleRef.kind} ${JSON.stringify(binding.roleRef.name)} to ${describeSubject(subject, binding.namespace)}`;
}

/**
 * Visits the rules that apply to a user in a namespace: those of the
 * ClusterRoleBindings, then those of the namespace's RoleBindings (upstream's
 * DefaultRuleResolver.VisitRulesFor). The visitor returns false to stop.
 */
function visitRules(
  index: PolicyIndex,
  user: UserInfo,
  namespace: string,
  visit: (rules: readonly PolicyRule[], grant: () => string) => boolean,
  errors: string[],
): void {
  const bindings = namespace === '' ? index.clusterRoleBindings() : [...index.clusterRoleBindings(), ...index.roleBindings(namespace)];
  for (const binding of bindings) {
    const subject = binding.subjects.find((candidate) => appliesTo(user, candidate, binding.namespace));
    if (subject === undefined) continue;
    const resolved = index.rulesOf(binding.roleRef, binding.namespace);
    if ('error' in resolved) {
      errors.push(resolved.error);
      continue;
    }
    if (!visit(resolved.rules, () => describeGrant(binding, subject))) return;
  }
}

/** Go's utilerrors.NewAggregate(...).Error(): one message alone, several in brackets. */
function aggregate(errors: readonly string[]): string {
  return errors.length === 1 ? errors[0]! : `[${errors.join(', ')}]`;
}

/** Role-based access control as upstream's RBAC authorizer: it allows or has no opinion, never denies. */
export class RbacAuthorizer implements Authorizer {
  constructor(private readonly index: PolicyIndex) {}

  authorize(attributes: AuthorizationAttributes): AuthorizationResult {
    const errors: string[] = [];
    let allowedBy: string | undefined;
    visitRules(
      this.index,
      attributes.user,
      attributes.namespace,
      (rules, grant) => {
        if (!rules.some((rule) => ruleAllows(attributes, rule))) return true;
        allowedBy = grant();
        return false;
      },
      errors,
    );
    if (allowedBy !== undefined) return { decision: 'allow', reason: `RBAC: allowed by ${allowedBy}` };
    return { decision: 'noOpinion', reason: errors.length > 0 ? `RBAC: ${aggregate(errors)}` : '' };
  }

  /** Every rule that applies to the user in the namespace (the cluster-wide ones for ''), and the roles that could not be resolved. */
  rules(user: UserInfo, namespace: string): { rules: PolicyRule[]; errors: string[] } {
    const rules: PolicyRule[] = [];
    const errors: string[] = [];
    visitRules(
      this.index,
      user,
      namespace,
      (found) => {
        rules.push(...found);
        return true;
      },
      errors,
    );
    return { rules, errors };
  }

  /** The rules a role reference grants (for a binding in `namespace`), or why it cannot be resolved. */
  roleRules(roleRef: RoleRef, namespace: string): { rules: readonly PolicyRule[] } | { error: string } {
    return this.index.rulesOf(roleRef, namespace);
  }

  rulesFor(user: UserInfo, namespace: string): RulesResult {
    const { rules, errors } = this.rules(user, namespace);
    return {
      resourceRules: rules
        .filter((rule) => (rule.resources ?? []).length > 0)
        .map((rule) => ({ verbs: rule.verbs, apiGroups: rule.apiGroups ?? [], resources: rule.resources ?? [], ...((rule.resourceNames ?? []).length > 0 && { resourceNames: rule.resourceNames }) })),
      nonResourceRules: rules.filter((rule) => (rule.nonResourceURLs ?? []).length > 0).map((rule) => ({ verbs: rule.verbs, nonResourceURLs: rule.nonResourceURLs ?? [] })),
      // Upstream reports unresolvable roles as an evaluation error, not as incompleteness.
      incomplete: false,
      ...(errors.length > 0 && { evaluationError: aggregate(errors) }),
    };
  }
}
