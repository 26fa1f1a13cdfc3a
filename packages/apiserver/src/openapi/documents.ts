import { createHash } from 'node:crypto';
import type { ResourceDefinition } from '../resources/types.js';
import type { Schema, SchemaRegistry } from '../schema/types.js';
import { closure, toV2, toV3 } from './schemas.js';

/**
 * The OpenAPI documents of the API: /openapi/v3 (an index of one document
 * per group version, which kubectl reads for explain, apply and its
 * server-side validation check) and /openapi/v2 (one Swagger document).
 * Built from the served resource definitions and the schema registry, so
 * custom resources appear as soon as they are served.
 */
export interface OpenApiInfo {
  readonly version: string;
}

const META = 'io.k8s.apimachinery.pkg.apis.meta.v1';
const PATCH_DEFINITION = `${META}.Patch`;
const STATUS_DEFINITION = `${META}.Status`;
const DELETE_OPTIONS = `${META}.DeleteOptions`;

/** Definitions every document may need that the registry might not have. */
const EXTRA_DEFINITIONS: Record<string, Schema> = {
  [PATCH_DEFINITION]: { type: 'object', description: 'Patch is provided to give a concrete name and type to the Kubernetes PATCH request body.' },
};

interface Parameter {
  readonly name: string;
  readonly in: 'query' | 'path';
  readonly description: string;
  readonly required?: boolean;
  readonly type: 'string' | 'boolean' | 'integer';
}

const QUERY: Readonly<Record<string, Parameter>> = {
  pretty: { name: 'pretty', in: 'query', type: 'string', description: "If 'true', then the output is pretty printed. Defaults to 'false' unless the user-agent indicates a browser or command-line HTTP tool (curl and wget)." },
  dryRun: { name: 'dryRun', in: 'query', type: 'string', description: 'When present, indicates that modifications should not be persisted. An invalid or unrecognized dryRun directive will result in an error response and no further processing of the request. Valid values are: - All: all dry run stages will be processed' },
  fieldManager: { name: 'fieldManager', in: 'query', type: 'string', description: 'fieldManager is a name associated with the actor or entity that is making these changes. The value must be less than or 128 characters long, and only contain printable characters, as defined by https://golang.org/pkg/unicode/#IsPrint.' },
  fieldValidation: {
    name: 'fieldValidation',
    in: 'query',
    type: 'string',
    description:
      'fieldValidation instructs the server on how to handle objects in the request (POST/PUT/PATCH) containing unknown or duplicate fields. Valid values are: - Ignore: This will ignore any unknown fields that are silently dropped from the object, and will ignore all but the last duplicate field that the decoder encounters. This is the default behavior prior to v1.23. - Warn: This will send a warning via the standard warning response header for each unknown field that is dropped from the object, and for each duplicate field that is encountered. The request will still succeed if there are no other errors, and will only persist the last of any duplicate fields. This is the default in v1.23+ - Strict: This will fail the request with a BadRequest error if any unknown fields would be dropped from the object, or if any duplicate fields are present. The error returned from the server will contain all unknown and duplicate fields encountered.',
  },
  force: { name: 'force', in: 'query', type: 'boolean', description: 'Force is going to "force" Apply requests. It means user will re-acquire conflicting fields owned by other people. Force flag must be unset for non-apply patch requests.' },
  gracePeriodSeconds: { name: 'gracePeriodSeconds', in: 'query', type: 'integer', description: 'The duration in seconds before the object should be deleted.' },
  propagationPolicy: { name: 'propagationPolicy', in: 'query', type: 'string', description: "Whether and how garbage collection will be performed. Acceptable values are: 'Orphan', 'Background', 'Foreground'." },
  orphanDependents: { name: 'orphanDependents', in: 'query', type: 'boolean', description: 'Deprecated: please use the PropagationPolicy, this field will be deprecated in 1.7.' },
  allowWatchBookmarks: { name: 'allowWatchBookmarks', in: 'query', type: 'boolean', description: 'allowWatchBookmarks requests watch events with type "BOOKMARK".' },
  continue: { name: 'continue', in: 'query', type: 'string', description: 'The continue option should be set when retrieving more results from the server.' },
  fieldSelector: { name: 'fieldSelector', in: 'query', type: 'string', description: 'A selector to restrict the list of returned objects by their fields. Defaults to everything.' },
  labelSelector: { name: 'labelSelector', in: 'query', type: 'string', description: 'A selector to restrict the list of returned objects by their labels. Defaults to everything.' },
  limit: { name: 'limit', in: 'query', type: 'integer', description: 'limit is a maximum number of responses to return for a list call.' },
  resourceVersion: { name: 'resourceVersion', in: 'query', type: 'string', description: 'resourceVersion sets a constraint on what resource versions a request may be served from.' },
  resourceVersionMatch: { name: 'resourceVersionMatch', in: 'query', type: 'string', description: 'resourceVersionMatch determines how resourceVersion is applied to list calls.' },
  sendInitialEvents: { name: 'sendInitialEvents', in: 'query', type: 'boolean', description: '`sendInitialEvents=true` may be set together with `watch=true`.' },
  timeoutSeconds: { name: 'timeoutSeconds', in: 'query', type: 'integer', description: 'Timeout for the list/watch call.' },
  watch: { name: 'watch', in: 'query', type: 'boolean', description: 'Watch for changes to the described resources and return them as a stream of add, update, and remove notifications.' },
};

