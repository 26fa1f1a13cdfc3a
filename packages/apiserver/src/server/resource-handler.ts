import type { Logger } from 'pino';
import { UNAUTHENTICATED, type UserInfo } from '../auth/types.js';
import type { AdmissionOperation, AdmissionRequest } from '../admission/types.js';
import { badRequest, invalid, methodNotAllowed, notFound, successStatus, unsupportedMediaType, type FieldError, type Status } from '../errors/status.js';
import { bodyFormat, mediaType, parseBody, patchType, readBody, type BodyFormat, type IncomingRequest } from '../request/body.js';
import { APPLY_PATCH_MEDIA_TYPE } from '../patch/media-types.js';
import { validateListOptions } from '../request/list-options-validation.js';
import type { Schema } from '../schema/types.js';
import type { TypedContext } from '../apply/index.js';
import { negotiate, type Negotiated } from '../request/negotiation.js';
import { deleteOptionsBody, deleteQuery, listQuery, parseQuery, writeQuery } from '../request/options.js';
import type { ResourceRequestInfo } from '../request/request-info.js';
import type { RegisteredResource } from '../registry/resource-registry.js';
import type { DeleteRequest, ListRequest } from '../registry/store.js';
import type { KubeObject, ResourceDefinition } from '../resources/types.js';
import { apiVersionOf } from '../resources/types.js';
import type { WatcherMessage } from '../watch/watch-cache.js';
import { sendObject, type OutgoingResponse } from './responses.js';
import { plainEvent, WatchStream, type WireEvent } from './watch-stream.js';
import { labelsText, selectorText } from '../printers/shared.js';

/**
 * The pieces of request handling that other modules own, passed in so that
 * this file stays about HTTP and verbs: decoding and checking bodies against
 * schemas, patches, selectors, tables, admission.
 */
export interface ResourceHandlerServices {
  readonly logger: Logger;
  /**
   * The schema objects of a resource follow, for server-side apply and
   * managedFields (its `$ref`s resolve in the context's registry).
   */
  schemaOf(definition: ResourceDefinition): { readonly schema: Schema; readonly context: TypedContext } | undefined;
  /** Reads a request's body as an object of the resource's kind: JSON, YAML, or Kubernetes protobuf. */
  /** Reads and parses a request body; `format` overrides what the Content-Type says (apply patches are YAML). */
  readObject(definition: ResourceDefinition, request: IncomingRequest, format?: BodyFormat): Promise<unknown>;
  /** Checks a decoded body against the kind's schema (unknown fields per fieldValidation); returns warnings. */
  decodeObject(definition: ResourceDefinition, body: unknown, fieldValidation: 'Strict' | 'Warn' | 'Ignore' | undefined): { object: KubeObject; warnings: string[] };
  applyPatch(
    definition: ResourceDefinition,
    kind: 'json' | 'merge' | 'strategic',
    current: KubeObject,
    patch: Buffer,
    options?: { readonly fieldValidation?: 'Strict' | 'Warn' | 'Ignore'; readonly warnings?: string[] },
  ): KubeObject;
  /** Compiles label and field selectors into a predicate (400 on bad syntax or unsupported fields). */
  selector(definition: ResourceDefinition, labelSelector: string | undefined, fieldSelector: string | undefined): { matches: (object: KubeObject) => boolean; filtered: boolean };
  toTable(definition: ResourceDefinition, objects: readonly KubeObject[], options: TableOptions): object;
  /** Admission for writes (mutating then validating); may change `request.object` in place. Returns warnings for the client. */
  admit(request: AdmissionRequest): Promise<readonly string[]>;
  /**
   * Server-side apply of `config` over `live` (undefined: not there yet):
   * the merged object with its managedFields, or a 409 listing conflicts.
   */
  applyConfiguration(
    definition: ResourceDefinition,
    live: KubeObject | undefined,
    config: KubeObject,
    options: { readonly manager: string; readonly force: boolean; readonly subresource: string },
  ): KubeObject;
  /**
   * Reads a request body of one of the API's own kinds (DeleteOptions, Scale,
   * Binding, Eviction…, named by its schema definition) in whichever format
   * the client sent: JSON, YAML or protobuf. An empty body is undefined.
   */
  readBodyAs(schemaName: string, request: IncomingRequest): Promise<unknown>;
  /** Subresources a resource handles itself (pods/binding, pods/eviction, namespaces/finalize…). */
  customSubresource?(
    resource: RegisteredResource,
    info: ResourceRequestInfo,
    request: IncomingRequest,
    response: OutgoingResponse,
    user: UserInfo | undefined,
  ): Promise<boolean>;
  /** Default watch timeout when the client gives none. */
  watchTimeoutMs(): number;
}

