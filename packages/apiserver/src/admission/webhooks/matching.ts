/**
 * Which writes a webhook is called for, as upstream's webhook matcher
 * (k8s.io/apiserver/pkg/admission/plugin/webhook/predicates): its rules
 * (operations, groups, versions, resources with subresources, scope), its
 * namespaceSelector against the namespace's labels and its objectSelector
 * against the old or new object's labels.
 */
import { labelsMatch, labelSelectorFromObject } from '../../selectors/label-selector.js';
import type { AdmissionRequest } from '../types.js';
import type { Selector, Webhook, WebhookRule } from './configuration.js';

const has = (values: readonly string[], value: string): boolean => values.includes('*') || values.includes(value);

function resourceMatches(patterns: readonly string[], resource: string, subresource: string): boolean {
  return patterns.some((pattern) => {
    const slash = pattern.indexOf('/');
    const [main, sub] = slash < 0 ? [pattern, ''] : [pattern.slice(0, slash), pattern.slice(slash + 1)];
    return (main === '*' || main === resource) && (sub === '*' || sub === subresource);
  });
}

function scopeMatches(scope: string, request: AdmissionRequest): boolean {
  const isNamespace = request.definition.group === '' && request.definition.plural === 'namespaces';
  if (scope === 'Namespaced') return !isNamespace && request.namespace !== '';
  if (scope === 'Cluster') return isNamespace || request.namespace === '';
  return true;
}

export function ruleMatches(rule: WebhookRule, request: AdmissionRequest): boolean {
  const { definition } = request;
  return (
    has(rule.operations, request.operation) &&
    has(rule.apiGroups, definition.group) &&
    has(rule.apiVersions, definition.version) &&
    resourceMatches(rule.resources, definition.plural, request.subresource) &&
    scopeMatches(rule.scope, request)
  );
}

function selectorMatches(selector: Selector, labels: Readonly<Record<string, string>> | undefined): boolean {
  return labelsMatch(labelSelectorFromObject(selector), labels ?? {});
}

const isEmpty = (selector: Selector): boolean => Object.keys(selector.matchLabels ?? {}).length === 0 && (selector.matchExpressions ?? []).length === 0;

/**
 * Whether the webhook wants this write. `namespaceLabels` reads the labels
 * of a namespace (undefined when it does not exist, which matches nothing).
 */
export function webhookMatches(webhook: Webhook, request: AdmissionRequest, namespaceLabels: (name: string) => Readonly<Record<string, string>> | undefined): boolean {
  if (!webhook.rules.some((rule) => ruleMatches(rule, request))) return false;
  if (!isEmpty(webhook.namespaceSelector)) {
    const isNamespace = request.definition.group === '' && request.definition.plural === 'namespaces';
    // A cluster-scoped object other than a namespace is never exempted by a namespace selector.
    if (request.namespace !== '' || isNamespace) {
      const labels = isNamespace ? (request.object ?? request.oldObject)?.metadata.labels ?? {} : namespaceLabels(request.namespace);
      if (labels === undefined || !selectorMatches(webhook.namespaceSelector, labels)) return false;
    }
  }
  if (!isEmpty(webhook.objectSelector)) {
    const matchesNew = request.object !== undefined && selectorMatches(webhook.objectSelector, request.object.metadata.labels);
    const matchesOld = request.oldObject !== undefined && selectorMatches(webhook.objectSelector, request.oldObject.metadata.labels);
    if (!matchesNew && !matchesOld) return false;
  }
  return true;
}
