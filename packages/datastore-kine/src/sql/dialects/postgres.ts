import type { SqlDialect } from '../dialect.js';

/**
 * PostgreSQL: ids come from a sequence before commit, so concurrent writers
 * can commit out of id order and a failed insert leaves a permanent gap.
 * Keys use the "C" collation so that range scans follow byte order whatever
 * the database's default collation is.
 */
export const postgresDialect: SqlDialect = {
  name: 'postgres',
  commitsInIdOrder: false,
  returningId: ' RETURNING id',
  insertIgnoringDuplicates: { prefix: 'INSERT INTO', suffix: ' ON CONFLICT (id) DO NOTHING' },
  sizeQuery:
    "SELECT pg_total_relation_size('lk_log') + pg_total_relation_size('lk_leases') + pg_total_relation_size('lk_meta') AS size",
  schema: [
    `CREATE TABLE IF NOT EXISTS lk_log (
      id BIGSERIAL PRIMARY KEY,
      name TEXT COLLATE "C" NOT NULL,
      created SMALLINT NOT NULL,
      deleted SMALLINT NOT NULL,
      create_revision BIGINT NOT NULL,
      prev_revision BIGINT NOT NULL,
      lease BIGINT NOT NULL,
      value BYTEA,
      old_value BYTEA,
      old_lease BIGINT NOT NULL DEFAULT 0
    )`,
    'CREATE UNIQUE INDEX IF NOT EXISTS lk_log_name_prev_revision ON lk_log (name, prev_revision)',
    'CREATE INDEX IF NOT EXISTS lk_log_name_id ON lk_log (name, id)',
    'CREATE INDEX IF NOT EXISTS lk_log_lease ON lk_log (lease) WHERE lease <> 0',
    `CREATE TABLE IF NOT EXISTS lk_leases (
      id BIGSERIAL PRIMARY KEY,
      ttl BIGINT NOT NULL,
      expires_at BIGINT NOT NULL
    )`,
    'CREATE INDEX IF NOT EXISTS lk_leases_expires_at ON lk_leases (expires_at)',
    'CREATE TABLE IF NOT EXISTS lk_meta (name TEXT PRIMARY KEY, value BIGINT NOT NULL)',
    "INSERT INTO lk_meta (name, value) VALUES ('compact_revision', 0), ('compacted_through', 0) ON CONFLICT DO NOTHING",
  ],
};
