import { badRequest, forbidden } from '../errors/status.js';
import { unsupportedPatchType } from '../patch/media-types.js';
import { PROTOBUF_MEDIA_TYPE } from '../protobuf/envelope.js';
import { bodyFormat, mediaType, readBody } from '../request/body.js';
import type { KubeObject, ResourceDefinition } from '../resources/types.js';
import type { ResourceHandlerServices } from '../server/resource-handler.js';
import { checkObject } from '../builtin/services.js';
import type { Schema } from '../schema/types.js';

const OBJECT_META = 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta';
import type { SchemaNode } from '../validation/schema-common.js';
import { applyFieldValidation, decodeCustomResource, fieldValidationDirective, parseBodyForStrictDecoding, type ParsedBody } from '../validation/schema-decode.js';
import type { CustomResourceServing } from './serving.js';

/**
 * Request handling for custom resources, layered over the built-in services:
 * bodies are decoded as upstream's CRD decoder does (duplicate fields and
 * what pruning drops are unknown fields: warnings by default and under Warn,
 * a 400 under Strict, nothing under Ignore; then defaults), strategic merge
 * patches are refused with 415, and a CRD that is being deleted accepts no
 * new custom resources. Built-in resources go to `base` untouched.
 */
export function withCustomResources(base: ResourceHandlerServices, serving: CustomResourceServing): ResourceHandlerServices {
  // Bodies this layer parsed (with their duplicate-key structure), as opposed to objects a patch produced.
  const parsedBodies = new WeakSet<ParsedBody>();
  return {
    ...base,
    schemaOf(definition) {
      const info = serving.lookup(definition);
      if (info === undefined) return base.schemaOf(definition);
      // Upstream's CRD type converter sees metadata as ObjectMeta and the rest as the structural schema.
      const objectMeta = base.schemaOf({ ...definition, schemaName: OBJECT_META } as typeof definition);
      if (objectMeta === undefined) return undefined;
      const structural: Schema = info.served.schema ?? { type: 'object', 'x-kubernetes-preserve-unknown-fields': true };
      const schema = {
        ...structural,
        type: 'object' as const,
        properties: { ...(structural.properties ?? {}), apiVersion: { type: 'string' as const }, kind: { type: 'string' as const }, metadata: objectMeta.schema },
      };
      return { schema, context: objectMeta.context };
    },
    async readObject(definition, request, format) {
      const contentType = request.headers['content-type'];
      // Custom resources have no protobuf form: the built-in reader refuses it with upstream's 415.
      if (serving.lookup(definition) === undefined || mediaType(contentType) === PROTOBUF_MEDIA_TYPE) return base.readObject(definition, request, format);
      const text = (await readBody(request)).toString('utf8');
      if (text.trim() === '') throw badRequest('the body of the request was empty');
      const parsed = parseBodyForStrictDecoding(text, format ?? bodyFormat(contentType));
      parsedBodies.add(parsed);
      return parsed;
    },
    decodeObject(definition, body, fieldValidation) {
      const info = serving.lookup(definition);
      if (info === undefined) return base.decodeObject(definition, body, fieldValidation);
      const parsed: ParsedBody = typeof body === 'object' && body !== null && parsedBodies.has(body as ParsedBody) ? (body as ParsedBody) : { format: 'json', value: body };
      const object = checkObject(definition, parsed.value);
      const schema = info.served.schema as SchemaNode | undefined;
      const { errors } = decodeCustomResource({ ...parsed, value: object }, schema);
      const warnings = applyFieldValidation(errors, fieldValidationDirective(fieldValidation), { kind: definition.kind, version: definition.version });
      if (info.served.deprecationWarning !== undefined) warnings.unshift(info.served.deprecationWarning);
      return { object, warnings };
    },
    applyPatch(definition, kind, current, patch, options) {
      // Upstream's CRD handler accepts json, merge and apply patches only (strategic merge needs Go struct tags).
      if (kind === 'strategic' && serving.lookup(definition) !== undefined) throw unsupportedPatchType('custom');
      return base.applyPatch(definition, kind, current, patch, options);
    },
    async admit(request) {
      const { definition } = request;
      const info = serving.lookup(definition);
      if (info?.terminating === true && request.operation === 'CREATE') {
        throw forbidden({ group: definition.group, resource: definition.plural }, request.name, 'create not allowed while custom resource definition is terminating');
      }
      return base.admit(request);
    },
  };
}

