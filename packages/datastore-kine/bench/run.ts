/**
 * Sequential benchmark of @lk/datastore-kine's drivers, next to the peers
 * they are judged against, measured in the same run on the same servers.
 *
 * Per driver: creates/s and compare-and-swap updates/s (one at a time,
 * awaited), get latency, one list of 10,000 keys of ~500 bytes, and watch
 * delivery latency (from a write's acknowledgement to its event reaching a
 * watcher in the same process). Peers: etcd through `etcd3` directly, and
 * plain single-row INSERTs with `pg` and `mysql2`. The claims checked:
 * the SQLite drivers create at least as fast as etcd does; the PostgreSQL and
 * MySQL drivers create at no less than half the raw database's insert rate.
 *
 * Run (from the repository root):
 *
 *   pnpm --filter @lk/datastore-kine run bench
 *       uses the servers named by LK_BENCH_POSTGRES_URL, LK_BENCH_MYSQL_URL,
 *       LK_BENCH_ETCD_ENDPOINT (host:port), else by the LK_TEST_* variables;
 *       a driver whose server is not given is skipped with a note.
 *   node scripts/with-test-services.mjs pnpm --filter @lk/datastore-kine run bench
 *       starts throw-away PostgreSQL, MariaDB and etcd servers first (the
 *       Debian packages postgresql, mariadb-server and etcd-server).
 *   … run bench --drivers=sqlite-file,postgres --n=500     (see --help)
 *       `sqlite-file-full` (opt-in) is the file driver at synchronous=FULL,
 *       an fsync per commit as etcd does, for a comparison at equal durability.
 *
 * The run creates databases `lk_bench_<run>` (so the PostgreSQL/MySQL user
 * needs the right to create databases) and etcd keys under `/lk-bench/<run>/`,
 * and removes them at the end, also on failure or Ctrl-C. Background
 * compaction is off for every driver: on a shared etcd it would compact
 * other users' history. Progress goes to stderr; stdout gets markdown tables;
 * the JSON goes to bench-results/datastore-<timestamp>.json.
 */
import { z } from 'zod';
import { redact, type Backend } from '@lk/datastore-kine';
import { benchBackend } from './lib/backend-bench.js';
import { Cleanup } from './lib/cleanup.js';
import type { Figures, SequentialOptions } from './lib/figures.js';
import { nameList, parseFlags, positiveInt, positiveSeconds } from './lib/flags.js';
import type { PhaseResult } from './lib/measure.js';
import { benchEtcdDirect, benchMysqlInsert, benchPostgresInsert } from './lib/peers.js';
import { Progress } from './lib/progress.js';
import { describeEnvironment, environment, errorMessage, markdownTable, writeResults } from './lib/report.js';
import { formatNumber, formatRatio, round, type LatencySummary } from './lib/stats.js';
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

const PEER_NAMES = ['etcd', 'postgres', 'mysql'] as const;
type PeerName = (typeof PEER_NAMES)[number];

const PEER_TITLES: Record<PeerName, string> = {
  etcd: 'etcd direct (etcd3 client)',
  postgres: 'PostgreSQL raw INSERT (pg)',
  mysql: 'MySQL raw INSERT (mysql2)',
};

const FLAGS = [
  { name: 'drivers', help: `comma-separated among ${DRIVER_NAMES.join(',')}; default ${DEFAULT_DRIVERS.join(',')}` },
  {
    name: 'peers',
    help: 'references to measure: etcd,postgres,mysql or none (default: etcd, and the raw database of each SQL server driver chosen)',
  },
  { name: 'n', help: 'operations per sequential phase: creates, updates, gets (default 5000)' },
  { name: 'watch-n', help: 'timed writes in the watch delivery phase (default 1000)' },
  { name: 'list-keys', help: 'keys in the listed range (default 10000)' },
  { name: 'list-repeats', help: 'timed list calls, after one untimed (default 5)' },
  { name: 'value-bytes', help: 'bytes per value (default 500)' },
  { name: 'warm-up-seconds', help: 'untimed creates, updates and gets per driver and peer before its first phase (default 2)' },
  { name: 'max-seconds', help: 'cap per phase: a slower driver stops early and its rate is computed on what it did (default 8)' },
] as const;

