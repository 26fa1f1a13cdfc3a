/**
 * The shapes every resource shares. Objects travel as plain JSON values: the
 * API server's job is to check and store what clients send, so it works on
 * JSON the way upstream's unstructured machinery does, with typed views only
 * where a strategy needs them.
 */
import type { FieldError } from '../errors/status.js';

export type JsonValue = string | number | boolean | null | JsonValue[] | JsonObject;
export interface JsonObject {
  [key: string]: JsonValue;
}

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

export interface ObjectMeta {
  name?: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  deletionGracePeriodSeconds?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: OwnerReference[];
  finalizers?: string[];
  managedFields?: JsonObject[];
  selfLink?: string;
  [key: string]: JsonValue | undefined | OwnerReference[] | Record<string, string>;
}

/** Any Kubernetes object: apiVersion, kind, metadata, and whatever else its type holds. */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
  [key: string]: unknown;
}

export type Scope = 'Namespaced' | 'Cluster';

export type Verb = 'get' | 'list' | 'watch' | 'create' | 'update' | 'patch' | 'delete' | 'deletecollection';

export const ALL_VERBS: readonly Verb[] = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

/** Where the scale subresource reads and writes, as a CRD declares it. */
export interface ScaleSubresource {
  readonly specReplicasPath: string;
  readonly statusReplicasPath: string;
  readonly labelSelectorPath?: string;
}

/** A Table column, as metav1.TableColumnDefinition. */
export interface TableColumn {
  readonly name: string;
  readonly type: 'string' | 'integer' | 'number' | 'boolean' | 'date';
  readonly format?: string;
  readonly description?: string;
  /** 0 shows by default; higher priorities show with `-o wide`. */
  readonly priority?: number;
}

export interface TableConvertor {
  readonly columns: readonly TableColumn[];
  /** The cells of one row, in column order. */
  cells(object: KubeObject, now: Date): unknown[];
}

/** Context a strategy may need beyond the object itself. */
export interface StrategyContext {
  readonly namespace: string;
  readonly now: Date;
  /** The subresource being written ('' for the main resource, 'status', 'scale'…). */
  readonly subresource: string;
}

/**
 * Per-resource behaviour, the pattern of upstream's pkg/registry/<group>/<kind>/strategy.go.
 * The generic store does everything else.
 */
export interface ResourceStrategy {
  /** Defaults and clears what a create must not set (status on most kinds). */
  prepareForCreate?(object: KubeObject, context: StrategyContext): void;
  /** Carries over what an update of this kind must not change (status through the main resource). */
  prepareForUpdate?(object: KubeObject, old: KubeObject, context: StrategyContext): void;
  validate?(object: KubeObject, context: StrategyContext): FieldError[];
  validateUpdate?(object: KubeObject, old: KubeObject, context: StrategyContext): FieldError[];
  /**
   * Which part of an object the status subresource owns. The main resource
   * keeps the old value of it on update; the status subresource takes only it.
   */
  readonly statusFields?: readonly string[];
  /** Field selectors beyond metadata.name and metadata.namespace: field path to value. */
  readonly fieldSelectors?: Readonly<Record<string, (object: KubeObject) => string | undefined>>;
  readonly table?: TableConvertor;
  /**
   * Whether `metadata.generation` counts spec changes. Default: kinds with a
   * status subresource do, plain data kinds (ConfigMap, Secret) do not.
   */
  readonly tracksGeneration?: boolean;
  /**
   * Items of a list keep apiVersion and kind (custom resources, which are
   * unstructured upstream); built-in typed lists leave them out.
   */
  readonly listItemsKeepTypeMeta?: boolean;
  /** PUT of a missing object creates it (upstream allows it for a few kinds). */
  readonly allowCreateOnUpdate?: boolean;
  /**
   * Kinds whose delete waits (pods bound to a node wait for the kubelet):
   * returns the grace period to apply, or 0 to delete at once.
   */
  gracefulDeletionSeconds?(object: KubeObject, requested: number | undefined): number;
  /**
   * Finalizers a kind keeps outside metadata.finalizers (a Namespace's
   * spec.finalizers): deletion waits for these too.
   */
  pendingFinalizers?(object: KubeObject): readonly string[];
  /** Changes a kind makes when its deletion starts (a Namespace turns Terminating). */
  prepareForDelete?(object: KubeObject, context: StrategyContext): void;
  /** Refuses a delete outright (immortal namespaces). */
  validateDelete?(object: KubeObject): void;
  /**
   * Side effects a kind needs with a write (allocating a Service's cluster
   * IP): runs after validation, before the datastore write, and returns an
   * undo that runs if the write fails. Not called for dry runs.
   */
  beforeWrite?(object: KubeObject, old: KubeObject | undefined, context: StrategyContext): Promise<(() => Promise<void>) | undefined>;
  /** Called after an update has landed, with the object it replaced (releasing what the old one held). */
  afterWrite?(object: KubeObject, old: KubeObject): Promise<void>;
  /** Called once an object has left storage (releasing what beforeWrite took). */
  afterDelete?(object: KubeObject): Promise<void>;
  /** Like beforeWrite, for dry runs: checks what would be allocated without taking it. */
  checkWrite?(object: KubeObject, old: KubeObject | undefined, context: StrategyContext): Promise<void>;
  /**
   * For kinds whose versions share one storage (custom resources): how an
   * object moves between the datastore and this definition's version.
   * Upstream's CRD storage codec rewrites apiVersion (conversion None) and
   * prunes and defaults on read. Both return a new object.
   */
  readonly storageCodec?: StorageCodec;
  /** Objects expire this many seconds after their last write (Events: kube-apiserver's --event-ttl). */
  readonly ttlSeconds?: number;
}

export interface StorageCodec {
  /** The stored object as this version serves it. */
  fromStorage(object: KubeObject): KubeObject;
  /** The object as it is written to the datastore (in the storage version). */
  toStorage(object: KubeObject): KubeObject;
}

/** Everything the API knows about one resource of one group version. */
export interface ResourceDefinition {
  readonly group: string;
  readonly version: string;
  readonly kind: string;
  readonly listKind: string;
  /** The resource name in URLs: `pods`, `deployments`. */
  readonly plural: string;
  readonly singular: string;
  readonly scope: Scope;
  readonly shortNames: readonly string[];
  readonly categories: readonly string[];
  readonly verbs: readonly Verb[];
  readonly subresources: {
    readonly status?: boolean;
    readonly scale?: ScaleSubresource;
    /** pods/binding, pods/eviction, namespaces/finalize, serviceaccounts/token… handled by the resource itself. */
    readonly custom?: readonly string[];
  };
  /** The schema definition name, in the schema registry, of this kind. */
  readonly schemaName: string;
  /** Storage key prefix under /registry: `pods`, `deployments`, or `<group>/<plural>` for CRDs. */
  readonly storagePrefix: string;
  /**
   * Where upstream serves the resource from: a built-in Go type (the
   * default), or a CustomResourceDefinition, whose objects are unstructured
   * (no strategic merge patch, no protobuf; OpenAPI says so to kubectl).
   */
  readonly origin?: 'builtin' | 'custom';
  readonly strategy: ResourceStrategy;
}

export function apiVersionOf(definition: Pick<ResourceDefinition, 'group' | 'version'>): string {
  return definition.group === '' ? definition.version : `${definition.group}/${definition.version}`;
}
