import { randomInt } from 'node:crypto';
import type { Backend } from '@lk/datastore-kine';
import type { Logger } from 'pino';
import { pino } from 'pino';
import { apiGroup, apiGroupList, apiResourceList, apiVersions, aggregatedDiscovery, etagOf } from '../discovery/documents.js';
import { forbidden, notFound, type QualifiedResource } from '../errors/status.js';
import { negotiate } from '../request/negotiation.js';
import { parseRequestInfo, type RequestInfo } from '../request/request-info.js';
import type { IncomingRequest } from '../request/body.js';
import { resourcePrefix } from '../registry/object-codec.js';
import { ResourceRegistry, type RegisteredResource } from '../registry/resource-registry.js';
import { LeaseManager } from '../registry/lease-manager.js';
import { FieldManager, type FieldManagerRequest } from '../fieldmanager/field-manager.js';
import { ResourceStore, rfc3339, type StoreEnvironment } from '../registry/store.js';
import { apiVersionOf, type KubeObject, type ResourceDefinition } from '../resources/types.js';
import { WatchCache } from '../watch/watch-cache.js';
import { HealthChecks } from './health.js';
import { apiServerMetrics, MetricsRegistry } from './metrics.js';
import { handleResourceRequest, type ResourceHandlerServices } from './resource-handler.js';
import { sendError, sendObject, sendText, type OutgoingResponse } from './responses.js';
import { versionInfo } from './version.js';
import type { RequestAuthenticator } from '../auth/authentication/request-authenticator.js';
import { forbiddenError } from '../auth/authorization/authorizer-chain.js';
import { impersonatedUser } from '../auth/impersonation.js';
import { answerReview, isReviewResource, REVIEW_KINDS } from '../auth/reviews/access-reviews.js';
import { UNAUTHENTICATED, type AuthorizationAttributes, type Authorizer, type UserInfo } from '../auth/types.js';
import { unauthorized } from '../errors/status.js';

export interface ApiServerOptions {
  readonly backend: Backend;
  readonly logger?: Logger;
  /** lk's own version, reported in /version's build metadata. */
  readonly lkVersion?: string;
  /** What the request handling needs beyond HTTP and storage (see ResourceHandlerServices). */
  readonly services: (server: ApiServer) => ResourceHandlerServices;
  /** Validation of ObjectMeta shared by every kind. */
  readonly validateMetadata: StoreEnvironment['validateMetadata'];
  /** Extra non-resource routes (OpenAPI documents, …): return true when handled. */
  readonly routes?: readonly NonResourceRoute[];
  /** Events each resource's watch cache keeps for resuming watches (10,000 by default); older resourceVersions get 410 Gone. */
  readonly watchCacheCapacity?: number;
}

/** Who may do what: the authentication and authorization steps of the request flow. */
export interface AccessControl {
  readonly authenticator: RequestAuthenticator;
  readonly authorizer: Authorizer;
}

export type NonResourceRoute = (
  path: string,
  query: URLSearchParams,
  request: IncomingRequest,
  response: OutgoingResponse,
) => boolean | Promise<boolean>;

/** The alphabet upstream's generateName draws its five random characters from (no vowels, no look-alikes). */
const NAME_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

/**
 * The Kubernetes API over a datastore backend: request routing, discovery,
 * health, metrics, and one generic store and watch cache per resource.
 */
export class ApiServer {
  readonly registry = new ResourceRegistry();
  readonly logger: Logger;
  readonly backend: Backend;
  readonly metrics = new MetricsRegistry();
  readonly health: HealthChecks;
  private readonly requestMetrics = apiServerMetrics(this.metrics);
  private readonly caches = new Map<string, WatchCache>();
  private readonly services: ResourceHandlerServices;
  private readonly environment: StoreEnvironment;
  readonly fieldManager = new FieldManager();
  private readonly lkVersion: string;
  private readonly routes: NonResourceRoute[];
  private advertised = '127.0.0.1:6443';
  private access: AccessControl | undefined;
  private closed = false;
  private readonly closeListeners: (() => void | Promise<void>)[] = [];