const flagSchema = z.object({
  drivers: nameList(DRIVER_NAMES, false).default([...DEFAULT_DRIVERS]),
  peers: nameList(PEER_NAMES, true).optional(),
  n: positiveInt.default(5000),
  'watch-n': positiveInt.default(1000),
  'list-keys': positiveInt.default(10_000),
  'list-repeats': positiveInt.default(5),
  'value-bytes': positiveInt.refine((bytes) => bytes >= 32, 'must be at least 32').default(500),
  'max-seconds': positiveSeconds.default(8),
  'warm-up-seconds': positiveSeconds.default(2),
});

interface Outcome {
  readonly name: string;
  readonly title: string;
  readonly kind: 'driver' | 'peer';
  readonly endpoint?: string;
  readonly figures?: Figures;
  /** Why there are no figures (skipped or failed). */
  readonly note?: string;
}

async function main(): Promise<void> {
  const flags = parseFlags('bench/run.ts', FLAGS, flagSchema);
  const options: SequentialOptions = {
    n: flags.n,
    watchN: flags['watch-n'],
    listKeys: flags['list-keys'],
    listRepeats: flags['list-repeats'],
    valueBytes: flags['value-bytes'],
    maxSeconds: flags['max-seconds'],
    warmUpSeconds: flags['warm-up-seconds'],
  };
  const services = resolveServices();
  const drivers = flags.drivers;
  const peers: PeerName[] = flags.peers ?? [
    'etcd',
    ...(drivers.includes('postgres') ? (['postgres'] as const) : []),
    ...(drivers.includes('mysql') ? (['mysql'] as const) : []),
  ];
  const env = environment();
  const progress = new Progress();
  const cleanup = new Cleanup();
  cleanup.installSignalHandlers();
  const resources = new BenchResources(services, newRunId(), cleanup);
  progress.log(`datastore bench ${resources.runId}: drivers ${drivers.join(', ')}; peers ${peers.join(', ') || 'none'}`);
  progress.log(`  ${describeEnvironment(env)}`);

  const outcomes: Outcome[] = [];
  let failed = false;
  try {
    // Each peer runs right before the drivers it is the reference for, so
    // that both see the machine in about the same state.
    for (const step of plan(drivers, peers)) {
      if (cleanup.interrupted) break;
      const outcome =
        step.kind === 'peer'
          ? await runPeer(step.name, resources, options, progress)
          : await runDriver(step.name, resources, options, progress);
      if (outcome.note !== undefined) progress.log(`  ${outcome.title}: ${outcome.note}`);
      if (outcome.figures === undefined && !outcome.note?.startsWith('skipped')) failed = true;
      outcomes.push(outcome);
    }
  } finally {
    progress.log('cleaning up…');
    for (const failure of await cleanup.runAll()) {
      progress.log(`cleanup failed: ${failure}`);
      failed = true;
    }
  }

  const report = render(outcomes, options, env);
  process.stdout.write(`${report}\n`);
  const path = await writeResults('datastore', {
    bench: 'sequential',
    environment: env,
    options,
    services: {
      postgres: services.postgres?.variable,
      mysql: services.mysql?.variable,
      etcd: services.etcd?.variable,
    },
    results: outcomes.map((outcome) => ({
      ...outcome,
      figures: outcome.figures === undefined ? undefined : roundFigures(outcome.figures),
    })),
    ratios: ratios(outcomes).map((row) =>
      Object.fromEntries(Object.entries(row).map(([key, value]) => [key, typeof value === 'number' ? round(value, 3) : value])),
    ),
    claims: claims(outcomes).map((claim) => ({ ...claim, ratio: claim.ratio === undefined ? undefined : round(claim.ratio, 3) })),
  });
  progress.log(`results written to ${path}`);
  if (failed) process.exitCode = 1;
}

