import type { Logger } from 'pino';

/** Revokes expired leases (deleting their keys) on a timer. Any process sharing the store may do it; deletes are compare-and-swap. */
export class LeaseExpirer {
  private timer: NodeJS.Timeout | undefined;
  private running = false;

  constructor(
    private readonly target: { expireLeases(now: number): Promise<number> },
    private readonly intervalMs: number,
    private readonly logger: Logger,
  ) {}

  start(): void {
    if (this.intervalMs <= 0) return;
    this.timer = setInterval(() => void this.runOnce(), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  async runOnce(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      const expired = await this.target.expireLeases(Date.now());
      if (expired > 0) this.logger.debug({ expired }, 'revoked expired leases');
    } catch (error) {
      this.logger.warn({ err: error }, 'lease expiry failed');
    } finally {
      this.running = false;
    }
  }
}
