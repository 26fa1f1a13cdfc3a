import type { KeyValue } from '@lk/datastore-kine';
import type { KubeObject, ResourceDefinition } from '../resources/types.js';

/**
 * How objects sit in the datastore: JSON under upstream's keys
 * (`/registry/pods/<namespace>/<name>`, `/registry/namespaces/<name>`), with
 * `metadata.resourceVersion` left out, because the store revision of the key
 * is the resourceVersion (upstream's etcd3 store does the same).
 */
export const REGISTRY_ROOT = '/registry/';

export function objectKey(definition: Pick<ResourceDefinition, 'storagePrefix' | 'scope'>, namespace: string, name: string): string {
  return definition.scope === 'Namespaced'
    ? `${REGISTRY_ROOT}${definition.storagePrefix}/${namespace}/${name}`
    : `${REGISTRY_ROOT}${definition.storagePrefix}/${name}`;
}

/** The key prefix of all objects of a resource, or of those in one namespace. */
export function resourcePrefix(definition: Pick<ResourceDefinition, 'storagePrefix' | 'scope'>, namespace = ''): string {
  return definition.scope === 'Namespaced' && namespace !== ''
    ? `${REGISTRY_ROOT}${definition.storagePrefix}/${namespace}/`
    : `${REGISTRY_ROOT}${definition.storagePrefix}/`;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function encodeObject(object: KubeObject): Uint8Array {
  const { resourceVersion: _dropped, ...metadata } = object.metadata;
  return encoder.encode(JSON.stringify({ ...object, metadata }));
}

/** Decodes a stored object and stamps it with the revision it was read at. */
export function decodeObject(value: Uint8Array, revision: number): KubeObject {
  const object = JSON.parse(decoder.decode(value)) as KubeObject;
  object.metadata ??= {};
  object.metadata.resourceVersion = String(revision);
  return object;
}

export function decodeKeyValue(kv: KeyValue): KubeObject {
  return decodeObject(kv.value, kv.modRevision);
}