type Step = { kind: 'driver'; name: DriverName } | { kind: 'peer'; name: PeerName };

function plan(drivers: readonly DriverName[], peers: readonly PeerName[]): Step[] {
  const steps: Step[] = [];
  const peerBefore = (peer: PeerName): void => {
    if (peers.includes(peer) && !steps.some((step) => step.kind === 'peer' && step.name === peer)) steps.push({ kind: 'peer', name: peer });
  };
  for (const driver of drivers) {
    if (driver === 'etcd' || driver === 'postgres' || driver === 'mysql') peerBefore(driver);
    steps.push({ kind: 'driver', name: driver });
  }
  for (const peer of peers) peerBefore(peer);
  return steps;
}

async function runDriver(driver: DriverName, resources: BenchResources, options: SequentialOptions, progress: Progress): Promise<Outcome> {
  const title = DRIVER_TITLES[driver];
  const base = { name: driver, title, kind: 'driver' } as const;
  const needs = driver === 'postgres' || driver === 'mysql' || driver === 'etcd' ? resources.services[driver] : 'none';
  if (needs === undefined) return { ...base, note: `skipped: ${missingServiceNote(driver)}` };
  progress.log(`\n${title}`);
  let target: Target;
  let backend: Backend;
  try {
    target = await prepareTarget(driver, resources, 'seq');
    backend = await target.open();
  } catch (error) {
    // Most likely a server that is down or a driver still being written: say so and go on with the others.
    return { ...base, note: `skipped: failed to open: ${errorMessage(error)}` };
  }
  progress.log(`  ${target.endpoint}, keys under ${target.keyPrefix}`);
  try {
    return { ...base, endpoint: target.endpoint, figures: await benchBackend(backend, target.keyPrefix, options, progress) };
  } catch (error) {
    return { ...base, endpoint: target.endpoint, note: `FAILED during the bench: ${errorMessage(error)}` };
  } finally {
    await backend.close().catch((error: unknown) => progress.log(`  closing the backend failed: ${errorMessage(error)}`));
  }
}

async function runPeer(peer: PeerName, resources: BenchResources, options: SequentialOptions, progress: Progress): Promise<Outcome> {
  const title = PEER_TITLES[peer];
  const base = { name: `${peer}-peer`, title, kind: 'peer' } as const;
  if (resources.services[peer] === undefined) return { ...base, note: `skipped: ${missingServiceNote(peer)}` };
  progress.log(`\n${title}`);
  try {
    switch (peer) {
      case 'etcd': {
        const { hosts, prefix } = resources.etcdPrefix('peer');
        return { ...base, endpoint: hosts.join(','), figures: await benchEtcdDirect(hosts, prefix, options, progress) };
      }
      case 'postgres': {
        const url = await resources.postgresDatabase();
        return { ...base, endpoint: redact(url), figures: await benchPostgresInsert(url, options, progress) };
      }
      case 'mysql': {
        const url = await resources.mysqlDatabase();
        return { ...base, endpoint: redact(url), figures: await benchMysqlInsert(url, options, progress) };
      }
    }
  } catch (error) {
    return { ...base, note: `FAILED: ${errorMessage(error)}` };
  }
}

// ------------------------------------------------------------- report

interface RatioRow {
  readonly driver: DriverName;
  readonly createsVsEtcd?: number;
  readonly updatesVsEtcd?: number;
  readonly createsVsRawInsert?: number;
  readonly updatesVsRawInsert?: number;
}

function figuresOf(outcomes: readonly Outcome[], name: string): Figures | undefined {
  return outcomes.find((outcome) => outcome.name === name)?.figures;
}

function ratio(value: PhaseResult | undefined, reference: PhaseResult | undefined): number | undefined {
  return value === undefined || reference === undefined ? undefined : value.perSecond / reference.perSecond;
}