  constructor(private readonly options: ApiServerOptions) {
    this.backend = options.backend;
    this.logger = options.logger ?? pino({ level: 'silent' });
    this.lkVersion = options.lkVersion ?? '0.1.0';
    this.routes = [...(options.routes ?? [])];
    this.health = new HealthChecks(this.backend);
    const leases = new LeaseManager(this.backend);
    this.environment = {
      backend: this.backend,
      checkNamespace: (namespace, resource, name) => this.checkNamespace(namespace, resource, name),
      validateMetadata: options.validateMetadata,
      randomSuffix: () => Array.from({ length: 5 }, () => NAME_ALPHABET[randomInt(NAME_ALPHABET.length)]).join(''),
      now: () => new Date(),
      leaseFor: (ttlSeconds) => leases.leaseFor(ttlSeconds),
      trackManagedFields: (definition, live, next, manager, subresource) => {
        const request = this.fieldManagerRequest(definition, manager, subresource);
        if (request !== undefined) this.fieldManager.update(live, next, request);
      },
      cacheFor: (definition) => this.cacheFor(definition),
    };
    this.services = options.services(this);
  }

  /** Serves more non-resource paths (OpenAPI documents, …), tried in the order added. */
  addRoute(route: NonResourceRoute): void {
    this.routes.push(route);
  }

  /**
   * Authenticates and authorizes every request from now on. An ApiServer
   * without it serves everyone as system:anonymous with no checks;
   * createApiServer always sets it.
   */
  useAccessControl(access: AccessControl): void {
    this.access = access;
  }

  get accessControl(): AccessControl | undefined {
    return this.access;
  }

  /** Where clients reach this server (host:port). */
  get advertisedAddress(): string {
    return this.advertised;
  }

  /** Where clients reach this server (host:port), for discovery's serverAddressByClientCIDRs. */
  setAdvertisedAddress(address: string): void {
    this.advertised = address;
  }

  register(definition: ResourceDefinition): RegisteredResource {
    const resource = { definition, store: new ResourceStore(definition, this.environment) };
    this.registry.add(resource);
    return resource;
  }

  unregister(definition: Pick<ResourceDefinition, 'group' | 'version' | 'plural' | 'storagePrefix' | 'scope'>): void {
    this.registry.remove(definition.group, definition.version, definition.plural);
    const prefix = resourcePrefix(definition);
    const stillUsed = this.registry.all().some((resource) => resourcePrefix(resource.definition) === prefix);
    if (!stillUsed) {
      this.caches.get(prefix)?.stop();
      this.caches.delete(prefix);
    }
  }

  /** What the field manager needs to know of a write to this resource; undefined for kinds without a schema. */
  fieldManagerRequest(definition: ResourceDefinition, manager: string, subresource: string): FieldManagerRequest | undefined {
    const typed = this.services.schemaOf(definition);
    if (typed === undefined) return undefined;
    const statusFields = definition.strategy.statusFields ?? (definition.subresources.status === true ? ['status'] : []);
    return {
      ...typed,
      apiVersion: apiVersionOf(definition),
      subresource,
      manager,
      // Fields an endpoint resets are owned by nobody who writes through it (upstream's GetResetFields).
      resetFields: subresource === 'status' ? ['spec'] : subresource === '' ? statusFields : [],
      now: rfc3339(new Date()),
    };
  }

  store(group: string, version: string, plural: string): ResourceStore {
    const resource = this.registry.find(group, version, plural);
    if (resource === undefined) throw new Error(`${plural}.${group}/${version} is not registered`);
    return resource.store;
  }

  /** One watch cache per storage prefix (all versions of a resource share it). */
  async cacheFor(definition: ResourceDefinition): Promise<WatchCache> {
    const prefix = resourcePrefix(definition);
    let cache = this.caches.get(prefix);
    if (cache === undefined) {
      cache = new WatchCache(this.backend, prefix, { logger: this.logger.child({ cache: definition.storagePrefix }), capacity: this.options.watchCacheCapacity });
      this.caches.set(prefix, cache);
    }
    await cache.start();
    return cache;
  }

  /** How often a resource's cached objects have changed (0 before its cache starts): cheap change detection. */
  cachedChanges(definition: ResourceDefinition): number {
    return this.caches.get(resourcePrefix(definition))?.changes ?? 0;
  }

  /**
   * Starts the watch cache of every registered resource now, as upstream does
   * at start-up, so that a client that lists from storage and then watches
   * finds the cache already holding the events in between.
   */
  async startCaches(): Promise<void> {
    await Promise.all(this.registry.all().map((resource) => this.cacheFor(resource.definition)));
  }

