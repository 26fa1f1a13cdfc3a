import type { Logger } from 'pino';
import { ApiError } from '../errors/status.js';
import { resourcePrefix } from '../registry/object-codec.js';
import { deepEqual } from '../registry/object-diff.js';
import type { ResourceStore } from '../registry/store.js';
import type { KubeObject, ResourceDefinition } from '../resources/types.js';
import type { ApiServer } from '../server/api-server.js';
import type { WatchCache } from '../watch/watch-cache.js';
import { approvalCondition } from './approval.js';
import { decideNames } from './naming.js';
import type { CustomResourceServing } from './serving.js';
import {
  asCrd,
  CLEANUP_FINALIZER,
  conditionsEquivalent,
  CRD_GROUP,
  CRD_PLURAL,
  CRD_VERSION,
  findCondition,
  isConditionTrue,
  setCondition,
  type CrdCondition,
  type CrdNames,
  type CustomResourceDefinition,
} from './types.js';

const MAX_BACKOFF_MS = 30_000;
/** How often a terminating CRD checks again for custom resources that wait on their own finalizers. */
const INSTANCE_RECHECK_MS = 1000;
const CONFLICT_RETRY_MS = 50;

/**
 * The in-process controllers of apiextensions-apiserver, as one level-triggered
 * loop over CRD names: naming (acceptedNames, NamesAccepted), establishing
 * (Established), the cleanup finalizer (deleting every custom resource of a
 * CRD being deleted) and serving (registering the CRD's versions). It watches
 * CRDs through the server's watch cache and writes their status through the
 * CRD store, as upstream's controllers do through the API.
 */
export class CrdController {
  private readonly queue = new Set<string>();
  private readonly failures = new Map<string, number>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly written = new Map<string, CustomResourceDefinition>();
  private cache: WatchCache | undefined;
  private stopWatch: (() => void) | undefined;
  private running = false;
  private stopped = false;
  private idle: Promise<void> = Promise.resolve();
  private synced = false;

  constructor(
    private readonly server: ApiServer,
    private readonly serving: CustomResourceServing,
    private readonly logger: Logger,
  ) {}

  private get definition(): ResourceDefinition {
    const resource = this.server.registry.find(CRD_GROUP, CRD_VERSION, CRD_PLURAL);
    if (resource === undefined) throw new Error('customresourcedefinitions.apiextensions.k8s.io is not registered');
    return resource.definition;
  }

  private get store(): ResourceStore {
    return this.server.store(CRD_GROUP, CRD_VERSION, CRD_PLURAL);
  }

  private get prefix(): string {
    return resourcePrefix(this.definition);
  }

  /** True once the CRDs that existed at start are served (upstream's crd-informer-synced). */
  get hasSynced(): boolean {
    return this.synced;
  }

  /**
   * Serves every established CRD in the datastore, then starts watching; the
   * server can report ready once this resolves.
   */
  async start(): Promise<void> {
    const cache = await this.server.cacheFor(this.definition);
    this.cache = cache;
    for (const object of cache.snapshot(this.prefix).objects) this.serving.serve(asCrd(object));
    this.watch();
    this.synced = true;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.stopWatch?.();
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    this.queue.clear();
    await this.idle;
  }

  /** Resolves when the queue is empty and nothing is being reconciled (for tests and shutdown). */
  async settled(): Promise<void> {
    while (this.running || this.queue.size > 0) await this.idle;
  }

  private watch(): void {
    const cache = this.cache!;
    this.stopWatch = cache.watch(
      { afterRevision: undefined, matches: () => true, keyPrefix: this.prefix, bookmarks: false },
      (message) => {
        if (message.kind !== 'event') return;
        const crd = asCrd(message.object);
        this.enqueue(crd.metadata.name ?? '');
        // A deleted CRD frees its names: CRDs of the group waiting on them may now be accepted.
        if (message.type === 'DELETED') this.enqueueGroup(crd.spec?.group ?? '', crd.metadata.name ?? '');
      },
      () => {
        // Closed: the server is stopping, or the cache relisted after compaction and we must rewatch.
        if (this.stopped) return;
        const timer = setTimeout(() => {
          this.timers.delete(timer);
          if (!this.stopped) this.watch();
        }, 100);
        this.timers.add(timer);
      },
      () => 0,
    );
  }

