/**
 * What a benchmark run created on shared servers (databases, etcd keys,
 * temporary files), undone in reverse order at the end, on failure and on
 * Ctrl-C: the servers are shared with other people's tests.
 */
export class Cleanup {
  private readonly tasks: { readonly label: string; readonly run: () => Promise<void> }[] = [];
  private running: Promise<string[]> | undefined;
  /** Set on Ctrl-C: the bench stops starting new work while the cleanup runs. */
  interrupted = false;

  add(label: string, run: () => Promise<void>): void {
    this.tasks.push({ label, run });
  }

  /** Runs every task once, newest first; returns the failures as messages rather than throwing, so all get their turn. */
  runAll(): Promise<string[]> {
    this.running ??= (async () => {
      const failures: string[] = [];
      while (this.tasks.length > 0) {
        const task = this.tasks.pop()!;
        try {
          await withTimeout(task.run(), 30_000, task.label);
        } catch (error) {
          failures.push(`${task.label}: ${error instanceof Error ? error.message : String(error)}`);
        }
      }
      return failures;
    })();
    return this.running;
  }

  /** On SIGINT/SIGTERM: clean up, then exit as an interrupted process does. */
  installSignalHandlers(): void {
    const onSignal = (signal: NodeJS.Signals): void => {
      this.interrupted = true;
      process.stderr.write(`\n${signal}: cleaning up what the bench created…\n`);
      void this.runAll().then((failures) => {
        for (const failure of failures) process.stderr.write(`cleanup failed: ${failure}\n`);
        process.exit(signal === 'SIGINT' ? 130 : 143);
      });
    };
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
  }
}

async function withTimeout<T>(promise: Promise<T>, ms: number, label: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${label} did not finish within ${ms / 1000} s`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
