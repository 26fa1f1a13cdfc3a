/**
 * ValidatingAdmissionPolicy (admissionregistration.k8s.io/v1): CEL
 * validations a cluster declares instead of running a webhook, bound to
 * the writes they govern by ValidatingAdmissionPolicyBindings, as upstream's
 * k8s.io/apiserver/pkg/admission/plugin/policy/validating: match
 * constraints and conditions, parameters, variables, messages and
 * messageExpressions, Deny/Warn/Audit, failurePolicy.
 */
import type { Logger } from 'pino';
import { ApiError, type Status, type StatusReason } from '../../errors/status.js';
import type { KubeObject } from '../../resources/types.js';
import { evaluate, EvaluationError, toCel } from '../cel.js';
import { labelsMatch, labelSelectorFromObject } from '../../selectors/label-selector.js';
import { reviewRequest } from '../review.js';
import type { AdmissionPlugin, AdmissionRequest } from '../types.js';
import { webhookSchema } from '../webhooks/configuration.js';
import { webhookMatches } from '../webhooks/matching.js';

type Json = Record<string, unknown>;

export interface PolicySources {
  policies(): readonly KubeObject[];
  bindings(): readonly KubeObject[];
  namespace(name: string): KubeObject | undefined;
  /** Objects of a param kind (apiVersion, kind) in a namespace ('' for all or cluster-scoped). */
  params(apiVersion: string, kind: string, namespace: string): Promise<readonly KubeObject[]>;
}

const CODES: Partial<Record<StatusReason, number>> = { Invalid: 422, Forbidden: 403, Unauthorized: 401, RequestEntityTooLarge: 413 };

/** Whether the constraints (policy's matchConstraints or a binding's matchResources) select the write. */
function constraintsMatch(constraints: Json | undefined, request: AdmissionRequest, namespaceLabels: (name: string) => Record<string, string> | undefined): boolean {
  if (constraints === undefined) return true;
  const asHook = (rules: unknown) => webhookSchema.parse({ name: 'policy', clientConfig: {}, rules, namespaceSelector: constraints['namespaceSelector'] ?? {}, objectSelector: constraints['objectSelector'] ?? {} });
  const rules = (constraints['resourceRules'] as Json[] | undefined) ?? [];
  const named = (rule: Json) => ((rule['resourceNames'] as string[] | undefined) ?? []).length === 0 || (rule['resourceNames'] as string[]).includes(request.name);
  const included = rules.length === 0 ? webhookMatches(asHook([{ operations: ['*'], apiGroups: ['*'], apiVersions: ['*'], resources: ['*', '*/*'] }]), request, namespaceLabels) : rules.some((rule) => named(rule) && webhookMatches(asHook([rule]), request, namespaceLabels));
  if (!included) return false;
  const excluded = ((constraints['excludeResourceRules'] as Json[] | undefined) ?? []).some((rule) => named(rule) && webhookMatches(webhookSchema.parse({ name: 'policy', clientConfig: {}, rules: [rule] }), request, () => ({})));
  return !excluded;
}

