/**
 * The ServiceAccount admission plugin (plugin/pkg/admission/serviceaccount):
 * a pod runs as `default` unless it names an account; the account must
 * exist; and unless the pod or its account opt out, every container gets the
 * account's token, the cluster CA and the namespace through a projected
 * volume at /var/run/secrets/kubernetes.io/serviceaccount, the token
 * rotated by kubelet (bound to the pod, an hour plus seven seconds).
 */
import { randomInt } from 'node:crypto';
import { forbidden } from '../../errors/status.js';
import type { KubeObject } from '../../resources/types.js';
import type { ObjectReader } from '../../auth/object-reader.js';
import type { AdmissionPlugin } from '../types.js';

type Json = Record<string, unknown>;

const MOUNT_PATH = '/var/run/secrets/kubernetes.io/serviceaccount';
const ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';
const MIRROR_ANNOTATION = 'kubernetes.io/config.mirror';

export interface ServiceAccountAdmissionOptions {
  /**
   * Refuse pods whose account does not exist (upstream). lk's bare API
   * server has no controller making `default` accounts, so it is off there
   * and on in createServer, which runs one.
   */
  readonly requireAccounts: boolean;
  /** How long to wait for a namespace's `default` account to appear (the controller is racing a pod). */
  readonly defaultAccountWaitMs?: number;
}

function projectedVolume(name: string): Json {
  return {
    name,
    projected: {
      defaultMode: 420,
      sources: [
        { serviceAccountToken: { expirationSeconds: 3607, path: 'token' } },
        { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
        { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
      ],
    },
  };
}

const list = (value: unknown): Json[] => (Array.isArray(value) ? (value as Json[]) : []);

export function serviceAccountPlugin(accounts: ObjectReader, options: ServiceAccountAdmissionOptions): AdmissionPlugin {
  const find = async (namespace: string, name: string): Promise<KubeObject | undefined> => {
    // Only worth waiting for when its absence refuses the pod.
    const deadline = Date.now() + (name === 'default' && options.requireAccounts ? (options.defaultAccountWaitMs ?? 2000) : 0);
    for (;;) {
      const account = await accounts(namespace, name);
      if (account !== undefined || Date.now() >= deadline) return account;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };
  return {
    name: 'ServiceAccount',
    async mutate(request) {
      const { definition, object } = request;
      if (definition.group !== '' || definition.plural !== 'pods' || request.operation !== 'CREATE' || request.subresource !== '' || object === undefined) return;
      // Mirror pods come from a kubelet's static manifests and may not use the API's credentials.
      if (object.metadata.annotations?.[MIRROR_ANNOTATION] !== undefined) return;
      const spec = (object['spec'] ??= {}) as Json;
      const accountName = typeof spec['serviceAccountName'] === 'string' && spec['serviceAccountName'] !== '' ? (spec['serviceAccountName'] as string) : 'default';
      spec['serviceAccountName'] = accountName;
      const account = await find(request.namespace, accountName);
      if (account === undefined) {
        if (!options.requireAccounts) return;
        throw forbidden({ group: '', resource: 'pods' }, request.name, `error looking up service account ${request.namespace}/${accountName}: serviceaccount "${accountName}" not found`);
      }
      const automount = spec['automountServiceAccountToken'] ?? account['automountServiceAccountToken'] ?? true;
      if (automount === false) return;
      const containers = [...list(spec['initContainers']), ...list(spec['containers']), ...list(spec['ephemeralContainers'])];
      const mounted = containers.some((container) => list(container['volumeMounts']).some((mount) => mount['mountPath'] === MOUNT_PATH));
      if (mounted) return;
      const volumes = list(spec['volumes']);
      let name: string;
      do name = `kube-api-access-${Array.from({ length: 5 }, () => ALPHABET[randomInt(ALPHABET.length)]).join('')}`;
      while (volumes.some((volume) => volume['name'] === name));
      spec['volumes'] = [...volumes, projectedVolume(name)];
      for (const container of [...list(spec['initContainers']), ...list(spec['containers'])]) {
        container['volumeMounts'] = [...list(container['volumeMounts']), { name, readOnly: true, mountPath: MOUNT_PATH }];
      }
    },
  };
}
