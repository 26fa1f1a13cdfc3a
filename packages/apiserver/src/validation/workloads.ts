/**
 * The checks upstream's validation (pkg/apis/core/validation, apps, batch)
 * makes that matter most to users: pod specs that could never run, workload
 * selectors that do not select their own template, data keys that are not
 * file names. Messages and field paths are upstream's.
 */
import type { FieldError } from '../errors/status.js';
import type { KubeObject } from '../resources/types.js';
import { dnsLabelErrors, dnsSubdomainErrors } from './name-rules.js';

type Json = Record<string, unknown>;

function items(value: unknown): Json[] {
  return Array.isArray(value) ? (value.filter((item) => typeof item === 'object' && item !== null) as Json[]) : [];
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const RESTART_POLICIES = ['Always', 'OnFailure', 'Never'];
const DNS_POLICIES = ['ClusterFirstWithHostNet', 'ClusterFirst', 'Default', 'None'];
const PULL_POLICIES = ['Always', 'IfNotPresent', 'Never'];
const PROTOCOLS = ['TCP', 'UDP', 'SCTP'];

function validateContainers(list: unknown, path: string, required: boolean, names: Set<string>, errors: FieldError[]): void {
  const containers = items(list);
  if (required && containers.length === 0) {
    errors.push({ type: 'FieldValueRequired', field: path });
    return;
  }
  containers.forEach((container, index) => {
    const at = `${path}[${index}]`;
    const name = container['name'];
    if (typeof name !== 'string' || name === '') {
      errors.push({ type: 'FieldValueRequired', field: `${at}.name` });
    } else {
      for (const message of dnsLabelErrors(name)) errors.push({ type: 'FieldValueInvalid', field: `${at}.name`, value: name, detail: message });
      if (names.has(name)) errors.push({ type: 'FieldValueDuplicate', field: `${at}.name`, value: name });
      names.add(name);
    }
    const image = container['image'];
    if (typeof image !== 'string' || image.trim() === '') errors.push({ type: 'FieldValueRequired', field: `${at}.image` });
    const pull = container['imagePullPolicy'];
    if (typeof pull === 'string' && !PULL_POLICIES.includes(pull)) {
      errors.push({ type: 'FieldValueNotSupported', field: `${at}.imagePullPolicy`, value: pull, detail: 'supported values: "Always", "IfNotPresent", "Never"' });
    }
    const portNames = new Set<string>();
    items(container['ports']).forEach((port, portIndex) => {
      const portPath = `${at}.ports[${portIndex}]`;
      const containerPort = port['containerPort'];
      if (typeof containerPort !== 'number' || containerPort < 1 || containerPort > 65535) {
        errors.push({ type: 'FieldValueInvalid', field: `${portPath}.containerPort`, value: containerPort ?? 0, detail: 'must be between 1 and 65535, inclusive' });
      }
      const protocol = port['protocol'];
      if (typeof protocol === 'string' && !PROTOCOLS.includes(protocol)) {
        errors.push({ type: 'FieldValueNotSupported', field: `${portPath}.protocol`, value: protocol, detail: 'supported values: "SCTP", "TCP", "UDP"' });
      }
      const portName = port['name'];
      if (typeof portName === 'string' && portName !== '') {
        if (portNames.has(portName)) errors.push({ type: 'FieldValueDuplicate', field: `${portPath}.name`, value: portName });
        portNames.add(portName);
      }
    });
    const envNames = items(container['env']);
    envNames.forEach((variable, envIndex) => {
      if (typeof variable['name'] !== 'string' || variable['name'] === '') errors.push({ type: 'FieldValueRequired', field: `${at}.env[${envIndex}].name` });
    });
    items(container['volumeMounts']).forEach((mount, mountIndex) => {
      if (typeof mount['name'] !== 'string' || mount['name'] === '') errors.push({ type: 'FieldValueRequired', field: `${at}.volumeMounts[${mountIndex}].name` });
      if (typeof mount['mountPath'] !== 'string' || mount['mountPath'] === '') errors.push({ type: 'FieldValueRequired', field: `${at}.volumeMounts[${mountIndex}].mountPath` });
    });
  });
}

/** Upstream's ValidatePodSpec, the parts clients run into. `path` is where the spec sits (`spec`, `spec.template.spec`). */
export function validatePodSpec(spec: unknown, path: string, allowedRestartPolicies = RESTART_POLICIES): FieldError[] {
  const errors: FieldError[] = [];
  if (!isObject(spec)) {
    errors.push({ type: 'FieldValueRequired', field: path });
    return errors;
  }
  const names = new Set<string>();
  validateContainers(spec['containers'], `${path}.containers`, true, names, errors);
  validateContainers(spec['initContainers'], `${path}.initContainers`, false, names, errors);
  const restartPolicy = spec['restartPolicy'];
  if (typeof restartPolicy === 'string' && !allowedRestartPolicies.includes(restartPolicy)) {
    errors.push({ type: 'FieldValueNotSupported', field: `${path}.restartPolicy`, value: restartPolicy, detail: `supported values: ${allowedRestartPolicies.map((p) => `"${p}"`).join(', ')}` });
  }
  const dnsPolicy = spec['dnsPolicy'];
  if (typeof dnsPolicy === 'string' && !DNS_POLICIES.includes(dnsPolicy)) {
    errors.push({ type: 'FieldValueNotSupported', field: `${path}.dnsPolicy`, value: dnsPolicy, detail: 'supported values: "ClusterFirst", "ClusterFirstWithHostNet", "Default", "None"' });
  }
  const volumeNames = new Set<string>();
  items(spec['volumes']).forEach((volume, index) => {
    const name = volume['name'];
    if (typeof name !== 'string' || name === '') {
      errors.push({ type: 'FieldValueRequired', field: `${path}.volumes[${index}].name` });
      return;
    }
    for (const message of dnsLabelErrors(name)) errors.push({ type: 'FieldValueInvalid', field: `${path}.volumes[${index}].name`, value: name, detail: message });
    if (volumeNames.has(name)) errors.push({ type: 'FieldValueDuplicate', field: `${path}.volumes[${index}].name`, value: name });
    volumeNames.add(name);
  });
  for (const [kind, list] of [['containers', spec['containers']], ['initContainers', spec['initContainers']]] as const) {
    items(list).forEach((container, index) => {
      items(container['volumeMounts']).forEach((mount, mountIndex) => {
        const name = mount['name'];
        if (typeof name === 'string' && name !== '' && !volumeNames.has(name)) {
          errors.push({ type: 'FieldValueNotFound', field: `${path}.${kind}[${index}].volumeMounts[${mountIndex}].name`, value: name });
        }
      });
    });
  }
  const grace = spec['terminationGracePeriodSeconds'];
  if (typeof grace === 'number' && grace < 0) {
    errors.push({ type: 'FieldValueInvalid', field: `${path}.terminationGracePeriodSeconds`, value: grace, detail: 'must be greater than or equal to 0' });
  }
  return errors;
}

/** Whether a metav1.LabelSelector selects a label set (matchLabels and matchExpressions). */
export function selectorMatches(selector: unknown, labels: Record<string, string>): boolean {
  if (!isObject(selector)) return false;
  const matchLabels = isObject(selector['matchLabels']) ? (selector['matchLabels'] as Record<string, string>) : {};
  for (const [key, value] of Object.entries(matchLabels)) if (labels[key] !== value) return false;
  for (const expression of items(selector['matchExpressions'])) {
    const key = String(expression['key'] ?? '');
    const values = Array.isArray(expression['values']) ? (expression['values'] as string[]) : [];
    switch (expression['operator']) {
      case 'In':
        if (!(key in labels) || !values.includes(labels[key]!)) return false;
        break;
      case 'NotIn':
        if (key in labels && values.includes(labels[key]!)) return false;
        break;
      case 'Exists':
        if (!(key in labels)) return false;
        break;
      case 'DoesNotExist':
        if (key in labels) return false;
        break;
      default:
        return false;
    }
  }
  return true;
}

function isEmptySelector(selector: unknown): boolean {
  if (!isObject(selector)) return true;
  const matchLabels = isObject(selector['matchLabels']) ? Object.keys(selector['matchLabels']) : [];
  return matchLabels.length === 0 && items(selector['matchExpressions']).length === 0;
}

/**
 * Deployments, ReplicaSets, StatefulSets and DaemonSets: a selector that is
 * required, not empty, and selects the template's own labels.
 */
export function validateWorkload(object: KubeObject, restartPolicies = ['Always']): FieldError[] {
  const errors: FieldError[] = [];
  const spec = isObject(object['spec']) ? (object['spec'] as Json) : {};
  const replicas = spec['replicas'];
  if (typeof replicas === 'number' && replicas < 0) errors.push({ type: 'FieldValueInvalid', field: 'spec.replicas', value: replicas, detail: 'must be greater than or equal to 0' });
  const selector = spec['selector'];
  if (selector === undefined) errors.push({ type: 'FieldValueRequired', field: 'spec.selector' });
  else if (isEmptySelector(selector)) errors.push({ type: 'FieldValueInvalid', field: 'spec.selector', value: selector, detail: 'empty selector is invalid for deployment' });
  const template = isObject(spec['template']) ? (spec['template'] as Json) : undefined;
  if (template === undefined) {
    errors.push({ type: 'FieldValueRequired', field: 'spec.template' });
    return errors;
  }
  const labels = (isObject(template['metadata']) ? ((template['metadata'] as Json)['labels'] as Record<string, string> | undefined) : undefined) ?? {};
  if (selector !== undefined && !isEmptySelector(selector) && !selectorMatches(selector, labels)) {
    errors.push({ type: 'FieldValueInvalid', field: 'spec.template.metadata.labels', value: labels, detail: '`selector` does not match template `labels`' });
  }
  errors.push(...validatePodSpec(template['spec'], 'spec.template.spec', restartPolicies));
  return errors;
}

const KEY_PATTERN = /^[-._a-zA-Z0-9]+$/;

/** ConfigMap and Secret keys are file names: `[-._a-zA-Z0-9]+`, at most 253 characters, not `.` or `..`. */
export function validateDataKeys(object: KubeObject, fields: readonly string[]): FieldError[] {
  const errors: FieldError[] = [];
  const seen = new Set<string>();
  for (const field of fields) {
    const data = object[field];
    if (data === undefined || data === null) continue;
    if (!isObject(data)) {
      errors.push({ type: 'FieldValueInvalid', field, value: data, detail: 'must be a map of keys to values' });
      continue;
    }
    for (const key of Object.keys(data)) {
      const path = `${field}[${key}]`;
      if (key.length > 253 || !KEY_PATTERN.test(key)) {
        errors.push({ type: 'FieldValueInvalid', field: path, value: key, detail: "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')" });
      }
      if (key === '.' || key === '..') errors.push({ type: 'FieldValueInvalid', field: path, value: key, detail: `must not be '${key}'` });
      if (seen.has(key)) errors.push({ type: 'FieldValueInvalid', field: path, value: key, detail: 'duplicate of key present in binaryData' });
      seen.add(key);
    }
  }
  return errors;
}

/** Secret data values are base64 (they arrive decoded by Go's JSON; here they must at least decode). */
export function validateSecretData(object: KubeObject): FieldError[] {
  const errors: FieldError[] = [];
  const data = object['data'];
  if (!isObject(data)) return errors;
  for (const [key, value] of Object.entries(data)) {
    if (typeof value !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(value.replace(/\s/g, '')) || value.replace(/\s/g, '').length % 4 === 1) {
      errors.push({ type: 'FieldValueInvalid', field: `data[${key}]`, value: '<secret contents redacted>', detail: 'illegal base64 data' });
    }
  }
  const total = Object.values(data).reduce<number>((sum, value) => sum + (typeof value === 'string' ? Math.floor((value.length * 3) / 4) : 0), 0);
  if (total > 1024 * 1024) errors.push({ type: 'FieldValueTooLong', field: 'data', detail: `may not be more than 1048576 bytes` });
  return errors;
}

/** Names of objects that are DNS subdomains (most kinds). */
export function validateSubdomainName(object: KubeObject): FieldError[] {
  const name = object.metadata.name ?? '';
  if (name === '') return [];
  return dnsSubdomainErrors(name).map((detail) => ({ type: 'FieldValueInvalid', field: 'metadata.name', value: name, detail }));
}