const LIST_PARAMETERS = ['allowWatchBookmarks', 'continue', 'fieldSelector', 'labelSelector', 'limit', 'resourceVersion', 'resourceVersionMatch', 'sendInitialEvents', 'timeoutSeconds', 'watch'];
const WRITE_PARAMETERS = ['dryRun', 'fieldManager', 'fieldValidation'];

type Action = 'get' | 'list' | 'post' | 'put' | 'patch' | 'delete' | 'deletecollection';

interface Operation {
  readonly method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  /** Custom resources take no strategic merge patch: kubectl reads PATCH's media types to choose its patch. */
  readonly origin?: 'builtin' | 'custom';
  readonly action: Action;
  readonly operationId: string;
  readonly description: string;
  readonly query: readonly string[];
  /** Request body definition (post/put/patch). */
  readonly body?: string;
  readonly response: string;
  readonly gvk: { group: string; version: string; kind: string };
}

interface PathItem {
  readonly path: string;
  readonly pathParameters: readonly Parameter[];
  readonly operations: Operation[];
}

/** `apps` → `Apps`, `rbac.authorization.k8s.io` → `RbacAuthorization`, core → `Core`. */
function groupWord(group: string): string {
  if (group === '') return 'Core';
  return group
    .replace(/\.k8s\.io$/, '')
    .split(/[.-]/)
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function subresourceKind(definition: ResourceDefinition, subresource: string): { group: string; version: string; kind: string; schema: string } {
  if (subresource === 'scale') return { group: 'autoscaling', version: 'v1', kind: 'Scale', schema: 'io.k8s.api.autoscaling.v1.Scale' };
  return { group: definition.group, version: definition.version, kind: definition.kind, schema: definition.schemaName };
}

/** The paths of one resource, as upstream's installer lays them out. */
function pathsOf(definition: ResourceDefinition, listSchema: string | undefined): PathItem[] {
  const base = definition.group === '' ? `/api/${definition.version}` : `/apis/${definition.group}/${definition.version}`;
  const namespaced = definition.scope === 'Namespaced';
  const prefix = namespaced ? `${base}/namespaces/{namespace}` : base;
  const id = `${groupWord(definition.group)}${capitalize(definition.version)}${namespaced ? 'Namespaced' : ''}${definition.kind}`;
  const gvk = { group: definition.group, version: definition.version, kind: definition.kind };
  const verbs = new Set(definition.verbs);
  const namespaceParameter: Parameter = { name: 'namespace', in: 'path', required: true, type: 'string', description: 'object name and auth scope, such as for teams and projects' };
  const nameParameter: Parameter = { name: 'name', in: 'path', required: true, type: 'string', description: `name of the ${definition.kind}` };
  const items: PathItem[] = [];

  const collection: Operation[] = [];
  if (verbs.has('list') && listSchema !== undefined) {
    collection.push({ method: 'get', action: 'list', operationId: `list${id}`, description: `list or watch objects of kind ${definition.kind}`, query: ['pretty', ...LIST_PARAMETERS], response: listSchema, gvk });
  }
  if (verbs.has('create')) {
    collection.push({ method: 'post', action: 'post', operationId: `create${id}`, description: `create a ${definition.kind}`, query: ['pretty', ...WRITE_PARAMETERS], body: definition.schemaName, response: definition.schemaName, gvk });
  }
  if (verbs.has('deletecollection')) {
    collection.push({ method: 'delete', action: 'deletecollection', operationId: `deleteCollection${id}`, description: `delete collection of ${definition.kind}`, query: ['pretty', 'dryRun', 'gracePeriodSeconds', 'orphanDependents', 'propagationPolicy', ...LIST_PARAMETERS.filter((name) => name !== 'watch' && name !== 'allowWatchBookmarks')], body: DELETE_OPTIONS, response: STATUS_DEFINITION, gvk });
  }
  if (collection.length > 0) items.push({ path: `${prefix}/${definition.plural}`, pathParameters: namespaced ? [namespaceParameter] : [], operations: collection });

  const single: Operation[] = [];
  if (verbs.has('get')) single.push({ method: 'get', action: 'get', operationId: `read${id}`, description: `read the specified ${definition.kind}`, query: ['pretty'], response: definition.schemaName, gvk });
  if (verbs.has('update')) single.push({ method: 'put', action: 'put', operationId: `replace${id}`, description: `replace the specified ${definition.kind}`, query: ['pretty', ...WRITE_PARAMETERS], body: definition.schemaName, response: definition.schemaName, gvk });
  if (verbs.has('patch')) single.push({ method: 'patch', action: 'patch', operationId: `patch${id}`, description: `partially update the specified ${definition.kind}`, query: ['pretty', ...WRITE_PARAMETERS, 'force'], body: PATCH_DEFINITION, response: definition.schemaName, gvk, origin: definition.origin });
  if (verbs.has('delete')) single.push({ method: 'delete', action: 'delete', operationId: `delete${id}`, description: `delete a ${definition.kind}`, query: ['pretty', 'dryRun', 'gracePeriodSeconds', 'orphanDependents', 'propagationPolicy'], body: DELETE_OPTIONS, response: STATUS_DEFINITION, gvk });
  if (single.length > 0) items.push({ path: `${prefix}/${definition.plural}/{name}`, pathParameters: namespaced ? [nameParameter, namespaceParameter] : [nameParameter], operations: single });

  for (const subresource of ['status', 'scale'] as const) {
    if (subresource === 'status' && definition.subresources.status !== true) continue;
    if (subresource === 'scale' && definition.subresources.scale === undefined) continue;
    const kind = subresourceKind(definition, subresource);
    const subGvk = { group: kind.group, version: kind.version, kind: kind.kind };
    const subId = `${id}${capitalize(subresource)}`;
    items.push({
      path: `${prefix}/${definition.plural}/{name}/${subresource}`,
      pathParameters: namespaced ? [nameParameter, namespaceParameter] : [nameParameter],
      operations: [
        { method: 'get', action: 'get', operationId: `read${subId}`, description: `read ${subresource} of the specified ${definition.kind}`, query: ['pretty'], response: kind.schema, gvk: subGvk },
        { method: 'put', action: 'put', operationId: `replace${subId}`, description: `replace ${subresource} of the specified ${definition.kind}`, query: ['pretty', ...WRITE_PARAMETERS], body: kind.schema, response: kind.schema, gvk: subGvk },
        { method: 'patch', action: 'patch', operationId: `patch${subId}`, description: `partially update ${subresource} of the specified ${definition.kind}`, query: ['pretty', ...WRITE_PARAMETERS, 'force'], body: PATCH_DEFINITION, response: kind.schema, gvk: subGvk, origin: definition.origin },
      ],
    });
  }
  if (namespaced && verbs.has('list') && listSchema !== undefined) {
    items.push({
      path: `${base}/${definition.plural}`,
      pathParameters: [],
      operations: [{ method: 'get', action: 'list', operationId: `list${groupWord(definition.group)}${capitalize(definition.version)}${definition.kind}ForAllNamespaces`, description: `list or watch objects of kind ${definition.kind}`, query: ['pretty', ...LIST_PARAMETERS], response: listSchema, gvk }],
    });
  }
  return items;
}

const PATCH_TYPES = ['application/apply-patch+yaml', 'application/json-patch+json', 'application/merge-patch+json', 'application/strategic-merge-patch+json'];
const RESPONSE_TYPES = ['application/json', 'application/yaml', 'application/vnd.kubernetes.protobuf'];

function patchTypes(operation: Operation): readonly string[] {
  return operation.origin === 'custom' ? PATCH_TYPES.filter((type) => type !== 'application/strategic-merge-patch+json') : PATCH_TYPES;
}

function tag(definition: ResourceDefinition): string {
  return `${groupWord(definition.group).replace(/^./, (c) => c.toLowerCase())}_${definition.version}`;
}

function v3Operation(operation: Operation, tagName: string): Record<string, unknown> {
  const ref = (name: string): Record<string, unknown> => ({ $ref: `#/components/schemas/${name}` });
  const result: Record<string, unknown> = {
    tags: [tagName],
    description: operation.description,
    operationId: operation.operationId,
    parameters: operation.query.map((name) => {
      const parameter = QUERY[name]!;
      return { name: parameter.name, in: 'query', description: parameter.description, schema: { type: parameter.type, uniqueItems: true } };
    }),
    responses: {
      '200': { description: 'OK', content: Object.fromEntries(RESPONSE_TYPES.map((type) => [type, { schema: ref(operation.response) }])) },
      '401': { description: 'Unauthorized' },
    },
    'x-kubernetes-action': operation.action,
    'x-kubernetes-group-version-kind': operation.gvk,
  };
  if (operation.body !== undefined) {
    const types = operation.method === 'patch' ? patchTypes(operation) : ['*/*'];
    result['requestBody'] = { content: Object.fromEntries(types.map((type) => [type, { schema: ref(operation.body!) }])), required: operation.method !== 'delete' };
  }
  if (operation.method === 'post') (result['responses'] as Record<string, unknown>)['201'] = { description: 'Created', content: Object.fromEntries(RESPONSE_TYPES.map((type) => [type, { schema: ref(operation.response) }])) };
  return result;
}

function v2Operation(operation: Operation, tagName: string): Record<string, unknown> {
  const ref = (name: string): Record<string, unknown> => ({ $ref: `#/definitions/${name}` });
  const parameters: Record<string, unknown>[] = operation.query.map((name) => {
    const parameter = QUERY[name]!;
    return { uniqueItems: true, type: parameter.type, description: parameter.description, name: parameter.name, in: 'query' };
  });
  if (operation.body !== undefined) parameters.unshift({ name: 'body', in: 'body', required: operation.method !== 'delete', schema: ref(operation.body) });
  return {
    description: operation.description,
    consumes: operation.method === 'patch' ? patchTypes(operation) : ['*/*'],
    produces: RESPONSE_TYPES,
    schemes: ['https'],
    tags: [tagName],
    operationId: operation.operationId,
    parameters,
    responses: { '200': { description: 'OK', schema: ref(operation.response) }, '401': { description: 'Unauthorized' } },
    'x-kubernetes-action': operation.action,
    'x-kubernetes-group-version-kind': operation.gvk,
  };
}

function listSchemaOf(definition: ResourceDefinition, registry: SchemaRegistry): string | undefined {
  const name = `${definition.schemaName}List`;
  return registry.get(name) !== undefined ? name : undefined;
}

function definitionOf(name: string, registry: SchemaRegistry): Schema | undefined {
  return registry.get(name) ?? EXTRA_DEFINITIONS[name];
}

/** One group version's OpenAPI v3 document. */
export function buildOpenApiV3GroupVersion(definitions: readonly ResourceDefinition[], registry: SchemaRegistry, info: OpenApiInfo): object {
  const paths: Record<string, Record<string, unknown>> = {};
  const roots = new Set<string>([STATUS_DEFINITION, DELETE_OPTIONS, PATCH_DEFINITION]);
  for (const definition of definitions) {
    const list = listSchemaOf(definition, registry);
    for (const item of pathsOf(definition, list)) {
      const entry: Record<string, unknown> = {};
      if (item.pathParameters.length > 0) {
        entry['parameters'] = item.pathParameters.map((parameter) => ({ name: parameter.name, in: parameter.in, description: parameter.description, required: true, schema: { type: 'string', uniqueItems: true } }));
      }
      for (const operation of item.operations) {
        entry[operation.method] = v3Operation(operation, tag(definition));
        roots.add(operation.response);
        if (operation.body !== undefined) roots.add(operation.body);
      }
      paths[item.path] = entry;
    }
  }
  const schemas: Record<string, unknown> = {};
  for (const name of closure(registryWithExtras(registry), roots)) {
    const schema = definitionOf(name, registry);
    if (schema !== undefined) schemas[name] = toV3(schema);
  }
  return { openapi: '3.0.0', info: { title: 'Kubernetes', version: info.version }, paths, components: { schemas } };
}

/** The whole API in one Swagger 2.0 document. */
export function buildOpenApiV2(definitions: readonly ResourceDefinition[], registry: SchemaRegistry, info: OpenApiInfo): object {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const definition of definitions) {
    const list = listSchemaOf(definition, registry);
    for (const item of pathsOf(definition, list)) {
      const entry: Record<string, unknown> = {};
      if (item.pathParameters.length > 0) {
        entry['parameters'] = item.pathParameters.map((parameter) => ({ uniqueItems: true, type: 'string', description: parameter.description, name: parameter.name, in: parameter.in, required: true }));
      }
      for (const operation of item.operations) entry[operation.method] = v2Operation(operation, tag(definition));
      paths[item.path] = entry;
    }
  }
  const all = registryWithExtras(registry);
  const names = [...new Set([...all.names()])].sort();
  const schemaDefinitions: Record<string, unknown> = {};
  for (const name of names) {
    const schema = definitionOf(name, registry);
    if (schema !== undefined) schemaDefinitions[name] = toV2(schema);
  }
  return { swagger: '2.0', info: { title: 'Kubernetes', version: info.version }, paths, definitions: schemaDefinitions };
}

/** The /openapi/v3 index: each group version's document with a hash clients cache by. */
export function buildOpenApiV3Index(documents: ReadonlyMap<string, object>): object {
  const paths: Record<string, { serverRelativeURL: string }> = {};
  for (const [path, document] of [...documents.entries()].sort(([a], [b]) => a.localeCompare(b))) {
    paths[path] = { serverRelativeURL: `/openapi/v3/${path}?hash=${documentHash(document)}` };
  }
  return { paths };
}

export function documentHash(document: object): string {
  return createHash('sha512').update(JSON.stringify(document)).digest('hex').slice(0, 128).toUpperCase();
}

/** The registry plus the few definitions documents add of their own. */
function registryWithExtras(registry: SchemaRegistry): SchemaRegistry {
  return {
    get: (name) => definitionOf(name, registry),
    names: function* () {
      yield* registry.names();
      yield* Object.keys(EXTRA_DEFINITIONS);
    },
    resolve: (schema) => registry.resolve(schema),
  };
}
