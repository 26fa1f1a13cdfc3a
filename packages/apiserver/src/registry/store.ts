import { randomUUID } from 'node:crypto';
import {
  CompactedError,
  FutureRevisionError,
  KeyExistsError,
  KeyNotFoundError,
  RevisionMismatchError,
  type Backend,
  type KeyValue,
} from '@lk/datastore-kine';
import {
  alreadyExists,
  badRequest,
  conflict,
  expired,
  internalError,
  invalid,
  notFound,
  staleObject,
  tooLargeResourceVersion,
  type FieldError,
  type QualifiedResource,
} from '../errors/status.js';
import type { KubeObject, ResourceDefinition, StrategyContext } from '../resources/types.js';
import { apiVersionOf } from '../resources/types.js';
import { TooOldResourceVersionError, WatchCache, type WatcherMessage } from '../watch/watch-cache.js';
import { decodeContinue, encodeContinue } from './continue-token.js';
import { decodeKeyValue, encodeObject, objectKey, resourcePrefix } from './object-codec.js';
import { deepEqual, withoutFields } from './object-diff.js';

/** What the store needs from the rest of the server. */
export interface StoreEnvironment {
  readonly backend: Backend;
  /** Throws the API error for creating in a namespace that is missing or terminating. */
  checkNamespace(namespace: string, resource: QualifiedResource, name: string): Promise<void>;
  /** Generic ObjectMeta validation (names, labels, annotations, owner references…). */
  validateMetadata(object: KubeObject, definition: ResourceDefinition, old: KubeObject | undefined): FieldError[];
  /** Random suffix for generateName. */
  randomSuffix(): string;
  now(): Date;
  /**
   * Records in `next.metadata.managedFields` what `manager` changed from
   * `live` (undefined on create), as an Update entry of the subresource.
   */
  trackManagedFields(definition: ResourceDefinition, live: KubeObject | undefined, next: KubeObject, manager: string, subresource: string): void;
  /** A datastore lease that lives at least `ttlSeconds` from now (shared between writes, as upstream's lease manager does). */
  leaseFor(ttlSeconds: number): Promise<number>;
  /** The watch cache of a resource, started on first use. */
  cacheFor(definition: ResourceDefinition): Promise<WatchCache>;
}

export interface WriteOptions {
  readonly dryRun: boolean;
  /** Who makes this write, for metadata.managedFields (the fieldManager, or derived from the User-Agent). */
  readonly manager?: string;
  /** The object's managedFields were computed already (server-side apply): do not record an Update. */
  readonly managedFieldsComputed?: boolean;
}

export interface DeleteRequest extends WriteOptions {
  readonly gracePeriodSeconds?: number;
  readonly preconditions?: { readonly uid?: string; readonly resourceVersion?: string };
  readonly propagationPolicy?: 'Orphan' | 'Background' | 'Foreground';
}

export interface DeleteOutcome {
  /** The object as it was deleted, or as it now is while deletion waits (finalizers, grace). */
  readonly object: KubeObject;
  /** True when the object is gone from storage. */
  readonly deleted: boolean;
}

export interface ListRequest {
  readonly namespace: string;
  readonly matches: (object: KubeObject) => boolean;
  /** Whether a label or field selector narrows the list (no remainingItemCount then). */
  readonly filtered: boolean;
  readonly limit?: number;
  readonly continueToken?: string;
  readonly resourceVersion?: string;
  readonly resourceVersionMatch?: string;
}

export interface ListOutcome {
  readonly items: KubeObject[];
  readonly resourceVersion: string;
  readonly continueToken?: string;
  readonly remainingItemCount?: number;
}

export interface WatchRequest {
  readonly namespace: string;
  readonly name?: string;
  readonly matches: (object: KubeObject) => boolean;
  readonly resourceVersion?: string;
  readonly resourceVersionMatch?: string;
  readonly sendInitialEvents?: boolean;
  readonly allowBookmarks: boolean;
}

/** How an update or patch computes the new object from the current one. */
export type UpdateFunction = (current: KubeObject | undefined) => KubeObject | Promise<KubeObject>;

const CONFLICT_RETRIES = 8;
const FUTURE_WAIT_MS = 3000;

