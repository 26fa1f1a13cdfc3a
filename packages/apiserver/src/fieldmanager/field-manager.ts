/**
 * Server-side apply and managedFields bookkeeping, as kube-apiserver's
 * field manager does it (k8s.io/apimachinery/pkg/util/managedfields with
 * structured-merge-diff's Updater):
 * - every create, update and patch records which fields the request's
 *   manager changed (an Update entry), taking them from other managers;
 * - an apply merges the applied configuration into the live object by the
 *   schema's structure, owns exactly the fields it applied (an Apply
 *   entry), fails with 409 when it would change a field another manager
 *   owns (unless forced), and removes fields it applied before and no
 *   longer applies if nobody else owns them;
 * - "kubectl" applying over an object managed by client-side apply may take
 *   the fields its last-applied annotation declares, and keeps that
 *   annotation current, so switching between the two works.
 */
import { ApplyError, compareTyped, fieldSetOf, FieldSet, formatPath, mergeTyped, removeItems, type FieldPath, type TypedContext } from '../apply/index.js';
import { ApiError, badRequest, type Status } from '../errors/status.js';
import { goJsonMarshal } from '../patch/go-format.js';
import { deepEqual } from '../registry/object-diff.js';
import type { JsonValue, KubeObject } from '../resources/types.js';
import type { Schema } from '../schema/types.js';
import { decodeManagedFields, encodeManagedFields, isResetRequest, managerKey, ManagedFieldsError, type ManagedFields, type ManagedSet, type Operation } from './managed-fields.js';

export const LAST_APPLIED_ANNOTATION = 'kubectl.kubernetes.io/last-applied-configuration';
const BEFORE_FIRST_APPLY = 'before-first-apply';
const MAX_UPDATE_MANAGERS = 10;
const ANCIENT_CHANGES = 'ancient-changes';

/**
 * Fields never owned by anyone (upstream's stripMetaManager): these exact
 * paths, `.metadata` itself included, but not what lies under them
 * (labels, annotations… stay ownable).
 */
const STRIPPED = ((): FieldSet => {
  const set = FieldSet.empty();
  set.insert([{ kind: 'field', name: 'apiVersion' }]);
  set.insert([{ kind: 'field', name: 'kind' }]);
  set.insert([{ kind: 'field', name: 'metadata' }]);
  for (const name of ['name', 'namespace', 'creationTimestamp', 'selfLink', 'uid', 'clusterName', 'generation', 'managedFields', 'resourceVersion', 'deletionTimestamp', 'deletionGracePeriodSeconds']) {
    set.insert([
      { kind: 'field', name: 'metadata' },
      { kind: 'field', name },
    ]);
  }
  return set;
})();

export interface FieldManagerRequest {
  /** The object's schema and the registry its `$ref`s resolve in. */
  readonly schema: Schema;
  readonly context: TypedContext;
  /** The group/version of the endpoint (`v1`, `apps/v1`). */
  readonly apiVersion: string;
  /** '' for the main resource, 'status', 'scale'… */
  readonly subresource: string;
  readonly manager: string;
  /** Top-level fields this endpoint resets (status on the main resource; all but status on /status). */
  readonly resetFields: readonly string[];
  /** An RFC 3339 timestamp for entries this operation touches. */
  readonly now: string;
}

/** A 409 listing each conflicting field and its manager, with upstream's wording. */
export function applyConflict(conflicts: readonly { readonly manager: ManagedSet; readonly path: FieldPath }[]): ApiError {
  const describe = (entry: ManagedSet): string => {
    let text = JSON.stringify(entry.manager);
    if (entry.subresource !== '') text += ` with subresource ${JSON.stringify(entry.subresource)}`;
    return entry.operation === 'Update' ? `${text} using ${entry.apiVersion}` : text;
  };
  let message: string;
  if (conflicts.length === 1) {
    message = `Apply failed with 1 conflict: conflict with ${describe(conflicts[0]!.manager)}: ${formatPath(conflicts[0]!.path)}`;
  } else {
    const byManager = new Map<string, string[]>();
    for (const conflict of conflicts) {
      const key = describe(conflict.manager);
      byManager.set(key, [...(byManager.get(key) ?? []), formatPath(conflict.path)]);
    }
    const lines = [...byManager.keys()].sort().flatMap((manager) => [`conflicts with ${manager}:`, ...byManager.get(manager)!.map((path) => `- ${path}`)]);
    message = `Apply failed with ${conflicts.length} conflicts: ${lines.join('\n')}`;
  }
  const status: Status = {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message,
    reason: 'Conflict',
    code: 409,
    details: { causes: conflicts.map((conflict) => ({ reason: 'FieldManagerConflict', message: `conflict with ${describe(conflict.manager)}`, field: formatPath(conflict.path) })) },
  };
  return new ApiError(status);
}

