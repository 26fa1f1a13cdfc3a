/**
 * Upstream's defaults per built-in kind (the SetDefaults_* functions of each
 * API group's v1 package), applied on create and update.
 */
import type { KubeObject } from '../resources/types.js';
import { defaultPodSpec, defaultPodTemplate, embeddedMetadata } from './pod-spec.js';

type Json = Record<string, unknown>;
export type Defaulter = (object: KubeObject) => void;

function child(parent: Json, key: string): Json {
  const value = parent[key];
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as Json;
  const created: Json = {};
  parent[key] = created;
  return created;
}

function setIfMissing(target: Json, key: string, value: unknown): void {
  if (target[key] === undefined || target[key] === null) target[key] = value;
}

function items(value: unknown): Json[] {
  return Array.isArray(value) ? (value.filter((item) => typeof item === 'object' && item !== null) as Json[]) : [];
}

const pod: Defaulter = (object) => {
  defaultPodSpec(child(object, 'spec'), true);
};

const podTemplate: Defaulter = (object) => {
  defaultPodTemplate(child(object, 'template'));
};

const replicationController: Defaulter = (object) => {
  const spec = child(object, 'spec');
  setIfMissing(spec, 'replicas', 1);
  defaultPodTemplate(spec['template']);
  const template = spec['template'] as Json | undefined;
  // An RC without a selector selects its template's labels (upstream defaulting).
  const labels = (template?.['metadata'] as Json | undefined)?.['labels'];
  if (spec['selector'] === undefined && labels !== undefined) spec['selector'] = structuredClone(labels);
  if (object.metadata.labels === undefined && labels !== undefined) object.metadata.labels = structuredClone(labels) as Record<string, string>;
};

const deployment: Defaulter = (object) => {
  const spec = child(object, 'spec');
  setIfMissing(spec, 'replicas', 1);
  const strategy = child(spec, 'strategy');
  setIfMissing(strategy, 'type', 'RollingUpdate');
  if (strategy['type'] === 'RollingUpdate') {
    const rolling = child(strategy, 'rollingUpdate');
    setIfMissing(rolling, 'maxUnavailable', '25%');
    setIfMissing(rolling, 'maxSurge', '25%');
  }
  setIfMissing(spec, 'revisionHistoryLimit', 10);
  setIfMissing(spec, 'progressDeadlineSeconds', 600);
  defaultPodTemplate(spec['template']);
};

const replicaSet: Defaulter = (object) => {
  const spec = child(object, 'spec');
  setIfMissing(spec, 'replicas', 1);
  defaultPodTemplate(spec['template']);
};

const statefulSet: Defaulter = (object) => {
  const spec = child(object, 'spec');
  setIfMissing(spec, 'replicas', 1);
  setIfMissing(spec, 'podManagementPolicy', 'OrderedReady');
  const update = child(spec, 'updateStrategy');
  setIfMissing(update, 'type', 'RollingUpdate');
  if (update['type'] === 'RollingUpdate') setIfMissing(child(update, 'rollingUpdate'), 'partition', 0);
  setIfMissing(spec, 'revisionHistoryLimit', 10);
  const retention = child(spec, 'persistentVolumeClaimRetentionPolicy');
  setIfMissing(retention, 'whenDeleted', 'Retain');
  setIfMissing(retention, 'whenScaled', 'Retain');
  defaultPodTemplate(spec['template']);
  for (const claim of items(spec['volumeClaimTemplates'])) {
    embeddedMetadata(claim);
    setIfMissing(child(claim, 'spec'), 'volumeMode', 'Filesystem');
    claim['status'] ??= { phase: 'Pending' };
    setIfMissing(claim, 'apiVersion', 'v1');
    setIfMissing(claim, 'kind', 'PersistentVolumeClaim');
  }
};

const daemonSet: Defaulter = (object) => {
  const spec = child(object, 'spec');
  const update = child(spec, 'updateStrategy');
  setIfMissing(update, 'type', 'RollingUpdate');
  if (update['type'] === 'RollingUpdate') {
    const rolling = child(update, 'rollingUpdate');
    setIfMissing(rolling, 'maxUnavailable', 1);
    setIfMissing(rolling, 'maxSurge', 0);
  }
  setIfMissing(spec, 'revisionHistoryLimit', 10);
  defaultPodTemplate(spec['template']);
};

function defaultJobSpec(spec: Json): void {
  if (spec['completions'] === undefined && spec['parallelism'] === undefined) {
    spec['completions'] = 1;
    spec['parallelism'] = 1;
  }
  setIfMissing(spec, 'parallelism', 1);
  setIfMissing(spec, 'backoffLimit', spec['backoffLimitPerIndex'] === undefined ? 6 : 2147483647);
  setIfMissing(spec, 'completionMode', 'NonIndexed');
  setIfMissing(spec, 'suspend', false);
  setIfMissing(spec, 'podReplacementPolicy', spec['podFailurePolicy'] === undefined ? 'TerminatingOrFailed' : 'Failed');
  defaultPodTemplate(spec['template']);
}

const job: Defaulter = (object) => defaultJobSpec(child(object, 'spec'));

const cronJob: Defaulter = (object) => {
  const spec = child(object, 'spec');
  setIfMissing(spec, 'concurrencyPolicy', 'Allow');
  setIfMissing(spec, 'suspend', false);
  setIfMissing(spec, 'successfulJobsHistoryLimit', 3);
  setIfMissing(spec, 'failedJobsHistoryLimit', 1);
  const template = child(spec, 'jobTemplate');
  embeddedMetadata(template);
  const jobSpec = child(template, 'spec');
  // Upstream defaults the job template's pod template, not its completions.
  defaultPodTemplate(jobSpec['template']);
};

