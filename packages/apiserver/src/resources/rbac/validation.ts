/**
 * Validation of RBAC objects, as upstream's pkg/apis/rbac/validation: names
 * are path segments (so `system:discovery` is fine), rules say what they
 * grant, bindings name a role of a kind they may reference and subjects of
 * known kinds.
 */
import type { FieldError } from '../../errors/status.js';
import type { KubeObject } from '../types.js';

type Json = Record<string, unknown>;

const strings = (value: unknown): string[] => (Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : []);

function validateRules(rules: unknown, path: string): FieldError[] {
  const errors: FieldError[] = [];
  (Array.isArray(rules) ? (rules as Json[]) : []).forEach((rule, index) => {
    const field = `${path}[${index}]`;
    if (strings(rule['verbs']).length === 0) errors.push({ type: 'FieldValueRequired', field: `${field}.verbs`, detail: 'verbs must contain at least one value' });
    const nonResource = strings(rule['nonResourceURLs']);
    const resources = strings(rule['resources']);
    if (nonResource.length > 0) {
      if (strings(rule['apiGroups']).length > 0 || resources.length > 0 || strings(rule['resourceNames']).length > 0) {
        errors.push({ type: 'FieldValueInvalid', field: `${field}.nonResourceURLs`, value: nonResource, detail: 'rules cannot apply to both regular resources and non-resource URLs' });
      }
      return;
    }
    if (strings(rule['apiGroups']).length === 0) errors.push({ type: 'FieldValueRequired', field: `${field}.apiGroups`, detail: 'resource rules must supply at least one api group' });
    if (resources.length === 0) errors.push({ type: 'FieldValueRequired', field: `${field}.resources`, detail: 'resource rules must supply at least one resource' });
  });
  return errors;
}

export function validateRole(role: KubeObject): FieldError[] {
  return validateRules(role['rules'], 'rules');
}

export function validateBinding(binding: KubeObject, clusterScoped: boolean): FieldError[] {
  const errors: FieldError[] = [];
  const roleRef = (binding['roleRef'] ?? {}) as Json;
  const kinds = clusterScoped ? ['ClusterRole'] : ['Role', 'ClusterRole'];
  if (roleRef['apiGroup'] !== 'rbac.authorization.k8s.io') {
    errors.push({ type: 'FieldValueNotSupported', field: 'roleRef.apiGroup', value: roleRef['apiGroup'] ?? '', hasValue: true, detail: 'supported values: "rbac.authorization.k8s.io"' });
  }
  if (!kinds.includes(String(roleRef['kind'] ?? ''))) {
    errors.push({ type: 'FieldValueNotSupported', field: 'roleRef.kind', value: roleRef['kind'] ?? '', hasValue: true, detail: `supported values: ${kinds.map((kind) => `"${kind}"`).join(', ')}` });
  }
  if (typeof roleRef['name'] !== 'string' || roleRef['name'] === '') errors.push({ type: 'FieldValueRequired', field: 'roleRef.name', detail: '' });
  const subjects = Array.isArray(binding['subjects']) ? (binding['subjects'] as Json[]) : [];
  subjects.forEach((subject, index) => {
    const field = `subjects[${index}]`;
    if (typeof subject['name'] !== 'string' || subject['name'] === '') errors.push({ type: 'FieldValueRequired', field: `${field}.name`, detail: '' });
    switch (subject['kind']) {
      case 'ServiceAccount':
        if (clusterScoped && (subject['namespace'] ?? '') === '') errors.push({ type: 'FieldValueRequired', field: `${field}.namespace`, detail: '' });
        break;
      case 'User':
      case 'Group':
        if (subject['apiGroup'] !== 'rbac.authorization.k8s.io') {
          errors.push({ type: 'FieldValueNotSupported', field: `${field}.apiGroup`, value: subject['apiGroup'] ?? '', hasValue: true, detail: 'supported values: "rbac.authorization.k8s.io"' });
        }
        break;
      default:
        errors.push({ type: 'FieldValueNotSupported', field: `${field}.kind`, value: subject['kind'] ?? '', hasValue: true, detail: 'supported values: "ServiceAccount", "User", "Group"' });
    }
  });
  return errors;
}
