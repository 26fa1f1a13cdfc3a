/**
 * Addresses of the real servers started by scripts/with-test-services.mjs.
 * A suite whose server is missing skips locally (a machine without
 * PostgreSQL can still run the rest) but fails under CI, where .ci/run
 * installs everything and a skipped suite would hide a broken setup.
 */
export type ServiceName = 'postgres' | 'mysql' | 'etcd';

const VARIABLES: Record<ServiceName, string> = {
  postgres: 'LK_TEST_POSTGRES_URL',
  mysql: 'LK_TEST_MYSQL_URL',
  etcd: 'LK_TEST_ETCD_ENDPOINT',
};

export function serviceAddress(name: ServiceName): string | undefined {
  const value = process.env[VARIABLES[name]];
  if (value !== undefined && value !== '') return value;
  if (process.env.CI) {
    throw new Error(`${VARIABLES[name]} is not set under CI: run the tests through scripts/with-test-services.mjs (pnpm test does)`);
  }
  return undefined;
}

/** A Postgres URL for a database of our own (created on first use by the driver). */
export function postgresDatabaseUrl(database: string): string | undefined {
  const base = serviceAddress('postgres');
  if (base === undefined) return undefined;
  const url = new URL(base);
  url.pathname = `/${database}`;
  return url.toString();
}

export function mysqlDatabaseUrl(database: string): string | undefined {
  const base = serviceAddress('mysql');
  if (base === undefined) return undefined;
  const url = new URL(base);
  url.pathname = `/${database}`;
  return url.toString();
}

/** A name unique to this run, for databases and key prefixes. */
export function uniqueName(prefix: string): string {
  return `${prefix}_${process.pid}_${Date.now().toString(36)}_${Math.floor(Math.random() * 1e6).toString(36)}`;
}
