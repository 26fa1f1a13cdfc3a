/**
 * Every built-in resource lk serves: the GA resources of the API groups
 * Kubernetes 1.32 serves, with the names, short names, categories, verbs,
 * subresources and storage keys upstream's discovery and etcd layout have.
 */
import { ALL_VERBS, type ResourceDefinition, type Verb } from './types.js';

export type BuiltinResourceInfo = Omit<ResourceDefinition, 'strategy'>;

interface Entry {
  readonly kind: string;
  readonly plural: string;
  readonly cluster?: boolean;
  readonly shortNames?: readonly string[];
  readonly categories?: readonly string[];
  readonly verbs?: readonly Verb[];
  readonly status?: boolean;
  readonly scale?: boolean;
  readonly custom?: readonly string[];
  /** Upstream's etcd key prefix when it is not the plural. */
  readonly storage?: string;
}

const CREATE_ONLY: readonly Verb[] = ['create'];
const NO_COLLECTION_DELETE: readonly Verb[] = ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'];

/** Java-style package names of the API groups, as the OpenAPI definitions name them. */
function packageOf(group: string, version: string): string {
  if (group === '') return `io.k8s.api.core.${version}`;
  if (group === 'apiextensions.k8s.io') return `io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.${version}`;
  // rbac.authorization.k8s.io → rbac, networking.k8s.io → networking, apps → apps.
  return `io.k8s.api.${group.split('.')[0]}.${version}`;
}

