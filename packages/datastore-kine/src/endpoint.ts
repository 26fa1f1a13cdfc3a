import type { Logger } from 'pino';
import { z } from 'zod';
import type { Backend } from './backend.js';
import { InvalidArgumentError } from './errors.js';
import { silentLogger } from './logger.js';
import { mysqlDialect } from './sql/dialects/mysql.js';
import { postgresDialect } from './sql/dialects/postgres.js';
import { sqliteDialect } from './sql/dialects/sqlite.js';
import { SqlLogBackend, type SqlBackendOptions } from './sql/log-backend.js';

/** Tuning shared by every driver; each may also be given as a query parameter of the endpoint. */
export interface OpenBackendOptions {
  readonly logger?: Logger;
  /** Poll for other processes' writes this often (ms). SQL drivers only. */
  readonly pollIntervalMs?: number;
  /** Compact in the background this often (ms); 0 turns it off. */
  readonly compactIntervalMs?: number;
  /** Revisions of history that background compaction keeps. */
  readonly compactRetainRevisions?: number;
  /** Ids per compaction step. */
  readonly compactBatchSize?: number;
  /** Look for expired leases this often (ms). */
  readonly leaseCheckIntervalMs?: number;
  /** Connections in the pool (Postgres, MySQL). */
  readonly maxConnections?: number;
  /** SQLite file only: NORMAL survives a process crash, FULL also a power loss. */
  readonly synchronous?: 'NORMAL' | 'FULL';
}

/** The kinds of endpoint, with the example a user can copy. */
const FORMS = [
  'sqlite://:memory: (in memory, nothing kept)',
  'sqlite:///absolute/path/state.db or sqlite://relative/path/state.db',
  'postgres://user:password@host:5432/database',
  'mysql://user:password@host:3306/database (or k3s\'s mysql://user:password@tcp(host:3306)/database)',
  'etcd://host:2379[,host:2379…] (or http://host:2379)',
].join('; ');

const duration = z
  .string()
  .regex(/^\d+(\.\d+)?(ms|s|m|h)?$/, 'a duration such as 250ms, 5s, 5m or 1h (a bare number is milliseconds)')
  .transform((text) => {
    const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text)!;
    const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[match[2] ?? 'ms'] ?? 1;
    return Math.round(Number(match[1]) * unit);
  });
const count = z.string().regex(/^\d+$/, 'a whole number').transform(Number);

/** Query parameters lk understands on any endpoint. */
const tuningParameters = z
  .object({
    pollInterval: duration.optional(),
    compactInterval: duration.optional(),
    compactRetain: count.optional(),
    compactBatch: count.optional(),
    maxConnections: count.optional(),
    synchronous: z.enum(['NORMAL', 'FULL', 'normal', 'full']).transform((v) => v.toUpperCase() as 'NORMAL' | 'FULL').optional(),
  })
  .strict();

type TuningParameters = z.infer<typeof tuningParameters>;
const TUNING_NAMES = new Set(Object.keys(tuningParameters.shape));

/**
 * Opens a datastore from an endpoint string, as k3s's `--datastore-endpoint`
 * does, or hands back a {@link Backend} object given by a third party.
 */
