import type { Logger } from 'pino';
import { ApiRequestError, type ApiClient, type ApiObject } from '../client/api-client.js';

export type InformerEvent = 'add' | 'update' | 'delete';

export interface InformerOptions {
  /** Collection path, e.g. /api/v1/namespaces or /apis/apps/v1/deployments. */
  readonly path: string;
  readonly logger: Logger;
  /** Extra list/watch query (labelSelector…). */
  readonly query?: Record<string, string>;
  /** Cache PartialObjectMetadata only (see ReadOptions.metadataOnly). */
  readonly metadataOnly?: boolean;
}

/**
 * Lists a collection, then watches it from the list's resourceVersion,
 * keeping a local cache by namespace/name and calling handlers on changes.
 * A watch that ends is resumed from the last resourceVersion seen; a 410
 * (history compacted) starts over with a fresh list, as client-go's
 * reflector does.
 */
export class Informer {
  private readonly cache = new Map<string, ApiObject>();
  private readonly handlers: ((event: InformerEvent, object: ApiObject, old?: ApiObject) => void)[] = [];
  private readonly abort = new AbortController();
  private synced = false;
  private syncWaiters: (() => void)[] = [];
  private loop: Promise<void> | undefined;

  constructor(
    private readonly client: ApiClient,
    private readonly options: InformerOptions,
  ) {}

  static keyOf(object: ApiObject): string {
    const { namespace, name } = object.metadata;
    return namespace ? `${namespace}/${name ?? ''}` : (name ?? '');
  }

  on(handler: (event: InformerEvent, object: ApiObject, old?: ApiObject) => void): void {
    this.handlers.push(handler);
  }

  get(key: string): ApiObject | undefined {
    return this.cache.get(key);
  }

  list(): ApiObject[] {
    return [...this.cache.values()];
  }

  start(): void {
    this.loop ??= this.run();
  }

  /** Resolves once the first list is in the cache. */
  waitForSync(): Promise<void> {
    if (this.synced) return Promise.resolve();
    return new Promise((resolve) => this.syncWaiters.push(resolve));
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.loop?.catch(() => undefined);
  }

  private emit(event: InformerEvent, object: ApiObject, old?: ApiObject): void {
    for (const handler of this.handlers) handler(event, object, old);
  }

  private async run(): Promise<void> {
    let delay = 100;
    while (!this.abort.signal.aborted) {
      try {
        const resourceVersion = await this.relist();
        delay = 100;
        await this.watchFrom(resourceVersion);
      } catch (error) {
        if (this.abort.signal.aborted) return;
        if (!(error instanceof ApiRequestError && error.code === 410)) {
          this.options.logger.debug({ err: error, path: this.options.path }, 'informer list/watch failed; retrying');
          await new Promise((resolve) => setTimeout(resolve, delay).unref());
          delay = Math.min(delay * 2, 5000);
        }
      }
    }
  }

  private async relist(): Promise<string> {
    const list = await this.client.list(this.options.path, this.options.query, { metadataOnly: this.options.metadataOnly === true });
    const seen = new Set<string>();
    for (const item of list.items) {
      const key = Informer.keyOf(item);
      seen.add(key);
      const old = this.cache.get(key);
      this.cache.set(key, item);
      if (old === undefined) this.emit('add', item);
      else if (old.metadata.resourceVersion !== item.metadata.resourceVersion) this.emit('update', item, old);
    }
    for (const [key, object] of this.cache) {
      if (!seen.has(key)) {
        this.cache.delete(key);
        this.emit('delete', object);
      }
    }
    if (!this.synced) {
      this.synced = true;
      for (const waiter of this.syncWaiters.splice(0)) waiter();
    }
    return list.metadata.resourceVersion ?? '0';
  }

  private async watchFrom(startVersion: string): Promise<void> {
    let resourceVersion = startVersion;
    while (!this.abort.signal.aborted) {
      for await (const event of this.client.watch(this.options.path, resourceVersion, this.abort.signal, this.options.query, { metadataOnly: this.options.metadataOnly === true })) {
        if (event.type === 'ERROR') {
          const code = (event.object as unknown as { code?: number }).code ?? 500;
          throw new ApiRequestError(code, event.object as never, 'WATCH', this.options.path);
        }
        resourceVersion = event.object.metadata.resourceVersion ?? resourceVersion;
        if (event.type === 'BOOKMARK') continue;
        const key = Informer.keyOf(event.object);
        const old = this.cache.get(key);
        if (event.type === 'DELETED') {
          this.cache.delete(key);
          this.emit('delete', event.object);
        } else {
          this.cache.set(key, event.object);
          this.emit(old === undefined ? 'add' : 'update', event.object, old);
        }
      }
    }
  }
}
