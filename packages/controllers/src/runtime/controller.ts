import type { Logger } from 'pino';
import { WorkQueue } from './work-queue.js';

/** What a reconcile asks for: nothing, or another look after a while. */
export interface ReconcileResult {
  readonly requeueAfterMs?: number;
}

/**
 * controller-runtime's Reconciler: given a key, make the world match the
 * desired state of that object. Level-triggered and idempotent: it reads the
 * current state every time and must be safe to run again at any moment.
 */
export interface Reconciler {
  reconcile(key: string): Promise<ReconcileResult | void>;
}

export interface ControllerOptions {
  readonly name: string;
  readonly workers?: number;
  readonly logger: Logger;
}

/** Runs a reconciler over a work queue with a few workers; errors requeue the key with backoff. */
export class Controller {
  readonly queue = new WorkQueue();
  private readonly workers: Promise<void>[] = [];

  constructor(
    private readonly reconciler: Reconciler,
    private readonly options: ControllerOptions,
  ) {}

  enqueue(key: string): void {
    this.queue.add(key);
  }

  start(): void {
    const count = this.options.workers ?? 1;
    for (let i = 0; i < count; i++) this.workers.push(this.work());
  }

  async stop(): Promise<void> {
    this.queue.shutdown();
    await Promise.all(this.workers);
  }

  private async work(): Promise<void> {
    for (let key = await this.queue.get(); key !== undefined; key = await this.queue.get()) {
      try {
        const result = await this.reconciler.reconcile(key);
        this.queue.forget(key);
        if (result?.requeueAfterMs !== undefined) this.queue.addAfter(key, result.requeueAfterMs);
      } catch (error) {
        this.options.logger.warn({ err: error, controller: this.options.name, key }, 'reconcile failed; will retry');
        this.queue.addRateLimited(key);
      } finally {
        this.queue.done(key);
      }
    }
  }
}

/** Something that runs until stopped: a controller with the informers that feed it. */
export interface RunningController {
  start(): void;
  stop(): Promise<void>;
}

/** Starts the informers with the controller they enqueue into, and stops them first, so nothing is enqueued into a stopped queue. */
export function withInformers(controller: Controller, informers: readonly { start(): void; stop(): Promise<void> }[]): RunningController {
  return {
    start() {
      for (const informer of informers) informer.start();
      controller.start();
    },
    async stop() {
      await Promise.all(informers.map((informer) => informer.stop()));
      await controller.stop();
    },
  };
}
