import type { Logger } from 'pino';
import type { Backend } from './backend.js';
import { CompactedError } from './errors.js';

export interface CompactorOptions {
  /** 0 turns background compaction off. */
  readonly intervalMs: number;
  /** How many revisions of history to keep behind the current one. */
  readonly retainRevisions: number;
  readonly logger: Logger;
}

/**
 * Compacts in the background, as kine does, so the log stays bounded under
 * churn even when no client (such as kube-apiserver's own compactor) asks.
 */
export class BackgroundCompactor {
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private lastRunAt = performance.now();

  constructor(
    private readonly backend: Pick<Backend, 'currentRevision' | 'compactRevision' | 'compact'>,
    private readonly options: CompactorOptions,
  ) {}

  start(): void {
    if (this.options.intervalMs <= 0) return;
    this.timer = setInterval(() => void this.runOnce(), this.options.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /**
   * Called on every write. A caller that writes in a tight loop over a
   * synchronous driver (SQLite) never yields to the event loop's timers, so
   * the interval alone could starve; writes themselves start a due round.
   */
  noteWrite(): void {
    if (this.options.intervalMs <= 0 || this.running) return;
    if (performance.now() - this.lastRunAt >= this.options.intervalMs) void this.runOnce();
  }

  /** One round: compact to `current - retain` if that moves the horizon. */
  async runOnce(): Promise<void> {
    if (this.running) return;
    this.running = true;
    this.lastRunAt = performance.now();
    try {
      const current = await this.backend.currentRevision();
      const target = current - this.options.retainRevisions;
      if (target <= (await this.backend.compactRevision())) return;
      const started = performance.now();
      const result = await this.backend.compact(target);
      this.options.logger.info(
        { compactRevision: result.compactRevision, removed: result.removed, ms: Math.round(performance.now() - started) },
        'compacted the datastore',
      );
    } catch (error) {
      // Another process compacted first: nothing to do.
      if (!(error instanceof CompactedError)) this.options.logger.warn({ err: error }, 'background compaction failed');
    } finally {
      this.running = false;
    }
  }
}
