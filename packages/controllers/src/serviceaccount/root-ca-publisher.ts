import type { Logger } from 'pino';
import { ApiRequestError, type ApiClient, type ApiObject } from '../client/api-client.js';
import { Controller, withInformers, type ReconcileResult, type Reconciler, type RunningController } from '../runtime/controller.js';
import { Informer } from '../runtime/informer.js';

export const ROOT_CA_CONFIGMAP = 'kube-root-ca.crt';
/** Upstream marks the ConfigMap as the kube-apiserver's CA bundle for its serving certificate. */
const DESCRIPTION = 'kubernetes.io/description';
const DESCRIPTION_TEXT = 'Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes clusters.';

/**
 * Upstream's root-ca-cert-publisher: every active namespace has the
 * ConfigMap kube-root-ca.crt whose `ca.crt` is the CA that signs the API's
 * serving certificate (what pods mount to trust the API), put back as it
 * should be whenever it is changed or deleted.
 */
export class RootCaPublisherReconciler implements Reconciler {
  constructor(
    private readonly client: ApiClient,
    private readonly caPem: string,
    private readonly namespaces: Informer,
    private readonly configMaps: Informer,
    private readonly logger: Logger,
  ) {}

  async reconcile(namespace: string): Promise<ReconcileResult | void> {
    const ns = this.namespaces.get(namespace);
    if (ns === undefined || ns.metadata.deletionTimestamp !== undefined) return;
    const path = `/api/v1/namespaces/${encodeURIComponent(namespace)}/configmaps`;
    const current = this.configMaps.get(`${namespace}/${ROOT_CA_CONFIGMAP}`) as (ApiObject & { data?: Record<string, string> }) | undefined;
    const desired = { 'ca.crt': this.caPem };
    try {
      if (current === undefined) {
        await this.client.post(path, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: ROOT_CA_CONFIGMAP, annotations: { [DESCRIPTION]: DESCRIPTION_TEXT } }, data: desired });
        this.logger.debug({ namespace }, 'published the root CA');
        return;
      }
      if (current.data?.['ca.crt'] === this.caPem && Object.keys(current.data).length === 1) return;
      await this.client.put(`${path}/${ROOT_CA_CONFIGMAP}`, { ...current, data: desired });
    } catch (error) {
      if (error instanceof ApiRequestError && (error.code === 409 || error.code === 403 || error.notFound)) return { requeueAfterMs: 100 };
      throw error;
    }
  }
}

/**
 * `informerClient` lists and watches (upstream's shared informers run as the
 * controller manager itself); `client` writes, as the controller's own account.
 */
export function rootCaPublisher(client: ApiClient, caPem: string, logger: Logger, informerClient: ApiClient = client): RunningController {
  const controllerLogger = logger.child({ controller: 'root-ca-cert-publisher' });
  const namespaces = new Informer(informerClient, { path: '/api/v1/namespaces', logger: controllerLogger, metadataOnly: true });
  const configMaps = new Informer(informerClient, { path: '/api/v1/configmaps', logger: controllerLogger, query: { fieldSelector: `metadata.name=${ROOT_CA_CONFIGMAP}` } });
  const controller = new Controller(new RootCaPublisherReconciler(client, caPem, namespaces, configMaps, controllerLogger), { name: 'root-ca-cert-publisher', workers: 1, logger: controllerLogger });
  namespaces.on((_event, namespace) => controller.enqueue(namespace.metadata.name ?? ''));
  configMaps.on((_event, configMap) => controller.enqueue(configMap.metadata.namespace ?? ''));
  return withInformers(controller, [namespaces, configMaps]);
}
