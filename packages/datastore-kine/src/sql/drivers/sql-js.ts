import type { Database, SqlJsStatic, SqlValue } from 'sql.js';
import type { SqlDriver, SqlFailure, SqlParam, SqlResult } from '../driver.js';
import { classifySqliteError } from './sqlite-errors.js';

let sqlJs: Promise<SqlJsStatic> | undefined;

/** Loads the SQLite WebAssembly module once per process; later stores open in microseconds. */
function loadSqlJs(): Promise<SqlJsStatic> {
  sqlJs ??= import('sql.js').then((module) => module.default());
  return sqlJs;
}

/**
 * The in-memory SQLite engine: SQLite compiled to WebAssembly (sql.js), so it
 * needs no native build. It keeps nothing after close; it is for tests and
 * throw-away control planes.
 */
export async function openSqlJs(): Promise<SqlDriver> {
  const SQL = await loadSqlJs();
  return new SqlJsDriver(new SQL.Database());
}

type Statement = ReturnType<Database['prepare']>;

class SqlJsDriver implements SqlDriver {
  private readonly statements = new Map<string, Statement>();
  private open = true;

  constructor(private readonly db: Database) {}

  async query(sql: string, params: readonly SqlParam[] = []): Promise<SqlResult> {
    let statement = this.statements.get(sql);
    if (statement === undefined) {
      statement = this.db.prepare(sql);
      this.statements.set(sql, statement);
    }
    try {
      statement.bind(params.map(toSqlValue));
      const rows: Record<string, unknown>[] = [];
      while (statement.step()) rows.push(statement.getAsObject());
      return { rows, affectedRows: rows.length > 0 ? rows.length : this.db.getRowsModified() };
    } finally {
      statement.reset();
    }
  }

  classify(error: unknown): SqlFailure | undefined {
    return classifySqliteError(error);
  }

  async close(): Promise<void> {
    if (!this.open) return;
    this.open = false;
    for (const statement of this.statements.values()) statement.free();
    this.statements.clear();
    this.db.close();
  }
}

function toSqlValue(param: SqlParam): SqlValue {
  if (typeof param === 'bigint') return Number(param);
  return param;
}