export interface TableOptions {
  readonly includeObject: 'None' | 'Metadata' | 'Object';
  readonly listMeta?: { resourceVersion: string; continue?: string; remainingItemCount?: number };
  /** Leave out column definitions (watch events after the first). */
  readonly omitColumns?: boolean;
}

/** The request beyond its path: the query and who sent it. */
type RequestUrl = { readonly query: URLSearchParams; readonly user?: UserInfo };

const DELETE_OPTIONS_SCHEMA = 'io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions';

/** Handles one request for a resource (or its status/scale subresource). */
export async function handleResourceRequest(
  services: ResourceHandlerServices,
  resource: RegisteredResource,
  info: ResourceRequestInfo,
  url: RequestUrl,
  request: IncomingRequest,
  response: OutgoingResponse,
): Promise<void> {
  const { definition } = resource;
  const namespace = definition.scope === 'Namespaced' ? info.namespace : '';
  if (definition.scope === 'Namespaced' && namespace === '' && !['list', 'watch', 'deletecollection'].includes(info.verb) && info.verb !== 'create') {
    throw notFound({ group: definition.group, resource: definition.plural }, info.name);
  }
  if (definition.scope === 'Namespaced' && namespace === '' && (info.verb === 'create' || info.verb === 'deletecollection')) {
    throw methodNotAllowed(`the server does not allow this method on the requested resource`);
  }

  if (info.subresource !== '') {
    if (await services.customSubresource?.(resource, info, request, response, url.user)) return;
    if (info.subresource === 'status' && definition.subresources.status === true) {
      return handleMainVerbs(services, resource, info, url, request, response, namespace, 'status');
    }
    if (info.subresource === 'scale' && definition.subresources.scale !== undefined) {
      return handleScale(services, resource, info, url, request, response, namespace);
    }
    throw notFound({ group: definition.group, resource: `${definition.plural}/${info.subresource}` }, info.name);
  }
  return handleMainVerbs(services, resource, info, url, request, response, namespace, '');
}

type Admit = (operation: AdmissionOperation, object: KubeObject | undefined, old: KubeObject | undefined, dryRun: boolean) => Promise<void>;

/** Admission of writes to one object of a request: the request's facts bound once. */
function admitter(
  services: ResourceHandlerServices,
  definition: ResourceDefinition,
  info: ResourceRequestInfo,
  namespace: string,
  subresource: string,
  user: UserInfo | undefined,
  warnings: string[],
): Admit {
  return async (operation, object, oldObject, dryRun) => {
    // A retried update admits again: keep the last attempt's warnings only.
    warnings.length = 0;
    const given = await services.admit({
      operation,
      definition,
      subresource,
      namespace,
      name: info.name !== '' ? info.name : (object?.metadata.name ?? ''),
      object,
      oldObject,
      dryRun,
      user: user ?? UNAUTHENTICATED,
    });
    warnings.push(...given);
  };
}

function ensureVerb(definition: ResourceDefinition, verb: string, subresource: string): void {
  if (subresource !== '') return;
  if (!(definition.verbs as readonly string[]).includes(verb)) {
    throw methodNotAllowed(`the server does not allow this method on the requested resource`);
  }
}

