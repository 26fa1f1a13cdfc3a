import type { ScaleSubresource, Scope } from '../resources/types.js';
import type { Schema } from '../schema/types.js';
import { storageVersionOf, versionsOf, type CustomResourceDefinition, type PrinterColumn } from './types.js';

/**
 * Everything the server needs to serve one version of a CRD, read once from
 * the CRD: the names it was accepted under (status.acceptedNames, as upstream
 * serves), its schema and subresources.
 */
export interface ServedVersion {
  readonly crdName: string;
  readonly group: string;
  readonly version: string;
  readonly storageVersion: string;
  readonly kind: string;
  readonly listKind: string;
  readonly plural: string;
  readonly singular: string;
  readonly scope: Scope;
  readonly shortNames: readonly string[];
  readonly categories: readonly string[];
  /** The openAPIV3Schema of this version (v1 CRDs always have one). */
  readonly schema: Schema | undefined;
  /** The storage version's schema: what is written is pruned to it. */
  readonly storageSchema: Schema | undefined;
  readonly status: boolean;
  readonly scale: ScaleSubresource | undefined;
  readonly printerColumns: readonly PrinterColumn[];
  /** selectableFields' JSONPaths. */
  readonly selectableFields: readonly string[];
  readonly deprecationWarning: string | undefined;
  /** The schema definition name: upstream's OpenAPI name for a CR, `<reversed group>.<version>.<Kind>`. */
  readonly schemaName: string;
}

export function schemaNameFor(group: string, version: string, kind: string): string {
  return `${group.split('.').reverse().join('.')}.${version}.${kind}`;
}

/** The versions a CRD serves, or nothing when its names are not (yet) accepted. */
export function servedVersions(crd: CustomResourceDefinition): ServedVersion[] {
  const accepted = crd.status?.acceptedNames;
  const group = crd.spec?.group ?? '';
  const storageVersion = storageVersionOf(crd);
  if (accepted?.plural === undefined || accepted.kind === undefined || storageVersion === undefined || group === '') return [];
  const plural = accepted.plural;
  const kind = accepted.kind;
  const storageSchema = versionsOf(crd).find((version) => version.name === storageVersion)?.schema?.openAPIV3Schema;
  return versionsOf(crd)
    .filter((version) => version.served === true && typeof version.name === 'string')
    .map((version) => {
      const scale = version.subresources?.scale;
      return {
        crdName: crd.metadata.name ?? '',
        group,
        version: version.name!,
        storageVersion,
        kind,
        listKind: accepted.listKind ?? `${kind}List`,
        plural,
        singular: accepted.singular ?? kind.toLowerCase(),
        scope: crd.spec?.scope === 'Cluster' ? 'Cluster' : 'Namespaced',
        shortNames: accepted.shortNames ?? [],
        categories: accepted.categories ?? [],
        schema: version.schema?.openAPIV3Schema,
        storageSchema,
        status: version.subresources?.status !== undefined && version.subresources.status !== null,
        scale:
          scale === undefined || scale === null
            ? undefined
            : {
                specReplicasPath: scale.specReplicasPath ?? '',
                statusReplicasPath: scale.statusReplicasPath ?? '',
                ...(scale.labelSelectorPath !== undefined && scale.labelSelectorPath !== '' && { labelSelectorPath: scale.labelSelectorPath }),
              },
        printerColumns: version.additionalPrinterColumns ?? [],
        selectableFields: (version.selectableFields ?? []).map((field) => field.jsonPath ?? '').filter((path) => path !== ''),
        deprecationWarning: version.deprecated === true ? (version.deprecationWarning ?? defaultDeprecationWarning(crd, version.name!)) : undefined,
        schemaName: schemaNameFor(group, version.name!, kind),
      } satisfies ServedVersion;
    });
}

/** Upstream's warning for a deprecated version: `<group>/<version> <Kind> is deprecated; use <group>/<newer> <Kind>`. */
function defaultDeprecationWarning(crd: CustomResourceDefinition, deprecated: string): string {
  const group = crd.spec?.group ?? '';
  const kind = crd.spec?.names?.kind ?? '';
  let message = `${group}/${deprecated} ${kind} is deprecated`;
  const newer = versionsOf(crd)
    .filter((version) => version.served === true && version.deprecated !== true && typeof version.name === 'string' && compareKubeVersions(deprecated, version.name) < 0)
    .map((version) => version.name!)
    .sort((a, b) => compareKubeVersions(b, a));
  if (newer.length > 0) message += `; use ${group}/${newer[0]} ${kind}`;
  return message;
}

/** apimachinery's CompareKubeAwareVersionStrings as an ordering: negative when a is older than b. */
function compareKubeVersions(a: string, b: string): number {
  const parse = (version: string): [number, number, number] | undefined => {
    const match = /^v(\d+)(?:(alpha|beta)(\d+))?$/.exec(version);
    if (match === null) return undefined;
    return [match[2] === undefined ? 3 : match[2] === 'beta' ? 2 : 1, Number(match[1]), Number(match[3] ?? 0)];
  };
  const left = parse(a);
  const right = parse(b);
  if (left === undefined && right === undefined) return b.localeCompare(a);
  if (left === undefined) return -1;
  if (right === undefined) return 1;
  for (let i = 0; i < 3; i++) if (left[i] !== right[i]) return left[i]! - right[i]!;
  return 0;
}
