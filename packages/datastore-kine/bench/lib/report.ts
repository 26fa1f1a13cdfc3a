/**
 * Output of the benchmarks: markdown tables on stdout (ready to paste into
 * docs/performance.md) and the full figures as JSON under bench-results/ at
 * the repository root (gitignored), for comparing runs.
 */
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, loadavg, totalmem } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

export type Align = 'left' | 'right';

export function markdownTable(headers: readonly string[], rows: readonly (readonly string[])[], align: readonly Align[] = []): string {
  const widths = headers.map((header, column) => Math.max(header.length, ...rows.map((row) => (row[column] ?? '').length)));
  const cell = (text: string, column: number): string =>
    align[column] === 'right' ? text.padStart(widths[column]!) : text.padEnd(widths[column]!);
  const line = (cells: readonly string[]): string => `| ${headers.map((_, column) => cell(cells[column] ?? '', column)).join(' | ')} |`;
  const rule = `|${headers
    .map((_, column) => (align[column] === 'right' ? `${'-'.repeat(widths[column]! + 1)}:` : '-'.repeat(widths[column]! + 2)))
    .join('|')}|`;
  return [line(headers), rule, ...rows.map(line)].join('\n');
}

/** The machine and moment a run measured, so that figures are never read without their context. */
export function environment(): Record<string, unknown> {
  const processors = cpus();
  return {
    date: new Date().toISOString(),
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    cpus: processors.length,
    cpuModel: processors[0]?.model ?? 'unknown',
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    loadAverageAtStart: loadavg().map((value) => Math.round(value * 100) / 100),
    command: `node ${process.argv
      .slice(1)
      .map((arg) => relative(process.cwd(), arg) || arg)
      .join(' ')}`,
  };
}

export function describeEnvironment(env: Record<string, unknown>): string {
  const load = Array.isArray(env['loadAverageAtStart']) ? env['loadAverageAtStart'].join(' ') : '?';
  return `${String(env['date'])} · Node ${String(env['node'])} · ${String(env['platform'])} · ${String(env['cpus'])} × ${String(
    env['cpuModel'],
  )} · load average at start ${load}`;
}

/** The monorepo root: the nearest directory above this file holding pnpm-workspace.yaml. */
export function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'pnpm-workspace.yaml'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('cannot find the repository root (pnpm-workspace.yaml) above the bench');
    dir = parent;
  }
  return dir;
}

/** Writes `bench-results/<name>-<timestamp>.json` at the repository root and returns its path. */
export async function writeResults(name: string, data: unknown): Promise<string> {
  const dir = join(repoRoot(), 'bench-results');
  await mkdir(dir, { recursive: true });
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const path = join(dir, `${name}-${stamp}.json`);
  await writeFile(path, `${JSON.stringify(data, null, 2)}\n`);
  return path;
}

export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message.split('\n')[0] ?? error.name;
  return String(error);
}
