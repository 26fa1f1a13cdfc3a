/**
 * Mutating and validating webhook configurations
 * (admissionregistration.k8s.io/v1): their defaults and validation, as
 * upstream's pkg/apis/admissionregistration (v1 defaults, validation.go)
 * for the rules clients meet, and the typed view the dispatcher uses.
 */
import { z } from 'zod';
import type { FieldError } from '../../errors/status.js';
import type { KubeObject } from '../../resources/types.js';
import { compileExpression } from '../cel.js';

const selector = z
  .object({
    matchLabels: z.record(z.string(), z.string()).optional(),
    matchExpressions: z.array(z.object({ key: z.string(), operator: z.string(), values: z.array(z.string()).optional() })).optional(),
  })
  .loose();

const ruleWithOperations = z
  .object({
    operations: z.array(z.string()).default([]),
    apiGroups: z.array(z.string()).default([]),
    apiVersions: z.array(z.string()).default([]),
    resources: z.array(z.string()).default([]),
    scope: z.string().default('*'),
  })
  .loose();

export const webhookSchema = z
  .object({
    name: z.string(),
    clientConfig: z
      .object({
        url: z.string().optional(),
        service: z.object({ namespace: z.string(), name: z.string(), path: z.string().optional(), port: z.number().int().optional() }).loose().optional(),
        caBundle: z.string().optional(),
      })
      .loose(),
    rules: z.array(ruleWithOperations).default([]),
    failurePolicy: z.string().default('Fail'),
    matchPolicy: z.string().default('Equivalent'),
    namespaceSelector: selector.default({}),
    objectSelector: selector.default({}),
    sideEffects: z.string().optional(),
    timeoutSeconds: z.number().int().default(10),
    admissionReviewVersions: z.array(z.string()).default([]),
    reinvocationPolicy: z.string().optional(),
    matchConditions: z.array(z.object({ name: z.string(), expression: z.string() }).loose()).default([]),
  })
  .loose();

export type Webhook = z.infer<typeof webhookSchema>;
export type WebhookRule = z.infer<typeof ruleWithOperations>;
export type Selector = z.infer<typeof selector>;

type Json = Record<string, unknown>;

/** SetDefaults for each webhook of a configuration (what a stored object always has). */
export function defaultWebhookConfiguration(object: KubeObject, mutating: boolean): void {
  const webhooks = Array.isArray(object['webhooks']) ? (object['webhooks'] as Json[]) : [];
  for (const webhook of webhooks) {
    webhook['failurePolicy'] ??= 'Fail';
    webhook['matchPolicy'] ??= 'Equivalent';
    webhook['namespaceSelector'] ??= {};
    webhook['objectSelector'] ??= {};
    webhook['timeoutSeconds'] ??= 10;
    if (mutating) webhook['reinvocationPolicy'] ??= 'Never';
    for (const rule of Array.isArray(webhook['rules']) ? (webhook['rules'] as Json[]) : []) rule['scope'] ??= '*';
  }
}

const FULLY_QUALIFIED = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const OPERATIONS = ['*', 'CREATE', 'UPDATE', 'DELETE', 'CONNECT'];