  private enqueue(name: string, delayMs = 0): void {
    if (this.stopped || name === '') return;
    if (delayMs > 0) {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        this.enqueue(name);
      }, delayMs);
      timer.unref();
      this.timers.add(timer);
      return;
    }
    this.queue.add(name);
    if (!this.running) this.idle = this.drain();
  }

  private enqueueGroup(group: string, except: string): void {
    for (const other of this.all()) if (other.spec?.group === group && other.metadata.name !== except) this.enqueue(other.metadata.name ?? '');
  }

  /**
   * Every CRD, with this controller's own latest writes laid over the cache
   * (which may not have seen them yet), as upstream's mutation cache does:
   * two CRDs named in quick succession must not both take the same names.
   */
  private all(): CustomResourceDefinition[] {
    return (this.cache?.snapshot(this.prefix).objects ?? []).map((object) => {
      const written = this.written.get(object.metadata.name ?? '');
      if (written === undefined) return asCrd(object);
      if (Number(written.metadata.resourceVersion) <= Number(object.metadata.resourceVersion)) {
        this.written.delete(object.metadata.name ?? '');
        return asCrd(object);
      }
      return written;
    });
  }

  private async drain(): Promise<void> {
    this.running = true;
    try {
      while (!this.stopped && this.queue.size > 0) {
        const name = this.queue.values().next().value as string;
        this.queue.delete(name);
        try {
          await this.reconcile(name);
          this.failures.delete(name);
        } catch (error) {
          const attempts = (this.failures.get(name) ?? 0) + 1;
          this.failures.set(name, attempts);
          const delay = Math.min(MAX_BACKOFF_MS, 100 * 2 ** attempts);
          this.logger.warn({ err: error, crd: name, retryInMs: delay }, 'custom resource definition reconcile failed');
          this.enqueue(name, delay);
        }
      }
    } finally {
      this.running = false;
    }
  }

  private current(name: string): CustomResourceDefinition | undefined {
    const object = this.cache?.get(`${this.prefix}${name}`);
    return object === undefined ? undefined : asCrd(structuredClone(object));
  }

  private async reconcile(name: string): Promise<void> {
    const crd = this.current(name);
    if (crd === undefined) {
      this.written.delete(name);
      this.serving.unserve(name);
      return;
    }
    if (crd.metadata.deletionTimestamp !== undefined && (crd.metadata.finalizers ?? []).includes(CLEANUP_FINALIZER)) {
      // While its custom resources are deleted the CRD stays served (reads and deletes still work).
      this.serving.serve(crd);
      await this.finalize(crd);
      return;
    }
    if (!deepEqual(normalizedNames(crd.spec?.names), normalizedNames(crd.status?.acceptedNames))) {
      if (await this.name(crd)) return;
    }
    const approval = approvalCondition(crd);
    if (approval !== undefined && !conditionsEquivalent(approval, findCondition(crd, approval.type))) {
      await this.writeStatus(crd, (next, now) => setCondition(next, approval, now));
      return;
    }
    if (isConditionTrue(crd, 'NamesAccepted') && !isConditionTrue(crd, 'Established')) {
      const established = structuredClone(crd);
      setCondition(established, { type: 'Established', status: 'True', reason: 'InitialNamesAccepted', message: 'the initial names have been accepted' }, new Date());
      // Serve first, so that a client that sees Established can use the resource at once.
      this.serving.serve(established);
      // Lost a race (the cache was behind): look again shortly, when the newer CRD has arrived.
      if (!(await this.writeStatus(crd, (next) => (next.status = established.status)))) this.enqueue(name, CONFLICT_RETRY_MS);
      return;
    }
    this.serving.serve(crd);
  }

  /** Upstream's naming controller; returns true when it wrote a new status (the write's event continues the work). */
  private async name(crd: CustomResourceDefinition): Promise<boolean> {
    const decision = decideNames(crd, this.all());
    if (deepEqual(crd.status?.acceptedNames, decision.acceptedNames) && conditionsEquivalent(decision.namesAccepted, findCondition(crd, 'NamesAccepted'))) return false;
    const written = await this.writeStatus(crd, (next, now) => {
      (next.status ??= {}).acceptedNames = decision.acceptedNames;
      setCondition(next, decision.namesAccepted, now);
      setCondition(next, decision.established, now);
    });
    if (written) this.enqueueGroup(crd.spec?.group ?? '', crd.metadata.name ?? '');
    return written;
  }

  /** Upstream's CRD finalizer: delete every custom resource, then let the CRD go. */
  private async finalize(crd: CustomResourceDefinition): Promise<void> {
    const inProgress: CrdCondition = { type: 'Terminating', status: 'True', reason: 'InstanceDeletionInProgress', message: 'CustomResource deletion is in progress' };
    if (!conditionsEquivalent(findCondition(crd, 'Terminating'), inProgress)) {
      await this.writeStatus(crd, (next, now) => setCondition(next, inProgress, now));
      return;
    }
    let outcome: CrdCondition;
    if (isConditionTrue(crd, 'Established')) {
      const remaining = await this.deleteInstances(crd);
      if (remaining > 0) {
        // Custom resources with finalizers of their own: wait for whoever removes them.
        this.enqueue(crd.metadata.name ?? '', INSTANCE_RECHECK_MS);
        return;
      }
      outcome = { type: 'Terminating', status: 'False', reason: 'InstanceDeletionCompleted', message: 'removed all instances' };
    } else {
      outcome = { type: 'Terminating', status: 'False', reason: 'NeverEstablished', message: 'resource was never established' };
    }
    if (!(await this.writeStatus(crd, (next, now) => setCondition(next, outcome, now)))) return;
    let othersLeft = true;
    const released = await this.ignoreConflicts(
      this.store.update(
        '',
        crd.metadata.name ?? '',
        (current) => {
          if (current === undefined) throw new Error('gone');
          current.metadata.finalizers = (current.metadata.finalizers ?? []).filter((finalizer) => finalizer !== CLEANUP_FINALIZER);
          othersLeft = current.metadata.finalizers.length > 0;
          if (!othersLeft) delete current.metadata.finalizers;
          return current;
        },
        { dryRun: false },
      ),
    );
    // With no finalizer left the CRD is gone: stop serving now rather than when the event arrives.
    if (released && !othersLeft) this.serving.unserve(crd.metadata.name ?? '');
    this.logger.debug({ crd: crd.metadata.name }, 'custom resources removed; finalizer released');
  }

  /** Deletes the CRD's custom resources; returns how many are still there (waiting on their finalizers). */
  private async deleteInstances(crd: CustomResourceDefinition): Promise<number> {
    const group = crd.spec?.group ?? '';
    const plural = crd.status?.acceptedNames?.plural ?? crd.spec?.names?.plural ?? '';
    const definition = this.serving.definitionsOf(crd.metadata.name ?? '')[0];
    if (definition !== undefined) {
      const store = this.server.store(definition.group, definition.version, definition.plural);
      const { items } = await store.list({ namespace: '', matches: () => true, filtered: false });
      for (const item of items) {
        if (item.metadata.deletionTimestamp !== undefined) continue;
        await ignoreMissing(store.delete(item.metadata.namespace ?? '', item.metadata.name ?? '', { dryRun: false }));
      }
      return (await store.list({ namespace: '', matches: () => true, filtered: false })).items.length;
    }
    // No served version (so no store): remove what is stored under the CRD's key prefix directly.
    const backend = this.server.backend;
    const prefix = `/registry/${group}/${plural}/`;
    const { kvs } = await backend.list({ prefix, startKey: prefix });
    for (const kv of kvs) await backend.delete(kv.key, { expectedRevision: kv.modRevision }).catch(() => undefined);
    return 0;
  }

  /**
   * Writes a CRD's status through the status subresource, against the
   * resourceVersion it was read at; a conflict or a vanished CRD is fine
   * (the watch brings the newer state). Returns whether it wrote.
   */
  private async writeStatus(crd: CustomResourceDefinition, change: (next: CustomResourceDefinition, now: Date) => void): Promise<boolean> {
    const next = structuredClone(crd);
    change(next, new Date());
    if (deepEqual(next.status, crd.status)) return false;
    let result: KubeObject | undefined;
    const wrote = await this.ignoreConflicts(
      this.store.update('', crd.metadata.name ?? '', () => next as KubeObject, { dryRun: false, subresource: 'status' }).then((outcome) => (result = outcome.object)),
    );
    if (wrote && result !== undefined) this.written.set(crd.metadata.name ?? '', asCrd(result));
    return wrote;
  }

  private async ignoreConflicts(write: Promise<unknown>): Promise<boolean> {
    try {
      await write;
      return true;
    } catch (error) {
      if (error instanceof ApiError && (error.code === 409 || error.code === 404)) return false;
      throw error;
    }
  }
}

async function ignoreMissing(deletion: Promise<unknown>): Promise<void> {
  try {
    await deletion;
  } catch (error) {
    if (!(error instanceof ApiError && error.code === 404)) throw error;
  }
}

/** Names compared as upstream's semantic equality does: absent and empty lists are the same. */
function normalizedNames(names: CrdNames | undefined): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(names ?? {})) {
    if (value === undefined || value === '' || (Array.isArray(value) && value.length === 0)) continue;
    result[key] = value;
  }
  return result;
}