const GROUPS: Readonly<Record<string, Readonly<Record<string, readonly Entry[]>>>> = {
  '': {
    v1: [
      { kind: 'Binding', plural: 'bindings', verbs: CREATE_ONLY },
      { kind: 'ComponentStatus', plural: 'componentstatuses', cluster: true, shortNames: ['cs'], verbs: ['get', 'list'] },
      { kind: 'ConfigMap', plural: 'configmaps', shortNames: ['cm'] },
      { kind: 'Endpoints', plural: 'endpoints', shortNames: ['ep'], storage: 'services/endpoints' },
      { kind: 'Event', plural: 'events', shortNames: ['ev'] },
      { kind: 'LimitRange', plural: 'limitranges', shortNames: ['limits'] },
      { kind: 'Namespace', plural: 'namespaces', cluster: true, shortNames: ['ns'], verbs: NO_COLLECTION_DELETE, status: true, custom: ['finalize'] },
      { kind: 'Node', plural: 'nodes', cluster: true, shortNames: ['no'], status: true, custom: ['proxy'], storage: 'minions' },
      { kind: 'PersistentVolumeClaim', plural: 'persistentvolumeclaims', shortNames: ['pvc'], status: true },
      { kind: 'PersistentVolume', plural: 'persistentvolumes', cluster: true, shortNames: ['pv'], status: true },
      {
        kind: 'Pod',
        plural: 'pods',
        shortNames: ['po'],
        categories: ['all'],
        status: true,
        custom: ['attach', 'binding', 'ephemeralcontainers', 'eviction', 'exec', 'log', 'portforward', 'proxy'],
      },
      { kind: 'PodTemplate', plural: 'podtemplates' },
      { kind: 'ReplicationController', plural: 'replicationcontrollers', shortNames: ['rc'], categories: ['all'], status: true, scale: true, storage: 'controllers' },
      { kind: 'ResourceQuota', plural: 'resourcequotas', shortNames: ['quota'], status: true },
      { kind: 'Secret', plural: 'secrets' },
      { kind: 'ServiceAccount', plural: 'serviceaccounts', shortNames: ['sa'], custom: ['token'] },
      { kind: 'Service', plural: 'services', shortNames: ['svc'], categories: ['all'], status: true, custom: ['proxy'], storage: 'services/specs' },
    ],
  },
  apps: {
    v1: [
      { kind: 'ControllerRevision', plural: 'controllerrevisions' },
      { kind: 'DaemonSet', plural: 'daemonsets', shortNames: ['ds'], categories: ['all'], status: true },
      { kind: 'Deployment', plural: 'deployments', shortNames: ['deploy'], categories: ['all'], status: true, scale: true },
      { kind: 'ReplicaSet', plural: 'replicasets', shortNames: ['rs'], categories: ['all'], status: true, scale: true },
      { kind: 'StatefulSet', plural: 'statefulsets', shortNames: ['sts'], categories: ['all'], status: true, scale: true },
    ],
  },
  'events.k8s.io': { v1: [{ kind: 'Event', plural: 'events', shortNames: ['ev'], storage: 'events' }] },
  'authentication.k8s.io': {
    v1: [
      { kind: 'SelfSubjectReview', plural: 'selfsubjectreviews', cluster: true, verbs: CREATE_ONLY },
      { kind: 'TokenReview', plural: 'tokenreviews', cluster: true, verbs: CREATE_ONLY },
    ],
  },
  'authorization.k8s.io': {
    v1: [
      { kind: 'LocalSubjectAccessReview', plural: 'localsubjectaccessreviews', verbs: CREATE_ONLY },
      { kind: 'SelfSubjectAccessReview', plural: 'selfsubjectaccessreviews', cluster: true, verbs: CREATE_ONLY },
      { kind: 'SelfSubjectRulesReview', plural: 'selfsubjectrulesreviews', cluster: true, verbs: CREATE_ONLY },
      { kind: 'SubjectAccessReview', plural: 'subjectaccessreviews', cluster: true, verbs: CREATE_ONLY },
    ],
  },
  autoscaling: {
    v2: [{ kind: 'HorizontalPodAutoscaler', plural: 'horizontalpodautoscalers', shortNames: ['hpa'], categories: ['all'], status: true }],
  },
  batch: {
    v1: [
      { kind: 'CronJob', plural: 'cronjobs', shortNames: ['cj'], categories: ['all'], status: true },
      { kind: 'Job', plural: 'jobs', categories: ['all'], status: true },
    ],
  },
  'certificates.k8s.io': {
    v1: [{ kind: 'CertificateSigningRequest', plural: 'certificatesigningrequests', cluster: true, shortNames: ['csr'], status: true, custom: ['approval'] }],
  },
  'networking.k8s.io': {
    v1: [
      { kind: 'IngressClass', plural: 'ingressclasses', cluster: true },
      { kind: 'Ingress', plural: 'ingresses', shortNames: ['ing'], status: true, storage: 'ingress' },
      { kind: 'NetworkPolicy', plural: 'networkpolicies', shortNames: ['netpol'] },
    ],
  },
  policy: { v1: [{ kind: 'PodDisruptionBudget', plural: 'poddisruptionbudgets', shortNames: ['pdb'], status: true }] },
  'rbac.authorization.k8s.io': {
    v1: [
      { kind: 'ClusterRoleBinding', plural: 'clusterrolebindings', cluster: true },
      { kind: 'ClusterRole', plural: 'clusterroles', cluster: true },
      { kind: 'RoleBinding', plural: 'rolebindings' },
      { kind: 'Role', plural: 'roles' },
    ],
  },
  'storage.k8s.io': {
    v1: [
      { kind: 'CSIDriver', plural: 'csidrivers', cluster: true },
      { kind: 'CSINode', plural: 'csinodes', cluster: true },
      { kind: 'CSIStorageCapacity', plural: 'csistoragecapacities' },
      { kind: 'StorageClass', plural: 'storageclasses', cluster: true, shortNames: ['sc'] },
      { kind: 'VolumeAttachment', plural: 'volumeattachments', cluster: true, status: true },
    ],
  },
  'admissionregistration.k8s.io': {
    v1: [
      { kind: 'MutatingWebhookConfiguration', plural: 'mutatingwebhookconfigurations', cluster: true, categories: ['api-extensions'] },
      { kind: 'ValidatingAdmissionPolicy', plural: 'validatingadmissionpolicies', cluster: true, categories: ['api-extensions'], status: true },
      { kind: 'ValidatingAdmissionPolicyBinding', plural: 'validatingadmissionpolicybindings', cluster: true, categories: ['api-extensions'] },
      { kind: 'ValidatingWebhookConfiguration', plural: 'validatingwebhookconfigurations', cluster: true, categories: ['api-extensions'] },
    ],
  },
  'apiextensions.k8s.io': {
    v1: [
      {
        kind: 'CustomResourceDefinition',
        plural: 'customresourcedefinitions',
        cluster: true,
        shortNames: ['crd', 'crds'],
        categories: ['api-extensions'],
        status: true,
        storage: 'apiextensions.k8s.io/customresourcedefinitions',
      },
    ],
  },
  'scheduling.k8s.io': { v1: [{ kind: 'PriorityClass', plural: 'priorityclasses', cluster: true, shortNames: ['pc'] }] },
  'coordination.k8s.io': { v1: [{ kind: 'Lease', plural: 'leases' }] },
  'node.k8s.io': { v1: [{ kind: 'RuntimeClass', plural: 'runtimeclasses', cluster: true }] },
  'discovery.k8s.io': { v1: [{ kind: 'EndpointSlice', plural: 'endpointslices' }] },
};

function build(): BuiltinResourceInfo[] {
  const infos: BuiltinResourceInfo[] = [];
  for (const [group, versions] of Object.entries(GROUPS)) {
    for (const [version, entries] of Object.entries(versions)) {
      for (const entry of entries) {
        const subresources: { status?: boolean; scale?: { specReplicasPath: string; statusReplicasPath: string; labelSelectorPath: string }; custom?: readonly string[] } = {};
        if (entry.status === true) subresources.status = true;
        if (entry.scale === true) {
          subresources.scale = { specReplicasPath: '.spec.replicas', statusReplicasPath: '.status.replicas', labelSelectorPath: '.spec.selector' };
        }
        if (entry.custom !== undefined) subresources.custom = entry.custom;
        infos.push({
          group,
          version,
          kind: entry.kind,
          listKind: `${entry.kind}List`,
          plural: entry.plural,
          singular: entry.kind.toLowerCase(),
          scope: entry.cluster === true ? 'Cluster' : 'Namespaced',
          shortNames: entry.shortNames ?? [],
          categories: entry.categories ?? [],
          verbs: entry.verbs ?? ALL_VERBS,
          subresources,
          schemaName: `${packageOf(group, version)}.${entry.kind}`,
          storagePrefix: entry.storage ?? entry.plural,
        });
      }
    }
  }
  return infos;
}

export const BUILTIN_RESOURCES: readonly BuiltinResourceInfo[] = build();
