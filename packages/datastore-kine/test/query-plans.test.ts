/**
 * Every statement the log engine runs on a hot path walks an index: a list of
 * a prefix never scans the whole log. Checked with each database's own
 * EXPLAIN on a log with enough rows that a planner would notice a scan.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mysqlDialect } from '../src/sql/dialects/mysql.js';
import { postgresDialect } from '../src/sql/dialects/postgres.js';
import { sqliteDialect } from '../src/sql/dialects/sqlite.js';
import type { SqlDialect } from '../src/sql/dialect.js';
import type { SqlDriver, SqlParam, SqlRow } from '../src/sql/driver.js';
import { openMysql } from '../src/sql/drivers/mysql2.js';
import { openPg } from '../src/sql/drivers/pg.js';
import { openSqlJs } from '../src/sql/drivers/sql-js.js';
import { SqlLogBackend } from '../src/sql/log-backend.js';
import { Statements } from '../src/sql/statements.js';
import { silentLogger } from '../src/logger.js';
import { mysqlDatabaseUrl, postgresDatabaseUrl, uniqueName } from './services.js';

interface PlanCase {
  readonly name: string;
  readonly dialect: SqlDialect;
  open(): Promise<SqlDriver> | undefined;
  /** The full scans of lk_log in a statement's plan, as readable lines. */
  fullScans(driver: SqlDriver, sql: string, params: readonly SqlParam[]): Promise<string[]>;
}

// Aliases of lk_log in the statements ("latest" is a one-row derived table, not the log).
const TABLE_ALIASES = /^(lk_log|kv|m|cur|newer)$/;

const cases: PlanCase[] = [
  {
    name: 'SQLite',
    dialect: sqliteDialect,
    open: () => openSqlJs(),
    async fullScans(driver, sql, params) {
      const { rows } = await driver.query(`EXPLAIN QUERY PLAN ${sql}`, params);
      // "SCAN kv" is a table scan; "SCAN kv USING INDEX …" walks an index in order.
      return rows.map((row) => String(row['detail'])).filter((detail) => /^SCAN (\w+)$/.exec(detail)?.[1]?.match(TABLE_ALIASES));
    },
  },
  {
    name: 'PostgreSQL',
    dialect: postgresDialect,
    open: () => {
      const url = postgresDatabaseUrl(uniqueName('plans'));
      return url === undefined ? undefined : openPg(url, { logger: silentLogger() });
    },
    async fullScans(driver, sql, params) {
      const { rows } = await driver.query(`EXPLAIN (FORMAT JSON) ${sql}`, params);
      const plan = rows[0]!['QUERY PLAN'] as { Plan: PgNode }[];
      const scans: string[] = [];
      const walk = (node: PgNode): void => {
        if (node['Node Type'] === 'Seq Scan' && node['Relation Name'] === 'lk_log') scans.push(`Seq Scan on lk_log ${node.Alias ?? ''}`);
        for (const child of node.Plans ?? []) walk(child);
      };
      walk(plan[0]!.Plan);
      return scans;
    },
  },
  {
    name: 'MySQL (MariaDB)',
    dialect: mysqlDialect,
    open: () => {
      const url = mysqlDatabaseUrl(uniqueName('plans'));
      return url === undefined ? undefined : openMysql(url, { logger: silentLogger() });
    },
    async fullScans(driver, sql, params) {
      const { rows } = await driver.query(`EXPLAIN ${sql}`, params);
      return rows
        .filter((row: SqlRow) => row['type'] === 'ALL' && TABLE_ALIASES.test(String(row['table'])))
        .map((row) => `full scan of ${String(row['table'])}`);
    },
  },
];

interface PgNode {
  'Node Type': string;
  'Relation Name'?: string;
  Alias?: string;
  Plans?: PgNode[];
}

for (const planCase of cases) {
  const opening = planCase.open();
  describe.skipIf(opening === undefined)(`query plans on ${planCase.name}`, () => {
    let driver: SqlDriver;
    let backend: SqlLogBackend;
    const statements = new Statements(planCase.dialect);
    let revision = 0;

    beforeAll(async () => {
      driver = await opening!;
      backend = await SqlLogBackend.open(driver, planCase.dialect, { compactIntervalMs: 0, pollIntervalMs: 0 });
      // 6,000 keys elsewhere with 3 versions each, and 50 keys under the prefix we read.
      const value = new Uint8Array(64);
      const bulk = Array.from({ length: 6000 }, (_, i) => `/bulk/${String(i).padStart(5, '0')}`);
      for (let start = 0; start < bulk.length; start += 200) {
        await Promise.all(
          bulk.slice(start, start + 200).map(async (key) => {
            let { revision: r } = await backend.create(key, value);
            for (let v = 0; v < 2; v++) r = (await backend.update(key, value, r)).revision;
          }),
        );
      }
      for (let i = 0; i < 50; i++) await backend.create(`/target/${i}`, value);
      revision = await backend.currentRevision();
      if (planCase.dialect.name === 'postgres') await driver.query('ANALYZE lk_log');
      if (planCase.dialect.name === 'mysql') await driver.query('ANALYZE TABLE lk_log');
      if (planCase.dialect.name === 'sqlite') await driver.query('ANALYZE');
    }, 300_000);

    afterAll(async () => {
      await backend?.close();
    });

    const queries: [string, () => [string, SqlParam[]]][] = [
      ['list of a prefix', () => [statements.range({ hasEnd: true, atRevision: true, keysOnly: false, limited: false }), ['/target/', '/target0', revision, revision]]],
      ['list page with a limit', () => [statements.range({ hasEnd: true, atRevision: true, keysOnly: false, limited: true }), ['/target/', '/target0', revision, revision, 11]]],
      ['keys-only list', () => [statements.range({ hasEnd: true, atRevision: true, keysOnly: true, limited: false }), ['/target/', '/target0', revision, revision]]],
      ['count of a prefix', () => [statements.count(true, true), ['/target/', '/target0', revision, revision]]],
      ['get of a key', () => [statements.getAt, ['/target/1', revision]]],
      ['watch poll', () => [statements.poll, [revision - 10, 1000]]],
      ['watch history', () => [statements.history(true), [revision - 10, revision, '/target/', '/target0', 1000]]],
      ['keys of a lease', () => [statements.leaseKeys, [42]]],
      ['compaction candidates', () => [statements.compactCandidates, [100, 1100, 100, 1100]]],
      ['compare-and-swap update', () => [statements.update, [0, new Uint8Array(1), revision, '/target/1', 0, 0, Date.now()]]],
      ['create', () => [statements.create, ['/target/new', 0, new Uint8Array(1), '/target/new']]],
    ];

    it.each(queries)('%s walks an index', async (_, build) => {
      const [sql, params] = build();
      expect(await planCase.fullScans(driver, sql, params)).toEqual([]);
    });

    it('finds a full scan where there is one (the check itself works)', async () => {
      const scans = await planCase.fullScans(driver, 'SELECT COUNT(*) AS n FROM lk_log WHERE value IS NOT NULL', []);
      expect(scans.length).toBeGreaterThan(0);
    });
  });
}