/** The checks of upstream's validateWebhook that clients run into. */
export function validateWebhookConfiguration(object: KubeObject, mutating: boolean): FieldError[] {
  const errors: FieldError[] = [];
  const webhooks = Array.isArray(object['webhooks']) ? (object['webhooks'] as Json[]) : [];
  const names = new Set<string>();
  webhooks.forEach((webhook, index) => {
    const path = `webhooks[${index}]`;
    const name = typeof webhook['name'] === 'string' ? webhook['name'] : '';
    if (name === '') errors.push({ type: 'FieldValueRequired', field: `${path}.name`, detail: '' });
    else if (!FULLY_QUALIFIED.test(name) || name.split('.').length < 3) {
      errors.push({ type: 'FieldValueInvalid', field: `${path}.name`, value: name, detail: 'should be a domain with at least three segments separated by dots' });
    } else if (names.has(name)) errors.push({ type: 'FieldValueDuplicate', field: `${path}.name`, value: name });
    names.add(name);

    const clientConfig = (webhook['clientConfig'] ?? {}) as Json;
    const hasUrl = typeof clientConfig['url'] === 'string';
    const hasService = clientConfig['service'] !== undefined && clientConfig['service'] !== null;
    if (hasUrl === hasService) {
      errors.push({ type: 'FieldValueRequired', field: `${path}.clientConfig`, detail: 'exactly one of url or service is required' });
    } else if (hasUrl) {
      let url: URL | undefined;
      try {
        url = new URL(clientConfig['url'] as string);
      } catch {
        errors.push({ type: 'FieldValueInvalid', field: `${path}.clientConfig.url`, value: clientConfig['url'], detail: 'host must be specified' });
      }
      if (url !== undefined && url.protocol !== 'https:') {
        errors.push({ type: 'FieldValueInvalid', field: `${path}.clientConfig.url`, value: url.protocol.replace(/:$/, ''), detail: "'https' is the only allowed URL scheme" });
      }
    }

    const sideEffects = webhook['sideEffects'];
    if (sideEffects === undefined) errors.push({ type: 'FieldValueRequired', field: `${path}.sideEffects`, detail: 'must specify one of None, NoneOnDryRun' });
    else if (sideEffects !== 'None' && sideEffects !== 'NoneOnDryRun') {
      errors.push({ type: 'FieldValueNotSupported', field: `${path}.sideEffects`, value: sideEffects, hasValue: true, detail: 'supported values: "None", "NoneOnDryRun"' });
    }
    const versions = Array.isArray(webhook['admissionReviewVersions']) ? (webhook['admissionReviewVersions'] as unknown[]) : [];
    if (versions.length === 0) errors.push({ type: 'FieldValueRequired', field: `${path}.admissionReviewVersions`, detail: 'must specify one of v1, v1beta1' });
    else if (!versions.includes('v1') && !versions.includes('v1beta1')) {
      errors.push({ type: 'FieldValueInvalid', field: `${path}.admissionReviewVersions`, value: versions, detail: 'must include at least one of v1, v1beta1' });
    }
    const timeout = webhook['timeoutSeconds'];
    if (typeof timeout === 'number' && (timeout < 1 || timeout > 30)) {
      errors.push({ type: 'FieldValueInvalid', field: `${path}.timeoutSeconds`, value: timeout, detail: 'the timeout value must be between 1 and 30 seconds' });
    }
    for (const [field, allowed] of [['failurePolicy', ['Ignore', 'Fail']], ['matchPolicy', ['Exact', 'Equivalent']], ...(mutating ? [['reinvocationPolicy', ['Never', 'IfNeeded']] as const] : [])] as const) {
      const value = webhook[field];
      if (value !== undefined && !(allowed as readonly string[]).includes(String(value))) {
        errors.push({ type: 'FieldValueNotSupported', field: `${path}.${field}`, value, hasValue: true, detail: `supported values: ${allowed.map((item) => `"${item}"`).join(', ')}` });
      }
    }
    (Array.isArray(webhook['matchConditions']) ? (webhook['matchConditions'] as Json[]) : []).forEach((condition, conditionIndex) => {
      const conditionPath = `${path}.matchConditions[${conditionIndex}]`;
      if (typeof condition['name'] !== 'string' || condition['name'] === '') errors.push({ type: 'FieldValueRequired', field: `${conditionPath}.name`, detail: '' });
      const expression = condition['expression'];
      if (typeof expression !== 'string' || expression.trim() === '') errors.push({ type: 'FieldValueRequired', field: `${conditionPath}.expression`, detail: '' });
      else {
        const compiled = compileExpression(expression);
        if (typeof compiled !== 'function') errors.push({ type: 'FieldValueInvalid', field: `${conditionPath}.expression`, value: expression, detail: compiled.error });
      }
    });
    (Array.isArray(webhook['rules']) ? (webhook['rules'] as Json[]) : []).forEach((rule, ruleIndex) => {
      const rulePath = `${path}.rules[${ruleIndex}]`;
      const operations = Array.isArray(rule['operations']) ? (rule['operations'] as string[]) : [];
      if (operations.length === 0) errors.push({ type: 'FieldValueRequired', field: `${rulePath}.operations`, detail: '' });
      operations.forEach((operation, operationIndex) => {
        if (!OPERATIONS.includes(operation)) {
          errors.push({ type: 'FieldValueNotSupported', field: `${rulePath}.operations[${operationIndex}]`, value: operation, hasValue: true, detail: 'supported values: "*", "CONNECT", "CREATE", "DELETE", "UPDATE"' });
        }
      });
      for (const field of ['apiGroups', 'apiVersions', 'resources']) {
        if (!Array.isArray(rule[field]) || (rule[field] as unknown[]).length === 0) errors.push({ type: 'FieldValueRequired', field: `${rulePath}.${field}`, detail: '' });
      }
      const scope = rule['scope'];
      if (scope !== undefined && !['*', 'Cluster', 'Namespaced'].includes(String(scope))) {
        errors.push({ type: 'FieldValueNotSupported', field: `${rulePath}.scope`, value: scope, hasValue: true, detail: 'supported values: "*", "Cluster", "Namespaced"' });
      }
    });
  });
  return errors;
}
