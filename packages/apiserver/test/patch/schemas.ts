/**
 * Small hand-written schemas shaped like Kubernetes' OpenAPI definitions:
 * the same names, and the patch strategies and merge keys the real types
 * carry (from their Go struct tags), for the fields the tests touch.
 */
import { MapSchemaRegistry, type Schema } from '../../src/schema/types.js';

const ref = (name: string): Schema => ({ $ref: `#/definitions/${name}` });
const string: Schema = { type: 'string' };
const stringMap: Schema = { type: 'object', additionalProperties: { type: 'string' } };
const mergedList = (items: Schema, mergeKey?: string, strategy = 'merge'): Schema => ({
  type: 'array',
  items,
  'x-kubernetes-patch-strategy': strategy,
  ...(mergeKey === undefined ? {} : { 'x-kubernetes-patch-merge-key': mergeKey }),
});

const CORE = 'io.k8s.api.core.v1';
const META = 'io.k8s.apimachinery.pkg.apis.meta.v1';

export const definitions: Record<string, Schema> = {
  'io.k8s.api.apps.v1.Deployment': {
    type: 'object',
    properties: { apiVersion: string, kind: string, metadata: ref(`${META}.ObjectMeta`), spec: ref('io.k8s.api.apps.v1.DeploymentSpec') },
    'x-kubernetes-group-version-kind': [{ group: 'apps', version: 'v1', kind: 'Deployment' }],
  },
  'io.k8s.api.apps.v1.DeploymentSpec': {
    type: 'object',
    properties: {
      replicas: { type: 'integer', format: 'int32' },
      strategy: { ...ref('io.k8s.api.apps.v1.DeploymentStrategy'), 'x-kubernetes-patch-strategy': 'retainKeys' },
      template: ref(`${CORE}.PodTemplateSpec`),
    },
  },
  'io.k8s.api.apps.v1.DeploymentStrategy': { type: 'object', properties: { type: string, rollingUpdate: ref('io.k8s.api.apps.v1.RollingUpdateDeployment') } },
  'io.k8s.api.apps.v1.RollingUpdateDeployment': {
    type: 'object',
    properties: { maxSurge: ref('io.k8s.apimachinery.pkg.util.intstr.IntOrString'), maxUnavailable: ref('io.k8s.apimachinery.pkg.util.intstr.IntOrString') },
  },
  'io.k8s.apimachinery.pkg.util.intstr.IntOrString': { type: 'string', format: 'int-or-string' },
  [`${META}.ObjectMeta`]: {
    type: 'object',
    properties: {
      name: string,
      namespace: string,
      labels: stringMap,
      annotations: stringMap,
      finalizers: mergedList(string),
      ownerReferences: mergedList(ref(`${META}.OwnerReference`), 'uid'),
    },
  },
  [`${META}.OwnerReference`]: { type: 'object', properties: { apiVersion: string, kind: string, name: string, uid: string } },
  [`${CORE}.PodTemplateSpec`]: { type: 'object', properties: { metadata: ref(`${META}.ObjectMeta`), spec: ref(`${CORE}.PodSpec`) } },
  [`${CORE}.Pod`]: {
    type: 'object',
    properties: { apiVersion: string, kind: string, metadata: ref(`${META}.ObjectMeta`), spec: ref(`${CORE}.PodSpec`) },
    'x-kubernetes-group-version-kind': [{ group: '', version: 'v1', kind: 'Pod' }],
  },
  [`${CORE}.PodSpec`]: {
    type: 'object',
    properties: {
      containers: mergedList(ref(`${CORE}.Container`), 'name'),
      initContainers: mergedList(ref(`${CORE}.Container`), 'name'),
      volumes: mergedList(ref(`${CORE}.Volume`), 'name', 'merge,retainKeys'),
      tolerations: { type: 'array', items: ref(`${CORE}.Toleration`) },
      nodeSelector: stringMap,
      securityContext: ref(`${CORE}.PodSecurityContext`),
    },
  },
  [`${CORE}.PodSecurityContext`]: { type: 'object', properties: { runAsUser: { type: 'integer', format: 'int64' } } },
  [`${CORE}.Container`]: {
    type: 'object',
    properties: {
      name: string,
      image: string,
      args: { type: 'array', items: string },
      command: { type: 'array', items: string },
      env: mergedList(ref(`${CORE}.EnvVar`), 'name'),
      ports: mergedList(ref(`${CORE}.ContainerPort`), 'containerPort'),
      resources: ref(`${CORE}.ResourceRequirements`),
    },
  },
  [`${CORE}.EnvVar`]: { type: 'object', properties: { name: string, value: string, valueFrom: { type: 'object', properties: { fieldRef: stringMap } } } },
  [`${CORE}.ContainerPort`]: { type: 'object', properties: { containerPort: { type: 'integer', format: 'int32' }, name: string, protocol: string } },
  [`${CORE}.ResourceRequirements`]: {
    type: 'object',
    properties: { limits: { type: 'object', additionalProperties: ref('io.k8s.apimachinery.pkg.api.resource.Quantity') } },
  },
  'io.k8s.apimachinery.pkg.api.resource.Quantity': { type: 'string' },
  [`${CORE}.Toleration`]: { type: 'object', properties: { key: string, operator: string, value: string, effect: string } },
  [`${CORE}.Volume`]: {
    type: 'object',
    properties: {
      name: string,
      emptyDir: ref(`${CORE}.EmptyDirVolumeSource`),
      hostPath: ref(`${CORE}.HostPathVolumeSource`),
      configMap: { type: 'object', properties: { name: string } },
    },
  },
  [`${CORE}.EmptyDirVolumeSource`]: { type: 'object', properties: { medium: string, sizeLimit: ref('io.k8s.apimachinery.pkg.api.resource.Quantity') } },
  [`${CORE}.HostPathVolumeSource`]: { type: 'object', properties: { path: string, type: string } },
  // A CRD's schema: `properties` is a map of schemas, which upstream cannot merge into.
  'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSONSchemaProps': {
    type: 'object',
    properties: {
      type: string,
      properties: { type: 'object', additionalProperties: ref('io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSONSchemaProps') },
    },
  },
  // ControllerRevision's `data` is a RawExtension: a struct with no JSON fields.
  'io.k8s.api.apps.v1.ControllerRevision': {
    type: 'object',
    properties: { metadata: ref(`${META}.ObjectMeta`), data: ref('io.k8s.apimachinery.pkg.runtime.RawExtension'), revision: { type: 'integer', format: 'int64' } },
    'x-kubernetes-group-version-kind': [{ group: 'apps', version: 'v1', kind: 'ControllerRevision' }],
  },
  'io.k8s.apimachinery.pkg.runtime.RawExtension': { type: 'object' },
};

export const registry = MapSchemaRegistry.fromRecord(definitions);

export function schemaOf(name: string): Schema {
  const schema = registry.get(name);
  if (schema === undefined) throw new Error(`no test schema ${name}`);
  return schema;
}

export const POD = schemaOf(`${CORE}.Pod`);
export const DEPLOYMENT = schemaOf('io.k8s.api.apps.v1.Deployment');
