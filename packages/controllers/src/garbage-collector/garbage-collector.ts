import type { Logger } from 'pino';
import { ApiRequestError, type ApiClient, type ApiObject } from '../client/api-client.js';
import { collectionPath, Discovery, type DiscoveredResource } from '../client/discovery.js';
import { Controller, type ReconcileResult, type Reconciler } from '../runtime/controller.js';
import { Informer } from '../runtime/informer.js';
import { ObjectGraph, waitsForDependents, type GraphNode, type OwnerReference } from './object-graph.js';

const ORPHAN = 'orphan';
const FOREGROUND = 'foregroundDeletion';
/** How soon a dependent whose owner the graph does not know yet is looked at again. */
const RECHECK_MS = 1000;

/** Upstream's garbage collector ignores events: they are many, short-lived and never own anything. */
const IGNORED = new Set(['/events', 'events.k8s.io/events']);

export interface GarbageCollectorOptions {
  /**
   * How often served resources are looked up again (default 30 s, as
   * upstream's garbage collector resyncs). CRDs coming and going trigger a
   * look-up at once through a watch on them.
   */
  readonly rediscoverEveryMs?: number;
  readonly workers?: number;
}

function resourceId(resource: Pick<DiscoveredResource, 'group' | 'resource'>): string {
  return `${resource.group}/${resource.resource}`;
}

function objectPath(node: Pick<GraphNode, 'resource' | 'namespace' | 'name'>): string {
  const collection = collectionPath(node.resource, node.resource.namespaced ? node.namespace : undefined);
  return `${collection}/${encodeURIComponent(node.name)}`;
}

function groupOf(apiVersion: string): string {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? '' : apiVersion.slice(0, slash);
}

function ignoreGone(error: unknown): void {
  // 404: already gone; 409 on a delete: the uid precondition failed, so the object we meant is gone.
  if (error instanceof ApiRequestError && (error.notFound || error.conflict)) return;
  throw error;
}

/**
 * kube-controller-manager's garbage collector, level-triggered over a graph
 * of ownerReferences:
 * - a dependent whose owners are all gone is deleted (background cascading);
 * - an owner deleted with propagationPolicy=Foreground (finalizer
 *   "foregroundDeletion") has its dependents deleted first, and loses that
 *   finalizer once no dependent with blockOwnerDeletion is left;
 * - an owner deleted with propagationPolicy=Orphan (finalizer "orphan") has
 *   its ownerReference removed from every dependent, then loses the finalizer;
 * - a dependent that still has a live owner only loses its references to
 *   owners that are gone or going.
 * Every decision that deletes is checked against the live API first: the
 * graph, built from informers, may lag behind.
 */
export class GarbageCollectorReconciler implements Reconciler {
  constructor(
    private readonly client: ApiClient,
    private readonly graph: ObjectGraph,
    private readonly discovery: Discovery,
    private readonly logger: Logger,
  ) {}

  async reconcile(uid: string): Promise<ReconcileResult | void> {
    const node = this.graph.get(uid);
    if (node === undefined) return;
    if (node.deleting) {
      if (node.finalizers.includes(ORPHAN)) return this.orphanDependents(node);
      if (node.finalizers.includes(FOREGROUND)) return this.deleteDependentsFirst(node);
      return;
    }
    if (node.owners.length > 0 && (await this.checkDependent(node)) === 'recheck') {
      // An owner was confirmed by a live read only (its informer lags, or its kind is not watched
      // yet): upstream keeps a "virtual" node and verifies again. So do we, until the graph has it.
      return { requeueAfterMs: RECHECK_MS };
    }
  }

  private async orphanDependents(owner: GraphNode): Promise<void> {
    for (const dependent of this.graph.dependents(owner.uid)) {
      await this.removeOwnerReferences(dependent, new Set([owner.uid]));
    }
    await this.removeFinalizer(owner, ORPHAN);
    this.logger.debug({ owner: objectPath(owner) }, 'dependents orphaned');
  }

  private async deleteDependentsFirst(owner: GraphNode): Promise<ReconcileResult | void> {
    const dependents = this.graph.dependents(owner.uid);
    for (const dependent of dependents) {
      if (!dependent.deleting) await this.checkDependent(dependent);
    }
    const blocking = dependents.filter((dependent) => dependent.owners.some((ref) => ref.uid === owner.uid && ref.blockOwnerDeletion === true));
    if (blocking.length > 0) {
      // Their deletion events requeue the owner; the retry is a safety net.
      return { requeueAfterMs: 2000 };
    }
    await this.removeFinalizer(owner, FOREGROUND);
    this.logger.debug({ owner: objectPath(owner) }, 'dependents deleted; foreground deletion finishes');
  }

