import type { KeyValue, WatchEvent } from '../backend.js';
import type { SqlRow } from './driver.js';

const EMPTY = new Uint8Array(0);

export function toNumber(value: unknown): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'string') return Number(value);
  if (value === null || value === undefined) return 0;
  throw new TypeError(`expected a number from the database, got ${typeof value}`);
}

/** Keys come back as strings, or as bytes from MySQL's VARBINARY column. */
export function toKey(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('utf8');
  throw new TypeError(`expected a key from the database, got ${typeof value}`);
}

export function toBytes(value: unknown): Uint8Array {
  if (value === null || value === undefined) return EMPTY;
  if (value instanceof Uint8Array) return value;
  if (typeof value === 'string') return Buffer.from(value, 'utf8');
  throw new TypeError(`expected bytes from the database, got ${typeof value}`);
}

/** A row of the log that is the current version of its key. */
export function rowToKeyValue(row: SqlRow): KeyValue {
  const id = toNumber(row['id']);
  return {
    key: toKey(row['name']),
    value: toBytes(row['value']),
    createRevision: toNumber(row['created']) !== 0 ? id : toNumber(row['create_revision']),
    modRevision: id,
    lease: toNumber(row['lease']),
  };
}

export function isFillRow(row: SqlRow): boolean {
  return toKey(row['name']) === '';
}

/** A log row (with `old_value` and `prev_revision`) as the event it records. */
export function rowToEvent(row: SqlRow): WatchEvent {
  const id = toNumber(row['id']);
  const key = toKey(row['name']);
  const lease = toNumber(row['lease']);
  const created = toNumber(row['created']) !== 0;
  const deleted = toNumber(row['deleted']) !== 0;
  const createRevision = created ? id : toNumber(row['create_revision']);
  const prevKv: KeyValue = {
    key,
    value: toBytes(row['old_value']),
    createRevision,
    modRevision: toNumber(row['prev_revision']),
    lease: toNumber(row['old_lease']),
  };
  if (deleted) {
    return { type: 'delete', kv: { key, value: EMPTY, createRevision: 0, modRevision: id, lease: 0 }, prevKv };
  }
  const kv: KeyValue = { key, value: toBytes(row['value']), createRevision, modRevision: id, lease };
  return created ? { type: 'create', kv } : { type: 'update', kv, prevKv };
}