async function handleMainVerbs(
  services: ResourceHandlerServices,
  resource: RegisteredResource,
  info: ResourceRequestInfo,
  url: RequestUrl,
  request: IncomingRequest,
  response: OutgoingResponse,
  namespace: string,
  subresource: string,
): Promise<void> {
  const { definition, store } = resource;
  ensureVerb(definition, info.verb, subresource);
  const admissionWarnings: string[] = [];
  const admit = admitter(services, definition, info, namespace, subresource, url.user, admissionWarnings);
  if (subresource !== '' && !['get', 'update', 'patch'].includes(info.verb)) {
    throw methodNotAllowed('the server does not allow this method on the requested resource');
  }
  const renderings = info.verb === 'list' || info.verb === 'watch' || info.verb === 'get' ? (['Table', 'PartialObjectMetadata', 'PartialObjectMetadataList'] as const) : (['Table', 'PartialObjectMetadata'] as const);
  const negotiated = negotiate(request.headers.accept, { renderings });

  switch (info.verb) {
    case 'get': {
      const query = parseQuery(listQuery, url.query);
      const object = await store.get(namespace, info.name, query.resourceVersion);
      return sendRendered(services, definition, response, 200, object, negotiated, query.includeObject);
    }
    case 'list': {
      const query = parseQuery(listQuery, url.query);
      validateListOptions({ ...query, watch: false });
      const selection = services.selector(definition, query.labelSelector, query.fieldSelector);
      const listRequest: ListRequest = {
        namespace,
        matches: selection.matches,
        filtered: selection.filtered,
        limit: query.limit,
        continueToken: query.continue,
        resourceVersion: query.resourceVersion,
        resourceVersionMatch: query.resourceVersionMatch,
      };
      const list = await store.list(listRequest);
      const listMeta: { resourceVersion: string; continue?: string; remainingItemCount?: number } = { resourceVersion: list.resourceVersion };
      if (list.continueToken !== undefined) listMeta.continue = list.continueToken;
      if (list.remainingItemCount !== undefined) listMeta.remainingItemCount = list.remainingItemCount;
      if (negotiated.rendering === 'Table') {
        const table = services.toTable(definition, list.items, { includeObject: query.includeObject ?? 'Metadata', listMeta });
        return sendObject(response, 200, table, negotiated);
      }
      if (negotiated.rendering === 'PartialObjectMetadataList') {
        return sendObject(response, 200, {
          kind: 'PartialObjectMetadataList',
          apiVersion: `meta.k8s.io/${negotiated.version ?? 'v1'}`,
          metadata: listMeta,
          items: list.items.map((item) => partialMetadata(item, negotiated.version)),
        }, negotiated);
      }
      return sendObject(response, 200, {
        kind: definition.listKind,
        apiVersion: apiVersionOf(definition),
        metadata: listMeta,
        items: list.items.map((item) => itemForList(item, definition)),
      }, negotiated);
    }
    case 'watch':
      return handleWatch(services, resource, info, url, response, namespace, negotiated);
    case 'create': {
      const write = parseQuery(writeQuery, url.query);
      const { object, warnings } = services.decodeObject(definition, await services.readObject(definition, request), write.fieldValidation);
      await admit('CREATE', object, undefined, write.dryRun);
      const created = await store.create(namespace, object, { dryRun: write.dryRun, manager: managerOf(write, request) });
      return sendRendered(services, definition, response, 201, created, negotiated, undefined, [...warnings, ...admissionWarnings]);
    }
    case 'update': {
      const write = parseQuery(writeQuery, url.query);
      const { object, warnings } = services.decodeObject(definition, await services.readObject(definition, request), write.fieldValidation);
      const result = await store.update(
        namespace,
        info.name,
        async (current) => {
          await admit(current === undefined ? 'CREATE' : 'UPDATE', object, current, write.dryRun);
          return structuredClone(object);
        },
        { dryRun: write.dryRun, subresource, manager: managerOf(write, request) },
      );
      return sendRendered(services, definition, response, result.created ? 201 : 200, result.object, negotiated, undefined, [...warnings, ...admissionWarnings]);
    }
    case 'patch': {
      const write = parseQuery(writeQuery, url.query);
      const kind = patchType(request.headers['content-type']);
      validatePatchOptions(write, kind === 'apply');
      if (kind === 'apply') return handleApply(services, resource, info, write, request, response, namespace, subresource, negotiated, admit, admissionWarnings);
      const body = await readBody(request);
      const warnings: string[] = [];
      const result = await store.update(
        namespace,
        info.name,
        async (current) => {
          if (current === undefined) throw notFound({ group: definition.group, resource: definition.plural }, info.name);
          const patched = services.applyPatch(definition, kind, current, body, { fieldValidation: write.fieldValidation, warnings });
          const decoded = services.decodeObject(definition, patched, write.fieldValidation);
          warnings.push(...decoded.warnings);
          // A patch that does not name a resourceVersion applies to whatever is current.
          if (patched.metadata?.resourceVersion === current.metadata.resourceVersion) delete decoded.object.metadata.resourceVersion;
          await admit('UPDATE', decoded.object, current, write.dryRun);
          return decoded.object;
        },
        { dryRun: write.dryRun, subresource, allowCreate: false, manager: managerOf(write, request) },
      );
      return sendRendered(services, definition, response, 200, result.object, negotiated, undefined, [...warnings, ...admissionWarnings]);
    }
    case 'delete': {
      const options = await deleteOptions(services, request, url.query);
      const current = await store.get(namespace, info.name);
      await admit('DELETE', undefined, current, options.dryRun);
      const outcome = await store.delete(namespace, info.name, options);
      if (outcome.deleted) {
        const status = successStatus({ name: info.name, kind: definition.plural, uid: outcome.object.metadata.uid ?? '' });
        if (definition.group !== '') status.details!.group = definition.group;
        return sendObject(response, 200, status satisfies Status, negotiated);
      }
      // Upstream answers 202 for an object that stays only when the (deprecated)
      // orphanDependents=false asked for cascading; otherwise 200, body the object.
      return sendRendered(services, definition, response, options.cascadingRequested === true ? 202 : 200, outcome.object, negotiated, undefined, admissionWarnings);
    }
    case 'deletecollection': {
      const options = await deleteOptions(services, request, url.query);
      const query = parseQuery(listQuery, url.query);
      const selection = services.selector(definition, query.labelSelector, query.fieldSelector);
      const deleted = await store.deleteCollection({ namespace, matches: selection.matches, filtered: selection.filtered, resourceVersion: '' }, options);
      return sendObject(response, 200, {
        kind: definition.listKind,
        apiVersion: apiVersionOf(definition),
        metadata: {},
        items: deleted.map((item) => itemForList(item, definition)),
      }, negotiated);
    }
  }
}

