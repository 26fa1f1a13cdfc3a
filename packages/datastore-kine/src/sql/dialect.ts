/**
 * What differs between SQL databases for the log engine (kysely's "dialect"):
 * the schema, how an insert reports its id, how to measure the store, and
 * whether commits can land out of id order. Everything else is one SQL text
 * shared by all of them (see statements.ts).
 */
export interface SqlDialect {
  readonly name: 'sqlite' | 'postgres' | 'mysql';
  /** Idempotent statements that create the tables and indexes. */
  readonly schema: readonly string[];
  /**
   * False where ids are handed out before commit (sequences, auto-increment
   * under concurrent writers), so a later id can become visible before an
   * earlier one: the watch poller then has to wait for, or fill, the gap.
   */
  readonly commitsInIdOrder: boolean;
  /** Appended to an INSERT to get the new id back as a row, or '' when the driver reports `insertId`. */
  readonly returningId: string;
  /** How this database writes an INSERT that skips rows whose id is taken (fill rows). */
  readonly insertIgnoringDuplicates: { readonly prefix: string; readonly suffix: string };
  /** One row with a column `size`: bytes the store occupies. */
  readonly sizeQuery: string;
}