/**
 * The generic store of one resource: upstream's registry/generic/registry.Store.
 * It turns API verbs into datastore operations with Kubernetes' object
 * semantics (uid, timestamps, generation, resourceVersion preconditions,
 * finalizers and graceful deletion), and asks the resource's strategy for
 * everything that differs per kind.
 */
export class ResourceStore {
  readonly resource: QualifiedResource;

  constructor(
    readonly definition: ResourceDefinition,
    private readonly env: StoreEnvironment,
  ) {
    this.resource = { group: definition.group, resource: definition.plural };
  }

  private get backend(): Backend {
    return this.env.backend;
  }

  private context(namespace: string, subresource = ''): StrategyContext {
    return { namespace, now: this.env.now(), subresource };
  }

  key(namespace: string, name: string): string {
    return objectKey(this.definition, namespace, name);
  }

  // ------------------------------------------------------------------ get

  async get(namespace: string, name: string, resourceVersion?: string): Promise<KubeObject> {
    const key = this.key(namespace, name);
    if (resourceVersion === '0') {
      const cache = await this.env.cacheFor(this.definition);
      const cached = cache.get(key);
      if (cached === undefined) throw notFound(this.resource, name);
      return this.served(structuredClone(cached));
    }
    if (resourceVersion !== undefined && resourceVersion !== '') {
      const minimum = parseResourceVersion(resourceVersion);
      await this.waitForRevision(minimum);
    }
    const { kv } = await this.backend.get(key);
    if (kv === undefined) throw notFound(this.resource, name);
    return this.decode(kv);
  }

