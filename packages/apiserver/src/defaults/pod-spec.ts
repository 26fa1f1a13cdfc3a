/**
 * Upstream's defaulting of pod specs (k8s.io/kubernetes/pkg/apis/core/v1/defaults.go),
 * applied to pods and to every pod template (Deployments, Jobs, …), so that
 * what clients read back carries the same defaults a cluster would add.
 */
type Json = Record<string, unknown>;

function object(parent: Json, key: string): Json {
  const value = parent[key];
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as Json;
  const created: Json = {};
  parent[key] = created;
  return created;
}

function array(value: unknown): Json[] {
  return Array.isArray(value) ? (value.filter((item) => typeof item === 'object' && item !== null) as Json[]) : [];
}

function setIfMissing(target: Json, key: string, value: unknown): void {
  if (target[key] === undefined || target[key] === null || target[key] === '') target[key] = value;
}

/** Always if the image has no tag or the tag is "latest" (and no digest), IfNotPresent otherwise. */
export function defaultPullPolicy(image: unknown): string {
  if (typeof image !== 'string') return 'IfNotPresent';
  if (image.includes('@')) return 'IfNotPresent';
  const lastSlash = image.lastIndexOf('/');
  const tagIndex = image.indexOf(':', lastSlash + 1);
  if (tagIndex < 0) return 'Always';
  return image.slice(tagIndex + 1) === 'latest' ? 'Always' : 'IfNotPresent';
}

function defaultProbe(probe: unknown): void {
  if (typeof probe !== 'object' || probe === null) return;
  const p = probe as Json;
  setIfMissing(p, 'timeoutSeconds', 1);
  setIfMissing(p, 'periodSeconds', 10);
  setIfMissing(p, 'successThreshold', 1);
  setIfMissing(p, 'failureThreshold', 3);
  defaultHandler(p);
}

function defaultHandler(handler: Json): void {
  const httpGet = handler['httpGet'];
  if (typeof httpGet === 'object' && httpGet !== null) {
    setIfMissing(httpGet as Json, 'scheme', 'HTTP');
    setIfMissing(httpGet as Json, 'path', '/');
  }
}

function defaultEnv(env: unknown): void {
  for (const variable of array(env)) {
    const fieldRef = (variable['valueFrom'] as Json | undefined)?.['fieldRef'];
    if (typeof fieldRef === 'object' && fieldRef !== null) setIfMissing(fieldRef as Json, 'apiVersion', 'v1');
  }
}

function defaultContainer(container: Json, podLevel: boolean): void {
  setIfMissing(container, 'terminationMessagePath', '/dev/termination-log');
  setIfMissing(container, 'terminationMessagePolicy', 'File');
  setIfMissing(container, 'imagePullPolicy', defaultPullPolicy(container['image']));
  for (const port of array(container['ports'])) setIfMissing(port, 'protocol', 'TCP');
  defaultProbe(container['livenessProbe']);
  defaultProbe(container['readinessProbe']);
  defaultProbe(container['startupProbe']);
  const lifecycle = container['lifecycle'];
  if (typeof lifecycle === 'object' && lifecycle !== null) {
    for (const hook of ['postStart', 'preStop']) {
      const handler = (lifecycle as Json)[hook];
      if (typeof handler === 'object' && handler !== null) defaultHandler(handler as Json);
    }
  }
  defaultEnv(container['env']);
  const resources = object(container, 'resources');
  // Upstream copies limits into missing requests (SetDefaults_Pod), for pods only.
  if (podLevel) {
    const limits = resources['limits'];
    if (typeof limits === 'object' && limits !== null && Object.keys(limits).length > 0) {
      const requests = object(resources, 'requests');
      for (const [name, quantity] of Object.entries(limits as Json)) if (requests[name] === undefined) requests[name] = quantity;
    }
  }
}

const DEFAULT_MODE = 420; // 0644

function defaultVolume(volume: Json): void {
  for (const [source, modeKey] of [
    ['secret', 'defaultMode'],
    ['configMap', 'defaultMode'],
    ['downwardAPI', 'defaultMode'],
    ['projected', 'defaultMode'],
  ] as const) {
    const value = volume[source];
    if (typeof value === 'object' && value !== null) setIfMissing(value as Json, modeKey, DEFAULT_MODE);
  }
  const hostPath = volume['hostPath'];
  if (typeof hostPath === 'object' && hostPath !== null) setIfMissing(hostPath as Json, 'type', '');
  const downward = volume['downwardAPI'];
  if (typeof downward === 'object' && downward !== null) {
    for (const item of array((downward as Json)['items'])) {
      const fieldRef = item['fieldRef'];
      if (typeof fieldRef === 'object' && fieldRef !== null) setIfMissing(fieldRef as Json, 'apiVersion', 'v1');
    }
  }
  const iscsi = volume['iscsi'];
  if (typeof iscsi === 'object' && iscsi !== null) setIfMissing(iscsi as Json, 'iscsiInterface', 'default');
  const rbd = volume['rbd'];
  if (typeof rbd === 'object' && rbd !== null) {
    setIfMissing(rbd as Json, 'pool', 'rbd');
    setIfMissing(rbd as Json, 'user', 'admin');
    setIfMissing(rbd as Json, 'keyring', '/etc/ceph/keyring');
  }
}

/**
 * Defaults a PodSpec in place. `podLevel` is true for Pods themselves: a few
 * defaults (enableServiceLinks, requests from limits) apply only there.
 */
export function defaultPodSpec(spec: Json, podLevel: boolean): void {
  setIfMissing(spec, 'dnsPolicy', 'ClusterFirst');
  setIfMissing(spec, 'restartPolicy', 'Always');
  setIfMissing(spec, 'terminationGracePeriodSeconds', 30);
  setIfMissing(spec, 'schedulerName', 'default-scheduler');
  object(spec, 'securityContext');
  if (podLevel && spec['enableServiceLinks'] === undefined) spec['enableServiceLinks'] = true;
  for (const container of array(spec['containers'])) defaultContainer(container, podLevel);
  for (const container of array(spec['initContainers'])) defaultContainer(container, podLevel);
  for (const container of array(spec['ephemeralContainers'])) {
    setIfMissing(container, 'terminationMessagePath', '/dev/termination-log');
    setIfMissing(container, 'terminationMessagePolicy', 'File');
    setIfMissing(container, 'imagePullPolicy', defaultPullPolicy(container['image']));
  }
  for (const volume of array(spec['volumes'])) defaultVolume(volume);
  const hostNetwork = spec['hostNetwork'] === true;
  if (hostNetwork) {
    // Host-network pods get their container ports as host ports, as upstream defaults them.
    for (const container of [...array(spec['containers']), ...array(spec['initContainers'])]) {
      for (const port of array(container['ports'])) if (port['hostPort'] === undefined) port['hostPort'] = port['containerPort'];
    }
  }
}

/** A pod template's spec is defaulted like a pod's, but at template level. */
export function defaultPodTemplate(template: unknown): void {
  if (typeof template !== 'object' || template === null) return;
  const spec = object(template as Json, 'spec');
  embeddedMetadata(template);
  defaultPodSpec(spec, false);
}

/**
 * Embedded object metadata (pod templates, job templates, claim templates):
 * Go serializes its zero creationTimestamp as null, so a cluster returns
 * `creationTimestamp: null` there, and so do we.
 */
export function embeddedMetadata(holder: unknown): void {
  if (typeof holder !== 'object' || holder === null) return;
  const metadata = object(holder as Json, 'metadata');
  if (metadata['creationTimestamp'] === undefined) metadata['creationTimestamp'] = null;
}