  private async checkNamespace(namespace: string, resource: QualifiedResource, name: string): Promise<void> {
    const namespaces = this.registry.find('', 'v1', 'namespaces');
    if (namespaces === undefined) return;
    const cache = await this.cacheFor(namespaces.definition);
    let object: KubeObject | undefined = cache.get(`/registry/namespaces/${namespace}`);
    if (object === undefined) {
      // The cache may lag a namespace created a moment ago: ask the datastore.
      try {
        object = await namespaces.store.get('', namespace);
      } catch {
        throw notFound({ group: '', resource: 'namespaces' }, namespace);
      }
    }
    const phase = (object['status'] as { phase?: string } | undefined)?.phase;
    if (object.metadata.deletionTimestamp !== undefined || phase === 'Terminating') {
      const error = forbidden(resource, name, `unable to create new content in namespace ${namespace} because it is being terminated`);
      // NamespaceLifecycle adds this cause; controllers recognise a terminating namespace by it.
      error.status.details!.causes = [{ reason: 'NamespaceTerminating', message: `namespace ${namespace} is being terminated`, field: 'metadata.namespace' }];
      throw error;
    }
  }

  /** The HTTP handler, for http.createServer / http2.createSecureServer. */
  readonly handle = (request: IncomingRequest, response: OutgoingResponse): void => {
    const started = performance.now();
    let info: RequestInfo | undefined;
    this.requestMetrics.inflight.add({ request_kind: 'readOnly' }, 1);
    const finish = (code: number): void => {
      this.requestMetrics.inflight.add({ request_kind: 'readOnly' }, -1);
      const labels = info?.isResourceRequest
        ? { verb: info.verb.toUpperCase(), group: info.apiGroup, version: info.apiVersion, resource: info.resource, subresource: info.subresource, code: String(code) }
        : { verb: (request.method ?? '').toUpperCase(), group: '', version: '', resource: '', subresource: '', code: String(code) };
      this.requestMetrics.requests.inc(labels);
      if (info?.isResourceRequest !== true || info.verb !== 'watch') {
        const { code: _code, ...durationLabels } = labels;
        this.requestMetrics.duration.observe(durationLabels, (performance.now() - started) / 1000);
      }
    };
    response.on('finish', () => finish(response.statusCode));
    void this.route(request, response, (parsed) => (info = parsed)).catch((error: unknown) => {
      const status = sendError(response, error);
      if (status.code >= 500) this.logger.error({ err: error, method: request.method, url: request.url }, 'request failed');
      else this.logger.debug({ method: request.method, url: request.url, code: status.code, reason: status.reason }, 'request refused');
      if (response.headersSent && !response.writableEnded) response.end();
    });
  };

  private async route(request: IncomingRequest, response: OutgoingResponse, noteInfo: (info: RequestInfo) => void): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://lk.invalid');
    const path = url.pathname.length > 1 ? url.pathname.replace(/\/+$/, '') : url.pathname;
    const authenticated = await this.authenticate(request);
    const user = this.access === undefined ? authenticated : await impersonatedUser(request, authenticated, this.access.authorizer);
    const info = parseRequestInfo(request.method ?? 'GET', path, url.searchParams);
    noteInfo(info);
    this.logger.trace({ method: request.method, path, verb: info.verb, user: user.name }, 'request');
    await this.authorize(user, info, url.searchParams);

