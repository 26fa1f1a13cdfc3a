import type { SqlDialect } from './dialect.js';

/**
 * The log engine's SQL, shared by every dialect. The table `lk_log` is kine's
 * append-only log: one row per write, its id the revision; `created`/`deleted`
 * flag creates and tombstones, `prev_revision` points at the row it supersedes
 * and `old_value` keeps that row's value for watchers' `prevKv`. The unique
 * index on (name, prev_revision) is the compare-and-swap: two writes that
 * supersede the same row cannot both land.
 *
 * Rows whose name is '' are "fill" rows that close a gap left by a
 * transaction that took an id and never committed (see poller.ts).
 */
const KV_COLUMNS = 'id, name, created, deleted, create_revision, prev_revision, lease';
const INSERT_COLUMNS = 'name, created, deleted, create_revision, prev_revision, lease, value, old_value, old_lease';

export interface RangeQuery {
  readonly hasEnd: boolean;
  readonly atRevision: boolean;
  readonly keysOnly: boolean;
  readonly limited: boolean;
}

export class Statements {
  readonly currentRevision = 'SELECT MAX(id) AS id FROM lk_log';
  readonly getLatest = `SELECT ${KV_COLUMNS}, value FROM lk_log WHERE name = ? ORDER BY id DESC LIMIT 1`;
  readonly getAt = `SELECT ${KV_COLUMNS}, value FROM lk_log WHERE name = ? AND id <= ? ORDER BY id DESC LIMIT 1`;

  /** Params: name, lease, value, name. Inserts nothing when the key is live. */
  readonly create: string;
  /**
   * Params: lease, value, expected revision, name, lease, lease, now (ms).
   * Inserts nothing unless that row is the key's newest and live (and the
   * lease exists and has not run out). The NOT EXISTS only saves a doomed insert (which would burn an id
   * on Postgres and MySQL); the unique index is what makes it safe.
   */
  readonly update: string;
  /** Params: expected revision, name. */
  readonly delete: string;

  /** Params: after id, limit. */
  readonly poll = `SELECT ${KV_COLUMNS}, value, old_value, old_lease FROM lk_log WHERE id > ? ORDER BY id ASC LIMIT ?`;

  readonly leaseGrant: string;
  readonly leaseGet = 'SELECT id, ttl, expires_at FROM lk_leases WHERE id = ?';
  readonly leaseKeepAlive = 'UPDATE lk_leases SET expires_at = ? WHERE id = ?';
  readonly leaseDelete = 'DELETE FROM lk_leases WHERE id = ?';
  readonly leaseExpired = 'SELECT id FROM lk_leases WHERE expires_at <= ? ORDER BY expires_at LIMIT ?';
  readonly leaseKeys = `SELECT kv.id, kv.name FROM lk_log kv
    WHERE kv.lease = ? AND kv.lease <> 0 AND kv.deleted = 0
      AND kv.id = (SELECT MAX(m.id) FROM lk_log m WHERE m.name = kv.name)
    ORDER BY kv.name`;

  readonly metaGet = 'SELECT name, value FROM lk_meta';
  /** Params: value, name, value. Only ever moves forward, so concurrent compactors cannot undo each other. */
  readonly metaAdvance = 'UPDATE lk_meta SET value = ? WHERE name = ? AND value < ?';
  /**
   * Rows made obsolete by the rows in an id window: those they supersede, and
   * tombstones and fill rows themselves. Params: from, to, from, to.
   */
  readonly compactCandidates = `SELECT prev_revision AS id FROM lk_log WHERE id > ? AND id <= ? AND prev_revision <> 0 AND name <> ''
    UNION SELECT id FROM lk_log WHERE id > ? AND id <= ? AND deleted <> 0`;

  private readonly rangeCache = new Map<string, string>();
  private readonly historyCache = new Map<boolean, string>();

