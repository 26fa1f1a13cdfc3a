import { crdSchemaTools, customResourceDefinitionStrategy } from '../crd/index.js';
import { BUILTIN_DEFAULTERS } from '../defaults/kinds.js';
import type { FieldError } from '../errors/status.js';
import { namespaceStrategy } from '../resources/core/namespace.js';
import { certificateSigningRequestStrategy } from '../resources/certificates/csr-strategy.js';
import { podStrategy } from '../resources/core/pod.js';
import { serviceStrategy } from '../resources/core/service.js';
import { eventsV1StorageCodec } from '../resources/events/conversion.js';
import type { ServiceAllocator } from '../resources/core/service-allocator.js';
import type { KubeObject, ResourceStrategy } from '../resources/types.js';
import { validateDataKeys, validatePodSpec, validateSecretData, validateSubdomainName, validateWorkload } from '../validation/workloads.js';
import { BUILTIN_TABLES } from './tables.js';
import { validateBinding, validateRole } from '../resources/rbac/validation.js';
import { defaultWebhookConfiguration, validateWebhookConfiguration } from '../admission/webhooks/configuration.js';
import { defaultPolicy, validatePolicy, validatePolicyBinding } from '../admission/policy/policy-validation.js';

export interface StrategyEnvironment {
  readonly serviceAllocator: ServiceAllocator;
  /** How long Events live after their last write (kube-apiserver's --event-ttl, 1 h). */
  readonly eventTtlSeconds: number;
}

type Json = Record<string, unknown>;

/** What differs per kind beyond defaults and tables: validation, status handling, field selectors. */
interface KindRules {
  readonly validate?: (object: KubeObject) => FieldError[];
  /** Status a new object starts with (kinds with a status subresource start from `{}` unless said otherwise). */
  readonly initialStatus?: (object: KubeObject) => unknown;
  readonly fieldSelectors?: ResourceStrategy['fieldSelectors'];
  readonly tracksGeneration?: boolean;
  /** Runs on create only, before defaulting. */
  readonly prepareForCreate?: (object: KubeObject) => void;
  /** Runs on create and update, before defaulting. */
  readonly normalize?: (object: KubeObject) => void;
  /** Objects expire after the environment's event TTL. */
  readonly expires?: boolean;
  /** For a version stored in another version's form (events.k8s.io/v1 as core/v1). */
  readonly storageCodec?: ResourceStrategy['storageCodec'];
}

/** Field selectors over an Event's object reference (involvedObject in core/v1, regarding in events.k8s.io/v1). */
function referenceSelectors(field: 'involvedObject' | 'regarding'): NonNullable<ResourceStrategy['fieldSelectors']> {
  const parts = ['kind', 'namespace', 'name', 'uid', 'apiVersion', 'resourceVersion', 'fieldPath'];
  return Object.fromEntries(parts.map((part) => [`${field}.${part}`, (event: KubeObject) => String((event[field] as Json | undefined)?.[part] ?? '')]));
}

function spec(object: KubeObject): Json {
  return (object['spec'] as Json | undefined) ?? {};
}

/**
 * A Job gets a selector of its own unless the client manages it: the
 * controller-uid label, put on the template too (upstream's job strategy).
 */
function generateJobSelector(job: KubeObject): void {
  const jobSpec = spec(job);
  if (jobSpec['manualSelector'] === true) return;
  const uid = job.metadata.uid ?? '';
  const name = job.metadata.name ?? '';
  const template = (jobSpec['template'] ??= {}) as Json;
  const metadata = (template['metadata'] ??= {}) as Json;
  const labels = (metadata['labels'] ??= {}) as Record<string, string>;
  labels['batch.kubernetes.io/controller-uid'] = uid;
  labels['batch.kubernetes.io/job-name'] = name;
  labels['controller-uid'] = uid;
  labels['job-name'] = name;
  jobSpec['selector'] ??= { matchLabels: { 'batch.kubernetes.io/controller-uid': uid } };
  job['spec'] = jobSpec;
  if (job.metadata.labels === undefined || Object.keys(job.metadata.labels).length === 0) job.metadata.labels = { ...labels };
}