export async function openBackend(endpoint: string | Backend, options: OpenBackendOptions = {}): Promise<Backend> {
  if (typeof endpoint !== 'string') return endpoint;
  const logger = options.logger ?? silentLogger();
  const schemeEnd = endpoint.indexOf('://');
  if (schemeEnd <= 0) throw new InvalidArgumentError(`datastore endpoint ${JSON.stringify(endpoint)} has no scheme; use one of: ${FORMS}`);
  const scheme = endpoint.slice(0, schemeEnd).toLowerCase();
  const rest = endpoint.slice(schemeEnd + 3);

  switch (scheme) {
    case 'sqlite':
    case 'memory': {
      const [path = '', query = ''] = splitQuery(rest);
      const { tuning } = parseTuning(query, false, endpoint);
      const merged = mergeOptions(tuning, options, logger);
      if (scheme === 'memory' || path === ':memory:' || path === '') {
        const { openSqlJs } = await import('./sql/drivers/sql-js.js');
        // Nothing else can write to a private in-memory database: no need to poll.
        return SqlLogBackend.open(await openSqlJs(), sqliteDialect, { ...merged, pollIntervalMs: merged.pollIntervalMs ?? 0 });
      }
      const { openBetterSqlite } = await import('./sql/drivers/better-sqlite3.js');
      const { mkdir } = await import('node:fs/promises');
      const { dirname } = await import('node:path');
      await mkdir(dirname(path), { recursive: true });
      const driver = await openBetterSqlite(path, { synchronous: options.synchronous ?? tuning.synchronous });
      return SqlLogBackend.open(driver, sqliteDialect, { ...merged, pollIntervalMs: merged.pollIntervalMs ?? 1000 });
    }
    case 'postgres':
    case 'postgresql': {
      const [base = '', query = ''] = splitQuery(endpoint);
      const { tuning, passThrough } = parseTuning(query, true, endpoint);
      const url = new URL(base + (passThrough ? `?${passThrough}` : ''));
      if (url.pathname === '' || url.pathname === '/') url.pathname = '/kubernetes';
      const merged = mergeOptions(tuning, options, logger);
      const { openPg } = await import('./sql/drivers/pg.js');
      const driver = await openPg(url.toString(), { maxConnections: options.maxConnections ?? tuning.maxConnections, logger });
      return SqlLogBackend.open(driver, postgresDialect, merged);
    }
    case 'mysql': {
      const [base = '', query = ''] = splitQuery(fromGoDsn(endpoint));
      const { tuning } = parseTuning(query, false, endpoint);
      const merged = mergeOptions(tuning, options, logger);
      const { openMysql } = await import('./sql/drivers/mysql2.js');
      const driver = await openMysql(base, { maxConnections: options.maxConnections ?? tuning.maxConnections, logger });
      return SqlLogBackend.open(driver, mysqlDialect, merged);
    }
    case 'etcd':
    case 'http':
    case 'https': {
      const [hosts = '', query = ''] = splitQuery(rest);
      const { tuning } = parseTuning(query, false, endpoint);
      const merged = mergeOptions(tuning, options, logger);
      const protocol = scheme === 'https' ? 'https' : 'http';
      const endpoints = hosts
        .split(',')
        .map((host) => host.replace(/^[a-z]+:\/\//, '').replace(/\/$/, ''))
        .filter((host) => host !== '')
        .map((host) => `${protocol}://${host}`);
      if (endpoints.length === 0) throw new InvalidArgumentError(`datastore endpoint ${JSON.stringify(endpoint)} names no etcd host`);
      const { openEtcdBackend } = await import('./etcd/etcd-backend.js');
      return openEtcdBackend({ endpoints, ...merged });
    }
    default:
      throw new InvalidArgumentError(`datastore endpoint scheme "${scheme}" is not supported; use one of: ${FORMS}`);
  }
}

function splitQuery(text: string): [string, string] {
  const index = text.indexOf('?');
  return index < 0 ? [text, ''] : [text.slice(0, index), text.slice(index + 1)];
}

/**
 * Takes lk's own parameters out of the query string. Drivers that accept
 * parameters of their own (Postgres: sslmode and friends) get the rest;
 * elsewhere an unknown parameter is an error that names the known ones.
 */
function parseTuning(query: string, allowOthers: boolean, endpoint: string): { tuning: TuningParameters; passThrough: string } {
  const params = new URLSearchParams(query);
  const ours: Record<string, string> = {};
  const others = new URLSearchParams();
  for (const [name, value] of params) {
    if (TUNING_NAMES.has(name)) ours[name] = value;
    else if (allowOthers) others.append(name, value);
    else {
      throw new InvalidArgumentError(
        `datastore endpoint ${JSON.stringify(redact(endpoint))} has an unknown parameter "${name}"; known: ${[...TUNING_NAMES].join(', ')}`,
      );
    }
  }
  const parsed = tuningParameters.safeParse(ours);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new InvalidArgumentError(
      `datastore endpoint ${JSON.stringify(redact(endpoint))}: parameter "${String(issue.path[0])}" must be ${issue.message}`,
    );
  }
  return { tuning: parsed.data, passThrough: others.toString() };
}

function mergeOptions(tuning: TuningParameters, options: OpenBackendOptions, logger: Logger): SqlBackendOptions {
  return {
    logger,
    pollIntervalMs: options.pollIntervalMs ?? tuning.pollInterval,
    compactIntervalMs: options.compactIntervalMs ?? tuning.compactInterval,
    compactRetainRevisions: options.compactRetainRevisions ?? tuning.compactRetain,
    compactBatchSize: options.compactBatchSize ?? tuning.compactBatch,
    leaseCheckIntervalMs: options.leaseCheckIntervalMs,
  };
}

/** k3s (Go's MySQL driver) writes `user:pass@tcp(host:port)/db`; turn it into a URL. */
function fromGoDsn(endpoint: string): string {
  return endpoint.replace(/@tcp\(([^)]*)\)/, '@$1');
}

/** Hides a password before an endpoint goes into an error message. */
export function redact(endpoint: string): string {
  return endpoint.replace(/(\/\/[^:/@]*):[^@/]*@/, '$1:***@');
}
