/**
 * The drivers a benchmark runs against, where their servers are, and the
 * databases, key prefixes and files each run creates for itself (and
 * removes again through {@link Cleanup}).
 *
 * Server addresses come from LK_BENCH_POSTGRES_URL, LK_BENCH_MYSQL_URL and
 * LK_BENCH_ETCD_ENDPOINT, falling back to the LK_TEST_* variables that
 * scripts/with-test-services.mjs sets. Every run works in databases of its
 * own (`lk_bench_<run>`, created here and dropped at the end) and etcd keys
 * under `/lk-bench/<run>/`, so it never touches what other users of the same
 * servers keep there.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Etcd3 } from 'etcd3';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { openBackend, redact, type Backend } from '@lk/datastore-kine';
import type { Cleanup } from './cleanup.js';

/**
 * `sqlite-file-full` is opt-in: the file driver with synchronous=FULL (an
 * fsync per commit, as etcd does), for comparing at equal durability; the
 * default file driver runs at NORMAL, as k3s's SQLite does.
 */
export const DRIVER_NAMES = ['sqlite-memory', 'sqlite-file', 'sqlite-file-full', 'postgres', 'mysql', 'etcd'] as const;
export type DriverName = (typeof DRIVER_NAMES)[number];
export const DEFAULT_DRIVERS: readonly DriverName[] = ['sqlite-memory', 'sqlite-file', 'postgres', 'mysql', 'etcd'];

export const DRIVER_TITLES: Record<DriverName, string> = {
  'sqlite-memory': 'lk SQLite in memory (sql.js)',
  'sqlite-file': 'lk SQLite file (better-sqlite3, WAL)',
  'sqlite-file-full': 'lk SQLite file (WAL, synchronous=FULL)',
  postgres: 'lk PostgreSQL',
  mysql: 'lk MySQL/MariaDB',
  etcd: 'lk etcd driver',
};

interface ServiceAddress {
  readonly value: string;
  /** The variable it came from, for the report. */
  readonly variable: string;
}

export interface Services {
  readonly postgres: ServiceAddress | undefined;
  readonly mysql: ServiceAddress | undefined;
  /** etcd client endpoints as `host:port`. */
  readonly etcd: (ServiceAddress & { readonly hosts: readonly string[] }) | undefined;
}

export function resolveServices(env: NodeJS.ProcessEnv = process.env): Services {
  const pick = (bench: string, test: string): ServiceAddress | undefined => {
    for (const variable of [bench, test]) {
      const value = env[variable];
      if (value !== undefined && value.trim() !== '') return { value: value.trim(), variable };
    }
    return undefined;
  };
  const etcd = pick('LK_BENCH_ETCD_ENDPOINT', 'LK_TEST_ETCD_ENDPOINT');
  return {
    postgres: pick('LK_BENCH_POSTGRES_URL', 'LK_TEST_POSTGRES_URL'),
    mysql: pick('LK_BENCH_MYSQL_URL', 'LK_TEST_MYSQL_URL'),
    etcd:
      etcd === undefined
        ? undefined
        : {
            ...etcd,
            // Accept `host:port`, `http://host:port` and comma-separated lists of either.
            hosts: etcd.value
              .split(',')
              .map((host) =>
                host
                  .trim()
                  .replace(/^(etcd|https?):\/\//, '')
                  .replace(/\/$/, ''),
              )
              .filter((host) => host !== ''),
          },
  };
}

/** Why a driver cannot run, said so that the reader knows what to do about it. */
export function missingServiceNote(driver: DriverName): string | undefined {
  const variable = { postgres: 'LK_BENCH_POSTGRES_URL', mysql: 'LK_BENCH_MYSQL_URL', etcd: 'LK_BENCH_ETCD_ENDPOINT' } as const;
  if (driver === 'sqlite-memory' || driver === 'sqlite-file' || driver === 'sqlite-file-full') return undefined;
  return `no server: set ${variable[driver]} or run through \`node scripts/with-test-services.mjs\``;
}

/** A name unique to this run, usable as a database name on every server. */
export function newRunId(): string {
  const stamp = new Date().toISOString().replace(/[-:T]/g, '').slice(0, 14);
  return `${stamp}_${process.pid}`;
}

/**
 * The resources of one run, each created on first use and registered for
 * removal. One database per server is shared by the lk driver (its lk_*
 * tables) and the raw-database peer (a table of its own).
 */
export class BenchResources {
  private postgres: Promise<string> | undefined;
  private mysql: Promise<string> | undefined;
  private readonly databaseName: string;

  constructor(readonly services: Services, readonly runId: string, private readonly cleanup: Cleanup) {
    this.databaseName = `lk_bench_${runId}`;
  }

  /** The URL of a fresh PostgreSQL database of this run. */
  postgresDatabase(): Promise<string> {
    const base = this.services.postgres;
    if (base === undefined) return Promise.reject(new Error(missingServiceNote('postgres')));
    this.postgres ??= createPostgresDatabase(base.value, this.databaseName, this.cleanup);
    return this.postgres;
  }

  /** The URL of a fresh MySQL database of this run. */
  mysqlDatabase(): Promise<string> {
    const base = this.services.mysql;
    if (base === undefined) return Promise.reject(new Error(missingServiceNote('mysql')));
    this.mysql ??= createMysqlDatabase(base.value, this.databaseName, this.cleanup);
    return this.mysql;
  }

  /** A key prefix of this run on the shared etcd, deleted at the end. */
  etcdPrefix(purpose: string): { hosts: readonly string[]; prefix: string } {
    const etcd = this.services.etcd;
    if (etcd === undefined) throw new Error(missingServiceNote('etcd'));
    const prefix = `/lk-bench/${this.runId}/${purpose}/`;
    this.cleanup.add(`deleting etcd keys under ${prefix}`, async () => {
      const client = new Etcd3({ hosts: etcd.hosts.map((host) => `http://${host}`) });
      try {
        await client.delete().prefix(prefix).exec();
      } finally {
        client.close();
      }
    });
    return { hosts: etcd.hosts, prefix };
  }

  /** A temporary directory of this run, removed at the end. */
  async tempDir(): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), `lk-bench-${this.runId}-`));
    this.cleanup.add(`removing ${dir}`, () => rm(dir, { recursive: true, force: true }));
    return dir;
  }
}