  /** attemptToDeleteItem: what to do with an object given the state of its owners. */
  private async checkDependent(dependent: GraphNode): Promise<'done' | 'recheck'> {
    const solid: OwnerReference[] = [];
    const gone: OwnerReference[] = [];
    const waiting: OwnerReference[] = [];
    for (const ref of dependent.owners) {
      const state = await this.ownerState(dependent, ref);
      if (state === 'solid') solid.push(ref);
      else if (state === 'waiting') waiting.push(ref);
      else gone.push(ref);
    }
    if (solid.length > 0) {
      if (gone.length + waiting.length > 0) await this.removeOwnerReferences(dependent, new Set([...gone, ...waiting].map((ref) => ref.uid)));
      return solid.some((ref) => this.graph.get(ref.uid) === undefined) ? 'recheck' : 'done';
    }
    const propagationPolicy = waiting.length > 0 && this.graph.dependents(dependent.uid).length > 0 ? 'Foreground' : 'Background';
    this.logger.debug({ object: objectPath(dependent), propagationPolicy }, 'owners gone: deleting the dependent');
    await this.client.delete(objectPath(dependent), { propagationPolicy, preconditions: { uid: dependent.uid } }).catch(ignoreGone);
    return 'done';
  }

  private async ownerState(dependent: GraphNode, ref: OwnerReference): Promise<'solid' | 'waiting' | 'gone'> {
    const known = this.graph.get(ref.uid);
    if (known !== undefined) return waitsForDependents(known) ? 'waiting' : 'solid';
    // Not in the graph: perhaps its informer has not caught up. Ask the API.
    const group = groupOf(ref.apiVersion);
    const resource = (await this.discovery.resources()).find((candidate) => candidate.group === group && candidate.kind === ref.kind);
    if (resource === undefined) {
      // A kind nobody serves (yet, or any more): upstream refuses to guess. Keep the object.
      this.logger.debug({ ref }, 'owner kind is not served; leaving the dependent alone');
      return 'solid';
    }
    try {
      const live = await this.client.get<ApiObject>(objectPath({ resource, namespace: dependent.namespace, name: ref.name }));
      if (live.metadata.uid !== ref.uid) return 'gone';
      return live.metadata.deletionTimestamp !== undefined && (live.metadata.finalizers ?? []).includes(FOREGROUND) ? 'waiting' : 'solid';
    } catch (error) {
      if (error instanceof ApiRequestError && error.notFound) return 'gone';
      throw error;
    }
  }

  /** The object as the API has it now, if it is still the same object (same uid). */
  private async readLive(node: GraphNode): Promise<ApiObject | undefined> {
    try {
      const live = await this.client.get<ApiObject>(objectPath(node));
      return live.metadata.uid === node.uid ? live : undefined;
    } catch (error) {
      ignoreGone(error);
      return undefined;
    }
  }

  private async removeOwnerReferences(dependent: GraphNode, ownerUids: ReadonlySet<string>): Promise<void> {
    const path = objectPath(dependent);
    const live = await this.readLive(dependent);
    if (live === undefined) return;
    const references = live.metadata.ownerReferences ?? [];
    const kept = references.filter((ref) => !ownerUids.has(ref.uid));
    if (kept.length === references.length) return;
    // A merge patch replaces the whole list; the resourceVersion makes it a compare-and-swap.
    await this.client
      .patch(path, { metadata: { ownerReferences: kept.length > 0 ? kept : null, resourceVersion: live.metadata.resourceVersion } })
      .catch((error: unknown) => {
        if (error instanceof ApiRequestError && error.notFound) return;
        throw error;
      });
  }

  private async removeFinalizer(node: GraphNode, finalizer: string): Promise<void> {
    const path = objectPath(node);
    const live = await this.readLive(node);
    const finalizers = live?.metadata.finalizers ?? [];
    if (live === undefined || !finalizers.includes(finalizer)) return;
    const rest = finalizers.filter((entry) => entry !== finalizer);
    await this.client.patch(path, { metadata: { finalizers: rest.length > 0 ? rest : null, resourceVersion: live.metadata.resourceVersion } }).catch((error: unknown) => {
      if (error instanceof ApiRequestError && error.notFound) return;
      throw error;
    });
  }
}

/**
 * The garbage collector: an informer per served resource (found through
 * discovery, again every few seconds so CRDs are followed) feeds the
 * ownership graph; changes that matter enqueue the objects concerned.
 */
