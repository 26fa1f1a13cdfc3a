import { randomInt } from 'node:crypto';
import { badRequest } from '../errors/status.js';
import { handleNamespaceFinalize } from '../resources/core/namespace-finalize.js';
import type { KubeObject, ResourceDefinition } from '../resources/types.js';
import { apiVersionOf } from '../resources/types.js';
import type { ResourceHandlerServices } from '../server/resource-handler.js';
import type { ApiServer } from '../server/api-server.js';
import { buildTable, defaultTableConvertor } from '../table/table.js';
import type { SchemaRegistry } from '../schema/types.js';
import { applyPatch } from '../patch/index.js';
import { compileSelectors } from '../selectors/compile.js';
import { bodyFormat, mediaType, parseBody, patchType, readBody } from '../request/body.js';
import { handleCsrApproval } from '../resources/certificates/csr-approval.js';
import { UNAUTHENTICATED } from '../auth/types.js';
import { ProtobufDecoder } from '../protobuf/decode.js';
import { typedDecodeError } from '../validation/typed-decode.js';
import { handlePodBinding, BINDING_SCHEMA } from '../resources/core/pod-binding.js';
import { handlePodEviction, EVICTION_SCHEMA } from '../resources/core/pod-eviction.js';
import { decodeProtobufBody, PROTOBUF_MEDIA_TYPE } from '../protobuf/envelope.js';
import { PROTOBUF_FIELD_NUMBERS } from '../protobuf/field-numbers.js';
import { unsupportedMediaType } from '../errors/status.js';
import { applyFieldValidation, fieldValidationDirective, parseBodyForStrictDecoding, strictDecodingErrors, type ParsedBody } from '../validation/schema-decode.js';
import type { SchemaNode } from '../validation/schema-common.js';
import type { AdmissionChain } from '../admission/chain.js';
import type { ServiceAccountTokens } from '../auth/serviceaccount/token-issuer.js';
import { handleTokenRequest, TOKEN_REQUEST_SCHEMA } from '../auth/serviceaccount/token-request.js';
import { serviceAccountObjects } from '../auth/serviceaccount/token-authenticator.js';

const CSR_SCHEMA = 'io.k8s.api.certificates.v1.CertificateSigningRequest';

export interface ServicesDependencies {
  readonly schemas: SchemaRegistry;
  readonly admission: AdmissionChain;
  /** Signs service-account tokens (TokenRequest) for these audiences. */
  readonly serviceAccountTokens: ServiceAccountTokens;
  readonly apiAudiences: readonly string[];
}

/** Upstream's watch timeout when the client names none: a random duration in [30, 60) minutes, so watches do not all end together. */
function randomWatchTimeout(): number {
  return (30 + randomInt(30)) * 60_000;
}

/**
 * The request-handling services of the built-in API server: body checks,
 * patches, selectors, tables and the subresources a resource handles itself.
 */