function withoutMeta(object: KubeObject): unknown {
  const { metadata, ...rest } = object;
  const { managedFields: _managed, ...meta } = metadata;
  return { ...rest, metadata: meta };
}

/** What no manager owns through this endpoint: the stripped metadata, and whole subtrees the endpoint resets. */
function ownable(set: FieldSet, request: FieldManagerRequest): FieldSet {
  return set.difference(STRIPPED).withoutPaths(request.resetFields.map((name): FieldPath => [{ kind: 'field', name }]));
}

/** Decodes what the object carries; undefined when it carries nothing usable. */
function managedOf(object: KubeObject | undefined): ManagedFields | undefined {
  try {
    const managed = decodeManagedFields(object?.metadata.managedFields);
    return managed.size === 0 ? undefined : managed;
  } catch (error) {
    // Upstream ignores managedFields it cannot decode and keeps the live object's.
    if (error instanceof ManagedFieldsError || error instanceof ApplyError) return undefined;
    throw error;
  }
}

export class FieldManager {
  /**
   * Records an Update by `request.manager` of `live` into `next` (live is
   * undefined on create) and sets next.metadata.managedFields. Managed
   * fields sent by the client are honoured on the main resource (`[{}]`
   * clears them); otherwise the live object's are the starting point.
   */
  update(live: KubeObject | undefined, next: KubeObject, request: FieldManagerRequest): void {
    let managed: ManagedFields;
    if (request.subresource === '' && isResetRequest(next.metadata.managedFields)) {
      managed = new Map();
    } else {
      managed = (request.subresource === '' ? managedOf(next) : undefined) ?? managedOf(live) ?? new Map();
    }
    // Upstream starts tracking at create (or at the first apply), never in the middle of an object's life.
    if (managed.size === 0 && live !== undefined && live.metadata.uid !== undefined) {
      delete next.metadata.managedFields;
      return;
    }
    this.recordUpdate(managed, live === undefined ? {} : withoutMeta(live), withoutMeta(next), request, request.manager);
    setManagedFields(next, managed);
  }

