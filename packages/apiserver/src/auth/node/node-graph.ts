import type { KubeObject } from '../../resources/types.js';
import type { PolicyObjects } from '../rbac/policy-index.js';

type Json = Record<string, unknown>;

/** What the pods bound to one node use, each as `namespace/name`. */
export interface NodeReferences {
  readonly secrets: Set<string>;
  readonly configmaps: Set<string>;
  readonly persistentvolumeclaims: Set<string>;
  readonly serviceaccounts: Set<string>;
  readonly pods: Set<string>;
}

const list = (value: unknown): Json[] => (Array.isArray(value) ? (value as Json[]) : []);
const text = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);

function emptyReferences(): NodeReferences {
  return { secrets: new Set(), configmaps: new Set(), persistentvolumeclaims: new Set(), serviceaccounts: new Set(), pods: new Set() };
}

/** Adds what one pod references (upstream's graph_populator: volumes, env, envFrom, image pull secrets, its service account). */
function addPod(references: NodeReferences, pod: KubeObject): void {
  const namespace = pod.metadata.namespace ?? '';
  const spec = (pod['spec'] ?? {}) as Json;
  const add = (set: Set<string>, name: string | undefined): void => {
    if (name !== undefined) set.add(`${namespace}/${name}`);
  };
  references.pods.add(`${namespace}/${pod.metadata.name ?? ''}`);
  add(references.serviceaccounts, text(spec['serviceAccountName']) ?? 'default');
  for (const secret of list(spec['imagePullSecrets'])) add(references.secrets, text(secret['name']));
  for (const volume of list(spec['volumes'])) {
    add(references.secrets, text((volume['secret'] as Json | undefined)?.['secretName']));
    add(references.configmaps, text((volume['configMap'] as Json | undefined)?.['name']));
    add(references.persistentvolumeclaims, text((volume['persistentVolumeClaim'] as Json | undefined)?.['claimName']));
    // A generic ephemeral volume's claim is named after the pod and the volume.
    if (volume['ephemeral'] !== undefined) add(references.persistentvolumeclaims, `${pod.metadata.name ?? ''}-${String(volume['name'] ?? '')}`);
    for (const source of list((volume['projected'] as Json | undefined)?.['sources'])) {
      add(references.secrets, text((source['secret'] as Json | undefined)?.['name']));
      add(references.configmaps, text((source['configMap'] as Json | undefined)?.['name']));
    }
  }
  for (const container of [...list(spec['initContainers']), ...list(spec['containers']), ...list(spec['ephemeralContainers'])]) {
    for (const env of list(container['env'])) {
      const from = (env['valueFrom'] ?? {}) as Json;
      add(references.secrets, text((from['secretKeyRef'] as Json | undefined)?.['name']));
      add(references.configmaps, text((from['configMapKeyRef'] as Json | undefined)?.['name']));
    }
    for (const source of list(container['envFrom'])) {
      add(references.secrets, text((source['secretRef'] as Json | undefined)?.['name']));
      add(references.configmaps, text((source['configMapRef'] as Json | undefined)?.['name']));
    }
  }
}

/**
 * Upstream's node authorizer graph, as an index: for each node, what the
 * pods bound to it reference. Rebuilt from the pods' watch cache when it
 * has changed since the last look.
 */
export class NodeGraph {
  private stamp = -1;
  private byNode = new Map<string, NodeReferences>();

  constructor(private readonly pods: PolicyObjects) {}

  referencesOf(node: string): NodeReferences {
    if (this.stamp !== this.pods.changes) {
      const byNode = new Map<string, NodeReferences>();
      for (const pod of this.pods.snapshot().objects) {
        const nodeName = text(((pod['spec'] ?? {}) as Json)['nodeName']);
        if (nodeName === undefined) continue;
        const references = byNode.get(nodeName) ?? emptyReferences();
        addPod(references, pod);
        byNode.set(nodeName, references);
      }
      this.byNode = byNode;
      this.stamp = this.pods.changes;
    }
    return this.byNode.get(node) ?? emptyReferences();
  }
}