function validateJob(job: KubeObject): FieldError[] {
  const jobSpec = spec(job);
  const errors = validateSubdomainName(job);
  const template = jobSpec['template'] as Json | undefined;
  errors.push(...validatePodSpec(template?.['spec'], 'spec.template.spec', ['OnFailure', 'Never']));
  const restartPolicy = (template?.['spec'] as Json | undefined)?.['restartPolicy'];
  if (restartPolicy === 'Always' || restartPolicy === undefined) {
    errors.push({ type: 'FieldValueRequired', field: 'spec.template.spec.restartPolicy', detail: 'valid values: "OnFailure", "Never"' });
  }
  for (const field of ['parallelism', 'completions', 'backoffLimit', 'activeDeadlineSeconds', 'ttlSecondsAfterFinished']) {
    const value = jobSpec[field];
    if (typeof value === 'number' && value < 0) errors.push({ type: 'FieldValueInvalid', field: `spec.${field}`, value, detail: 'must be greater than or equal to 0' });
  }
  return errors;
}

function validateCronJob(cronJob: KubeObject): FieldError[] {
  const errors = validateSubdomainName(cronJob);
  const name = cronJob.metadata.name ?? '';
  if (name.length > 52) errors.push({ type: 'FieldValueInvalid', field: 'metadata.name', value: name, detail: 'must be no more than 52 characters' });
  const schedule = spec(cronJob)['schedule'];
  if (typeof schedule !== 'string' || schedule.trim() === '') errors.push({ type: 'FieldValueRequired', field: 'spec.schedule' });
  else if (!/^@(yearly|annually|monthly|weekly|daily|midnight|hourly|every\s+\S+)$/.test(schedule.trim()) && schedule.trim().split(/\s+/).length !== 5) {
    errors.push({ type: 'FieldValueInvalid', field: 'spec.schedule', value: schedule, detail: `unparseable schedule: expected exactly 5 fields, found ${schedule.trim().split(/\s+/).length}: ${schedule}` });
  }
  const jobTemplate = spec(cronJob)['jobTemplate'] as Json | undefined;
  const template = (jobTemplate?.['spec'] as Json | undefined)?.['template'] as Json | undefined;
  errors.push(...validatePodSpec(template?.['spec'], 'spec.jobTemplate.spec.template.spec', ['OnFailure', 'Never']));
  return errors;
}

const RULES: Readonly<Record<string, KindRules>> = {
  // RBAC names are path segments (system:discovery), checked with every object's metadata.
  'admissionregistration.k8s.io/MutatingWebhookConfiguration': {
    normalize: (object) => defaultWebhookConfiguration(object, true),
    validate: (object) => [...validateSubdomainName(object), ...validateWebhookConfiguration(object, true)],
  },
  'admissionregistration.k8s.io/ValidatingWebhookConfiguration': {
    normalize: (object) => defaultWebhookConfiguration(object, false),
    validate: (object) => [...validateSubdomainName(object), ...validateWebhookConfiguration(object, false)],
  },
  'admissionregistration.k8s.io/ValidatingAdmissionPolicy': { normalize: defaultPolicy, validate: (object) => [...validateSubdomainName(object), ...validatePolicy(object)] },
  'admissionregistration.k8s.io/ValidatingAdmissionPolicyBinding': { validate: (object) => [...validateSubdomainName(object), ...validatePolicyBinding(object)] },
  'rbac.authorization.k8s.io/Role': { validate: validateRole },
  'rbac.authorization.k8s.io/ClusterRole': { validate: validateRole },
  'rbac.authorization.k8s.io/RoleBinding': { validate: (object) => validateBinding(object, false) },
  'rbac.authorization.k8s.io/ClusterRoleBinding': { validate: (object) => validateBinding(object, true) },
  '/ConfigMap': { validate: (object) => [...validateSubdomainName(object), ...validateDataKeys(object, ['data', 'binaryData'])] },
  '/Secret': {
    validate: (object) => [...validateSubdomainName(object), ...validateDataKeys(object, ['data', 'stringData']), ...validateSecretData(object)],
    fieldSelectors: { type: (object) => String(object['type'] ?? '') },
    normalize: (secret) => {
      // stringData is write-only: merged into data (base64) and never stored.
      const stringData = secret['stringData'] as Record<string, string> | undefined;
      if (stringData !== undefined) {
        const data = ((secret['data'] as Record<string, string> | undefined) ?? {}) as Record<string, string>;
        for (const [key, value] of Object.entries(stringData)) data[key] = Buffer.from(String(value), 'utf8').toString('base64');
        secret['data'] = data;
        delete secret['stringData'];
      }
    },
  },
  '/PersistentVolumeClaim': { initialStatus: () => ({ phase: 'Pending' }) },
  '/PersistentVolume': { initialStatus: () => ({ phase: 'Pending' }) },
  '/Node': {
    tracksGeneration: false,
    // Kubelets create their Node with a status; keep what they send.
    initialStatus: (node) => node['status'] ?? {},
    fieldSelectors: { 'spec.unschedulable': (node) => String(spec(node)['unschedulable'] === true) },
  },
  '/Event': {
    expires: true,
    fieldSelectors: {
      ...referenceSelectors('involvedObject'),
      reason: (event) => String(event['reason'] ?? ''),
      reportingComponent: (event) => String(event['reportingComponent'] ?? ''),
      source: (event) => String((event['source'] as Json | undefined)?.['component'] ?? ''),
      type: (event) => String(event['type'] ?? ''),
    },
  },
  'events.k8s.io/Event': {
    expires: true,
    storageCodec: eventsV1StorageCodec,
    fieldSelectors: {
      ...referenceSelectors('regarding'),
      reason: (event) => String(event['reason'] ?? ''),
      reportingController: (event) => String(event['reportingController'] ?? ''),
      type: (event) => String(event['type'] ?? ''),
    },
  },
  'apps/Deployment': { validate: (object) => [...validateSubdomainName(object), ...validateWorkload(object)] },
  'apps/ReplicaSet': {
    validate: (object) => [...validateSubdomainName(object), ...validateWorkload(object)],
    fieldSelectors: { 'status.replicas': (object) => String((object['status'] as Json | undefined)?.['replicas'] ?? 0) },
  },
  'apps/StatefulSet': { validate: (object) => [...validateSubdomainName(object), ...validateWorkload(object)] },
  'apps/DaemonSet': { validate: (object) => [...validateSubdomainName(object), ...validateWorkload(object)] },
  'batch/Job': {
    validate: validateJob,
    prepareForCreate: generateJobSelector,
    fieldSelectors: { 'status.successful': (object) => String((object['status'] as Json | undefined)?.['succeeded'] ?? 0) },
  },
  'batch/CronJob': { validate: validateCronJob },
};

