/**
 * The connection side of a SQL backend (kysely's "driver"): runs statements
 * and says what a database error means. The SQL text itself comes from the
 * dialect; every statement is written with `?` placeholders and a driver whose
 * database wants another style rewrites them.
 */
export type SqlParam = string | number | bigint | null | Uint8Array;

export type SqlRow = Record<string, unknown>;

export interface SqlResult {
  readonly rows: SqlRow[];
  readonly affectedRows: number;
  /** The id the statement inserted, for databases without `RETURNING`. */
  readonly insertId?: number;
}

/** What a failed statement means to the log engine. */
export type SqlFailure =
  /** A unique index refused the row; `constraint` names it when the database says. */
  | { readonly kind: 'unique'; readonly constraint: 'primary' | 'name_prev' | 'other' }
  /** The database cannot be reached (down, restarting, connection lost): try again later. */
  | { readonly kind: 'unavailable' }
  /** A transient conflict (deadlock, serialization failure): the statement can simply be retried. */
  | { readonly kind: 'retry' };

export interface SqlDriver {
  query(sql: string, params?: readonly SqlParam[]): Promise<SqlResult>;
  classify(error: unknown): SqlFailure | undefined;
  close(): Promise<void>;
}