export function validatingAdmissionPolicyPlugin(sources: PolicySources, logger: Logger): AdmissionPlugin {
  const namespaceLabels = (name: string) => sources.namespace(name)?.metadata.labels ?? (sources.namespace(name) === undefined ? undefined : {});
  return {
    name: 'ValidatingAdmissionPolicy',
    async validate(request, warnings) {
      const policies = new Map(sources.policies().map((policy) => [policy.metadata.name ?? '', policy]));
      for (const binding of sources.bindings()) {
        const bindingSpec = (binding['spec'] ?? {}) as Json;
        const policy = policies.get(String(bindingSpec['policyName'] ?? ''));
        if (policy === undefined) continue;
        const spec = (policy['spec'] ?? {}) as Json;
        if (!constraintsMatch(spec['matchConstraints'] as Json | undefined, request, namespaceLabels)) continue;
        if (!constraintsMatch(bindingSpec['matchResources'] as Json | undefined, request, namespaceLabels)) continue;
        const policyName = policy.metadata.name ?? '';
        const bindingName = binding.metadata.name ?? '';
        const actions = (bindingSpec['validationActions'] as string[] | undefined) ?? ['Deny'];
        const failurePolicy = String(spec['failurePolicy'] ?? 'Fail');
        const decide = (message: string, reason: StatusReason = 'Invalid'): void => {
          if (actions.includes('Warn')) warnings.push(`Validation failed for ValidatingAdmissionPolicy '${policyName}' with binding '${bindingName}': ${message}`);
          if (actions.includes('Audit')) logger.info({ policy: policyName, binding: bindingName, message }, 'validating admission policy audit');
          if (actions.includes('Deny')) {
            const text = `ValidatingAdmissionPolicy '${policyName}' with binding '${bindingName}' denied request: ${message}`;
            const resource = request.definition.group === '' ? request.definition.plural : `${request.definition.plural}.${request.definition.group}`;
            const status: Status = {
              kind: 'Status',
              apiVersion: 'v1',
              metadata: {},
              status: 'Failure',
              message: request.name === '' ? `${resource} is forbidden: ${text}` : `${resource} "${request.name}" is forbidden: ${text}`,
              reason,
              details: { ...(request.name !== '' && { name: request.name }), ...(request.definition.group !== '' && { group: request.definition.group }), kind: request.definition.plural, causes: [{ message: text }] },
              code: CODES[reason] ?? 422,
            };
            throw new ApiError(status);
          }
        };
        try {
          // Parameters: the binding's paramRef, by name or selector, of the policy's paramKind.
          let params: unknown = null;
          const paramKind = spec['paramKind'] as Json | undefined;
          const paramRef = bindingSpec['paramRef'] as Json | undefined;
          if (paramKind !== undefined && paramRef !== undefined) {
            const namespace = typeof paramRef['namespace'] === 'string' ? paramRef['namespace'] : request.namespace;
            const candidates = await sources.params(String(paramKind['apiVersion'] ?? ''), String(paramKind['kind'] ?? ''), namespace);
            const found =
              typeof paramRef['name'] === 'string'
                ? candidates.filter((candidate) => candidate.metadata.name === paramRef['name'])
                : candidates.filter((candidate) => labelsMatch(labelSelectorFromObject((paramRef['selector'] ?? {}) as never), candidate.metadata.labels ?? {}));
            if (found.length === 0) {
              if (paramRef['parameterNotFoundAction'] === 'Deny') throw new EvaluationError('failed to configure binding: no params found for policy binding with `Deny` parameterNotFoundAction');
              continue;
            }
            params = found[0];
          }
          const review = reviewRequest(request);
          const context: Json = {
            object: toCel(request.object ?? null),
            oldObject: toCel(request.oldObject ?? null),
            request: toCel(review),
            params: toCel(params),
            namespaceObject: toCel(request.namespace === '' ? null : (sources.namespace(request.namespace) ?? null)),
            variables: {},
          };
          for (const variable of (spec['variables'] as Json[] | undefined) ?? []) {
            (context['variables'] as Json)[String(variable['name'])] = evaluate(String(variable['expression'] ?? ''), context);
          }
          const conditionsHold = ((spec['matchConditions'] as Json[] | undefined) ?? []).every((condition) => evaluate(String(condition['expression'] ?? ''), context) === true);
          if (!conditionsHold) continue;
          for (const validation of (spec['validations'] as Json[] | undefined) ?? []) {
            const expression = String(validation['expression'] ?? '');
            if (evaluate(expression, context) === true) continue;
            let message = typeof validation['message'] === 'string' && validation['message'] !== '' ? validation['message'] : `failed expression: ${expression}`;
            if (typeof validation['messageExpression'] === 'string' && validation['messageExpression'] !== '') {
              try {
                const computed = evaluate(validation['messageExpression'], context);
                if (typeof computed === 'string' && computed.trim() !== '' && !computed.includes('\n')) message = computed;
              } catch (error) {
                logger.debug({ err: error, policy: policyName }, 'messageExpression failed; using the message');
              }
            }
            decide(message, (validation['reason'] as StatusReason | undefined) ?? 'Invalid');
          }
        } catch (error) {
          if (!(error instanceof EvaluationError)) throw error;
          if (failurePolicy === 'Ignore') {
            logger.warn({ policy: policyName, binding: bindingName, err: error }, 'validating admission policy failed; ignored by its failurePolicy');
            continue;
          }
          decide(error.message);
        }
      }
    },
  };
}