    if (info.isResourceRequest) {
      const resource = this.registry.find(info.apiGroup, info.apiVersion, info.resource);
      if (resource === undefined) throw notFound({ group: info.apiGroup, resource: info.resource }, info.name);
      const review = `${info.apiGroup}/${info.resource}`;
      if (info.verb === 'create' && info.subresource === '' && isReviewResource(review) && this.access !== undefined) {
        const body = await this.services.readBodyAs(REVIEW_KINDS[review].schema, request);
        const answer = await answerReview(review, body, { ...this.access, user, namespace: info.namespace, now: () => new Date() });
        sendObject(response, 201, answer, negotiate(request.headers.accept, { renderings: [] }));
        return;
      }
      await handleResourceRequest(this.services, resource, info, { query: url.searchParams, user }, request, response);
      return;
    }
    if (await this.routeNonResource(path, url.searchParams, request, response)) return;
    for (const route of this.routes) if (await route(path, url.searchParams, request, response)) return;
    sendText(response, 404, '404 page not found\n');
  }

  private async authenticate(request: IncomingRequest): Promise<UserInfo> {
    if (this.access === undefined) return UNAUTHENTICATED;
    const outcome = await this.access.authenticator.authenticate(request);
    if ('user' in outcome) return outcome.user;
    this.logger.debug({ method: request.method, url: request.url, reasons: outcome.refused }, 'request not authenticated');
    throw unauthorized();
  }

  private async authorize(user: UserInfo, info: RequestInfo, query: URLSearchParams): Promise<void> {
    if (this.access === undefined) return;
    const attributes: AuthorizationAttributes = info.isResourceRequest
      ? { user, verb: info.verb, isResourceRequest: true, path: info.path, namespace: info.namespace, apiGroup: info.apiGroup, apiVersion: info.apiVersion, resource: info.resource, subresource: info.subresource, name: info.name, ...(query.has('fieldSelector') && { fieldSelector: query.get('fieldSelector')! }) }
      : { user, verb: info.verb, isResourceRequest: false, path: info.path, namespace: '', apiGroup: '', apiVersion: '', resource: '', subresource: '', name: '' };
    const result = await this.access.authorizer.authorize(attributes);
    if (result.decision !== 'allow') throw forbiddenError(attributes, result.reason);
  }

  private async routeNonResource(path: string, query: URLSearchParams, request: IncomingRequest, response: OutgoingResponse): Promise<boolean> {
    const method = (request.method ?? 'GET').toUpperCase();
    if (method !== 'GET' && method !== 'HEAD') return false;
    const segments = path.split('/').filter((segment) => segment !== '');
    if (path === '/version') {
      sendObject(response, 200, versionInfo(this.lkVersion), { format: 'json', contentType: 'application/json' });
      return true;
    }
    if (path === '/metrics') {
      sendText(response, 200, this.metrics.render());
      return true;
    }
    if (segments[0] === 'healthz' || segments[0] === 'livez' || segments[0] === 'readyz') {
      const result = await this.health.run(segments[0], segments[1], query.has('verbose'), query.getAll('exclude'));
      sendText(response, result.ok ? 200 : result.notFound ? 404 : 500, result.text);
      return true;
    }
    if (segments[0] === 'api' && segments.length <= 2) {
      if (segments.length === 1) {
        this.sendDiscovery(request, response, true, () => apiVersions(this.advertised));
        return true;
      }
      const list = apiResourceList(this.registry, '', segments[1]!);
      if (list === undefined) return false;
      sendObject(response, 200, list, negotiate(request.headers.accept, { renderings: [] }));
      return true;
    }
    if (segments[0] === 'apis' && segments.length <= 3) {
      if (segments.length === 1) {
        this.sendDiscovery(request, response, false, () => apiGroupList(this.registry));
        return true;
      }
      const document = segments.length === 2 ? apiGroup(this.registry, segments[1]!) : apiResourceList(this.registry, segments[1]!, segments[2]!);
      if (document === undefined) return false;
      sendObject(response, 200, document, negotiate(request.headers.accept, { renderings: [] }));
      return true;
    }
    return false;
  }

  /** /api and /apis: the aggregated document when the client asks for it, the legacy one otherwise. */
  private sendDiscovery(request: IncomingRequest, response: OutgoingResponse, legacy: boolean, plain: () => object): void {
    const negotiated = negotiate(request.headers.accept, { renderings: ['APIGroupDiscoveryList'] });
    if (negotiated.rendering !== 'APIGroupDiscoveryList') {
      sendObject(response, 200, plain(), negotiated);
      return;
    }
    const document = aggregatedDiscovery(this.registry, legacy, negotiated.version === 'v2beta1' ? 'v2beta1' : 'v2');
    const etag = etagOf(document);
    if (request.headers['if-none-match'] === etag) {
      response.statusCode = 304;
      response.setHeader('ETag', etag);
      response.end();
      return;
    }
    sendObject(response, 200, document, negotiated, { headers: { ETag: etag } });
  }

  /** Runs when the server closes, before its caches stop (in-process controllers stop here). */
  onClose(listener: () => void | Promise<void>): void {
    this.closeListeners.push(listener);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const listener of this.closeListeners) await listener();
    for (const cache of this.caches.values()) cache.stop();
    this.caches.clear();
  }
}
