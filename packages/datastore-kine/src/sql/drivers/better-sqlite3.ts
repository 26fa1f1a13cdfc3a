import type BetterSqlite3 from 'better-sqlite3';
import { InvalidArgumentError } from '../../errors.js';
import type { SqlDriver, SqlFailure, SqlParam, SqlResult } from '../driver.js';
import { classifySqliteError } from './sqlite-errors.js';

export interface BetterSqliteOptions {
  /**
   * NORMAL (the default) survives a crash of the process: every acknowledged
   * write is in the WAL in the OS's hands. FULL also survives power loss, at
   * the price of an fsync per commit.
   */
  readonly synchronous?: 'NORMAL' | 'FULL';
  /** How long a write waits for another process's lock on the file (ms). */
  readonly busyTimeoutMs?: number;
}

type Database = BetterSqlite3.Database;
type Statement = BetterSqlite3.Statement<unknown[], Record<string, unknown>>;

/**
 * The durable SQLite engine: a file in WAL mode through better-sqlite3, a
 * native addon. It is an optional dependency so that hosts that only need
 * the in-memory engine never build it.
 */
export async function openBetterSqlite(path: string, options: BetterSqliteOptions = {}): Promise<SqlDriver> {
  let Driver: typeof BetterSqlite3;
  try {
    Driver = (await import('better-sqlite3')).default;
  } catch (error) {
    throw new InvalidArgumentError(
      `the file-backed SQLite datastore needs the optional dependency better-sqlite3, which did not load ` +
        `(${error instanceof Error ? error.message : String(error)}); install it with \`npm install better-sqlite3\`, ` +
        `or use the in-memory endpoint sqlite://:memory:`,
    );
  }
  const db = new Driver(path);
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${options.synchronous ?? 'NORMAL'}`);
  db.pragma(`busy_timeout = ${options.busyTimeoutMs ?? 5000}`);
  // Keep the WAL file from staying at its high-water mark after a burst.
  db.pragma('journal_size_limit = 67108864');
  return new BetterSqliteDriver(db);
}

class BetterSqliteDriver implements SqlDriver {
  private readonly statements = new Map<string, Statement>();

  constructor(private readonly db: Database) {}

  async query(sql: string, params: readonly SqlParam[] = []): Promise<SqlResult> {
    let statement = this.statements.get(sql);
    if (statement === undefined) {
      statement = this.db.prepare(sql);
      this.statements.set(sql, statement);
    }
    const bound = params.map(toBindable);
    if (statement.reader) {
      const rows = statement.all(...bound) as Record<string, unknown>[];
      return { rows, affectedRows: rows.length };
    }
    const info = statement.run(...bound);
    return { rows: [], affectedRows: info.changes, insertId: Number(info.lastInsertRowid) };
  }

  classify(error: unknown): SqlFailure | undefined {
    return classifySqliteError(error);
  }

  async close(): Promise<void> {
    this.statements.clear();
    if (this.db.open) this.db.close();
  }
}

function toBindable(param: SqlParam): unknown {
  if (param instanceof Uint8Array && !Buffer.isBuffer(param)) {
    return Buffer.from(param.buffer, param.byteOffset, param.byteLength);
  }
  return param;
}
