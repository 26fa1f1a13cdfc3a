/**
 * Concurrency benchmark of @lk/datastore-kine: 50 writers on one backend for
 * 30 s per driver, on distinct keys and on a few shared keys (read-modify-
 * write with compare-and-swap), with a watcher on the prefix. It counts
 * successful writes, expected CAS conflicts and every other error, which must
 * be none (kine's published figures show 9–89 % of writes failing under such
 * load), and checks that the watcher saw each acknowledged write exactly
 * once, in increasing revision order, and that no update was lost.
 * See lib/contention.ts for the modes and checks.
 *
 * Run (from the repository root):
 *
 *   pnpm --filter @lk/datastore-kine run bench:concurrency
 *       uses the servers named by LK_BENCH_POSTGRES_URL, LK_BENCH_MYSQL_URL,
 *       LK_BENCH_ETCD_ENDPOINT (host:port), else by the LK_TEST_* variables;
 *       a driver whose server is not given is skipped with a note.
 *   node scripts/with-test-services.mjs pnpm --filter @lk/datastore-kine run bench:concurrency
 *       starts throw-away PostgreSQL, MariaDB and etcd servers first.
 *   … run bench:concurrency --drivers=postgres --seconds=10     (see --help)
 *
 * Databases `lk_bench_<run>` and etcd keys under `/lk-bench/<run>/` are
 * created for the run and removed at the end (also on failure or Ctrl-C).
 * Progress goes to stderr, markdown tables to stdout, the full figures to
 * bench-results/datastore-concurrency-<timestamp>.json. The exit code is 1
 * when any check failed, so the bench can gate a change.
 */
import { z } from 'zod';
import type { Backend } from '@lk/datastore-kine';
import { Cleanup } from './lib/cleanup.js';
import { runContention, type ContentionOptions, type ContentionResult, type Mode } from './lib/contention.js';
import { nameList, parseFlags, positiveInt, positiveSeconds } from './lib/flags.js';
import { Progress } from './lib/progress.js';
import { describeEnvironment, environment, errorMessage, markdownTable, writeResults } from './lib/report.js';
import { formatNumber, round } from './lib/stats.js';
import {
  BenchResources,
  DEFAULT_DRIVERS,
  DRIVER_NAMES,
  DRIVER_TITLES,
  missingServiceNote,
  newRunId,
  prepareTarget,
  resolveServices,
  type DriverName,
  type Target,
} from './lib/targets.js';

const MODES = ['distinct', 'shared'] as const;

const FLAGS = [
  { name: 'drivers', help: `comma-separated among ${DRIVER_NAMES.join(',')}; default ${DEFAULT_DRIVERS.join(',')}` },
  { name: 'modes', help: 'distinct,shared (default both)' },
  { name: 'seconds', help: 'duration of each mode per driver (default 30)' },
  { name: 'writers', help: 'concurrent writers (default 50)' },
  { name: 'keys-per-writer', help: 'keys each writer owns in distinct mode (default 4)' },
  { name: 'shared-keys', help: 'keys all writers contend for in shared mode (default 10)' },
  { name: 'value-bytes', help: 'bytes per value (default 500)' },
  { name: 'tail-seconds', help: 'how long the watcher may take to catch up after the writers stop (default 15)' },
] as const;

const flagSchema = z.object({
  drivers: nameList(DRIVER_NAMES, false).default([...DEFAULT_DRIVERS]),
  modes: nameList(MODES, false).default([...MODES]),
  seconds: positiveSeconds.default(30),
  writers: positiveInt.default(50),
  'keys-per-writer': positiveInt.default(4),
  'shared-keys': positiveInt.default(10),
  'value-bytes': positiveInt.refine((bytes) => bytes >= 64, 'must be at least 64').default(500),
  'tail-seconds': positiveSeconds.default(15),
});

interface DriverOutcome {
  readonly driver: DriverName;
  readonly title: string;
  readonly endpoint?: string;
  readonly results: readonly ContentionResult[];
  readonly note?: string;
}

async function main(): Promise<void> {
  const flags = parseFlags('bench/concurrency.ts', FLAGS, flagSchema);
  const options: ContentionOptions = {
    writers: flags.writers,
    seconds: flags.seconds,
    keysPerWriter: flags['keys-per-writer'],
    sharedKeys: flags['shared-keys'],
    valueBytes: flags['value-bytes'],
    tailSeconds: flags['tail-seconds'],
  };
  const env = environment();
  const progress = new Progress();
  const cleanup = new Cleanup();
  cleanup.installSignalHandlers();
  const services = resolveServices();
  const resources = new BenchResources(services, newRunId(), cleanup);
  progress.log(`datastore concurrency bench ${resources.runId}: drivers ${flags.drivers.join(', ')}; modes ${flags.modes.join(', ')}`);
  progress.log(`  ${describeEnvironment(env)}`);

  const outcomes: DriverOutcome[] = [];
  try {
    for (const driver of flags.drivers) {
      if (cleanup.interrupted) break;
      const outcome = await runDriver(driver, flags.modes, resources, options, progress);
      if (outcome.note !== undefined) progress.log(`  ${outcome.title}: ${outcome.note}`);
      outcomes.push(outcome);
    }
  } finally {
    progress.log('cleaning up…');
    for (const failure of await cleanup.runAll()) progress.log(`cleanup failed: ${failure}`);
  }

  process.stdout.write(`${render(outcomes, options, env)}\n`);
  const path = await writeResults('datastore-concurrency', {
    bench: 'concurrency',
    environment: env,
    options,
    results: outcomes.map((outcome) => ({
      ...outcome,
      results: outcome.results.map(({ writeLatency, ...result }) => ({
        ...result,
        seconds: round(result.seconds, 3),
        writesPerSecond: round(result.writesPerSecond),
        writeLatencyMicros: Object.fromEntries(
          Object.entries(writeLatency).map(([key, value]) => [key, key === 'count' ? value : round(value)]),
        ),
        watch: { ...result.watch, tailSeconds: round(result.watch.tailSeconds, 3) },
      })),
    })),
  });
  progress.log(`results written to ${path}`);
  const failed = outcomes.some((outcome) => outcome.results.some((result) => !result.ok) || outcome.note?.startsWith('FAILED') === true);
  if (failed) {
    progress.log('FAILED: see the table and the errors above');
    process.exitCode = 1;
  }
}

