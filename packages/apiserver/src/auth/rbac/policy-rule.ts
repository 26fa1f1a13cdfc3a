/**
 * RBAC's PolicyRule and how one is matched against a request or covers
 * another, as upstream's rbac/v1 helpers and the registry's rule comparator
 * define it (k8s.io/component-helpers/auth/rbac/validation,
 * pkg/registry/rbac/validation/policy_comparator.go).
 */
import type { AuthorizationAttributes } from '../types.js';

export interface PolicyRule {
  readonly verbs: readonly string[];
  readonly apiGroups?: readonly string[];
  readonly resources?: readonly string[];
  readonly resourceNames?: readonly string[];
  readonly nonResourceURLs?: readonly string[];
}

const ALL = '*';

function has(values: readonly string[] | undefined, value: string): boolean {
  return values !== undefined && values.includes(value);
}

function hasAll(values: readonly string[] | undefined, wanted: readonly string[] | undefined): boolean {
  return (wanted ?? []).every((value) => has(values, value));
}

function verbMatches(rule: PolicyRule, verb: string): boolean {
  return has(rule.verbs, ALL) || has(rule.verbs, verb);
}

function resourceMatches(rule: PolicyRule, combined: string, subresource: string): boolean {
  for (const resource of rule.resources ?? []) {
    if (resource === ALL || resource === combined) return true;
    // `*/scale` grants a subresource of every resource.
    if (subresource !== '' && resource === `*/${subresource}`) return true;
  }
  return false;
}

function nonResourceURLMatches(pattern: string, path: string): boolean {
  if (pattern === ALL || pattern === path) return true;
  return pattern.endsWith('*') && path.startsWith(pattern.replace(/\*+$/, ''));
}

/** Whether a rule grants a request (upstream's RuleAllows). */
export function ruleAllows(attributes: AuthorizationAttributes, rule: PolicyRule): boolean {
  if (!verbMatches(rule, attributes.verb)) return false;
  if (!attributes.isResourceRequest) return (rule.nonResourceURLs ?? []).some((pattern) => nonResourceURLMatches(pattern, attributes.path));
  const combined = attributes.subresource === '' ? attributes.resource : `${attributes.resource}/${attributes.subresource}`;
  const groupMatches = has(rule.apiGroups, ALL) || has(rule.apiGroups, attributes.apiGroup);
  const nameMatches = (rule.resourceNames ?? []).length === 0 || has(rule.resourceNames, attributes.name);
  return groupMatches && resourceMatches(rule, combined, attributes.subresource) && nameMatches;
}

/** Splits a rule into rules of one verb, group, resource and name each (upstream's BreakdownRule). */
function breakdown(rule: PolicyRule): PolicyRule[] {
  const parts: PolicyRule[] = [];
  for (const group of rule.apiGroups ?? []) {
    for (const resource of rule.resources ?? []) {
      for (const verb of rule.verbs) {
        const names = rule.resourceNames ?? [];
        if (names.length === 0) parts.push({ apiGroups: [group], resources: [resource], verbs: [verb] });
        else for (const name of names) parts.push({ apiGroups: [group], resources: [resource], verbs: [verb], resourceNames: [name] });
      }
    }
  }
  for (const url of rule.nonResourceURLs ?? []) for (const verb of rule.verbs) parts.push({ nonResourceURLs: [url], verbs: [verb] });
  return parts;
}

function resourcesCover(owner: readonly string[] | undefined, wanted: readonly string[] | undefined): boolean {
  if (has(owner, ALL) || hasAll(owner, wanted)) return true;
  return (wanted ?? []).every((path) => {
    if (has(owner, path)) return true;
    const slash = path.indexOf('/');
    return slash >= 0 && has(owner, `*/${path.slice(slash + 1)}`);
  });
}

function nonResourceURLsCover(owner: readonly string[] | undefined, wanted: readonly string[] | undefined): boolean {
  return (wanted ?? []).every((path) => (owner ?? []).some((pattern) => pattern === path || (pattern.endsWith('*') && path.startsWith(pattern.replace(/\*+$/, '')))));
}

function ruleCovers(owner: PolicyRule, wanted: PolicyRule): boolean {
  const verbs = has(owner.verbs, ALL) || hasAll(owner.verbs, wanted.verbs);
  const groups = has(owner.apiGroups, ALL) || hasAll(owner.apiGroups, wanted.apiGroups);
  const ownerNames = owner.resourceNames ?? [];
  const names = (wanted.resourceNames ?? []).length === 0 ? ownerNames.length === 0 : ownerNames.length === 0 || hasAll(ownerNames, wanted.resourceNames);
  return verbs && groups && resourcesCover(owner.resources, wanted.resources) && names && nonResourceURLsCover(owner.nonResourceURLs, wanted.nonResourceURLs);
}

/** The parts of `wanted` that no rule of `owner` grants; empty when the owner holds every permission asked for. */
export function uncoveredRules(owner: readonly PolicyRule[], wanted: readonly PolicyRule[]): PolicyRule[] {
  return wanted.flatMap(breakdown).filter((part) => !owner.some((rule) => ruleCovers(rule, part)));
}

/** Merges rules that differ only in their verbs, as upstream's CompactRules does for messages. */
export function compactRules(rules: readonly PolicyRule[]): PolicyRule[] {
  const merged = new Map<string, { rule: PolicyRule; verbs: string[] }>();
  const result: { rule: PolicyRule; verbs: string[] }[] = [];
  for (const rule of rules) {
    const simple = (rule.apiGroups ?? []).length === 1 && (rule.resources ?? []).length === 1 && (rule.nonResourceURLs ?? []).length === 0;
    const key = simple ? JSON.stringify([rule.apiGroups, rule.resources, rule.resourceNames ?? []]) : undefined;
    const existing = key === undefined ? undefined : merged.get(key);
    if (existing !== undefined) {
      for (const verb of rule.verbs) if (!existing.verbs.includes(verb)) existing.verbs.push(verb);
      continue;
    }
    const entry = { rule, verbs: [...rule.verbs] };
    if (key !== undefined) merged.set(key, entry);
    result.push(entry);
  }
  return result.map(({ rule, verbs }) => ({ ...rule, verbs }));
}

/** Go's %q of a []string: `["a" "b"]`. */
function quotedList(values: readonly string[]): string {
  return `[${values.map((value) => JSON.stringify(value)).join(' ')}]`;
}

/** A rule in upstream's CompactString form: `{APIGroups:[""], Resources:["pods"], Verbs:["get"]}`. */
export function describeRule(rule: PolicyRule): string {
  const parts: string[] = [];
  if ((rule.apiGroups ?? []).length > 0) parts.push(`APIGroups:${quotedList(rule.apiGroups!)}`);
  if ((rule.resources ?? []).length > 0) parts.push(`Resources:${quotedList(rule.resources!)}`);
  if ((rule.nonResourceURLs ?? []).length > 0) parts.push(`NonResourceURLs:${quotedList(rule.nonResourceURLs!)}`);
  if ((rule.resourceNames ?? []).length > 0) parts.push(`ResourceNames:${quotedList(rule.resourceNames!)}`);
  if (rule.verbs.length > 0) parts.push(`Verbs:${quotedList(rule.verbs)}`);
  return `{${parts.join(', ')}}`;
}