export interface Target {
  readonly driver: DriverName;
  readonly title: string;
  /** The endpoint with any password hidden, for the report. */
  readonly endpoint: string;
  /** Every key the bench writes starts with this. */
  readonly keyPrefix: string;
  open(): Promise<Backend>;
}

/**
 * Where a driver's bench runs. Background compaction is off: on etcd it is
 * store-wide and would compact other users' history, and on the SQL drivers
 * its default interval (5 min) is longer than any phase anyway.
 */
export async function prepareTarget(driver: DriverName, resources: BenchResources, purpose: string): Promise<Target> {
  const quiet = { compactIntervalMs: 0 } as const;
  const keyPrefix = `/lk-bench/${resources.runId}/${purpose}/`;
  const target = (endpoint: string, prefix = keyPrefix): Target => ({
    driver,
    title: DRIVER_TITLES[driver],
    endpoint: redact(endpoint),
    keyPrefix: prefix,
    open: () => openBackend(endpoint, quiet),
  });
  switch (driver) {
    case 'sqlite-memory':
      return target('sqlite://:memory:');
    case 'sqlite-file':
      return target(`sqlite://${join(await resources.tempDir(), 'state.db')}`);
    case 'sqlite-file-full':
      return target(`sqlite://${join(await resources.tempDir(), 'state.db')}?synchronous=FULL`);
    case 'postgres':
      return target(await resources.postgresDatabase());
    case 'mysql':
      return target(await resources.mysqlDatabase());
    case 'etcd': {
      const { hosts, prefix } = resources.etcdPrefix(`lk-${purpose}`);
      return target(`etcd://${hosts.join(',')}`, prefix);
    }
  }
}

// ------------------------------------------------------------ databases

async function createPostgresDatabase(baseUrl: string, name: string, cleanup: Cleanup): Promise<string> {
  const admin = new URL(baseUrl);
  // The maintenance database every PostgreSQL server has, when the URL names none.
  if (admin.pathname === '' || admin.pathname === '/') admin.pathname = '/postgres';
  const run = async (sql: string): Promise<void> => {
    const client = new pg.Client({ connectionString: admin.toString() });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  await run(`CREATE DATABASE "${name}"`);
  cleanup.add(`dropping PostgreSQL database ${name}`, async () => {
    try {
      // FORCE (PostgreSQL 13+) ends connections a crashed phase may have left open.
      await run(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    } catch (error) {
      if ((error as { code?: string }).code !== '42601') throw error; // syntax error: a server before 13
      await run(`DROP DATABASE IF EXISTS "${name}"`);
    }
  });
  const url = new URL(baseUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

/** mysql2 connection options from a `mysql://` URL (or k3s's `user:pass@tcp(host:port)/db` form). */
export function mysqlConnectionOptions(uri: string): mysql.ConnectionOptions {
  const url = new URL(uri.replace(/@tcp\(([^)]*)\)/, '@$1'));
  const database = decodeURIComponent(url.pathname.replace(/^\//, ''));
  return {
    host: url.hostname,
    port: url.port === '' ? 3306 : Number(url.port),
    user: decodeURIComponent(url.username) || 'root',
    password: decodeURIComponent(url.password),
    ...(database === '' ? {} : { database }),
  };
}

async function createMysqlDatabase(baseUrl: string, name: string, cleanup: Cleanup): Promise<string> {
  const { database: _ignored, ...server } = mysqlConnectionOptions(baseUrl);
  const run = async (sql: string): Promise<void> => {
    const connection = await mysql.createConnection(server);
    try {
      await connection.query(sql);
    } finally {
      await connection.end();
    }
  };
  await run(`CREATE DATABASE \`${name}\``);
  cleanup.add(`dropping MySQL database ${name}`, () => run(`DROP DATABASE IF EXISTS \`${name}\``));
  const url = new URL(baseUrl.replace(/@tcp\(([^)]*)\)/, '@$1'));
  url.pathname = `/${name}`;
  return url.toString();
}