/**
 * The manager of a write: the fieldManager parameter, else the User-Agent's
 * product name (`kubectl/v1.32.0 (linux/amd64)…` → `kubectl`), as upstream.
 */
function managerOf(write: { readonly fieldManager?: string | undefined }, request: IncomingRequest): string {
  if (write.fieldManager !== undefined && write.fieldManager !== '') return write.fieldManager;
  const agent = request.headers['user-agent'];
  return typeof agent === 'string' ? (agent.split('/')[0] ?? '') : '';
}

/** ValidatePatchOptions: force belongs to apply, and apply needs a fieldManager. */
function validatePatchOptions(write: { readonly fieldManager?: string | undefined; readonly force?: boolean | undefined }, apply: boolean): void {
  const errors: FieldError[] = [];
  if (!apply && write.force !== undefined) errors.push({ type: 'FieldValueForbidden', field: 'force', detail: 'may not be specified for non-apply patch' });
  if (apply && (write.fieldManager ?? '') === '') errors.push({ type: 'FieldValueRequired', field: 'fieldManager', detail: 'is required for apply patch' });
  // eslint-disable-next-line no-control-regex
  if (write.fieldManager !== undefined && /[\u0000-\u001f\u007f]/.test(write.fieldManager)) {
    errors.push({ type: 'FieldValueInvalid', field: 'fieldManager', value: write.fieldManager, hasValue: true, detail: 'must only contain printable characters' });
  }
  if (errors.length > 0) throw invalid('PatchOptions', 'meta.k8s.io', '', errors);
}

/**
 * PATCH with application/apply-patch+yaml: server-side apply. The body is
 * the applier's whole intent (apiVersion, kind, name, the fields it
 * manages); the object is created when it does not exist.
 */
