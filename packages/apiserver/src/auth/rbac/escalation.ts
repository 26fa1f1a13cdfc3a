/**
 * Escalation prevention: nobody grants rights they do not hold. Upstream
 * does this in RBAC's policy-based storage (pkg/registry/rbac/{role,clusterrole,…}/policybased):
 * writing a Role or ClusterRole needs every permission in it, or the
 * `escalate` verb on it; writing a binding needs the referenced role's
 * permissions, or the `bind` verb on it; system:masters may do anything.
 * Here it is an admission plugin over the same request facts.
 */
import { forbidden } from '../../errors/status.js';
import type { AdmissionPlugin, AdmissionRequest } from '../../admission/types.js';
import type { KubeObject } from '../../resources/types.js';
import { SYSTEM_MASTERS, type Authorizer, type UserInfo } from '../types.js';
import type { RbacAuthorizer } from './authorizer.js';
import type { RoleRef } from './policy-index.js';
import { compactRules, describeRule, uncoveredRules, type PolicyRule } from './policy-rule.js';

const RBAC_GROUP = 'rbac.authorization.k8s.io';

/** Go's %q of a []string: `["a" "b"]`. */
function quoted(values: readonly string[]): string {
  return `[${values.map((value) => JSON.stringify(value)).join(' ')}]`;
}

function rulesOf(object: KubeObject | undefined): PolicyRule[] {
  return ((object?.['rules'] as PolicyRule[] | null | undefined) ?? []).map((rule) => ({ ...rule, verbs: rule.verbs ?? [] }));
}

/** Only metadata the garbage collector writes changed (finalizers, ownerReferences): never an escalation. */
function onlyGarbageCollectionFields(object: KubeObject, old: KubeObject | undefined): boolean {
  if (old === undefined) return false;
  const strip = (value: KubeObject): unknown => {
    const { finalizers: _f, ownerReferences: _o, resourceVersion: _r, managedFields: _m, generation: _g, ...metadata } = value.metadata;
    return { ...value, metadata };
  };
  return JSON.stringify(strip(object)) === JSON.stringify(strip(old));
}

export function rbacEscalationPlugin(rbac: RbacAuthorizer, authorizer: Authorizer): AdmissionPlugin {
  /** ConfirmNoEscalation: the user's own rules in the namespace must cover `rules`. */
  const confirmNoEscalation = (user: UserInfo, namespace: string, rules: readonly PolicyRule[]): string | undefined => {
    const owned = rbac.rules(user, namespace);
    const missing = uncoveredRules(owned.rules, rules);
    if (missing.length === 0) return undefined;
    const descriptions = [...new Set(compactRules(missing).map(describeRule))].sort();
    let message = `user ${JSON.stringify(user.name)} (groups=${quoted(user.groups)}) is attempting to grant RBAC permissions not currently held:\n${descriptions.join('\n')}`;
    if (owned.errors.length > 0) message += `; resolution errors: [${owned.errors.join(' ')}]`;
    return message;
  };

  const allowedVerb = async (request: AdmissionRequest, verb: 'escalate' | 'bind', resource: string, name: string): Promise<boolean> => {
    const result = await authorizer.authorize({
      user: request.user,
      verb,
      isResourceRequest: true,
      path: '',
      namespace: request.namespace,
      apiGroup: RBAC_GROUP,
      apiVersion: '*',
      resource,
      subresource: '',
      name,
    });
    return result.decision === 'allow';
  };

  return {
    name: 'RBACEscalationPrevention',
    async validate(request) {
      const { definition, object, user } = request;
      if (definition.group !== RBAC_GROUP || object === undefined || request.subresource !== '') return;
      if (request.operation !== 'CREATE' && request.operation !== 'UPDATE') return;
      if (user.groups.includes(SYSTEM_MASTERS)) return;
      if (onlyGarbageCollectionFields(object, request.oldObject)) return;
      const refuse = (why: string) => forbidden({ group: RBAC_GROUP, resource: definition.plural }, request.name, why);

      if (definition.plural === 'roles' || definition.plural === 'clusterroles') {
        if (await allowedVerb(request, 'escalate', definition.plural, request.name)) return;
        if (definition.plural === 'clusterroles' && object['aggregationRule'] != null) throw refuse('must have cluster-admin privileges to use the aggregationRule');
        const escalation = confirmNoEscalation(user, request.namespace, rulesOf(object));
        if (escalation !== undefined) throw refuse(escalation);
        return;
      }
      if (definition.plural === 'rolebindings' || definition.plural === 'clusterrolebindings') {
        const roleRef = (object['roleRef'] as RoleRef | undefined) ?? { kind: '', name: '' };
        const roleResource = roleRef.kind === 'Role' ? 'roles' : 'clusterroles';
        if (await allowedVerb(request, 'bind', roleResource, roleRef.name)) return;
        const referenced = rbac.roleRules(roleRef, request.namespace);
        if ('error' in referenced) throw refuse(referenced.error);
        const escalation = confirmNoEscalation(user, request.namespace, referenced.rules);
        if (escalation !== undefined) throw refuse(escalation);
      }
    },
  };
}
