import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));

export interface Ack {
  readonly index: number;
  readonly revision: number;
  /** When the parent read the line (ms, performance.now()). */
  readonly at: number;
}

export interface Writer {
  readonly child: ChildProcess;
  readonly acks: Ack[];
  ready: Promise<void>;
  /** The exit code (-1 when killed by a signal), once the process has exited and every line it wrote has been read. */
  done: Promise<number>;
  stderr(): string;
}

/** Starts test/fixtures/writer.ts in its own Node process, resolving our packages from source. */
export function startWriter(endpoint: string, prefix: string, count: number, delayMs = 0): Writer {
  const child = spawn(
    process.execPath,
    ['--conditions=@lk/source', '--import', 'tsx', `${here}fixtures/writer.ts`, endpoint, prefix, String(count), String(delayMs)],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const acks: Ack[] = [];
  let errors = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    errors = (errors + chunk.toString()).slice(-8000);
  });
  let markReady: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => (markReady = resolve));
  const lines = createInterface({ input: child.stdout! });
  // A killed writer's last lines may still sit in the pipe when it exits: acks are complete only once it is drained.
  const drained = new Promise<void>((resolve) => lines.once('close', () => resolve()));
  lines.on('line', (line) => {
    if (line === 'ready') markReady();
    const match = /^ack (\d+) (\d+)$/.exec(line);
    if (match) acks.push({ index: Number(match[1]), revision: Number(match[2]), at: performance.now() });
  });
  const exited = new Promise<number>((resolve) => child.on('exit', (code, signal) => resolve(code ?? (signal ? -1 : 0))));
  const done = Promise.all([exited, drained]).then(([code]) => code);
  return { child, acks, ready, done, stderr: () => errors };
}
