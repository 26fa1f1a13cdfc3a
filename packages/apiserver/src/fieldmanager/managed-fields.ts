import { FieldSet } from '../apply/index.js';
import { isPlainObject } from '../validation/schema-common.js';

export type Operation = 'Apply' | 'Update';

/** One manager's ownership, decoded from a metadata.managedFields entry. */
export interface ManagedSet {
  readonly manager: string;
  readonly operation: Operation;
  readonly apiVersion: string;
  readonly subresource: string;
  readonly time: string | undefined;
  readonly set: FieldSet;
}

/**
 * Managers keyed as upstream's BuildManagerIdentifier keys them: manager,
 * operation and subresource, plus the apiVersion for Update entries only
 * (an applier is the same manager whichever version it applies).
 */
export type ManagedFields = Map<string, ManagedSet>;

export function managerKey(entry: Pick<ManagedSet, 'manager' | 'operation' | 'apiVersion' | 'subresource'>): string {
  return JSON.stringify([entry.manager, entry.operation, entry.operation === 'Update' ? entry.apiVersion : '', entry.subresource]);
}

export class ManagedFieldsError extends Error {}

/** Reads metadata.managedFields; throws ManagedFieldsError on anything malformed. */
export function decodeManagedFields(entries: unknown): ManagedFields {
  const managed: ManagedFields = new Map();
  if (entries === undefined || entries === null) return managed;
  if (!Array.isArray(entries)) throw new ManagedFieldsError('metadata.managedFields must be a list');
  for (const [index, raw] of entries.entries()) {
    if (!isPlainObject(raw)) throw new ManagedFieldsError(`metadata.managedFields[${index}] must be an object`);
    const operation = raw['operation'];
    if (operation !== 'Apply' && operation !== 'Update') throw new ManagedFieldsError(`metadata.managedFields[${index}].operation must be Apply or Update`);
    if (raw['fieldsType'] !== undefined && raw['fieldsType'] !== 'FieldsV1') throw new ManagedFieldsError(`metadata.managedFields[${index}].fieldsType must be FieldsV1`);
    const entry: ManagedSet = {
      manager: typeof raw['manager'] === 'string' ? raw['manager'] : '',
      operation,
      apiVersion: typeof raw['apiVersion'] === 'string' ? raw['apiVersion'] : '',
      subresource: typeof raw['subresource'] === 'string' ? raw['subresource'] : '',
      time: typeof raw['time'] === 'string' ? raw['time'] : undefined,
      set: FieldSet.fromFieldsV1(raw['fieldsV1'] ?? {}),
    };
    const key = managerKey(entry);
    if (managed.has(key)) throw new ManagedFieldsError(`metadata.managedFields has two entries for the same manager (${entry.manager})`);
    managed.set(key, entry);
  }
  return managed;
}

/**
 * Writes managedFields in upstream's order: Apply entries before Update
 * entries, then by time, manager, apiVersion and subresource.
 */
export function encodeManagedFields(managed: ManagedFields): Record<string, unknown>[] {
  const entries = [...managed.values()].filter((entry) => !entry.set.isEmpty());
  const seconds = (time: string | undefined): number => (time === undefined ? 0 : Math.floor(Date.parse(time) / 1000));
  entries.sort(
    (a, b) =>
      (a.operation === b.operation ? 0 : a.operation < b.operation ? -1 : 1) ||
      seconds(a.time) - seconds(b.time) ||
      compareText(a.manager, b.manager) ||
      compareText(a.apiVersion, b.apiVersion) ||
      compareText(a.subresource, b.subresource),
  );
  return entries.map((entry) => ({
    manager: entry.manager,
    operation: entry.operation,
    apiVersion: entry.apiVersion,
    ...(entry.time !== undefined && { time: entry.time }),
    fieldsType: 'FieldsV1',
    fieldsV1: entry.set.toFieldsV1(),
    ...(entry.subresource !== '' && { subresource: entry.subresource }),
  }));
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** `managedFields: [{}]` (one empty entry) asks to clear all ownership, as upstream allows. */
export function isResetRequest(entries: unknown): boolean {
  return Array.isArray(entries) && entries.length === 1 && isPlainObject(entries[0]) && Object.keys(entries[0]).length === 0;
}
