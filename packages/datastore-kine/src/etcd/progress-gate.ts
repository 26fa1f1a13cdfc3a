/**
 * Which progress revisions from etcd a watch may pass on as "everything up to
 * here has been delivered".
 *
 * A WatchProgressRequest is answered with the store's current revision. In
 * etcd 3.4.23 (the version lk is tested against) and every release before
 * etcd-io/etcd#15237 (2023, backported to 3.4 and 3.5; the bug is #15220)
 * that answer goes out on the stream's control channel and can overtake events of that
 * same revision range still queued on the event channel, and, for a watcher
 * still catching up from an old start revision, events that have not even
 * been read from the store yet. Passing such an answer on would tell a watch
 * cache it is current while events it has not seen are still on their way.
 * (Reading the current revision with a separate request on a timer would be
 * wrong the same way: the watch stream may lag behind it.)
 *
 * So an answer is only a candidate, and becomes safe to report when
 * - the watcher has caught up: it started at "now", it has received a batch
 *   reaching the revision that was current when it was created, or etcd's
 *   sync loop (every 100 ms) has had `catchUpGraceMs` to catch it up; and
 * - the next answer has arrived: that one was requested after the previous
 *   answer reached us, by when etcd had long sent the events the previous
 *   answer raced with. The candidate is then reported after those events.
 *
 * On a fixed etcd the answers are correct as they come; this only makes the
 * reported revision one progress interval older. etcd's own periodic
 * progress notifications (`progress_notify`) travel with the events and are
 * trusted directly by the watch.
 */
export class ProgressGate {
  private candidate: number | undefined;
  private caughtUp: boolean;

  /**
   * @param catchUpTo the revision current when the watcher was created, when it
   *   started from an older revision and so has history to catch up on
   * @param trustFrom time (ms, same clock as `now`) after which the catch-up is
   *   assumed complete even without a batch proving it
   */
  constructor(
    private readonly catchUpTo: number | undefined,
    private readonly trustFrom: number,
  ) {
    this.caughtUp = catchUpTo === undefined;
  }

  /** A batch of events arrived in a response whose header carries `headerRevision`. */
  noteBatch(headerRevision: number): void {
    if (this.catchUpTo !== undefined && headerRevision >= this.catchUpTo) this.caughtUp = true;
  }

  /**
   * An answer to a progress request arrived at `now`. Returns the revision
   * that is now safe to report, if any (the caller still drops it when it
   * is not above what was already delivered).
   */
  answer(revision: number, now: number): number | undefined {
    if (!this.caughtUp && now >= this.trustFrom) this.caughtUp = true;
    const confirmed = this.candidate;
    this.candidate = this.caughtUp ? revision : undefined;
    return confirmed;
  }
}