export class GarbageCollector {
  private readonly graph = new ObjectGraph();
  private readonly discovery: Discovery;
  private readonly controller: Controller;
  private readonly informers = new Map<string, { resource: DiscoveredResource; informer: Informer }>();
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private syncing: Promise<void> | undefined;
  private readonly crds: Informer;
  private discovering = false;
  private rediscoverAgain = false;

  constructor(
    private readonly client: ApiClient,
    private readonly logger: Logger,
    private readonly options: GarbageCollectorOptions = {},
  ) {
    this.discovery = new Discovery(client, 0);
    this.controller = new Controller(new GarbageCollectorReconciler(client, this.graph, new Discovery(client, 2000), logger), {
      name: 'garbage-collector',
      workers: options.workers ?? 2,
      logger,
    });
    this.crds = new Informer(client, { path: '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', logger, metadataOnly: true });
  }

  start(): void {
    this.controller.start();
    // A CRD's resources appear in discovery once it is established, so every change is a reason to look again.
    this.crds.on(() => this.rediscoverSoon(100));
    this.crds.start();
    this.rediscoverSoon(0);
  }

  /** Runs discovery after `delayMs`, then every rediscoverEveryMs; a request during a run reruns it right after. */
  private rediscoverSoon(delayMs: number): void {
    if (this.stopped) return;
    if (this.discovering) {
      this.rediscoverAgain = true;
      return;
    }
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.rediscover(), delayMs).unref();
  }

  private rediscover(): void {
    this.discovering = true;
    this.rediscoverAgain = false;
    this.syncing = this.syncInformers()
      .catch((error: unknown) => this.logger.debug({ err: error }, 'garbage collector discovery failed; retrying'))
      .finally(() => {
        this.discovering = false;
        if (!this.stopped) this.timer = setTimeout(() => this.rediscover(), this.rediscoverAgain ? 100 : (this.options.rediscoverEveryMs ?? 30_000)).unref();
      });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.crds.stop();
    await this.syncing;
    await Promise.all([...this.informers.values()].map(({ informer }) => informer.stop()));
    await this.controller.stop();
  }

  /** Starts informers for resources that appeared, stops those of resources that went away. */
  private async syncInformers(): Promise<void> {
    const served = (await this.discovery.resources()).filter(
      (resource) => ['list', 'watch', 'delete'].every((verb) => resource.verbs.includes(verb)) && !IGNORED.has(resourceId(resource)),
    );
    const servedIds = new Set(served.map(resourceId));
    for (const [id, { resource, informer }] of this.informers) {
      if (servedIds.has(id)) continue;
      this.informers.delete(id);
      await informer.stop();
      for (const node of this.graph.removeResource(resource)) this.enqueueDependents(node.uid);
    }
    for (const resource of served) {
      const id = resourceId(resource);
      if (this.informers.has(id) || this.stopped) continue;
      const informer = new Informer(this.client, { path: collectionPath(resource), logger: this.logger, metadataOnly: true });
      informer.on((event, object) => this.observe(resource, event, object));
      this.informers.set(id, { resource, informer });
      informer.start();
    }
  }

  private observe(resource: DiscoveredResource, event: 'add' | 'update' | 'delete', object: ApiObject): void {
    const uid = object.metadata.uid;
    if (uid === undefined) return;
    if (event === 'delete') {
      const removed = this.graph.remove(uid);
      this.enqueueDependents(uid);
      // An owner deleting in the foreground may have been waiting for this one.
      for (const ref of removed?.owners ?? []) {
        const owner = this.graph.get(ref.uid);
        if (owner !== undefined && waitsForDependents(owner)) this.controller.enqueue(owner.uid);
      }
      return;
    }
    const previous = this.graph.upsert(resource, object);
    const node = this.graph.get(uid)!;
    const ownersChanged = previous === undefined || JSON.stringify(previous.owners) !== JSON.stringify(node.owners);
    if (node.owners.length > 0 && ownersChanged) this.controller.enqueue(uid);
    if (node.deleting && (node.finalizers.includes(ORPHAN) || node.finalizers.includes(FOREGROUND))) this.controller.enqueue(uid);
    if (waitsForDependents(node) && (previous === undefined || !waitsForDependents(previous))) this.enqueueDependents(uid);
  }

  private enqueueDependents(ownerUid: string): void {
    for (const dependent of this.graph.dependents(ownerUid)) this.controller.enqueue(dependent.uid);
  }
}

/** The garbage collector as a startable controller. */
export function garbageCollector(client: ApiClient, logger: Logger, options?: GarbageCollectorOptions): { start(): void; stop(): Promise<void> } {
  return new GarbageCollector(client, logger.child({ controller: 'garbage-collector' }), options);
}