const secret: Defaulter = (object) => {
  setIfMissing(object, 'type', 'Opaque');
};

const persistentVolumeClaim: Defaulter = (object) => {
  setIfMissing(child(object, 'spec'), 'volumeMode', 'Filesystem');
};

const persistentVolume: Defaulter = (object) => {
  const spec = child(object, 'spec');
  setIfMissing(spec, 'persistentVolumeReclaimPolicy', 'Retain');
  setIfMissing(spec, 'volumeMode', 'Filesystem');
};

const endpoints: Defaulter = (object) => {
  for (const subset of items(object['subsets'])) for (const port of items(subset['ports'])) setIfMissing(port, 'protocol', 'TCP');
};

const limitRange: Defaulter = (object) => {
  for (const item of items(child(object, 'spec')['limits'])) {
    if (item['type'] !== 'Container') continue;
    // A max with no default makes the max the default (upstream).
    const max = item['max'] as Json | undefined;
    if (max === undefined) continue;
    const fallback = child(item, 'default');
    for (const [name, value] of Object.entries(max)) setIfMissing(fallback, name, value);
    const request = child(item, 'defaultRequest');
    for (const [name, value] of Object.entries(fallback)) setIfMissing(request, name, value);
  }
};

const networkPolicy: Defaulter = (object) => {
  const spec = child(object, 'spec');
  for (const rule of items(spec['ingress'])) for (const port of items(rule['ports'])) setIfMissing(port, 'protocol', 'TCP');
  for (const rule of items(spec['egress'])) for (const port of items(rule['ports'])) setIfMissing(port, 'protocol', 'TCP');
  if (spec['policyTypes'] === undefined) {
    const types = ['Ingress'];
    if (Array.isArray(spec['egress']) && spec['egress'].length > 0) types.push('Egress');
    spec['policyTypes'] = types;
  }
};

const roleBinding: Defaulter = (object) => {
  for (const subject of items(object['subjects'])) {
    if (subject['apiGroup'] !== undefined) continue;
    // A ServiceAccount's default group is "", which Go's omitempty leaves out of the JSON.
    if (subject['kind'] === 'User' || subject['kind'] === 'Group') subject['apiGroup'] = 'rbac.authorization.k8s.io';
  }
};

const storageClass: Defaulter = (object) => {
  setIfMissing(object, 'reclaimPolicy', 'Delete');
  setIfMissing(object, 'volumeBindingMode', 'Immediate');
};

const priorityClass: Defaulter = (object) => {
  setIfMissing(object, 'preemptionPolicy', 'PreemptLowerPriority');
};

const horizontalPodAutoscaler: Defaulter = (object) => {
  const spec = child(object, 'spec');
  setIfMissing(spec, 'minReplicas', 1);
  if (object.apiVersion === 'autoscaling/v2' && (spec['metrics'] === undefined || (Array.isArray(spec['metrics']) && spec['metrics'].length === 0))) {
    spec['metrics'] = [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } }];
  }
};

function defaultWebhooks(object: KubeObject, mutating: boolean): void {
  for (const webhook of items(object['webhooks'])) {
    setIfMissing(webhook, 'failurePolicy', 'Fail');
    setIfMissing(webhook, 'matchPolicy', 'Equivalent');
    setIfMissing(webhook, 'namespaceSelector', {});
    setIfMissing(webhook, 'objectSelector', {});
    setIfMissing(webhook, 'timeoutSeconds', 10);
    if (mutating) setIfMissing(webhook, 'reinvocationPolicy', 'Never');
    for (const rule of items(webhook['rules'])) setIfMissing(rule, 'scope', '*');
    const service = (webhook['clientConfig'] as Json | undefined)?.['service'];
    if (typeof service === 'object' && service !== null) setIfMissing(service as Json, 'port', 443);
  }
}

const ingress: Defaulter = () => undefined;

/** Defaulters by `group/Kind`. */
export const BUILTIN_DEFAULTERS: Readonly<Record<string, Defaulter>> = {
  '/Pod': pod,
  '/PodTemplate': podTemplate,
  '/ReplicationController': replicationController,
  '/Secret': secret,
  '/PersistentVolumeClaim': persistentVolumeClaim,
  '/PersistentVolume': persistentVolume,
  '/Endpoints': endpoints,
  '/LimitRange': limitRange,
  'apps/Deployment': deployment,
  'apps/ReplicaSet': replicaSet,
  'apps/StatefulSet': statefulSet,
  'apps/DaemonSet': daemonSet,
  'batch/Job': job,
  'batch/CronJob': cronJob,
  'autoscaling/HorizontalPodAutoscaler': horizontalPodAutoscaler,
  'networking.k8s.io/NetworkPolicy': networkPolicy,
  'networking.k8s.io/Ingress': ingress,
  'rbac.authorization.k8s.io/RoleBinding': roleBinding,
  'rbac.authorization.k8s.io/ClusterRoleBinding': roleBinding,
  'storage.k8s.io/StorageClass': storageClass,
  'scheduling.k8s.io/PriorityClass': priorityClass,
  'admissionregistration.k8s.io/ValidatingWebhookConfiguration': (object) => defaultWebhooks(object, false),
  'admissionregistration.k8s.io/MutatingWebhookConfiguration': (object) => defaultWebhooks(object, true),
};
