/**
 * Under churn the log stays bounded: 1,000 keys updated 100 times each with
 * background compaction running, and the number of rows and the size of the
 * SQLite file level off instead of growing with the number of writes.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SqlLogBackend } from '../src/sql/log-backend.js';
import { sqliteDialect } from '../src/sql/dialects/sqlite.js';
import { postgresDialect } from '../src/sql/dialects/postgres.js';
import { openBetterSqlite } from '../src/sql/drivers/better-sqlite3.js';
import { openPg } from '../src/sql/drivers/pg.js';
import type { SqlDriver } from '../src/sql/driver.js';
import type { SqlDialect } from '../src/sql/dialect.js';
import { silentLogger } from '../src/logger.js';
import { postgresDatabaseUrl, uniqueName } from './services.js';

const dir = mkdtempSync(join(tmpdir(), 'lk-soak-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const RETAIN = 1000;

interface Sample {
  readonly round: number;
  readonly rows: number;
  readonly bytes: number;
}

async function soak(
  driver: SqlDriver,
  dialect: SqlDialect,
  keys: number,
  rounds: number,
  bytes: () => number,
): Promise<Sample[]> {
  const backend = await SqlLogBackend.open(driver, dialect, {
    compactIntervalMs: 100,
    compactRetainRevisions: RETAIN,
    pollIntervalMs: 0,
  });
  const value = new Uint8Array(200).fill(7);
  const revisions: number[] = [];
  for (let k = 0; k < keys; k++) revisions.push((await backend.create(`/soak/${k}`, value)).revision);
  const samples: Sample[] = [];
  try {
    for (let round = 1; round <= rounds; round++) {
      for (let k = 0; k < keys; k++) revisions[k] = (await backend.update(`/soak/${k}`, value, revisions[k]!)).revision;
      if (round % 10 === 0) {
        const { rows } = await driver.query('SELECT COUNT(*) AS n FROM lk_log', []);
        samples.push({ round, rows: Number(rows[0]!['n']), bytes: bytes() });
      }
    }
    // Every key still holds its newest value.
    const listed = await backend.list({ prefix: '/soak/' });
    expect(listed.kvs.map((kv) => kv.modRevision).sort((a, b) => a - b)).toEqual([...revisions].sort((a, b) => a - b));
  } finally {
    await backend.close();
  }
  return samples;
}

describe('compaction under churn', () => {
  it('keeps the SQLite log and file bounded over 100,000 updates of 1,000 keys', async () => {
    const file = join(dir, 'soak.db');
    const driver = await openBetterSqlite(file);
    const samples = await soak(driver, sqliteDialect, 1000, 100, () => statSync(file).size + (statSync(`${file}-wal`, { throwIfNoEntry: false })?.size ?? 0));
    // Without compaction the log would hold 101,000 rows by the end. With it:
    // the live keys, the retained history, and what arrives between rounds.
    for (const sample of samples) expect(sample.rows).toBeLessThan(1000 + RETAIN + 10_000);
    const last = samples[samples.length - 1]!;
    // The file levels off: the last tenth of the run grows it by little.
    const warm = samples[1]!;
    expect(last.bytes).toBeLessThan(warm.bytes * 1.5);
  }, 180_000);

  const postgres = postgresDatabaseUrl(uniqueName('soak'));
  it.skipIf(postgres === undefined)('keeps the Postgres log bounded under churn', async () => {
    const driver = await openPg(postgres!, { logger: silentLogger() });
    const samples = await soak(driver, postgresDialect, 200, 60, () => 0);
    for (const sample of samples) expect(sample.rows).toBeLessThan(200 + RETAIN + 8000);
  }, 180_000);
});