  /**
   * Applies `config` over `live` (undefined: the object does not exist
   * yet) for `request.manager`, returning the new object with its
   * managedFields, or throwing the 409 of the conflicts.
   */
  apply(live: KubeObject | undefined, config: KubeObject, request: FieldManagerRequest & { readonly force: boolean }): KubeObject {
    if (config.metadata.managedFields !== undefined && config.metadata.managedFields !== null) throw badRequest('metadata.managedFields must be nil');
    const managed = managedOf(live) ?? new Map<string, ManagedSet>();
    const liveValue = live === undefined ? {} : withoutMeta(live);
    // An object nobody tracked yet: what exists belongs to "before-first-apply".
    if (managed.size === 0 && live !== undefined) this.recordUpdate(managed, {}, liveValue, request, BEFORE_FIRST_APPLY);

    let result: { object: unknown; managed: ManagedFields };
    try {
      result = this.applyOnce(managed, liveValue, config, request, request.force);
    } catch (error) {
      if (error instanceof ApplyError) {
        // A configuration the schema cannot hold (duplicate keys in a list-map, a key-less item): the applier's mistake.
        throw badRequest(`failed to create typed patch object (${config.metadata.namespace ?? live?.metadata.namespace ?? ''}/${config.metadata.name ?? ''}; ${request.apiVersion}): ${error.message}`);
      }
      if (!(error instanceof ConflictSignal)) throw error;
      // kubectl taking over from client-side apply: conflicts on fields its last-applied
      // annotation declares (and that still hold those values) are allowed.
      const allowed = request.manager === 'kubectl' && live !== undefined ? this.lastAppliedFields(live, request) : undefined;
      const remaining = allowed === undefined ? error.conflicts : error.conflicts.filter((conflict) => !allowed.has(conflict.path));
      if (remaining.length > 0) throw applyConflict(remaining);
      result = this.applyOnce(managed, liveValue, config, request, true);
    }
    const object = result.object as KubeObject;
    // A no-op apply leaves the object as it was, its entry's time included (upstream writes nothing).
    const key = managerKey({ manager: request.manager, operation: 'Apply', apiVersion: request.apiVersion, subresource: request.subresource });
    const previous = managed.get(key);
    const entry = result.managed.get(key);
    if (previous !== undefined && entry !== undefined && previous.set.equals(entry.set) && deepEqual(object, liveValue)) result.managed.set(key, { ...entry, time: previous.time });
    if (request.manager === 'kubectl' && live?.metadata.annotations?.[LAST_APPLIED_ANNOTATION]) {
      // Keep client-side apply's record in step, so `kubectl apply` afterwards sees no spurious diff.
      const { annotations, ...meta } = config.metadata;
      const rest = { ...(annotations ?? {}) };
      delete rest[LAST_APPLIED_ANNOTATION];
      const lastApplied = { ...config, metadata: { ...meta, ...(Object.keys(rest).length > 0 && { annotations: rest }) } };
      // Encoded as upstream's lastAppliedUpdater encodes it: Go's JSON (sorted keys), newline-terminated.
      object.metadata.annotations = { ...object.metadata.annotations, [LAST_APPLIED_ANNOTATION]: `${goJsonMarshal(lastApplied as unknown as JsonValue)}\n` };
    }
    setManagedFields(object, result.managed);
    return object;
  }

  private applyOnce(original: ManagedFields, liveValue: unknown, config: KubeObject, request: FieldManagerRequest, force: boolean): { object: unknown; managed: ManagedFields } {
    const managed: ManagedFields = new Map(original);
    const key = managerKey({ manager: request.manager, operation: 'Apply', apiVersion: request.apiVersion, subresource: request.subresource });
    const lastSet = managed.get(key)?.set;
    const applied = ownable(fieldSetOf(config, request.schema, request.context), request);
    let merged = mergeTyped(liveValue, config, request.schema, request.context);
    managed.set(key, { manager: request.manager, operation: 'Apply', apiVersion: request.apiVersion, subresource: request.subresource, time: request.now, set: applied });
    merged = this.prune(merged, managed, lastSet, request);
    this.takeOwnership(managed, liveValue, merged, request, key, force);
    return { object: merged, managed };
  }

  /** Fields the applier applied last time and no longer does, owned by nobody now, are removed. */
  private prune(merged: unknown, managed: ManagedFields, lastSet: FieldSet | undefined, request: FieldManagerRequest): unknown {
    if (lastSet === undefined || lastSet.isEmpty()) return merged;
    let owned = FieldSet.empty();
    for (const entry of managed.values()) owned = owned.union(entry.set);
    const ownedPrefixes = new Set<string>();
    for (const path of owned.members()) for (let length = 1; length <= path.length; length++) ownedPrefixes.add(formatPath(path.slice(0, length)));
    const toRemove = FieldSet.empty();
    // A list item someone else still owns a field of stays (upstream adds owned items back).
    for (const path of lastSet.difference(owned).members()) if (!ownedPrefixes.has(formatPath(path))) toRemove.insert(path);
    return toRemove.isEmpty() ? merged : removeItems(merged, toRemove, request.schema, request.context);
  }

  /**
   * SMD's Updater.update: other managers lose the fields this operation
   * changed (a conflict unless forced, for appliers) and those it removed.
   */
  private takeOwnership(managed: ManagedFields, before: unknown, after: unknown, request: FieldManagerRequest, key: string, force: boolean): { added: FieldSet; modified: FieldSet; removed: FieldSet } {
    const compare = compareTyped(before, after, request.schema, request.context);
    const changed = ownable(compare.modified.union(compare.added), request);
    const removed = ownable(compare.removed, request);
    const conflicts: { manager: ManagedSet; path: FieldPath }[] = [];
    for (const [otherKey, entry] of managed) {
      if (otherKey === key) continue;
      for (const path of entry.set.intersection(changed).members()) conflicts.push({ manager: entry, path });
    }
    if (!force && conflicts.length > 0) throw new ConflictSignal(conflicts);
    for (const [otherKey, entry] of managed) {
      if (otherKey === key) continue;
      const set = entry.set.difference(changed).difference(removed);
      if (set.isEmpty()) managed.delete(otherKey);
      else managed.set(otherKey, { ...entry, set });
    }
    return { added: compare.added, modified: compare.modified, removed };
  }

