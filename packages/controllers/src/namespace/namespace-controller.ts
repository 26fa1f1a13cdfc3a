import type { Logger } from 'pino';
import { ApiRequestError, type ApiClient, type ApiObject } from '../client/api-client.js';
import { collectionPath, Discovery } from '../client/discovery.js';
import { Controller, withInformers, type ReconcileResult, type Reconciler, type RunningController } from '../runtime/controller.js';
import { Informer } from '../runtime/informer.js';

const FINALIZER = 'kubernetes';

interface NamespaceObject extends ApiObject {
  spec?: { finalizers?: string[] };
  status?: { phase?: string; conditions?: unknown[] };
}

/**
 * The namespace controller (kube-controller-manager's): when a namespace is
 * terminating, delete everything in it, and once it is empty remove the
 * "kubernetes" finalizer through /finalize so the API server can delete it.
 */
export class NamespaceReconciler implements Reconciler {
  private readonly discovery: Discovery;

  constructor(
    private readonly client: ApiClient,
    private readonly logger: Logger,
  ) {
    this.discovery = new Discovery(client);
  }

  async reconcile(name: string): Promise<ReconcileResult | void> {
    let namespace: NamespaceObject;
    try {
      namespace = await this.client.get<NamespaceObject>(`/api/v1/namespaces/${encodeURIComponent(name)}`);
    } catch (error) {
      if (error instanceof ApiRequestError && error.notFound) return;
      throw error;
    }
    if (namespace.metadata.deletionTimestamp === undefined) return;
    const finalizers = namespace.spec?.finalizers ?? [];
    if (!finalizers.includes(FINALIZER)) return;

    const remaining = await this.deleteContent(name);
    if (remaining.length > 0) {
      this.logger.debug({ namespace: name, remaining }, 'namespace content remains');
      return { requeueAfterMs: 1000 };
    }
    try {
      await this.client.put(`/api/v1/namespaces/${encodeURIComponent(name)}/finalize`, {
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: { name, resourceVersion: namespace.metadata.resourceVersion },
        spec: { finalizers: finalizers.filter((finalizer) => finalizer !== FINALIZER) },
      });
      this.logger.info({ namespace: name }, 'namespace emptied and finalized');
    } catch (error) {
      // Changed meanwhile: the next reconcile reads it again.
      if (error instanceof ApiRequestError && (error.conflict || error.notFound)) return { requeueAfterMs: 50 };
      throw error;
    }
  }

  /** Deletes every namespaced object in the namespace; returns the resources that still have objects. */
  private async deleteContent(namespace: string): Promise<string[]> {
    const resources = (await this.discovery.resources()).filter((resource) => resource.namespaced && resource.verbs.includes('list') && resource.verbs.includes('delete'));
    const remaining: string[] = [];
    for (const resource of resources) {
      const path = collectionPath(resource, namespace);
      try {
        if (resource.verbs.includes('deletecollection')) {
          await this.client.delete(path, { propagationPolicy: 'Background' });
        } else {
          const list = await this.client.list(path);
          for (const item of list.items) {
            await this.client.delete(`${path}/${encodeURIComponent(item.metadata.name ?? '')}`).catch((error: unknown) => {
              if (!(error instanceof ApiRequestError && error.notFound)) throw error;
            });
          }
        }
        const left = await this.client.list(path, { limit: '1' });
        if (left.items.length > 0) remaining.push(resource.group === '' ? resource.resource : `${resource.resource}.${resource.group}`);
      } catch (error) {
        if (error instanceof ApiRequestError && (error.notFound || error.code === 405)) continue;
        throw error;
      }
    }
    if (remaining.length > 0) this.discovery.invalidate();
    return remaining;
  }
}

/** Watches namespaces and reconciles the ones being deleted. */
export function namespaceController(client: ApiClient, logger: Logger): RunningController {
  const controllerLogger = logger.child({ controller: 'namespace' });
  const controller = new Controller(new NamespaceReconciler(client, controllerLogger), { name: 'namespace', workers: 2, logger: controllerLogger });
  const informer = new Informer(client, { path: '/api/v1/namespaces', logger: controllerLogger });
  informer.on((_event, object) => {
    if (object.metadata.deletionTimestamp !== undefined) controller.enqueue(object.metadata.name ?? '');
  });
  return withInformers(controller, [informer]);
}