async function handleApply(
  services: ResourceHandlerServices,
  resource: RegisteredResource,
  info: ResourceRequestInfo,
  write: ReturnType<typeof writeQuery.parse>,
  request: IncomingRequest,
  response: OutgoingResponse,
  namespace: string,
  subresource: string,
  negotiated: Negotiated,
  admit: Admit,
  admissionWarnings: readonly string[],
): Promise<void> {
  const { definition, store } = resource;
  const expectedVersion = apiVersionOf(definition);
  if (mediaType(request.headers['content-type']) !== APPLY_PATCH_MEDIA_TYPE) throw unsupportedMediaType(mediaType(request.headers['content-type']));
  const body = await services.readObject(definition, request, 'yaml');
  // readObject hands back the parsed body, for built-ins wrapped with its key structure (ParsedBody).
  const raw = (typeof body === 'object' && body !== null && 'format' in body && 'value' in body ? (body as { value: unknown }).value : body) as Partial<KubeObject> | undefined;
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw badRequest('the apply patch must be an object');
  if (raw.apiVersion !== expectedVersion) {
    throw badRequest(`Incorrect version specified in apply patch. Specified patch version: ${raw.apiVersion ?? ''}, expected: ${expectedVersion}`);
  }
  const { object: config, warnings } = services.decodeObject(definition, body, write.fieldValidation);
  const name = config.metadata.name;
  if (name !== undefined && name !== '' && name !== info.name) {
    throw badRequest(`the name of the object (${name}) does not match the name on the URL (${info.name})`);
  }
  const manager = write.fieldManager!;
  const result = await store.update(
    namespace,
    info.name,
    async (current) => {
      const applied = services.applyConfiguration(definition, current, structuredClone(config), { manager, force: write.force === true, subresource });
      if (current === undefined) {
        applied.metadata.name = info.name;
        if (definition.scope === 'Namespaced') applied.metadata.namespace = namespace;
      }
      await admit(current === undefined ? 'CREATE' : 'UPDATE', applied, current, write.dryRun);
      return applied;
    },
    { dryRun: write.dryRun, subresource, allowCreate: subresource === '', manager, managedFieldsComputed: true },
  );
  return sendRendered(services, definition, response, result.created ? 201 : 200, result.object, negotiated, undefined, [...warnings, ...admissionWarnings]);
}

async function deleteOptions(services: ResourceHandlerServices, request: IncomingRequest, query: URLSearchParams): Promise<DeleteRequest & { readonly cascadingRequested: boolean }> {
  return deleteRequestFrom(await services.readBodyAs(DELETE_OPTIONS_SCHEMA, request), query);
}

/** DeleteOptions (a body, undefined for none, and the query's options) as a store DeleteRequest; 400 when invalid. */
export function deleteRequestFrom(raw: unknown, query: URLSearchParams): DeleteRequest & { readonly cascadingRequested: boolean } {
  const fromQuery = parseQuery(deleteQuery, query);
  let body: ReturnType<typeof deleteOptionsBody.parse> = {};
  if (raw !== undefined) {
    const parsed = deleteOptionsBody.safeParse(raw);
    if (!parsed.success) throw badRequest(`invalid DeleteOptions: ${parsed.error.issues[0]!.path.join('.')}: ${parsed.error.issues[0]!.message}`);
    body = parsed.data;
  }
  const dryRunValues = body.dryRun ?? [];
  for (const value of dryRunValues) if (value !== 'All') throw badRequest(`Invalid dry run value: Unsupported value: "${value}": supported values: "All"`);
  const grace = body.gracePeriodSeconds ?? fromQuery.gracePeriodSeconds;
  let propagation = body.propagationPolicy ?? fromQuery.propagationPolicy;
  const orphan = body.orphanDependents ?? fromQuery.orphanDependents;
  if (orphan !== undefined && propagation !== undefined) {
    throw badRequest('DeleteOptions is invalid: propagationPolicy: Invalid value: "' + propagation + '": orphanDependents and deletionPropagation cannot be both set');
  }
  if (orphan !== undefined) propagation = orphan ? 'Orphan' : 'Background';
  const cascadingRequested = orphan === false;
  const preconditions: { uid?: string; resourceVersion?: string } = {};
  if (body.preconditions?.uid) preconditions.uid = body.preconditions.uid;
  if (body.preconditions?.resourceVersion) preconditions.resourceVersion = body.preconditions.resourceVersion;
  const result: { -readonly [K in keyof DeleteRequest]: DeleteRequest[K] } = { dryRun: fromQuery.dryRun || dryRunValues.length > 0 };
  if (grace !== undefined && grace !== null) {
    if (grace < 0) throw badRequest('DeleteOptions.gracePeriodSeconds: Invalid value: ' + grace + ': must be greater than or equal to 0');
    result.gracePeriodSeconds = grace;
  }
  if (propagation !== undefined && propagation !== null) result.propagationPolicy = propagation;
  if (Object.keys(preconditions).length > 0) result.preconditions = preconditions;
  return { ...result, cascadingRequested };
}

