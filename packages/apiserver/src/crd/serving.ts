import type { Logger } from 'pino';
import { ALL_VERBS, type ResourceDefinition } from '../resources/types.js';
import type { CompositeSchemaRegistry } from '../schema/composite.js';
import type { Schema } from '../schema/types.js';
import type { ApiServer } from '../server/api-server.js';
import { customResourceStrategy } from './cr-strategy.js';
import { publishedSchemas } from './published-schema.js';
import type { CrdSchemaTools } from './schema-tools.js';
import { servedVersions, type ServedVersion } from './served-version.js';
import { isConditionTrue, type CustomResourceDefinition } from './types.js';

/** What request handling needs to know about a custom resource definition beyond the definition itself. */
export interface CustomResourceInfo {
  readonly served: ServedVersion;
  /** The CRD is being deleted: new custom resources are refused. */
  readonly terminating: boolean;
}

interface ServedCrd {
  readonly fingerprint: string;
  readonly definitions: readonly ResourceDefinition[];
  readonly schemaNames: readonly string[];
}

/**
 * Turns CRDs into served resources: one ResourceDefinition per served
 * version, registered with the API server (so routing and discovery see it at
 * once) and its schemas published in the schema registry. Re-serving a CRD
 * whose served shape has not changed does nothing.
 */
export class CustomResourceServing {
  private readonly crds = new Map<string, ServedCrd>();
  private readonly info = new WeakMap<ResourceDefinition, CustomResourceInfo>();

  constructor(
    private readonly server: ApiServer,
    private readonly schemas: CompositeSchemaRegistry,
    private readonly tools: CrdSchemaTools,
    private readonly logger: Logger,
  ) {}

  /** The custom resource behind a definition, or undefined for built-in resources. */
  lookup(definition: ResourceDefinition): CustomResourceInfo | undefined {
    return this.info.get(definition);
  }

  /** The definitions currently served for a CRD. */
  definitionsOf(crdName: string): readonly ResourceDefinition[] {
    return this.crds.get(crdName)?.definitions ?? [];
  }

  /** Serves an Established CRD as it now is (or stops serving it when it has nothing to serve). */
  serve(crd: CustomResourceDefinition): void {
    const name = crd.metadata.name ?? '';
    if (!isConditionTrue(crd, 'Established')) {
      this.unserve(name);
      return;
    }
    const versions = servedVersions(crd);
    const terminating = crd.metadata.deletionTimestamp !== undefined || isConditionTrue(crd, 'Terminating');
    const fingerprint = JSON.stringify({ versions, terminating });
    const previous = this.crds.get(name);
    if (previous?.fingerprint === fingerprint) return;

    const definitions = versions.map((served) => this.definitionFor(served, terminating));
    const published: Record<string, Schema> = {};
    for (const served of versions) Object.assign(published, publishedSchemas(served));
    // Schemas first: whoever reacts to the registry change (OpenAPI) finds them.
    this.schemas.set(published);
    for (const definition of definitions) this.server.register(definition);
    this.retire(previous, definitions, Object.keys(published));
    this.crds.set(name, { fingerprint, definitions, schemaNames: Object.keys(published) });
    this.logger.debug({ crd: name, versions: versions.map((served) => served.version), terminating }, 'serving custom resource');
  }

  unserve(crdName: string): void {
    const previous = this.crds.get(crdName);
    if (previous === undefined) return;
    this.crds.delete(crdName);
    this.retire(previous, [], []);
    this.logger.debug({ crd: crdName }, 'stopped serving custom resource');
  }

  /** Unregisters what an earlier serve registered and the new one does not replace. */
  private retire(previous: ServedCrd | undefined, current: readonly ResourceDefinition[], currentSchemas: readonly string[]): void {
    if (previous === undefined) return;
    const id = (definition: ResourceDefinition): string => `${definition.group}/${definition.version}/${definition.plural}`;
    const kept = new Set(current.map(id));
    for (const definition of previous.definitions) if (!kept.has(id(definition))) this.server.unregister(definition);
    const keptSchemas = new Set(currentSchemas);
    this.schemas.delete(previous.schemaNames.filter((schemaName) => !keptSchemas.has(schemaName)));
  }

  private definitionFor(served: ServedVersion, terminating: boolean): ResourceDefinition {
    const definition: ResourceDefinition = {
      group: served.group,
      version: served.version,
      kind: served.kind,
      listKind: served.listKind,
      plural: served.plural,
      singular: served.singular,
      scope: served.scope,
      shortNames: served.shortNames,
      categories: served.categories,
      verbs: ALL_VERBS,
      subresources: {
        ...(served.status && { status: true }),
        ...(served.scale !== undefined && { scale: served.scale }),
      },
      schemaName: served.schemaName,
      // Upstream's etcd key prefix for custom resources: /registry/<group>/<plural>.
      storagePrefix: `${served.group}/${served.plural}`,
      origin: 'custom',
      strategy: customResourceStrategy(served, this.tools),
    };
    this.info.set(definition, { served, terminating });
    return definition;
  }
}