  constructor(readonly dialect: SqlDialect) {
    const returning = dialect.returningId;
    this.create = `INSERT INTO lk_log (${INSERT_COLUMNS})
      SELECT ?, 1, 0, 0, COALESCE(latest.id, 0), ?, ?, NULL, 0
      FROM (SELECT MAX(id) AS id FROM lk_log WHERE name = ?) latest
      LEFT JOIN lk_log cur ON cur.id = latest.id
      WHERE cur.id IS NULL OR cur.deleted <> 0${returning}`;
    this.update = `INSERT INTO lk_log (${INSERT_COLUMNS})
      SELECT cur.name, 0, 0, CASE WHEN cur.created <> 0 THEN cur.id ELSE cur.create_revision END, cur.id, ?, ?, cur.value, cur.lease
      FROM lk_log cur
      WHERE cur.id = ? AND cur.name = ? AND cur.deleted = 0
        AND NOT EXISTS (SELECT 1 FROM lk_log newer WHERE newer.name = cur.name AND newer.id > cur.id)
        AND (? = 0 OR EXISTS (SELECT 1 FROM lk_leases l WHERE l.id = ? AND l.expires_at > ?))${returning}`;
    this.delete = `INSERT INTO lk_log (${INSERT_COLUMNS})
      SELECT cur.name, 0, 1, CASE WHEN cur.created <> 0 THEN cur.id ELSE cur.create_revision END, cur.id, cur.lease, NULL, cur.value, cur.lease
      FROM lk_log cur
      WHERE cur.id = ? AND cur.name = ? AND cur.deleted = 0
        AND NOT EXISTS (SELECT 1 FROM lk_log newer WHERE newer.name = cur.name AND newer.id > cur.id)${returning}`;
    this.leaseGrant = `INSERT INTO lk_leases (ttl, expires_at) VALUES (?, ?)${returning}`;
  }

  /**
   * The newest live row of every key in [start, end), optionally as of a
   * revision. Written as a correlated MAX so that both the outer range scan
   * and the inner lookup walk the (name, id) index and a LIMIT stops early.
   * Params: start, [end], [revision], [revision], [limit].
   */
  range(query: RangeQuery): string {
    const cacheKey = `${+query.hasEnd}${+query.atRevision}${+query.keysOnly}${+query.limited}`;
    let sql = this.rangeCache.get(cacheKey);
    if (sql === undefined) {
      sql = `SELECT kv.id, kv.name, kv.created, kv.create_revision, kv.lease${query.keysOnly ? '' : ', kv.value'}
        FROM lk_log kv
        WHERE kv.name >= ?${query.hasEnd ? ' AND kv.name < ?' : ''}${query.atRevision ? ' AND kv.id <= ?' : ''}
          AND kv.deleted = 0
          AND kv.id = (SELECT MAX(m.id) FROM lk_log m WHERE m.name = kv.name${query.atRevision ? ' AND m.id <= ?' : ''})
        ORDER BY kv.name ASC${query.limited ? ' LIMIT ?' : ''}`;
      this.rangeCache.set(cacheKey, sql);
    }
    return sql;
  }

  /** Params: start, [end], [revision], [revision]. */
  count(hasEnd: boolean, atRevision: boolean): string {
    return `SELECT COUNT(*) AS count FROM lk_log kv
      WHERE kv.name >= ?${hasEnd ? ' AND kv.name < ?' : ''}${atRevision ? ' AND kv.id <= ?' : ''}
        AND kv.deleted = 0
        AND kv.id = (SELECT MAX(m.id) FROM lk_log m WHERE m.name = kv.name${atRevision ? ' AND m.id <= ?' : ''})`;
  }

  /** Log rows of a key range in an id window, for a watch that resumes from the past. Params: from, to, start, [end], limit. */
  history(hasEnd: boolean): string {
    let sql = this.historyCache.get(hasEnd);
    if (sql === undefined) {
      sql = `SELECT ${KV_COLUMNS}, value, old_value, old_lease FROM lk_log
        WHERE id >= ? AND id <= ? AND name >= ?${hasEnd ? ' AND name < ?' : ''}
        ORDER BY id ASC LIMIT ?`;
      this.historyCache.set(hasEnd, sql);
    }
    return sql;
  }

  /**
   * Fill rows for missing ids, skipping ids taken meanwhile (a transaction
   * still running makes the insert wait for it, then skip its id).
   * Params: each id twice.
   */
  fillIgnoringTaken(count: number): string {
    const rows = new Array<string>(count).fill("(?, '', 0, 1, 0, ?, 0, NULL, NULL, 0)").join(', ');
    const { prefix, suffix } = this.dialect.insertIgnoringDuplicates;
    return `${prefix} lk_log (id, ${INSERT_COLUMNS}) VALUES ${rows}${suffix}`;
  }

  /** Params: the ids, then the id to spare (the newest row, which holds the current revision). */
  compactDelete(count: number): string {
    return `DELETE FROM lk_log WHERE id IN (${new Array<string>(count).fill('?').join(', ')}) AND id <> ?`;
  }
}