/** Typed lists of built-in kinds carry items without apiVersion/kind (as upstream's); custom resources keep them. */
function itemForList(item: KubeObject, definition: ResourceDefinition): KubeObject {
  if (definition.strategy.listItemsKeepTypeMeta === true) return item;
  const { apiVersion: _apiVersion, kind: _kind, ...rest } = item;
  return rest as KubeObject;
}

function partialMetadata(object: KubeObject, version = 'v1'): object {
  return { kind: 'PartialObjectMetadata', apiVersion: `meta.k8s.io/${version}`, metadata: object.metadata };
}

function sendRendered(
  services: ResourceHandlerServices,
  definition: ResourceDefinition,
  response: OutgoingResponse,
  code: number,
  object: KubeObject,
  negotiated: Negotiated,
  includeObject?: 'None' | 'Metadata' | 'Object',
  warnings: readonly string[] = [],
): void {
  let body: unknown = object;
  if (negotiated.rendering === 'Table') body = services.toTable(definition, [object], { includeObject: includeObject ?? 'Metadata', listMeta: { resourceVersion: object.metadata.resourceVersion ?? '' } });
  else if (negotiated.rendering === 'PartialObjectMetadata') body = partialMetadata(object, negotiated.version);
  sendObject(response, code, body, negotiated, { warnings });
}

async function handleWatch(
  services: ResourceHandlerServices,
  resource: RegisteredResource,
  info: ResourceRequestInfo,
  url: RequestUrl,
  response: OutgoingResponse,
  namespace: string,
  negotiated: Negotiated,
): Promise<void> {
  const { definition, store } = resource;
  const query = parseQuery(listQuery, url.query);
  validateListOptions({ ...query, watch: true });
  const selection = services.selector(definition, query.labelSelector, query.fieldSelector);
  // A watch of one object (GET …/pods/NAME?watch=1, or fieldSelector metadata.name=NAME).
  const name = info.name !== '' ? info.name : undefined;
  const timeoutMs = query.timeoutSeconds !== undefined && query.timeoutSeconds > 0 ? query.timeoutSeconds * 1000 : services.watchTimeoutMs();
  const apiVersion = apiVersionOf(definition);
  let firstTableEvent = true;
  const render = (message: WatcherMessage): WireEvent => {
    const plain = plainEvent(message, definition.kind, apiVersion);
    if (message.kind === 'bookmark' || negotiated.rendering === 'object') return plain;
    if (negotiated.rendering === 'Table') {
      const table = services.toTable(definition, [message.object], { includeObject: query.includeObject ?? 'Metadata', omitColumns: !firstTableEvent });
      firstTableEvent = false;
      return { type: plain.type, object: table };
    }
    return { type: plain.type, object: partialMetadata(message.object, negotiated.version) };
  };
  const stream = new WatchStream(response, {
    contentType: negotiated.rendering === 'object' ? negotiated.contentType : negotiated.contentType,
    format: negotiated.format,
    timeoutMs,
    render,
    logger: services.logger,
  });
  try {
    const stop = await store.watch(
      {
        namespace,
        name,
        matches: selection.matches,
        resourceVersion: query.resourceVersion,
        resourceVersionMatch: query.resourceVersionMatch,
        sendInitialEvents: query.sendInitialEvents,
        allowBookmarks: query.allowWatchBookmarks === true,
      },
      stream.push,
      stream.end,
      () => stream.pending,
    );
    stream.onEnd(stop);
  } catch (error) {
    // The stream has started (200 and headers sent): errors go out as an ERROR event, as upstream does.
    const status = (error as { status?: Status }).status;
    stream.fail(status ?? { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: String(error), reason: 'InternalError', code: 500 });
  }
}

