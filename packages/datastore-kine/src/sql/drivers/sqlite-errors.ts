import type { SqlFailure } from '../driver.js';

/** SQLite reports constraint failures the same way through every binding: by message. */
export function classifySqliteError(error: unknown): SqlFailure | undefined {
  if (!(error instanceof Error)) return undefined;
  const message = error.message;
  if (message.includes('UNIQUE constraint failed') || message.includes('PRIMARY KEY must be unique')) {
    if (message.includes('prev_revision')) return { kind: 'unique', constraint: 'name_prev' };
    if (message.includes('lk_log.id')) return { kind: 'unique', constraint: 'primary' };
    return { kind: 'unique', constraint: 'other' };
  }
  if (/SQLITE_BUSY|database is locked/.test(message) || (error as { code?: string }).code === 'SQLITE_BUSY') {
    return { kind: 'retry' };
  }
  return undefined;
}