async function runDriver(
  driver: DriverName,
  modes: readonly Mode[],
  resources: BenchResources,
  options: ContentionOptions,
  progress: Progress,
): Promise<DriverOutcome> {
  const title = DRIVER_TITLES[driver];
  const needs = driver === 'postgres' || driver === 'mysql' || driver === 'etcd' ? resources.services[driver] : 'none';
  if (needs === undefined) return { driver, title, results: [], note: `skipped: ${missingServiceNote(driver)}` };
  progress.log(`\n${title}`);
  let target: Target;
  let backend: Backend;
  try {
    target = await prepareTarget(driver, resources, 'conc');
    backend = await target.open();
  } catch (error) {
    // Most likely a server that is down or a driver still being written: say so and go on with the others.
    return { driver, title, results: [], note: `skipped: failed to open: ${errorMessage(error)}` };
  }
  const { endpoint, keyPrefix } = target;
  progress.log(`  ${endpoint}, keys under ${keyPrefix}`);
  const results: ContentionResult[] = [];
  try {
    for (const mode of modes) {
      const result = await runContention(backend, `${keyPrefix}${mode}/`, mode, options, progress);
      results.push(result);
      for (const group of result.errorGroups.slice(0, 10)) progress.log(`    ${group.count} × ${group.example}`);
      for (const problem of result.stateProblems.slice(0, 10)) progress.log(`    problem: ${problem}`);
    }
    return { driver, title, endpoint, results };
  } catch (error) {
    return { driver, title, endpoint, results, note: `FAILED during the bench: ${errorMessage(error)}` };
  } finally {
    await backend.close().catch((error: unknown) => progress.log(`  closing the backend failed: ${errorMessage(error)}`));
  }
}

function render(outcomes: readonly DriverOutcome[], options: ContentionOptions, env: Record<string, unknown>): string {
  const rows: string[][] = [];
  for (const outcome of outcomes) {
    for (const result of outcome.results) {
      const watchOk = result.watch.events === result.successes && result.watch.missing === 0 && result.watch.unexpected === 0;
      rows.push([
        outcome.title,
        result.mode,
        formatNumber(result.writesPerSecond),
        String(result.successes),
        `${result.conflicts} (${formatNumber((100 * result.conflicts) / Math.max(1, result.attempts))} %)`,
        String(result.otherErrors),
        `${result.watch.events}${watchOk ? ' ✓' : ` ✗ (${result.watch.missing} missing, ${result.watch.unexpected} unexpected)`}`,
        result.watch.outOfOrder === 0 ? 'yes' : `NO (${result.watch.outOfOrder})`,
        result.stateProblems.length === 0 ? 'yes' : `NO (${result.stateProblems.length})`,
        `${formatNumber(result.writeLatency.p50 / 1000)} / ${formatNumber(result.writeLatency.p99 / 1000)}`,
      ]);
    }
  }
  const sections = [
    '## Datastore: concurrent writers',
    '',
    `${describeEnvironment(env)}  `,
    `${options.writers} writers for ${options.seconds} s per mode; distinct: ${options.keysPerWriter} keys per writer; ` +
      `shared: read-modify-write on ${options.sharedKeys} keys; values of ${options.valueBytes} bytes; one backend (default pool) per driver.`,
    '',
    markdownTable(
      [
        'Driver',
        'Mode',
        'Writes/s',
        'Writes',
        'CAS conflicts',
        'Other errors',
        'Watch events = writes',
        'Revisions increasing',
        'Final state exact',
        'Update p50 / p99 (ms)',
      ],
      rows,
      ['left', 'left', 'right', 'right', 'right', 'right', 'right', 'left', 'left', 'right'],
    ),
  ];
  const details: string[] = [];
  for (const outcome of outcomes) {
    if (outcome.note !== undefined) details.push(`- ${outcome.title}: ${outcome.note}`);
    for (const result of outcome.results) {
      for (const group of result.errorGroups) details.push(`- ${outcome.title}, ${result.mode}: ${group.count} × \`${group.message}\``);
      for (const problem of result.stateProblems) details.push(`- ${outcome.title}, ${result.mode}: ${problem}`);
      if (result.watch.failure !== undefined) details.push(`- ${outcome.title}, ${result.mode}: watch failed: ${result.watch.failure}`);
    }
  }
  if (details.length > 0) sections.push('', '### Errors and problems', '', ...details);
  else if (rows.length > 0)
    sections.push(
      '',
      'No errors other than CAS conflicts; every watcher saw exactly the acknowledged writes, in order; no update was lost.',
    );
  return sections.join('\n');
}

await main();
