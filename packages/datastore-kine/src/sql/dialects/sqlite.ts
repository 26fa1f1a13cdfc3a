import type { SqlDialect } from '../dialect.js';

/**
 * SQLite: one writer at a time, so ids are handed out in commit order and
 * AUTOINCREMENT never reuses an id, even after the newest row is compacted.
 * Text compares with memcmp on UTF-8, which is etcd's key order.
 */
export const sqliteDialect: SqlDialect = {
  name: 'sqlite',
  commitsInIdOrder: true,
  returningId: ' RETURNING id',
  insertIgnoringDuplicates: { prefix: 'INSERT OR IGNORE INTO', suffix: '' },
  sizeQuery: 'SELECT page_count * page_size AS size FROM pragma_page_count(), pragma_page_size()',
  schema: [
    `CREATE TABLE IF NOT EXISTS lk_log (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      name TEXT NOT NULL,
      created INTEGER NOT NULL,
      deleted INTEGER NOT NULL,
      create_revision INTEGER NOT NULL,
      prev_revision INTEGER NOT NULL,
      lease INTEGER NOT NULL,
      value BLOB,
      old_value BLOB,
      old_lease INTEGER NOT NULL DEFAULT 0
    )`,
    'CREATE UNIQUE INDEX IF NOT EXISTS lk_log_name_prev_revision ON lk_log (name, prev_revision)',
    'CREATE INDEX IF NOT EXISTS lk_log_name_id ON lk_log (name, id)',
    'CREATE INDEX IF NOT EXISTS lk_log_lease ON lk_log (lease) WHERE lease <> 0',
    `CREATE TABLE IF NOT EXISTS lk_leases (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      ttl INTEGER NOT NULL,
      expires_at INTEGER NOT NULL
    )`,
    'CREATE INDEX IF NOT EXISTS lk_leases_expires_at ON lk_leases (expires_at)',
    'CREATE TABLE IF NOT EXISTS lk_meta (name TEXT PRIMARY KEY, value INTEGER NOT NULL)',
    "INSERT OR IGNORE INTO lk_meta (name, value) VALUES ('compact_revision', 0), ('compacted_through', 0)",
  ],
};
