/**
 * A small Kubernetes REST client for controllers: JSON in and out, list and
 * watch of any resource path, errors as the Status the server sent. It is
 * what the controllers need and nothing more, and it works against any API
 * server (lk's or a real cluster's) given a base URL and a bearer token.
 */
export interface ApiStatus {
  readonly kind: 'Status';
  readonly code: number;
  readonly reason?: string;
  readonly message?: string;
}

export class ApiRequestError extends Error {
  constructor(
    readonly code: number,
    readonly status: ApiStatus | undefined,
    method: string,
    path: string,
  ) {
    super(`${method} ${path}: ${code} ${status?.reason ?? ''} ${status?.message ?? ''}`.trim());
    this.name = 'ApiRequestError';
  }

  get notFound(): boolean {
    return this.code === 404;
  }

  get conflict(): boolean {
    return this.code === 409;
  }
}

export interface ObjectMeta {
  name?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  deletionTimestamp?: string;
  finalizers?: string[];
  ownerReferences?: { apiVersion: string; kind: string; name: string; uid: string; controller?: boolean; blockOwnerDeletion?: boolean }[];
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

export interface ApiObject {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
  [key: string]: unknown;
}

export interface ApiList {
  metadata: { resourceVersion?: string; continue?: string };
  items: ApiObject[];
}

export interface WatchEvent {
  readonly type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  readonly object: ApiObject;
}

export interface ApiClientOptions {
  /** e.g. http://127.0.0.1:6443 */
  readonly server: string;
  readonly token?: string;
  /** A fetch implementation (tests, custom transports); the global fetch by default. */
  readonly fetch?: typeof fetch;
  readonly userAgent?: string;
}

export interface ReadOptions {
  /**
   * Ask for metadata only (PartialObjectMetadata), as client-go's metadata
   * informers do: what a controller that only follows names, owners and
   * finalizers needs, at a fraction of the memory.
   */
  readonly metadataOnly?: boolean;
}

function acceptFor(options: ReadOptions, as: 'PartialObjectMetadata' | 'PartialObjectMetadataList'): string | undefined {
  return options.metadataOnly === true ? `application/json;as=${as};g=meta.k8s.io;v=v1,application/json` : undefined;
}

export class ApiClient {
  private readonly fetch: typeof fetch;

  constructor(private readonly options: ApiClientOptions) {
    this.fetch = options.fetch ?? globalThis.fetch;
  }

  private headers(extra: Record<string, string> = {}): Record<string, string> {
    const headers: Record<string, string> = { Accept: 'application/json', 'User-Agent': this.options.userAgent ?? 'lk-controllers', ...extra };
    if (this.options.token !== undefined) headers['Authorization'] = `Bearer ${this.options.token}`;
    return headers;
  }

  async request<T>(method: string, path: string, body?: unknown, contentType = 'application/json', signal?: AbortSignal, accept?: string): Promise<T> {
    const init: RequestInit = { method, headers: this.headers({ ...(body !== undefined && { 'Content-Type': contentType }), ...(accept !== undefined && { Accept: accept }) }) };
    if (body !== undefined) init.body = JSON.stringify(body);
    if (signal !== undefined) init.signal = signal;
    const response = await this.fetch(new URL(path, this.options.server), init);
    const text = await response.text();
    if (!response.ok) {
      let status: ApiStatus | undefined;
      try {
        status = JSON.parse(text) as ApiStatus;
      } catch {
        status = undefined;
      }
      throw new ApiRequestError(response.status, status, method, path);
    }
    return (text === '' ? undefined : JSON.parse(text)) as T;
  }

  get<T = ApiObject>(path: string): Promise<T> {
    return this.request<T>('GET', path);
  }

  list(path: string, query: Record<string, string> = {}, options: ReadOptions = {}): Promise<ApiList> {
    const search = new URLSearchParams(query).toString();
    return this.request<ApiList>('GET', search === '' ? path : `${path}?${search}`, undefined, undefined, undefined, acceptFor(options, 'PartialObjectMetadataList'));
  }

  post<T = ApiObject>(path: string, body: unknown): Promise<T> {
    return this.request<T>('POST', path, body);
  }

  put<T = ApiObject>(path: string, body: unknown): Promise<T> {
    return this.request<T>('PUT', path, body);
  }

  patch<T = ApiObject>(path: string, body: unknown, type: 'merge' | 'json' | 'strategic' = 'merge'): Promise<T> {
    const contentType = type === 'merge' ? 'application/merge-patch+json' : type === 'json' ? 'application/json-patch+json' : 'application/strategic-merge-patch+json';
    return this.request<T>('PATCH', path, body, contentType);
  }

  delete(path: string, options?: Record<string, unknown>): Promise<unknown> {
    return this.request('DELETE', path, options === undefined ? undefined : { kind: 'DeleteOptions', apiVersion: 'v1', ...options });
  }

  /**
   * Watches a collection from a resourceVersion, yielding events until the
   * server ends the stream or `signal` aborts.
   */
  async *watch(path: string, resourceVersion: string, signal: AbortSignal, query: Record<string, string> = {}, options: ReadOptions = {}): AsyncGenerator<WatchEvent> {
    const search = new URLSearchParams({ ...query, watch: 'true', resourceVersion, allowWatchBookmarks: 'true' }).toString();
    const accept = acceptFor(options, 'PartialObjectMetadata');
    const response = await this.fetch(new URL(`${path}?${search}`, this.options.server), { headers: this.headers(accept === undefined ? {} : { Accept: accept }), signal });
    if (!response.ok || response.body === null) {
      const text = await response.text();
      let status: ApiStatus | undefined;
      try {
        status = JSON.parse(text) as ApiStatus;
      } catch {
        status = undefined;
      }
      throw new ApiRequestError(response.status, status, 'WATCH', path);
    }
    const decoder = new TextDecoder();
    let buffered = '';
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      buffered += decoder.decode(chunk, { stream: true });
      let newline = buffered.indexOf('\n');
      while (newline >= 0) {
        const line = buffered.slice(0, newline).trim();
        buffered = buffered.slice(newline + 1);
        if (line !== '') yield JSON.parse(line) as WatchEvent;
        newline = buffered.indexOf('\n');
      }
    }
  }
}