export function builtinServices(server: ApiServer, dependencies: ServicesDependencies): ResourceHandlerServices {
  const { schemas, admission } = dependencies;
  const protobuf = new ProtobufDecoder(schemas, PROTOBUF_FIELD_NUMBERS);
  // Bodies read here with their duplicate-key structure, as opposed to objects a patch produced.
  const parsedBodies = new WeakSet<ParsedBody>();
  return {
    logger: server.logger,
    schemaOf(definition) {
      const schema = schemas.get(definition.schemaName);
      return schema === undefined ? undefined : { schema: { $ref: `#/definitions/${definition.schemaName}` }, context: { registry: schemas } };
    },
    async readObject(definition, request, format) {
      const contentType = request.headers['content-type'];
      const body = await readBody(request);
      if (mediaType(contentType) === PROTOBUF_MEDIA_TYPE) {
        // Built-in kinds speak protobuf (kubectl's typed clients send it); custom resources never do.
        if (!protobuf.supports(definition.schemaName)) throw unsupportedMediaType(PROTOBUF_MEDIA_TYPE);
        return decodeProtobufBody(body, definition.schemaName, protobuf);
      }
      const text = body.toString('utf8');
      if (text.trim() === '') return parseBody(body, format ?? bodyFormat(contentType));
      // Keep the key structure: strict decoding reports duplicate fields, which JSON.parse loses.
      const parsed = parseBodyForStrictDecoding(text, format ?? bodyFormat(contentType));
      parsedBodies.add(parsed);
      return parsed;
    },
    decodeObject(definition, body, fieldValidation) {
      const parsed: ParsedBody =
        typeof body === 'object' && body !== null && parsedBodies.has(body as ParsedBody) ? (body as ParsedBody) : { format: 'json', value: body };
      const object = checkObject(definition, parsed.value);
      const typeError = typedDecodeError(object, definition.schemaName, schemas);
      if (typeError !== undefined) throw badRequest(`${definition.kind} in version "${definition.version}" cannot be handled as a ${definition.kind}: ${typeError}`);
      const schema = schemas.get(definition.schemaName) as SchemaNode | undefined;
      const directive = fieldValidationDirective(fieldValidation);
      const errors = directive === 'Ignore' ? [] : strictDecodingErrors({ ...parsed, value: object }, schema, { registry: schemas });
      return { object, warnings: applyFieldValidation(errors, directive, { kind: definition.kind, version: definition.version }) };
    },
    applyPatch(definition, kind, current, patch, options) {
      const schema = schemas.get(definition.schemaName);
      return applyPatch(kind, current, patch, schema, schemas, options) as KubeObject;
    },
    selector(definition, labelSelector, fieldSelector) {
      return compileSelectors(labelSelector, fieldSelector, definition.strategy.fieldSelectors ?? {});
    },
    toTable(definition, objects, options) {
      return buildTable(definition.strategy.table ?? defaultTableConvertor, objects, { ...options, now: new Date() });
    },
    async admit(request) {
      // NamespaceLifecycle's create check is still the store's (checkNamespace).
      return admission.admit(request);
    },
    applyConfiguration(definition, live, config, options) {
      const request = server.fieldManagerRequest(definition, options.manager, options.subresource);
      if (request === undefined) throw badRequest(`server-side apply is not available for ${definition.plural}: no schema`);
      return server.fieldManager.apply(live, config, { ...request, force: options.force });
    },
    async readBodyAs(schemaName, request) {
      const body = await readBody(request);
      if (body.length === 0) return undefined;
      if (mediaType(request.headers['content-type']) === PROTOBUF_MEDIA_TYPE) {
        if (!protobuf.supports(schemaName)) throw unsupportedMediaType(PROTOBUF_MEDIA_TYPE);
        return decodeProtobufBody(body, schemaName, protobuf);
      }
      if (body.toString('utf8').trim() === '') return undefined;
      return parseBody(body, bodyFormat(request.headers['content-type']));
    },
    async customSubresource(resource, info, request, response, user) {
      const query = new URL(request.url ?? '/', 'http://lk.invalid').searchParams;
      const subresource = `${resource.definition.group === '' ? '' : `${resource.definition.group}/`}${resource.definition.plural}/${info.subresource}`;
      const now = (): Date => new Date();
      switch (subresource) {
        case 'namespaces/finalize':
          await handleNamespaceFinalize(resource, info, query, request, response);
          return true;
        case 'pods/binding':
          await handlePodBinding(resource, info, query, request, response, () => this.readBodyAs(BINDING_SCHEMA, request), now);
          return true;
        case 'certificates.k8s.io/certificatesigningrequests/approval':
          await handleCsrApproval(resource, info, query, request, response, {
            readObject: () => this.readBodyAs(CSR_SCHEMA, request),
            applyPatch: (current, patch) => this.applyPatch(resource.definition, patchType(request.headers['content-type']) as 'json' | 'merge' | 'strategic', current, patch),
            admit: async (object, old, dryRun) => {
              await this.admit({ operation: 'UPDATE', definition: resource.definition, subresource: 'approval', namespace: '', name: info.name, object, oldObject: old, dryRun, user: user ?? UNAUTHENTICATED });
            },
          });
          return true;
        case 'serviceaccounts/token':
          await handleTokenRequest(info, query, request, response, () => this.readBodyAs(TOKEN_REQUEST_SCHEMA, request), {
            tokens: dependencies.serviceAccountTokens,
            objects: serviceAccountObjects(server),
            audiences: dependencies.apiAudiences,
            now,
          });
          return true;
        case 'pods/eviction': {
          const budgets = server.registry.find('policy', 'v1', 'poddisruptionbudgets');
          await handlePodEviction(resource, budgets, info, query, request, response, () => this.readBodyAs(EVICTION_SCHEMA, request), now);
          return true;
        }
        default:
          return false;
      }
    },
    watchTimeoutMs: randomWatchTimeout,
  };
}

/**
 * The type checks every body gets before its schema is consulted: a JSON
 * object, of the kind and API version of the URL (either may be left out).
 */
export function checkObject(definition: ResourceDefinition, body: unknown): KubeObject {
  const expectedVersion = apiVersionOf(definition);
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw badRequest(`${definition.kind} in version "${definition.version}" cannot be handled as a ${definition.kind}: the body must be a JSON object`);
  }
  const object = body as KubeObject;
  if (object.apiVersion !== undefined && object.apiVersion !== expectedVersion) {
    throw badRequest(`the API version in the data (${String(object.apiVersion)}) does not match the expected API version (${expectedVersion})`);
  }
  if (object.kind !== undefined && object.kind !== definition.kind) {
    throw badRequest(`the kind in the data (${String(object.kind)}) does not match the expected kind (${definition.kind})`);
  }
  if (object.metadata === undefined || object.metadata === null) object.metadata = {};
  if (typeof object.metadata !== 'object' || Array.isArray(object.metadata)) {
    throw badRequest(`${definition.kind} in version "${definition.version}" cannot be handled as a ${definition.kind}: metadata must be an object`);
  }
  object.apiVersion = expectedVersion;
  object.kind = definition.kind;
  return object;
}
