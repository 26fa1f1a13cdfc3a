/**
 * A work queue as client-go's: a key is queued at most once at a time, a key
 * being processed that is added again is processed once more afterwards, and
 * failed keys come back with exponential backoff. Controllers put keys in
 * from watch events and take them out in their workers.
 */
export class WorkQueue {
  private readonly queue: string[] = [];
  private readonly queued = new Set<string>();
  private readonly processing = new Set<string>();
  private readonly dirtyWhileProcessing = new Set<string>();
  private readonly failures = new Map<string, number>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private waiters: (() => void)[] = [];
  private shutDown = false;

  constructor(
    private readonly baseDelayMs = 5,
    private readonly maxDelayMs = 60_000,
  ) {}

  add(key: string): void {
    if (this.shutDown) return;
    if (this.processing.has(key)) {
      this.dirtyWhileProcessing.add(key);
      return;
    }
    if (this.queued.has(key)) return;
    this.queued.add(key);
    this.queue.push(key);
    const waiter = this.waiters.shift();
    waiter?.();
  }

  addAfter(key: string, delayMs: number): void {
    if (this.shutDown) return;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.add(key);
    }, delayMs);
    timer.unref();
    this.timers.add(timer);
  }

  /** Queues the key again after a backoff that grows with each failure of it. */
  addRateLimited(key: string): void {
    const failures = (this.failures.get(key) ?? 0) + 1;
    this.failures.set(key, failures);
    this.addAfter(key, Math.min(this.baseDelayMs * 2 ** (failures - 1), this.maxDelayMs));
  }

  /** How many times a key has been requeued for failing since it last succeeded (client-go's NumRequeues). */
  retries(key: string): number {
    return this.failures.get(key) ?? 0;
  }

  /** Clears the backoff of a key that succeeded. */
  forget(key: string): void {
    this.failures.delete(key);
  }

  /** The next key, or undefined once the queue is shut down. */
  async get(): Promise<string | undefined> {
    while (this.queue.length === 0) {
      if (this.shutDown) return undefined;
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
    const key = this.queue.shift()!;
    this.queued.delete(key);
    this.processing.add(key);
    return key;
  }

  /** Marks a key done; if it was added while processing it goes back in the queue. */
  done(key: string): void {
    this.processing.delete(key);
    if (this.dirtyWhileProcessing.delete(key)) this.add(key);
  }

  get length(): number {
    return this.queue.length;
  }

  shutdown(): void {
    this.shutDown = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    for (const waiter of this.waiters.splice(0)) waiter();
  }
}
