/** Defaults and validation of ValidatingAdmissionPolicies and their bindings (upstream's admissionregistration validation, main rules). */
import type { FieldError } from '../../errors/status.js';
import type { KubeObject } from '../../resources/types.js';
import { compileExpression } from '../cel.js';

type Json = Record<string, unknown>;
const spec = (object: KubeObject): Json => (object['spec'] ?? {}) as Json;

export function defaultPolicy(policy: KubeObject): void {
  const policySpec = (policy['spec'] ??= {}) as Json;
  policySpec['failurePolicy'] ??= 'Fail';
  const constraints = policySpec['matchConstraints'] as Json | undefined;
  if (constraints !== undefined) {
    constraints['matchPolicy'] ??= 'Equivalent';
    constraints['namespaceSelector'] ??= {};
    constraints['objectSelector'] ??= {};
    for (const rule of (constraints['resourceRules'] as Json[] | undefined) ?? []) rule['scope'] ??= '*';
  }
}

export function validatePolicy(policy: KubeObject): FieldError[] {
  const errors: FieldError[] = [];
  const policySpec = spec(policy);
  const validations = (policySpec['validations'] as Json[] | undefined) ?? [];
  if (validations.length === 0 && ((policySpec['auditAnnotations'] as unknown[] | undefined) ?? []).length === 0) {
    errors.push({ type: 'FieldValueRequired', field: 'spec.validations', detail: 'validations or auditAnnotations must contain at least one item' });
  }
  if (policySpec['matchConstraints'] === undefined) errors.push({ type: 'FieldValueRequired', field: 'spec.matchConstraints', detail: '' });
  const failurePolicy = policySpec['failurePolicy'];
  if (failurePolicy !== 'Fail' && failurePolicy !== 'Ignore') errors.push({ type: 'FieldValueNotSupported', field: 'spec.failurePolicy', value: failurePolicy, hasValue: true, detail: 'supported values: "Fail", "Ignore"' });
  const expressions: [string, unknown][] = [
    ...validations.flatMap((validation, index): [string, unknown][] => [
      [`spec.validations[${index}].expression`, validation['expression']],
      ...(validation['messageExpression'] !== undefined ? ([[`spec.validations[${index}].messageExpression`, validation['messageExpression']]] as [string, unknown][]) : []),
    ]),
    ...((policySpec['matchConditions'] as Json[] | undefined) ?? []).map((condition, index): [string, unknown] => [`spec.matchConditions[${index}].expression`, condition['expression']]),
    ...((policySpec['variables'] as Json[] | undefined) ?? []).map((variable, index): [string, unknown] => [`spec.variables[${index}].expression`, variable['expression']]),
  ];
  for (const [field, expression] of expressions) {
    if (typeof expression !== 'string' || expression.trim() === '') {
      errors.push({ type: 'FieldValueRequired', field, detail: '' });
      continue;
    }
    const compiled = compileExpression(expression);
    if (typeof compiled !== 'function') errors.push({ type: 'FieldValueInvalid', field, value: expression, detail: compiled.error });
  }
  return errors;
}

const ACTIONS = ['Deny', 'Warn', 'Audit'];

export function validatePolicyBinding(binding: KubeObject): FieldError[] {
  const errors: FieldError[] = [];
  const bindingSpec = spec(binding);
  if (typeof bindingSpec['policyName'] !== 'string' || bindingSpec['policyName'] === '') errors.push({ type: 'FieldValueRequired', field: 'spec.policyName', detail: '' });
  const actions = (bindingSpec['validationActions'] as string[] | undefined) ?? [];
  if (actions.length === 0) errors.push({ type: 'FieldValueRequired', field: 'spec.validationActions', detail: 'at least one validation action is required' });
  const seen = new Set<string>();
  actions.forEach((action, index) => {
    if (!ACTIONS.includes(action)) errors.push({ type: 'FieldValueNotSupported', field: `spec.validationActions[${index}]`, value: action, hasValue: true, detail: 'supported values: "Audit", "Deny", "Warn"' });
    else if (seen.has(action)) errors.push({ type: 'FieldValueDuplicate', field: `spec.validationActions[${index}]`, value: action });
    seen.add(action);
  });
  if (seen.has('Deny') && seen.has('Warn')) errors.push({ type: 'FieldValueInvalid', field: 'spec.validationActions', value: actions, detail: 'must not contain both Deny and Warn (repeating the same validation failure information in the API response and headers serves no purpose)' });
  return errors;
}