  private recordUpdate(managed: ManagedFields, before: unknown, after: unknown, request: FieldManagerRequest, manager: string): void {
    const key = managerKey({ manager, operation: 'Update', apiVersion: request.apiVersion, subresource: request.subresource });
    const compare = this.takeOwnership(managed, before, after, request, key, true);
    const previous = managed.get(key);
    const gained = ownable(compare.modified.union(compare.added), request);
    const set = (previous?.set ?? FieldSet.empty()).difference(compare.removed).union(gained);
    if (set.isEmpty()) {
      managed.delete(key);
      return;
    }
    // The time moves only when the manager took something (upstream's managedFieldsUpdater).
    const time = gained.isEmpty() && previous !== undefined ? previous.time : request.now;
    managed.set(key, { manager, operation: 'Update' satisfies Operation, apiVersion: request.apiVersion, subresource: request.subresource, time, set });
    capUpdateManagers(managed);
  }

  /** The fields kubectl's client-side apply last applied and that still hold those values. */
  private lastAppliedFields(live: KubeObject, request: FieldManagerRequest): FieldSet | undefined {
    const text = live.metadata.annotations?.[LAST_APPLIED_ANNOTATION];
    if (text === undefined || text === '') return undefined;
    let lastApplied: KubeObject;
    try {
      lastApplied = JSON.parse(text) as KubeObject;
    } catch {
      return undefined;
    }
    if (lastApplied.apiVersion !== request.apiVersion) return undefined;
    const declared = fieldSetOf(lastApplied, request.schema, request.context);
    const compare = compareTyped(lastApplied, withoutMeta(live), request.schema, request.context);
    return declared.difference(compare.modified).difference(compare.added).difference(compare.removed);
  }
}

class ConflictSignal extends Error {
  constructor(readonly conflicts: { manager: ManagedSet; path: FieldPath }[]) {
    super('apply conflicts');
  }
}

function setManagedFields(object: KubeObject, managed: ManagedFields): void {
  const entries = encodeManagedFields(managed);
  if (entries.length === 0) delete object.metadata.managedFields;
  // FieldsV1 is plain JSON: the entries are JSON objects whatever their static type says.
  else object.metadata.managedFields = entries as unknown as NonNullable<KubeObject['metadata']['managedFields']>;
}

/** Upstream keeps at most 10 Update managers; the oldest merge into "ancient-changes" per apiVersion. */
function capUpdateManagers(managed: ManagedFields): void {
  const updaters = [...managed.entries()].filter(([, entry]) => entry.operation === 'Update');
  if (updaters.length <= MAX_UPDATE_MANAGERS) return;
  const seconds = (time: string | undefined): number => (time === undefined ? 0 : Math.floor(Date.parse(time) / 1000));
  updaters.sort(([keyA, a], [keyB, b]) => seconds(a.time) - seconds(b.time) || (keyA < keyB ? -1 : keyA > keyB ? 1 : 0));
  let count = updaters.length;
  const firstByVersion = new Map<string, string>();
  for (const [key, entry] of updaters) {
    if (count <= MAX_UPDATE_MANAGERS) break;
    const bucketKey = managerKey({ manager: ANCIENT_CHANGES, operation: 'Update', apiVersion: entry.apiVersion, subresource: '' });
    const first = firstByVersion.get(entry.apiVersion);
    if (first === undefined) {
      firstByVersion.set(entry.apiVersion, key);
      continue;
    }
    const bucket = managed.get(bucketKey) ?? { ...managed.get(first)!, manager: ANCIENT_CHANGES, subresource: '' };
    if (!managed.has(bucketKey)) managed.delete(first);
    managed.set(bucketKey, { ...bucket, set: bucket.set.union(entry.set), time: entry.time });
    managed.delete(key);
    count--;
  }
}