  private async waitForRevision(revision: number): Promise<void> {
    const deadline = Date.now() + FUTURE_WAIT_MS;
    while ((await this.backend.currentRevision()) < revision) {
      if (Date.now() > deadline) throw tooLargeResourceVersion(`Too large resource version: ${revision}, current: ${await this.backend.currentRevision()}`, 1);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  private decode(kv: KeyValue): KubeObject {
    const object = this.served(decodeKeyValue(kv));
    object.apiVersion ??= apiVersionOf(this.definition);
    object.kind ??= this.definition.kind;
    return object;
  }

  /** A stored object as this definition's version serves it (custom resources convert; others are as stored). */
  private served(object: KubeObject): KubeObject {
    return this.definition.strategy.storageCodec?.fromStorage(object) ?? object;
  }

  /** The datastore value of an object (custom resources are written in their storage version). */
  private encode(object: KubeObject): Uint8Array {
    return encodeObject(this.definition.strategy.storageCodec?.toStorage(object) ?? object);
  }

  // ----------------------------------------------------------------- list

  async list(request: ListRequest): Promise<ListOutcome> {
    const rv = request.resourceVersion ?? '';
    const match = request.resourceVersionMatch ?? '';
    // The combinations were validated with the request (request/list-options-validation.ts).
    if (request.continueToken !== undefined && request.continueToken !== '' && rv !== '' && rv !== '0') {
      throw badRequest('specifying resource version is not allowed when using continue');
    }

    const fromCache = (rv === '0' || (rv !== '' && match !== 'Exact')) && (request.continueToken ?? '') === '' && !(match === 'NotOlderThan' && request.limit !== undefined && request.limit > 0 && rv !== '0');
    if (fromCache) return this.listFromCache(request, rv === '0' ? 0 : parseResourceVersion(rv));
    return this.listFromStorage(request, match === 'Exact' ? parseResourceVersion(rv) : undefined);
  }

  /** Served by the watch cache: every match at once (upstream ignores limit there). */
  private async listFromCache(request: ListRequest, atLeast: number): Promise<ListOutcome> {
    const cache = await this.env.cacheFor(this.definition);
    if (atLeast > 0) {
      try {
        await cache.waitForRevision(atLeast, FUTURE_WAIT_MS);
      } catch {
        throw tooLargeResourceVersion(`Too large resource version: ${atLeast}, current: ${cache.revision}`, 1);
      }
    }
    const { objects, revision } = cache.snapshot(resourcePrefix(this.definition, request.namespace));
    // Selectors see the object as this version serves it; without a codec that is the cached object.
    const items =
      this.definition.strategy.storageCodec === undefined
        ? objects.filter(request.matches).map((object) => this.served(structuredClone(object)))
        : objects.map((object) => this.served(structuredClone(object))).filter(request.matches);
    return {
      items,
      resourceVersion: String(revision),
    };
  }

  /** A consistent (or exact-revision) read of the datastore, page by page. */
  private async listFromStorage(request: ListRequest, exactRevision: number | undefined): Promise<ListOutcome> {
    const prefix = resourcePrefix(this.definition, request.namespace);
    let revision = exactRevision;
    let startKey = prefix;
    if (request.continueToken !== undefined && request.continueToken !== '') {
      const position = decodeContinue(request.continueToken);
      revision = position.revision;
      startKey = prefix + position.start;
    }
    const limit = request.limit !== undefined && request.limit > 0 ? request.limit : undefined;
    const items: KubeObject[] = [];
    let lastKey: string | undefined;
    let more = false;
    try {
      for (;;) {
        const pageSize = limit === undefined ? 10_000 : Math.max(limit - items.length, request.filtered ? 500 : 0);
        const page = await this.backend.list({ prefix, startKey, revision, limit: pageSize });
        revision = page.revision;
        for (const kv of page.kvs) {
          if (limit !== undefined && items.length >= limit) {
            more = true;
            break;
          }
          const object = this.decode(kv);
          lastKey = kv.key;
          if (request.matches(object)) items.push(object);
        }
        if (more) break;
        if (!page.more) break;
        if (limit !== undefined && items.length >= limit) {
          more = true;
          break;
        }
        startKey = `${page.kvs[page.kvs.length - 1]!.key}\u0000`;
      }
    } catch (error) {
      if (error instanceof CompactedError) {
        if (request.continueToken !== undefined && request.continueToken !== '') {
          throw expired(
            'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.',
          );
        }
        throw expired(`too old resource version: ${exactRevision} (${error.compactRevision})`);
      }
      if (error instanceof FutureRevisionError) throw tooLargeResourceVersion(`Too large resource version: ${error.requestedRevision}, current: ${error.currentRevision}`, 1);
      throw error;
    }
    const outcome: { items: KubeObject[]; resourceVersion: string; continueToken?: string; remainingItemCount?: number } = {
      items,
      resourceVersion: String(revision ?? 0),
    };
    if (more && lastKey !== undefined) {
      outcome.continueToken = encodeContinue({ revision: revision!, start: `${lastKey.slice(prefix.length)}\u0000` });
      if (!request.filtered) {
        const { count } = await this.backend.count(prefix, { startKey: `${lastKey}\u0000`, revision });
        outcome.remainingItemCount = count;
      }
    }
    return outcome;
  }

  // ---------------------------------------------------------------- watch

  /**
   * Starts a watch through the watch cache; returns a function that stops it.
   * Messages are pushed synchronously; the HTTP layer queues and streams them.
   */
  async watch(
    request: WatchRequest,
    push: (message: WatcherMessage) => void,
    close: () => void,
    pending: () => number,
  ): Promise<() => void> {
    const cache = await this.env.cacheFor(this.definition);
    const rv = request.resourceVersion ?? '';
    let afterRevision: number | undefined;
    if (rv !== '' && rv !== '0') {
      afterRevision = parseResourceVersion(rv);
      if (afterRevision > cache.revision) {
        try {
          await cache.waitForRevision(afterRevision, FUTURE_WAIT_MS);
        } catch {
          throw tooLargeResourceVersion(`Too large resource version: ${afterRevision}, current: ${cache.revision}`, 1);
        }
      }
    }
    const codec = this.definition.strategy.storageCodec;
    const servedMatches = codec === undefined ? request.matches : (object: KubeObject) => request.matches(codec.fromStorage(object));
    const deliver = codec === undefined ? push : (message: WatcherMessage) => push(message.kind === 'event' ? { ...message, object: codec.fromStorage(message.object) } : message);
    const keyPrefix =
      request.name !== undefined && request.name !== ''
        ? this.key(request.namespace, request.name)
        : resourcePrefix(this.definition, request.namespace);
    try {
      return cache.watch(
        {
          afterRevision: request.sendInitialEvents === true ? undefined : afterRevision,
          sendInitialEvents: request.sendInitialEvents,
          matches: request.name !== undefined && request.name !== '' ? (object) => object.metadata.name === request.name && servedMatches(object) : servedMatches,
          keyPrefix,
          bookmarks: request.allowBookmarks,
        },
        deliver,
        close,
        pending,
      );
    } catch (error) {
      if (error instanceof TooOldResourceVersionError) throw expired(error.message);
      throw error;
    }
  }

  // --------------------------------------------------------------- create

  async create(namespace: string, object: KubeObject, options: WriteOptions): Promise<KubeObject> {
    const definition = this.definition;
    const meta = object.metadata;
    this.checkNamespaceMatches(namespace, object);
    if (meta.resourceVersion !== undefined && meta.resourceVersion !== '') {
      throw badRequest('resourceVersion should not be set on objects to be created');
    }
    if (definition.scope === 'Namespaced') {
      meta.namespace = namespace;
    } else {
      delete meta.namespace;
    }
    if ((meta.name === undefined || meta.name === '') && meta.generateName !== undefined && meta.generateName !== '') {
      meta.name = generatedName(meta.generateName, this.env.randomSuffix());
    }
    const now = this.env.now();
    meta.uid = randomUUID();
    meta.creationTimestamp = rfc3339(now);
    delete meta.deletionTimestamp;
    delete meta.deletionGracePeriodSeconds;
    delete meta.selfLink;
    if (this.tracksGeneration()) meta.generation = 1;
    object.apiVersion = apiVersionOf(definition);
    object.kind = definition.kind;

    const context = this.context(namespace);
    definition.strategy.prepareForCreate?.(object, context);
    if (options.managedFieldsComputed !== true) this.env.trackManagedFields(definition, undefined, object, options.manager ?? '', '');
    const errors = nameErrorsFirst([...this.env.validateMetadata(object, definition, undefined), ...(definition.strategy.validate?.(object, context) ?? [])]);
    if (errors.length > 0) throw invalid(definition.kind, definition.group, meta.name ?? '', errors);
    if (definition.scope === 'Namespaced') await this.env.checkNamespace(namespace, this.resource, meta.name ?? '');
    if (options.dryRun) {
      await definition.strategy.checkWrite?.(object, undefined, context);
      return object;
    }

    const name = meta.name!;
    const key = this.key(namespace, name);
    // Fail fast on a taken name, before side effects such as IP allocation.
    if ((await this.backend.get(key)).kv !== undefined) throw alreadyExists(this.resource, name);
    const undo = await definition.strategy.beforeWrite?.(object, undefined, context);
    try {
      const { revision } = await this.backend.create(key, this.encode(object), await this.leaseOptions());
      object.metadata.resourceVersion = String(revision);
      return object;
    } catch (error) {
      await undo?.();
      if (error instanceof KeyExistsError) throw alreadyExists(this.resource, name);
      throw error;
    }
  }

  private checkNamespaceMatches(namespace: string, object: KubeObject): void {
    const declared = object.metadata.namespace;
    if (this.definition.scope === 'Namespaced' && declared !== undefined && declared !== '' && declared !== namespace) {
      throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
    }
  }

  /** A lease for kinds that expire (Events): every write renews the object's time to live. */
  private async leaseOptions(): Promise<{ lease: number } | undefined> {
    const ttl = this.definition.strategy.ttlSeconds;
    if (ttl === undefined) return undefined;
    return { lease: await this.env.leaseFor(ttl) };
  }

  /** Kinds with a spec track `metadata.generation`; plain data kinds (ConfigMap, Secret) do not. */
  private tracksGeneration(): boolean {
    return this.definition.strategy.tracksGeneration ?? this.definition.subresources.status === true;
  }

  // --------------------------------------------------------------- update

  /**
   * Replaces an object with what `computeNew` makes of the current one, as
   * one compare-and-swap. `expectedVersion` (the client's resourceVersion)
   * turns a lost race into 409 Conflict; without it the store retries.
   */
  async update(
    namespace: string,
    name: string,
    computeNew: UpdateFunction,
    options: WriteOptions & { readonly subresource?: string; readonly allowCreate?: boolean },
  ): Promise<{ object: KubeObject; created: boolean }> {
    const key = this.key(namespace, name);
    const subresource = options.subresource ?? '';
    for (let attempt = 0; ; attempt++) {
      const { kv } = await this.backend.get(key);
      const current = kv === undefined ? undefined : this.decode(kv);
      if (current === undefined) {
        const allowCreate = options.allowCreate ?? this.definition.strategy.allowCreateOnUpdate === true;
        if (!allowCreate || subresource !== '') throw notFound(this.resource, name);
        const fresh = await computeNew(undefined);
        if (fresh.metadata.name !== undefined && fresh.metadata.name !== name) throw nameMismatch(fresh.metadata.name, name);
        fresh.metadata.name = name;
        delete fresh.metadata.resourceVersion;
        return { object: await this.create(namespace, fresh, options), created: true };
      }

      const proposed = await computeNew(structuredClone(current));
      const expectedVersion = proposed.metadata.resourceVersion;
      if (proposed.metadata.name !== undefined && proposed.metadata.name !== '' && proposed.metadata.name !== name) {
        throw nameMismatch(proposed.metadata.name, name);
      }
      this.checkNamespaceMatches(namespace, proposed);
      if (expectedVersion !== undefined && expectedVersion !== '' && expectedVersion !== current.metadata.resourceVersion) {
        throw staleObject(this.resource, name);
      }
      const next = this.prepareUpdate(proposed, current, namespace, subresource);
      if (options.managedFieldsComputed !== true) this.env.trackManagedFields(this.definition, current, next, options.manager ?? '', subresource);

      // An update that changes nothing does not write (and keeps the resourceVersion).
      if (deepEqual(withoutFields(next, ['metadata.resourceVersion']), withoutFields(current, ['metadata.resourceVersion']))) {
        return { object: current, created: false };
      }
      const context = this.context(namespace, subresource);
      if (options.dryRun) {
        await this.definition.strategy.checkWrite?.(next, current, context);
        return { object: next, created: false };
      }

      const finalizersDone = next.metadata.deletionTimestamp !== undefined && this.pendingFinalizers(next).length === 0;
      let undo: (() => Promise<void>) | undefined;
      try {
        if (finalizersDone && !this.waitsForGrace(next)) {
          await this.backend.delete(key, { expectedRevision: kv!.modRevision });
          await this.definition.strategy.afterDelete?.(next);
          return { object: next, created: false };
        }
        undo = await this.definition.strategy.beforeWrite?.(next, current, context);
        const { revision } = await this.backend.update(key, this.encode(next), kv!.modRevision, await this.leaseOptions());
        next.metadata.resourceVersion = String(revision);
        await this.definition.strategy.afterWrite?.(next, current);
        return { object: next, created: false };
      } catch (error) {
        await undo?.();
        if (!(error instanceof RevisionMismatchError || error instanceof KeyNotFoundError)) throw error;
        if ((expectedVersion !== undefined && expectedVersion !== '') || attempt >= CONFLICT_RETRIES) {
          throw staleObject(this.resource, name);
        }
      }
    }
  }

  /** Everything an update may not change, restored; generation bumped on spec changes; then validation. */
  private prepareUpdate(proposed: KubeObject, current: KubeObject, namespace: string, subresource: string): KubeObject {
    const definition = this.definition;
    const next = proposed;
    next.apiVersion = apiVersionOf(definition);
    next.kind = definition.kind;
    const meta = next.metadata;
    const old = current.metadata;
    meta.name = old.name;
    if (definition.scope === 'Namespaced') meta.namespace = old.namespace;
    meta.uid = old.uid;
    meta.creationTimestamp = old.creationTimestamp;
    if (old.generation !== undefined) meta.generation = old.generation;
    else delete meta.generation;
    if (old.deletionTimestamp !== undefined) {
      meta.deletionTimestamp = old.deletionTimestamp;
      if (old.deletionGracePeriodSeconds !== undefined) meta.deletionGracePeriodSeconds = old.deletionGracePeriodSeconds;
    } else {
      delete meta.deletionTimestamp;
      delete meta.deletionGracePeriodSeconds;
    }
    delete meta.selfLink;
    meta.resourceVersion = old.resourceVersion;

    const context = this.context(namespace, subresource);
    const statusFields = definition.strategy.statusFields ?? (definition.subresources.status === true ? ['status'] : []);
    if (subresource === 'status') {
      // The status subresource changes status only (and metadata it does not reset).
      resetForStatus(next, current, statusFields);
    } else if (subresource === '') {
      for (const field of statusFields) copyField(current, next, field);
    }
    definition.strategy.prepareForUpdate?.(next, current, context);

    if (this.tracksGeneration() && subresource !== 'status') {
      const ignored = ['metadata', ...statusFields];
      if (!deepEqual(withoutFields(next, ignored), withoutFields(current, ignored))) {
        meta.generation = (old.generation ?? 0) + 1;
      }
    }
    const errors = nameErrorsFirst([
      ...this.env.validateMetadata(next, definition, current),
      ...(definition.strategy.validateUpdate?.(next, current, context) ?? definition.strategy.validate?.(next, context) ?? []),
    ]);
    if (errors.length > 0) throw invalid(definition.kind, definition.group, meta.name ?? '', errors);
    return next;
  }

  private waitsForGrace(object: KubeObject): boolean {
    return (object.metadata.deletionGracePeriodSeconds ?? 0) > 0;
  }

  /** metadata.finalizers and those the kind keeps elsewhere (a Namespace's spec.finalizers). */
  private pendingFinalizers(object: KubeObject): string[] {
    return [...(object.metadata.finalizers ?? []), ...(this.definition.strategy.pendingFinalizers?.(object) ?? [])];
  }

  // --------------------------------------------------------------- delete

  async delete(namespace: string, name: string, request: DeleteRequest): Promise<DeleteOutcome> {
    const key = this.key(namespace, name);
    for (let attempt = 0; ; attempt++) {
      const { kv } = await this.backend.get(key);
      if (kv === undefined) throw notFound(this.resource, name);
      const current = this.decode(kv);
      const { uid, resourceVersion } = request.preconditions ?? {};
      if (uid !== undefined && uid !== current.metadata.uid) {
        throw conflict(this.resource, name, `Precondition failed: UID in precondition: ${uid}, UID in object meta: ${current.metadata.uid ?? ''}`);
      }
      if (resourceVersion !== undefined && resourceVersion !== current.metadata.resourceVersion) {
        throw conflict(
          this.resource,
          name,
          `Precondition failed: ResourceVersion in precondition: ${resourceVersion}, ResourceVersion in object meta: ${current.metadata.resourceVersion ?? ''}`,
        );
      }

      this.definition.strategy.validateDelete?.(current);
      const next = structuredClone(current);
      const finalizers = new Set(next.metadata.finalizers ?? []);
      if (request.propagationPolicy === 'Orphan') finalizers.add('orphan');
      if (request.propagationPolicy === 'Foreground') finalizers.add('foregroundDeletion');
      const grace = this.definition.strategy.gracefulDeletionSeconds?.(current, request.gracePeriodSeconds) ?? 0;
      const pending = finalizers.size > 0 || grace > 0 || (this.definition.strategy.pendingFinalizers?.(current) ?? []).length > 0;

      if (!pending) {
        if (request.dryRun) return { object: current, deleted: true };
        try {
          await this.backend.delete(key, { expectedRevision: kv.modRevision });
          await this.definition.strategy.afterDelete?.(current);
          return { object: current, deleted: true };
        } catch (error) {
          if (error instanceof KeyNotFoundError) throw notFound(this.resource, name);
          if (error instanceof RevisionMismatchError && attempt < CONFLICT_RETRIES) continue;
          throw error;
        }
      }

      // Deletion waits: mark the object, keep it until its finalizers are gone
      // (or its grace period has passed, for pods).
      if (next.metadata.deletionTimestamp === undefined) {
        next.metadata.deletionTimestamp = rfc3339(this.env.now());
        next.metadata.deletionGracePeriodSeconds = grace;
        if (this.tracksGeneration()) next.metadata.generation = (next.metadata.generation ?? 0) + 1;
      } else if (grace < (next.metadata.deletionGracePeriodSeconds ?? 0)) {
        // A shorter grace period may replace a longer one, never the reverse.
        next.metadata.deletionGracePeriodSeconds = grace;
      }
      if (finalizers.size > 0) next.metadata.finalizers = [...finalizers];
      this.definition.strategy.prepareForDelete?.(next, this.context(namespace));
      if (deepEqual(next, current)) return { object: current, deleted: false };
      if (request.dryRun) return { object: next, deleted: false };
      try {
        const { revision } = await this.backend.update(key, this.encode(next), kv.modRevision);
        next.metadata.resourceVersion = String(revision);
        return { object: next, deleted: false };
      } catch (error) {
        if (error instanceof RevisionMismatchError && attempt < CONFLICT_RETRIES) continue;
        if (error instanceof KeyNotFoundError) throw notFound(this.resource, name);
        throw error;
      }
    }
  }

  /** Deletes every object a list request selects; returns the deleted (or now terminating) objects. */
  async deleteCollection(list: ListRequest, request: DeleteRequest): Promise<KubeObject[]> {
    const { items } = await this.list({ ...list, limit: undefined, continueToken: undefined });
    const results: KubeObject[] = [];
    for (const item of items) {
      try {
        const outcome = await this.delete(list.namespace || item.metadata.namespace || '', item.metadata.name!, request);
        results.push(outcome.object);
      } catch (error) {
        // Gone meanwhile: someone else deleted it, which is what we wanted.
        if ((error as { code?: number }).code === 404) continue;
        throw error;
      }
    }
    return results;
  }

  /** Called by the server for unexpected failures, so they leave as a 500 Status. */
  static unexpected(error: unknown): Error {
    return internalError(error);
  }
}

function nameMismatch(inBody: string, inUrl: string): Error {
  return badRequest(`the name of the object (${inBody}) does not match the name on the URL (${inUrl})`);
}

/** Strips what the status subresource may not change: everything but status (and a few metadata fields). */
function resetForStatus(next: KubeObject, current: KubeObject, statusFields: readonly string[]): void {
  const proposed: KubeObject = { ...next };
  for (const key of Object.keys(next)) if (key !== 'metadata') delete next[key];
  for (const key of Object.keys(current)) if (key !== 'metadata') next[key] = structuredClone(current[key]);
  for (const field of statusFields) copyField(proposed, next, field);
  // Upstream resets labels, annotations, finalizers and owner references on status writes.
  const old = current.metadata;
  for (const field of ['labels', 'annotations', 'finalizers', 'ownerReferences'] as const) {
    if (old[field] === undefined) delete next.metadata[field];
    else next.metadata[field] = structuredClone(old[field]) as never;
  }
}

/** Copies a dotted top-level field path (`status`, `spec.replicas`) from one object to another. */
function copyField(from: KubeObject, to: KubeObject, path: string): void {
  const parts = path.split('.');
  let source: unknown = from;
  let target: Record<string, unknown> = to;
  for (let i = 0; i < parts.length - 1; i++) {
    source = (source as Record<string, unknown> | undefined)?.[parts[i]!];
    const child = target[parts[i]!];
    if (typeof child !== 'object' || child === null) {
      if (source === undefined) return;
      target[parts[i]!] = {};
    }
    target = target[parts[i]!] as Record<string, unknown>;
  }
  const last = parts[parts.length - 1]!;
  const value = (source as Record<string, unknown> | undefined)?.[last];
  if (value === undefined) delete target[last];
  else target[last] = structuredClone(value);
}

/**
 * Upstream validates the name with the kind's own rule inside
 * ValidateObjectMeta, before labels and the rest; ours runs in the strategy,
 * after the generic metadata checks. Moving name errors first restores
 * upstream's order of causes (the rest keeps its order).
 */
function nameErrorsFirst(errors: FieldError[]): FieldError[] {
  return [...errors.filter((error) => error.field === 'metadata.name'), ...errors.filter((error) => error.field !== 'metadata.name')];
}

export function generatedName(base: string, suffix: string): string {
  // Upstream keeps generated names within 63 characters: the base is cut to 58.
  const maxBase = 63 - suffix.length;
  return (base.length > maxBase ? base.slice(0, maxBase) : base) + suffix;
}

/** Kubernetes timestamps are RFC 3339 with second precision. */
export function rfc3339(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function parseResourceVersion(text: string): number {
  if (!/^\d+$/.test(text)) throw badRequest(`invalid resource version: ${JSON.stringify(text)}`);
  return Number(text);
}
