/**
 * A Postgres server that goes away and comes back: calls fail with a clear
 * UnavailableError while it is down, nothing crashes, and the same backend
 * (and its open watch) works again once it is back, without a restart of the
 * host process. Uses a cluster of its own so other suites are not disturbed.
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { openBackend, UnavailableError, type WatchEvent } from '@lk/datastore-kine';

const url = process.env.LK_TEST_POSTGRES_OUTAGE_URL;
const control = process.env.LK_TEST_POSTGRES_OUTAGE_CONTROL;
if (process.env.CI && (url === undefined || control === undefined)) {
  throw new Error('LK_TEST_POSTGRES_OUTAGE_URL is not set under CI: run the tests through scripts/with-test-services.mjs');
}

function pgCtl(action: 'start' | 'stop'): void {
  const argv = (JSON.parse(control!) as Record<string, string[]>)[action]!;
  const result = spawnSync(argv[0]!, argv.slice(1), { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`pg_ctl ${action} failed: ${result.stderr}${result.stdout}`);
}

async function eventually<T>(attempt: () => Promise<T>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await attempt();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}

describe.skipIf(url === undefined || control === undefined)('PostgreSQL outage', () => {
  it('reports the outage clearly and recovers without restarting the host process', async () => {
    const database = new URL(url!);
    database.pathname = `/outage_${Date.now()}`;
    const backend = await openBackend(database.toString(), { pollIntervalMs: 100, compactIntervalMs: 0 });
    const received: WatchEvent[] = [];
    const watch = backend.watch('/outage/');
    const pump = (async () => {
      for await (const batch of watch) received.push(...batch.events);
    })();
    try {
      const before = await backend.create('/outage/before', Buffer.from('1'));
      await eventually(async () => expect(received.map((e) => e.kv.key)).toEqual(['/outage/before']));

      pgCtl('stop');
      const down = await backend.get('/outage/before').then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(down).toBeInstanceOf(UnavailableError);
      expect((down as Error).message).toMatch(/postgres database is unavailable/);
      await expect(backend.create('/outage/during', Buffer.from('x'))).rejects.toBeInstanceOf(UnavailableError);
      await expect(backend.list({ prefix: '/outage/' })).rejects.toBeInstanceOf(UnavailableError);
      // Let the watch poller fail a few times while the server is away.
      await new Promise((resolve) => setTimeout(resolve, 1000));

      pgCtl('start');
      const after = await eventually(() => backend.create('/outage/after', Buffer.from('2')));
      expect(after.revision).toBeGreaterThan(before.revision);
      const { kvs } = await backend.list({ prefix: '/outage/' });
      expect(kvs.map((kv) => kv.key)).toEqual(['/outage/after', '/outage/before']);
      await eventually(async () => expect(received.map((e) => e.kv.key)).toEqual(['/outage/before', '/outage/after']), 10_000);
    } finally {
      watch.close();
      await pump;
      await backend.close();
    }
  });
});