function ratios(outcomes: readonly Outcome[]): RatioRow[] {
  const etcd = figuresOf(outcomes, 'etcd-peer');
  const rows: RatioRow[] = [];
  for (const outcome of outcomes) {
    if (outcome.kind !== 'driver' || outcome.figures === undefined) continue;
    const driver = outcome.name as DriverName;
    const raw = driver === 'postgres' || driver === 'mysql' ? figuresOf(outcomes, `${driver}-peer`) : undefined;
    rows.push({
      driver,
      createsVsEtcd: ratio(outcome.figures.creates, etcd?.creates),
      updatesVsEtcd: ratio(outcome.figures.updates, etcd?.updates),
      createsVsRawInsert: ratio(outcome.figures.creates, raw?.creates),
      updatesVsRawInsert: ratio(outcome.figures.updates, raw?.creates),
    });
  }
  return rows;
}

interface Claim {
  readonly claim: string;
  readonly driver: DriverName;
  readonly ratio: number | undefined;
  readonly target: number;
  readonly met: boolean | undefined;
}

function claims(outcomes: readonly Outcome[]): Claim[] {
  const result: Claim[] = [];
  for (const row of ratios(outcomes)) {
    if (row.driver === 'sqlite-memory' || row.driver === 'sqlite-file' || row.driver === 'sqlite-file-full') {
      const value = row.createsVsEtcd;
      result.push({
        claim: 'sequential creates at least as fast as etcd direct',
        driver: row.driver,
        ratio: value,
        target: 1,
        met: value === undefined ? undefined : value >= 1,
      });
    }
    if (row.driver === 'postgres' || row.driver === 'mysql') {
      const value = row.createsVsRawInsert;
      result.push({
        claim: 'sequential creates within 2× of the raw INSERT rate',
        driver: row.driver,
        ratio: value,
        target: 0.5,
        met: value === undefined ? undefined : value >= 0.5,
      });
    }
  }
  return result;
}

