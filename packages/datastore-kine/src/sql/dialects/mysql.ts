import type { SqlDialect } from '../dialect.js';

/**
 * MySQL and MariaDB (InnoDB): auto-increment ids are handed out before commit,
 * like Postgres's sequences. Keys are VARBINARY so that comparisons are byte
 * order and case-sensitive whatever the server's default collation is.
 */
export const mysqlDialect: SqlDialect = {
  name: 'mysql',
  commitsInIdOrder: false,
  returningId: '',
  insertIgnoringDuplicates: { prefix: 'INSERT IGNORE INTO', suffix: '' },
  sizeQuery: `SELECT COALESCE(SUM(data_length + index_length), 0) AS size FROM information_schema.tables
    WHERE table_schema = DATABASE() AND table_name IN ('lk_log', 'lk_leases', 'lk_meta')`,
  schema: [
    `CREATE TABLE IF NOT EXISTS lk_log (
      id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
      name VARBINARY(1024) NOT NULL,
      created TINYINT NOT NULL,
      deleted TINYINT NOT NULL,
      create_revision BIGINT NOT NULL,
      prev_revision BIGINT NOT NULL,
      lease BIGINT NOT NULL,
      value MEDIUMBLOB,
      old_value MEDIUMBLOB,
      old_lease BIGINT NOT NULL DEFAULT 0,
      UNIQUE KEY lk_log_name_prev_revision (name, prev_revision),
      KEY lk_log_name_id (name, id),
      KEY lk_log_lease (lease)
    ) ENGINE=InnoDB`,
    `CREATE TABLE IF NOT EXISTS lk_leases (
      id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
      ttl BIGINT NOT NULL,
      expires_at BIGINT NOT NULL,
      KEY lk_leases_expires_at (expires_at)
    ) ENGINE=InnoDB`,
    'CREATE TABLE IF NOT EXISTS lk_meta (name VARCHAR(64) NOT NULL PRIMARY KEY, value BIGINT NOT NULL) ENGINE=InnoDB',
    "INSERT IGNORE INTO lk_meta (name, value) VALUES ('compact_revision', 0), ('compacted_through', 0)",
  ],
};
