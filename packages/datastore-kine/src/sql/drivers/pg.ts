import pg from 'pg';
import type { Logger } from 'pino';
import type { SqlDriver, SqlFailure, SqlParam, SqlResult } from '../driver.js';
import { isNetworkError } from './connection-errors.js';

export interface PgOptions {
  /** Connections in the pool. */
  readonly maxConnections?: number;
  readonly logger: Logger;
}

const INT8_OID = 20;

/** Ids and counts are BIGINT; as JS numbers they are exact up to 2^53, far beyond any revision. */
const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8_OID && format !== 'binary' ? (value: string) => Number(value) : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
};

/**
 * PostgreSQL through `pg`'s pool. A database named in the URL that does not
 * exist yet is created, as kine does, so a fresh server needs no setup.
 */
export async function openPg(connectionString: string, options: PgOptions): Promise<SqlDriver> {
  const driver = new PgDriver(connectionString, options);
  try {
    await driver.query('SELECT 1');
  } catch (error) {
    if ((error as { code?: string }).code !== '3D000') {
      await driver.close();
      throw error;
    }
    await createDatabase(connectionString, options.logger);
  }
  return driver;
}

async function createDatabase(connectionString: string, logger: Logger): Promise<void> {
  const url = new URL(connectionString);
  const name = decodeURIComponent(url.pathname.replace(/^\//, ''));
  url.pathname = '/postgres';
  const client = new pg.Client({ connectionString: url.toString() });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE "${name.replaceAll('"', '""')}"`);
    logger.info({ database: name }, 'created the PostgreSQL database');
  } catch (error) {
    if ((error as { code?: string }).code !== '42P04') throw error; // created concurrently
  } finally {
    await client.end();
  }
}

class PgDriver implements SqlDriver {
  private readonly pool: pg.Pool;
  private readonly texts = new Map<string, string>();
  private readonly names = new Map<string, string>();
  private readonly seen = new Map<string, number>();

  constructor(connectionString: string, options: PgOptions) {
    this.pool = new pg.Pool({
      connectionString,
      max: options.maxConnections ?? 10,
      connectionTimeoutMillis: 5000,
      idleTimeoutMillis: 30_000,
      types,
    });
    // An idle connection that dies (the server restarts) is reported here;
    // without a listener it would crash the host process.
    this.pool.on('error', (error) => options.logger.warn({ err: error }, 'idle PostgreSQL connection failed'));
  }

  async query(sql: string, params: readonly SqlParam[] = []): Promise<SqlResult> {
    const text = this.numbered(sql);
    const config: pg.QueryConfig = { text, values: params as unknown[] };
    const name = this.statementName(sql);
    if (name !== undefined) config.name = name;
    const result = await this.pool.query(config);
    return { rows: result.rows as Record<string, unknown>[], affectedRows: result.rowCount ?? 0 };
  }

  /**
   * A name for statements the engine runs again and again, so that Postgres
   * plans them once per connection instead of on every call: planning costs
   * more than executing these short statements (measured: creates went from
   * 2.4k/s to 4.6-6k/s). One-off texts (a compaction batch of odd size) stay
   * unnamed, and the set of names is capped.
   */
  private statementName(sql: string): string | undefined {
    const known = this.names.get(sql);
    if (known !== undefined) return known;
    const seen = (this.seen.get(sql) ?? 0) + 1;
    this.seen.set(sql, seen);
    if (seen < 2 || this.names.size >= 256) return undefined;
    const name = `lk_${this.names.size}`;
    this.names.set(sql, name);
    return name;
  }

  /** Rewrites the shared `?` placeholders as `$1, $2, …`. */
  private numbered(sql: string): string {
    let text = this.texts.get(sql);
    if (text === undefined) {
      let n = 0;
      text = sql.replace(/\?/g, () => `$${++n}`);
      this.texts.set(sql, text);
    }
    return text;
  }

  classify(error: unknown): SqlFailure | undefined {
    if (isNetworkError(error)) return { kind: 'unavailable' };
    const { code, constraint, message } = error as { code?: string; constraint?: string; message?: string };
    if (code === '23505') {
      if (constraint === 'lk_log_pkey') return { kind: 'unique', constraint: 'primary' };
      if (constraint === 'lk_log_name_prev_revision') return { kind: 'unique', constraint: 'name_prev' };
      return { kind: 'unique', constraint: 'other' };
    }
    if (code === '40001' || code === '40P01') return { kind: 'retry' };
    // 57P01-03: admin shutdown, crash shutdown, cannot connect now; 08xxx: connection exceptions.
    if (code !== undefined && (code.startsWith('57P') || code.startsWith('08'))) return { kind: 'unavailable' };
    if (typeof message === 'string' && /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error/i.test(message)) {
      return { kind: 'unavailable' };
    }
    return undefined;
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
