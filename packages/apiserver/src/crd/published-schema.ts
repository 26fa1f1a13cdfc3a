import type { Schema } from '../schema/types.js';
import type { ServedVersion } from './served-version.js';

const API_VERSION: Schema = {
  type: 'string',
  description:
    'APIVersion defines the versioned schema of this representation of an object. Servers should convert recognized schemas to the latest internal value, and may reject unrecognized values. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#resources',
};
const KIND: Schema = {
  type: 'string',
  description:
    'Kind is a string value representing the REST resource this object represents. Servers may infer this from the endpoint the client submits requests to. Cannot be updated. In CamelCase. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds',
};
const OBJECT_META: Schema = {
  $ref: '#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta',
  description: "Standard object's metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata",
};
const LIST_META: Schema = {
  $ref: '#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.ListMeta',
  description: 'Standard list metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds',
};
const EMBEDDED_API_VERSION_DESCRIPTION =
  'apiVersion defines the versioned schema of this representation of an object. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#resources';
const EMBEDDED_KIND_DESCRIPTION =
  'kind is a string value representing the type of this object. In CamelCase. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds';

/**
 * The definitions one CRD version publishes in the schema registry (so in
 * OpenAPI, for kubectl explain and client-side validation): the version's
 * schema with apiVersion, kind and a metadata reference added, as upstream's
 * CRD OpenAPI builder does (embedded resources too), and its List type.
 */
export function publishedSchemas(served: ServedVersion): Record<string, Schema> {
  const gvk = (kind: string) => [{ group: served.group, version: served.version, kind }];
  const schema = served.schema;
  const object: Schema =
    schema === undefined
      ? { type: 'object', 'x-kubernetes-group-version-kind': gvk(served.kind) }
      : {
          ...withEmbeddedProperties(schema),
          properties: { ...(withEmbeddedProperties(schema).properties ?? {}), apiVersion: API_VERSION, kind: KIND, metadata: OBJECT_META },
          'x-kubernetes-group-version-kind': gvk(served.kind),
        };
  const list: Schema = {
    type: 'object',
    description: `${served.listKind} is a list of ${served.kind}`,
    required: ['items'],
    properties: {
      apiVersion: API_VERSION,
      items: {
        type: 'array',
        description: `List of ${served.plural}. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md`,
        items: { $ref: `#/definitions/${served.schemaName}` },
      },
      kind: KIND,
      metadata: LIST_META,
    },
    'x-kubernetes-group-version-kind': gvk(served.listKind),
  };
  return { [served.schemaName]: object, [`${served.schemaName}List`]: list };
}

/** Embedded resources (x-kubernetes-embedded-resource) get apiVersion, kind and metadata too, and require the first two. */
function withEmbeddedProperties(schema: Schema): Schema {
  let result: Schema = schema;
  if (schema.properties !== undefined) {
    const properties: Record<string, Schema> = {};
    for (const [name, child] of Object.entries(schema.properties)) properties[name] = withEmbeddedProperties(child);
    result = { ...result, properties };
  }
  if (schema.items !== undefined) result = { ...result, items: withEmbeddedProperties(schema.items) };
  if (typeof schema.additionalProperties === 'object') result = { ...result, additionalProperties: withEmbeddedProperties(schema.additionalProperties) };
  if (schema['x-kubernetes-embedded-resource'] === true) {
    const required = new Set(result.required ?? []);
    required.add('kind');
    required.add('apiVersion');
    result = {
      ...result,
      properties: {
        ...(result.properties ?? {}),
        apiVersion: { ...API_VERSION, description: EMBEDDED_API_VERSION_DESCRIPTION },
        kind: { ...KIND, description: EMBEDDED_KIND_DESCRIPTION },
        metadata: OBJECT_META,
      },
      required: [...required],
    };
  }
  return result;
}