async function handleScale(
  services: ResourceHandlerServices,
  resource: RegisteredResource,
  info: ResourceRequestInfo,
  url: RequestUrl,
  request: IncomingRequest,
  response: OutgoingResponse,
  namespace: string,
): Promise<void> {
  const { definition, store } = resource;
  const scale = definition.subresources.scale!;
  const admissionWarnings: string[] = [];
  const admit = admitter(services, definition, info, namespace, 'scale', url.user, admissionWarnings);
  const negotiated = negotiate(request.headers.accept, { renderings: [] });
  const toScale = (object: KubeObject): object => {
    const selectorValue = scale.labelSelectorPath !== undefined ? readPath(object, scale.labelSelectorPath) : undefined;
    const status: Record<string, unknown> = { replicas: Number(readPath(object, scale.statusReplicasPath) ?? 0) };
    if (selectorValue !== undefined) status['selector'] = typeof selectorValue === 'string' ? selectorValue : scaleSelector(selectorValue);
    return {
      kind: 'Scale',
      apiVersion: 'autoscaling/v1',
      metadata: {
        name: object.metadata.name,
        namespace: object.metadata.namespace,
        uid: object.metadata.uid,
        resourceVersion: object.metadata.resourceVersion,
        creationTimestamp: object.metadata.creationTimestamp,
      },
      spec: { replicas: Number(readPath(object, scale.specReplicasPath) ?? 0) },
      status,
    };
  };
  switch (info.verb) {
    case 'get':
      return sendObject(response, 200, toScale(await store.get(namespace, info.name)), negotiated);
    case 'update':
    case 'patch': {
      const write = parseQuery(writeQuery, url.query);
      const body = await readBody(request);
      const result = await store.update(
        namespace,
        info.name,
        async (current) => {
          if (current === undefined) throw notFound({ group: definition.group, resource: definition.plural }, info.name);
          const currentScale = toScale(current) as KubeObject;
          const desired =
            info.verb === 'update'
              ? (parseBody(body, bodyFormat(request.headers['content-type'])) as KubeObject)
              : services.applyPatch(scaleDefinition, patchType(request.headers['content-type']) as 'json' | 'merge' | 'strategic', currentScale, body);
          const replicas = (desired as { spec?: { replicas?: unknown } }).spec?.replicas;
          if (typeof replicas !== 'number' || !Number.isInteger(replicas) || replicas < 0) {
            throw badRequest(`Scale.autoscaling "${info.name}" is invalid: spec.replicas: Invalid value: ${JSON.stringify(replicas ?? null)}: must be greater than or equal to 0`);
          }
          const next = structuredClone(current);
          writePath(next, scale.specReplicasPath, replicas);
          const expected = desired.metadata?.resourceVersion;
          if (expected !== undefined && expected !== '' && expected !== current.metadata.resourceVersion) next.metadata.resourceVersion = expected;
          await admit('UPDATE', next, current, write.dryRun);
          return next;
        },
        { dryRun: write.dryRun, subresource: 'scale', manager: managerOf(write, request) },
      );
      return sendObject(response, 200, toScale(result.object), negotiated, { warnings: admissionWarnings });
    }
    default:
      throw methodNotAllowed('the server does not allow this method on the requested resource');
  }
}

/** A stand-in definition for patching Scale objects (autoscaling/v1). */
const scaleDefinition: ResourceDefinition = {
  group: 'autoscaling',
  version: 'v1',
  kind: 'Scale',
  listKind: 'ScaleList',
  plural: 'scales',
  singular: 'scale',
  scope: 'Namespaced',
  shortNames: [],
  categories: [],
  verbs: [],
  subresources: {},
  schemaName: 'io.k8s.api.autoscaling.v1.Scale',
  storagePrefix: '',
  strategy: {},
};

/** Reads `.spec.replicas`-style JSON paths (the form CRDs use for scale paths). */
export function readPath(object: unknown, path: string): unknown {
  let current: unknown = object;
  for (const part of path.replace(/^\./, '').split('.')) {
    if (typeof current !== 'object' || current === null) return undefined;
    current = (current as Record<string, unknown>)[part];
  }
  return current;
}

function writePath(object: Record<string, unknown>, path: string, value: unknown): void {
  const parts = path.replace(/^\./, '').split('.');
  let current = object;
  for (const part of parts.slice(0, -1)) {
    if (typeof current[part] !== 'object' || current[part] === null) current[part] = {};
    current = current[part] as Record<string, unknown>;
  }
  current[parts[parts.length - 1]!] = value;
}

/**
 * Scale.status.selector: a metav1.LabelSelector in its string form, or a
 * plain label map (ReplicationControllers) as `key=value,…`; empty for none.
 */
function scaleSelector(selector: unknown): string {
  const isLabelSelector = typeof selector === 'object' && selector !== null && ('matchLabels' in selector || 'matchExpressions' in selector);
  const text = isLabelSelector ? selectorText(selector) : labelsText(selector);
  return text === '<none>' ? '' : text;
}