function render(outcomes: readonly Outcome[], options: SequentialOptions, env: Record<string, unknown>): string {
  const capped = (phase: PhaseResult | undefined): string => (phase?.capped === true ? '*' : '');
  const rate = (phase: PhaseResult | undefined): string => (phase === undefined ? '–' : `${formatNumber(phase.perSecond)}${capped(phase)}`);
  const rows = outcomes
    .filter((outcome) => outcome.figures !== undefined)
    .map((outcome) => {
      const f = outcome.figures!;
      return [
        outcome.title,
        rate(f.creates),
        rate(f.updates),
        f.gets === undefined ? '–' : formatNumber(f.gets.latency.p50),
        f.gets === undefined ? '–' : `${formatNumber(f.gets.latency.p99)}${capped(f.gets)}`,
        f.list === undefined ? '–' : formatNumber(f.list.medianMs),
        f.watch === undefined ? '–' : formatNumber(f.watch.latency.p50),
        f.watch === undefined ? '–' : `${formatNumber(f.watch.latency.p99)}${f.watch.capped ? '*' : ''}`,
      ];
    });
  const right = ['left', 'right', 'right', 'right', 'right', 'right', 'right', 'right'] as const;
  const listHeader = `List ${options.listKeys.toLocaleString('en-US')} keys (ms, median)`;
  const sections: string[] = [
    `## Datastore: sequential operations`,
    '',
    `${describeEnvironment(env)}  `,
    `${options.n} ops per phase (cap ${options.maxSeconds} s), values of ${options.valueBytes} bytes, ` +
      `list median of ${options.listRepeats}, ${options.watchN} watched writes.`,
    '',
    markdownTable(
      ['Driver', 'Creates/s', 'Updates/s (CAS)', 'Get p50 (µs)', 'Get p99 (µs)', listHeader, 'Watch p50 (µs)', 'Watch p99 (µs)'],
      rows,
      right,
    ),
  ];
  const etcdPuts = figuresOf(outcomes, 'etcd-peer')?.puts;
  if (etcdPuts !== undefined) {
    sections.push(
      '',
      `etcd direct: creates and updates are compare-and-swap Txns as kube-apiserver sends; unconditional puts: ${formatNumber(
        etcdPuts.perSecond,
      )}/s.`,
    );
  }
  if (rows.some((row) => row.some((cell) => cell.endsWith('*')))) {
    sections.push('', '\\* the phase hit its time cap before finishing its count; the figure is over what it did.');
  }

  const ratioRows = ratios(outcomes).map((row) => [
    DRIVER_TITLES[row.driver],
    formatRatio(row.createsVsEtcd),
    formatRatio(row.updatesVsEtcd),
    formatRatio(row.createsVsRawInsert),
    formatRatio(row.updatesVsRawInsert),
  ]);
  if (ratioRows.length > 0) {
    sections.push(
      '',
      '### Ratios to the peers (higher is faster)',
      '',
      markdownTable(
        ['Driver', 'Creates vs etcd direct', 'Updates vs etcd direct', 'Creates vs raw INSERT', 'Updates vs raw INSERT'],
        ratioRows,
        ['left', 'right', 'right', 'right', 'right'],
      ),
    );
  }
  const claimRows = claims(outcomes).map((claim) => [
    DRIVER_TITLES[claim.driver],
    claim.claim,
    formatRatio(claim.ratio),
    `≥ ${claim.target.toFixed(2)}×`,
    claim.met === undefined ? 'not measured (peer missing)' : claim.met ? 'met' : 'NOT MET',
  ]);
  if (claimRows.length > 0) {
    sections.push('', '### Targets', '', markdownTable(['Driver', 'Claim', 'Ratio', 'Target', 'Verdict'], claimRows));
  }
  const notes = outcomes.filter((outcome) => outcome.note !== undefined).map((outcome) => `- ${outcome.title}: ${outcome.note}`);
  const early = outcomes
    .filter((outcome) => (outcome.figures?.watch?.beforeAck ?? 0) > 0)
    .map((outcome) => {
      const watch = outcome.figures!.watch!;
      return (
        `- ${outcome.title}: ${watch.beforeAck} of ${watch.writes} watch events arrived before the write's acknowledgement ` +
        `(counted as 0 µs); from the write call to the event: p50 ${formatNumber(watch.fromCallLatency.p50)} µs, ` +
        `p99 ${formatNumber(watch.fromCallLatency.p99)} µs.`
      );
    });
  if (notes.length + early.length > 0) sections.push('', '### Notes', '', ...notes, ...early);
  return sections.join('\n');
}

function roundLatency(latency: LatencySummary): Record<string, number> {
  return Object.fromEntries(Object.entries(latency).map(([key, value]) => [key, key === 'count' ? value : round(value)]));
}

/** The JSON keeps every figure, rounded to what is meaningful. */
function roundFigures(figures: Figures): Record<string, unknown> {
  const phase = (result: PhaseResult | undefined): Record<string, unknown> | undefined =>
    result === undefined
      ? undefined
      : {
          ops: result.ops,
          seconds: round(result.seconds, 3),
          perSecond: round(result.perSecond),
          capped: result.capped,
          latencyMicros: roundLatency(result.latency),
        };
  return {
    creates: phase(figures.creates),
    updates: phase(figures.updates),
    puts: phase(figures.puts),
    gets: phase(figures.gets),
    list:
      figures.list === undefined
        ? undefined
        : {
            keys: figures.list.keys,
            medianMs: round(figures.list.medianMs, 2),
            minMs: round(figures.list.minMs, 2),
            ms: figures.list.ms.map((ms) => round(ms, 2)),
          },
    watch:
      figures.watch === undefined
        ? undefined
        : {
            writes: figures.watch.writes,
            beforeAck: figures.watch.beforeAck,
            capped: figures.watch.capped,
            latencyMicros: roundLatency(figures.watch.latency),
            fromCallLatencyMicros: roundLatency(figures.watch.fromCallLatency),
          },
  };
}

await main();
