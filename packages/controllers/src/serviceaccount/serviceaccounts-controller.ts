import type { Logger } from 'pino';
import { ApiRequestError, type ApiClient, type ApiObject } from '../client/api-client.js';
import { Controller, withInformers, type ReconcileResult, type Reconciler, type RunningController } from '../runtime/controller.js';
import { Informer } from '../runtime/informer.js';

const DEFAULT_ACCOUNT = 'default';

function active(namespace: ApiObject | undefined): boolean {
  return namespace !== undefined && namespace.metadata.deletionTimestamp === undefined && (namespace as { status?: { phase?: string } }).status?.phase !== 'Terminating';
}

/**
 * Upstream's serviceaccounts controller: every active namespace has a
 * `default` ServiceAccount, made again if someone deletes it, so that pods
 * always have an identity to run as.
 */
export class ServiceAccountsReconciler implements Reconciler {
  constructor(
    private readonly client: ApiClient,
    private readonly namespaces: Informer,
    private readonly accounts: Informer,
    private readonly logger: Logger,
  ) {}

  async reconcile(namespace: string): Promise<ReconcileResult | void> {
    if (!active(this.namespaces.get(namespace))) return;
    if (this.accounts.get(`${namespace}/${DEFAULT_ACCOUNT}`) !== undefined) return;
    try {
      await this.client.post(`/api/v1/namespaces/${encodeURIComponent(namespace)}/serviceaccounts`, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: DEFAULT_ACCOUNT } });
      this.logger.debug({ namespace }, 'created the default service account');
    } catch (error) {
      // Already there (the informer lags), or the namespace began terminating meanwhile.
      if (error instanceof ApiRequestError && (error.code === 409 || error.code === 403 || error.notFound)) return;
      throw error;
    }
  }
}

/**
 * `informerClient` lists and watches (upstream's shared informers run as the
 * controller manager itself); `client` writes, as the controller's own account.
 */
export function serviceAccountsController(client: ApiClient, logger: Logger, informerClient: ApiClient = client): RunningController {
  const controllerLogger = logger.child({ controller: 'serviceaccount' });
  const namespaces = new Informer(informerClient, { path: '/api/v1/namespaces', logger: controllerLogger, metadataOnly: true });
  const accounts = new Informer(informerClient, { path: '/api/v1/serviceaccounts', logger: controllerLogger, metadataOnly: true });
  const controller = new Controller(new ServiceAccountsReconciler(client, namespaces, accounts, controllerLogger), { name: 'serviceaccount', workers: 1, logger: controllerLogger });
  namespaces.on((_event, namespace) => controller.enqueue(namespace.metadata.name ?? ''));
  accounts.on((event, account) => {
    if (event === 'delete' && account.metadata.name === DEFAULT_ACCOUNT) controller.enqueue(account.metadata.namespace ?? '');
  });
  return withInformers(controller, [namespaces, accounts]);
}
