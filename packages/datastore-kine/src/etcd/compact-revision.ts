/**
 * Finding etcd's compact revision.
 *
 * etcd 3.4 does not report its compact revision anywhere cheap: Status has
 * no such field, the "required revision has been compacted" error carries no
 * number, and a watch's cancel response does but only arrives after etcd's
 * 100 ms sync loop (and never when nothing was compacted). HashKV reports it
 * but hashes the whole keyspace.
 *
 * What etcd does answer exactly is whether a revision can still be read: a
 * range at revision r fails as compacted if and only if r < compactRev. So
 * compactRev is the smallest readable revision, found by galloping up from a
 * known lower bound and bisecting. Compaction only moves forward, so the
 * revision found last time is a lower bound, and when nothing changed one
 * probe confirms it.
 *
 * One ambiguity remains: revision 1 is readable both when nothing was ever
 * compacted and after a compaction at exactly 1 (an empty store's revision);
 * both report 0 unless this process made that compaction itself.
 */

/** Whether etcd can still serve reads at `revision` (never called above the current revision). */
export type ReadableProbe = (revision: number) => Promise<boolean>;

export async function findCompactRevision(
  readable: ReadableProbe,
  knownLowerBound: number,
  currentRevision: number,
): Promise<number> {
  const known = Math.max(0, Math.min(knownLowerBound, currentRevision));
  const first = Math.max(known, 1);
  if (await readable(first)) return known;

  // `low` is unreadable, `high` readable: compactRev is in (low, high].
  let low = first;
  let high = currentRevision;
  for (let step = 1; low + step < currentRevision; step *= 2) {
    if (await readable(low + step)) {
      high = low + step;
      break;
    }
    low += step;
  }
  while (high - low > 1) {
    const middle = low + Math.floor((high - low) / 2);
    if (await readable(middle)) high = middle;
    else low = middle;
  }
  return high;
}
