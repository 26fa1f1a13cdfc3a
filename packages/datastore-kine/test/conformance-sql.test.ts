import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { openBackend } from '@lk/datastore-kine';
import { describeBackendConformance } from '@lk/datastore-kine/testing';
import { mysqlDatabaseUrl, postgresDatabaseUrl, uniqueName } from './services.js';

// Background compaction off: the kit compacts explicitly and checks the result.
const quiet = { compactIntervalMs: 0, leaseCheckIntervalMs: 200 } as const;

describeBackendConformance('SQLite in memory (sql.js)', {
  open: () => openBackend('sqlite://:memory:', quiet),
});

const dir = mkdtempSync(join(tmpdir(), 'lk-conformance-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = join(dir, 'state.db');
describeBackendConformance('SQLite file (better-sqlite3)', {
  open: () => openBackend(`sqlite://${file}`, quiet),
  // A second process on the same file sees writes through its poller.
  openPeer: () => openBackend(`sqlite://${file}`, { ...quiet, pollIntervalMs: 50 }),
});

const postgres = postgresDatabaseUrl(uniqueName('conformance'));
if (postgres !== undefined) {
  describeBackendConformance('PostgreSQL', {
    open: () => openBackend(postgres, { ...quiet, pollIntervalMs: 100 }),
    openPeer: () => openBackend(postgres, { ...quiet, pollIntervalMs: 100 }),
  });
}

const mysql = mysqlDatabaseUrl(uniqueName('conformance'));
if (mysql !== undefined) {
  describeBackendConformance('MySQL (MariaDB)', {
    open: () => openBackend(mysql, { ...quiet, pollIntervalMs: 100 }),
    openPeer: () => openBackend(mysql, { ...quiet, pollIntervalMs: 100 }),
  });
}
