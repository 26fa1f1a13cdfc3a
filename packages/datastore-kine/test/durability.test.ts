/**
 * The file-backed SQLite store survives a writer killed with SIGKILL in the
 * middle of a write load: every write the process acknowledged is there on
 * reopen, and revisions keep increasing after it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openBackend } from '@lk/datastore-kine';
import { startWriter } from './child-process.js';

const dir = mkdtempSync(join(tmpdir(), 'lk-durability-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/**
 * Waits until the writer is well into its load: `count` acknowledged writes,
 * or at least `minimum` once `patienceMs` have passed (a loaded CI machine
 * may write slowly; what matters is killing it mid-load, not a rate).
 */
async function untilAcks(acks: readonly unknown[], count: number, minimum = 100, patienceMs = 10_000, timeoutMs = 60_000): Promise<void> {
  const started = Date.now();
  while (acks.length < count && !(acks.length >= minimum && Date.now() - started >= patienceMs)) {
    if (Date.now() - started > timeoutMs) throw new Error(`only ${acks.length} acknowledged writes after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('SQLite file durability', () => {
  it('keeps every acknowledged write of a process killed mid-load, three times over', { timeout: 240_000 }, async () => {
    const endpoint = `sqlite://${join(dir, 'state.db')}`;
    let highest = 0;
    for (let round = 0; round < 3; round++) {
      const prefix = `/durable/${round}/`;
      const writer = startWriter(endpoint, prefix, 10_000_000);
      await writer.ready;
      await untilAcks(writer.acks, 1500 + round * 500);
      writer.child.kill('SIGKILL');
      expect(await writer.done).toBe(-1);
      const acked = [...writer.acks];

      const backend = await openBackend(endpoint, { compactIntervalMs: 0 });
      try {
        const { kvs } = await backend.list({ prefix, keysOnly: true });
        const stored = new Map(kvs.map((kv) => [kv.key, kv.modRevision]));
        const missing = acked.filter((ack) => stored.get(`${prefix}${String(ack.index).padStart(8, '0')}`) !== ack.revision);
        expect(missing).toEqual([]);
        // At most the one write in flight at the kill may be there unacknowledged.
        expect(kvs.length - acked.length).toBeGreaterThanOrEqual(0);
        expect(kvs.length - acked.length).toBeLessThanOrEqual(1);
        const revisions = kvs.map((kv) => kv.modRevision);
        for (let i = 1; i < revisions.length; i++) expect(revisions[i]).toBeGreaterThan(revisions[i - 1]!);
        expect(revisions[0]).toBeGreaterThan(highest);

        const after = await backend.create(`${prefix}after-restart`, new Uint8Array([1]));
        expect(after.revision).toBeGreaterThan(revisions[revisions.length - 1]!);
        highest = after.revision;
      } finally {
        await backend.close();
      }
    }
  });
});