const SPECIFIC: Readonly<Record<string, (environment: StrategyEnvironment) => ResourceStrategy>> = {
  '/Namespace': () => namespaceStrategy,
  '/Service': (environment) => serviceStrategy(environment.serviceAllocator),
  '/Pod': () => podStrategy,
  'apiextensions.k8s.io/CustomResourceDefinition': () => customResourceDefinitionStrategy(crdSchemaTools),
  'certificates.k8s.io/CertificateSigningRequest': () => certificateSigningRequestStrategy,
};

/**
 * The strategy of a built-in kind: a hand-written one where a kind has
 * special semantics (Namespaces, Services, Pods), otherwise upstream's
 * defaults, validation and status handling assembled from the tables above.
 */
export function strategyFor(group: string, kind: string, hasStatus: boolean, environment: StrategyEnvironment): ResourceStrategy {
  const id = `${group}/${kind}`;
  const table = BUILTIN_TABLES[id];
  const specific = SPECIFIC[id];
  if (specific !== undefined) {
    const strategy = specific(environment);
    return table === undefined || strategy.table !== undefined ? strategy : { ...strategy, table };
  }
  const rules = RULES[id] ?? {};
  const defaulter = BUILTIN_DEFAULTERS[id];
  const strategy: ResourceStrategy = {
    ...(rules.tracksGeneration !== undefined && { tracksGeneration: rules.tracksGeneration }),
    prepareForCreate(object) {
      if (hasStatus) object['status'] = rules.initialStatus?.(object) ?? {};
      rules.prepareForCreate?.(object);
      rules.normalize?.(object);
      defaulter?.(object);
    },
    prepareForUpdate(object) {
      rules.normalize?.(object);
      defaulter?.(object);
    },
    validate: rules.validate ?? validateSubdomainName,
    ...(rules.fieldSelectors !== undefined && { fieldSelectors: rules.fieldSelectors }),
    ...(rules.expires === true && { ttlSeconds: environment.eventTtlSeconds }),
    ...(rules.storageCodec !== undefined && { storageCodec: rules.storageCodec }),
    ...(table !== undefined && { table }),
  };
  return strategy;
}
