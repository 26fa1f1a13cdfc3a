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
  createInterface({ input: child.stdout! }).on('line', (line) => {
    if (line === 'ready') markReady();
    const match = /^ack (\d+) (\d+)$/.exec(line);
    if (match) acks.push({ index: Number(match[1]), revision: Number(match[2]), at: performance.now() });
  });
  const done = new Promise<number>((resolve) => child.on('exit', (code, signal) => resolve(code ?? (signal ? -1 : 0))));
  return { child, acks, ready, done, stderr: () => errors };
}
