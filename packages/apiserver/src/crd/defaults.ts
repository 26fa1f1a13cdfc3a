import type { CustomResourceDefinition } from './types.js';

/**
 * apiextensions/v1 defaulting (upstream's SetDefaults_CustomResourceDefinition):
 * the singular name is the lowercased kind, the list kind is `<Kind>List`,
 * conversion is None, a webhook service listens on 443, and storedVersions
 * starts with the storage version.
 */
export function defaultCustomResourceDefinition(crd: CustomResourceDefinition): void {
  const spec = crd.spec;
  if (spec === undefined || typeof spec !== 'object' || spec === null) return;
  const names = spec.names;
  if (names !== undefined && typeof names === 'object' && names !== null) {
    const kind = typeof names.kind === 'string' ? names.kind : '';
    if (names.singular === undefined || names.singular === '') names.singular = kind.toLowerCase();
    if ((names.listKind === undefined || names.listKind === '') && kind !== '') names.listKind = `${kind}List`;
  }
  spec.conversion ??= { strategy: 'None' };
  const service = spec.conversion.webhook?.clientConfig?.service;
  if (service !== undefined && service.port === undefined) service.port = 443;

  const status = crd.status;
  if (status !== undefined && (status.storedVersions === undefined || status.storedVersions.length === 0)) {
    const storage = Array.isArray(spec.versions) ? spec.versions.find((version) => version?.storage === true) : undefined;
    if (storage?.name !== undefined) status.storedVersions = [storage.name];
  }
}
