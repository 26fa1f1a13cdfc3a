/**
 * The API server benchmark: what a user of lk feels, over real HTTP.
 *
 *   pnpm --filter @lk/core run bench            (all of it, ~1-2 minutes)
 *   pnpm --filter @lk/core run bench -- --quick  (smaller counts)
 *
 * Measures, on an in-memory store and on a SQLite file:
 * - start-to-ready of createTestServer (median of 20) and of createServer on a file,
 * - sequential creates of ConfigMaps over HTTP: creates/s and p50/p99 latency,
 * - a list of 10,000 ConfigMaps (JSON, full objects) over HTTP,
 * - 1,000 concurrent watchers each receiving 1,000 events: delivery time and events/s,
 * - resident memory of a server in a process of its own, idle and with 10,000 ConfigMaps.
 * Prints a markdown table and writes JSON to bench-results/ at the repository root.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { fork } from 'node:child_process';
import { request as httpRequest, Agent } from 'node:http';
import { tmpdir, cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createServer, createTestServer, type LkServer } from '@lk/core';

const quick = process.argv.includes('--quick');
const CREATES = quick ? 500 : 3000;
const LIST_SIZE = quick ? 2000 : 10_000;
const WATCHERS = quick ? 200 : 1000;
const EVENTS = quick ? 200 : 1000;

const agent = new Agent({ keepAlive: true, maxSockets: 64 });

/** The admin's bearer token of each server (by URL): requests are authenticated and authorized like any client's. */
const tokens = new Map<string, string>();

function trust(server: Pick<LkServer, 'url' | 'kubeconfig'>): void {
  const token = /token: (\S+)/.exec(server.kubeconfig)?.[1];
  if (token === undefined) throw new Error('the benchmark servers run over plain HTTP with a token kubeconfig');
  tokens.set(server.url, token);
}

function authorization(url: string): Record<string, string> {
  const token = tokens.get(url);
  return token === undefined ? {} : { Authorization: `Bearer ${token}` };
}

function progress(message: string): void {
  process.stderr.write(`[bench] ${message}\n`);
}

function call(url: string, method: string, path: string, body?: unknown): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = httpRequest(`${url}${path}`, { method, agent, headers: { ...authorization(url), ...(payload !== undefined && { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(payload)) }) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end(payload);
  });
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

function configMap(name: string): object {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, labels: { bench: 'lk' } }, data: { payload: 'x'.repeat(200) } };
}

async function sequentialCreates(server: LkServer, count: number): Promise<{ perSecond: number; p50Ms: number; p99Ms: number }> {
  const latencies: number[] = [];
  const started = performance.now();
  for (let i = 0; i < count; i++) {
    const t = performance.now();
    const response = await call(server.url, 'POST', '/api/v1/namespaces/default/configmaps', configMap(`seq-${i}`));
    if (response.status !== 201) throw new Error(`create failed: ${response.status} ${response.text}`);
    latencies.push(performance.now() - t);
    if (i % 1000 === 999) progress(`  ${i + 1}/${count} creates`);
  }
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return { perSecond: Math.round(count / seconds), p50Ms: round(percentile(latencies, 50)), p99Ms: round(percentile(latencies, 99)) };
}

async function fill(server: Pick<LkServer, 'url'>, namespace: string, count: number): Promise<void> {
  await call(server.url, 'POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } });
  for (let start = 0; start < count; start += 50) {
    await Promise.all(
      Array.from({ length: Math.min(50, count - start) }, (_, i) => call(server.url, 'POST', `/api/v1/namespaces/${namespace}/configmaps`, configMap(`cm-${start + i}`))),
    );
    if ((start + 50) % 2000 === 0) progress(`  filled ${start + 50}/${count}`);
  }
}

async function listAll(server: LkServer, namespace: string, expected: number): Promise<{ ms: number; bytes: number }> {
  const runs: number[] = [];
  let bytes = 0;
  for (let i = 0; i < 5; i++) {
    const started = performance.now();
    const response = await call(server.url, 'GET', `/api/v1/namespaces/${namespace}/configmaps`);
    const items = (JSON.parse(response.text) as { items: unknown[] }).items.length;
    if (items !== expected) throw new Error(`listed ${items}, expected ${expected}`);
    runs.push(performance.now() - started);
    bytes = response.text.length;
  }
  runs.sort((a, b) => a - b);
  return { ms: round(runs[2]!), bytes };
}

/** Opens `watchers` watches, makes `events` changes, and times until every watcher has every event. */
async function fanOut(server: LkServer, watchers: number, events: number): Promise<{ deliveredInMs: number; eventsPerSecond: number }> {
  const namespace = 'fanout';
  await call(server.url, 'POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } });
  const list = JSON.parse((await call(server.url, 'GET', `/api/v1/namespaces/${namespace}/configmaps`)).text) as { metadata: { resourceVersion: string } };
  const counts = new Array<number>(watchers).fill(0);
  let done = 0;
  let resolveAll: () => void = () => undefined;
  const all = new Promise<void>((resolve) => (resolveAll = resolve));
  const watchAgent = new Agent({ keepAlive: true, maxSockets: watchers + 10 });
  const requests = Array.from({ length: watchers }, (_, index) => {
    const req = httpRequest(`${server.url}/api/v1/namespaces/${namespace}/configmaps?watch=1&resourceVersion=${list.metadata.resourceVersion}`, { agent: watchAgent, headers: authorization(server.url) }, (res) => {
      let buffered = '';
      res.on('data', (chunk: Buffer) => {
        buffered += chunk.toString();
        let newline = buffered.indexOf('\n');
        while (newline >= 0) {
          buffered = buffered.slice(newline + 1);
          counts[index]!++;
          if (counts[index] === events) {
            done++;
            if (done === watchers) resolveAll();
          }
          newline = buffered.indexOf('\n');
        }
      });
    });
    req.end();
    return req;
  });
  await new Promise((resolve) => setTimeout(resolve, 500));
  progress(`  ${watchers} watchers open; writing ${events} changes`);
  const started = performance.now();
  for (let i = 0; i < events; i += 20) {
    await Promise.all(Array.from({ length: Math.min(20, events - i) }, (_, j) => call(server.url, 'POST', `/api/v1/namespaces/${namespace}/configmaps`, configMap(`w-${i + j}`))));
  }
  await all;
  const elapsed = performance.now() - started;
  for (const req of requests) req.destroy();
  watchAgent.destroy();
  return { deliveredInMs: Math.round(elapsed), eventsPerSecond: Math.round((watchers * events) / (elapsed / 1000)) };
}

async function startToReady(): Promise<{ medianMs: number; p90Ms: number }> {
  // The first start loads the WebAssembly SQLite and the modules; it is not what a test suite pays per server.
  await (await createTestServer()).close();
  const times: number[] = [];
  for (let i = 0; i < 20; i++) {
    const started = performance.now();
    const server = await createTestServer();
    times.push(performance.now() - started);
    await server.close();
  }
  times.sort((a, b) => a - b);
  return { medianMs: round(percentile(times, 50)), p90Ms: round(percentile(times, 90)) };
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}

/**
 * Resident memory of a server in a process of its own (bench/server-process.ts):
 * idle after start, then with `count` ConfigMaps written to it over HTTP.
 */
async function serverMemory(store: 'memory' | 'sqlite-file', dir: string, count: number): Promise<{ idleMb: number; loadedMb: number }> {
  const child = fork(fileURLToPath(new URL('./server-process.ts', import.meta.url)), [store === 'memory' ? 'memory' : dir], {
    execArgv: ['--expose-gc', '--conditions=@lk/source', '--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const next = <T>(): Promise<T> => new Promise((resolve, reject) => {
    child.once('message', (message) => resolve(message as T));
    child.once('exit', (code) => reject(new Error(`server process exited with ${code}`)));
  });
  const { url, kubeconfig } = await next<{ url: string; kubeconfig: string }>();
  trust({ url, kubeconfig });
  await new Promise((resolve) => setTimeout(resolve, 2000));
  child.send('rss');
  const idle = await next<{ rssMb: number }>();
  await fill({ url }, 'memory', count);
  await new Promise((resolve) => setTimeout(resolve, 2000));
  child.send('rss');
  const loaded = await next<{ rssMb: number }>();
  child.send('close');
  await new Promise((resolve) => child.once('exit', resolve));
  return { idleMb: idle.rssMb, loadedMb: loaded.rssMb };
}

async function main(): Promise<void> {
  const results: Record<string, unknown> = {
    machine: { cpus: cpus().length, model: cpus()[0]?.model, memoryGb: Math.round(totalmem() / 2 ** 30), node: process.version },
    quick,
  };
  progress('start-to-ready of createTestServer');
  results['startToReady'] = await startToReady();

  for (const store of ['memory', 'sqlite-file'] as const) {
    const dir = mkdtempSync(join(tmpdir(), 'lk-bench-'));
    progress(`${store}: starting`);
    const started = performance.now();
    const server = store === 'memory' ? await createTestServer() : await createServer({ dataDir: dir, listen: '127.0.0.1:0', writeKubeconfig: false, transport: 'http' });
    trust(server);
    const ready = round(performance.now() - started);
    progress(`${store}: ${CREATES} sequential creates`);
    const creates = await sequentialCreates(server, CREATES);
    progress(`${store}: filling ${LIST_SIZE} ConfigMaps`);
    await fill(server, 'bulk', LIST_SIZE);
    progress(`${store}: listing ${LIST_SIZE}`);
    const list = await listAll(server, 'bulk', LIST_SIZE);
    progress(`${store}: ${WATCHERS} watchers × ${EVENTS} events`);
    const fan = await fanOut(server, WATCHERS, EVENTS);
    await server.close();
    rmSync(dir, { recursive: true, force: true });
    progress(`${store}: memory of a server process of its own, idle and with ${LIST_SIZE} ConfigMaps`);
    const memoryDir = mkdtempSync(join(tmpdir(), 'lk-bench-memory-'));
    const memory = await serverMemory(store, memoryDir, LIST_SIZE);
    rmSync(memoryDir, { recursive: true, force: true });
    results[store] = { startMs: ready, creates, list, fanOut: fan, rssIdleMb: memory.idleMb, rssWithObjectsMb: memory.loadedMb };
  }
  agent.destroy();

  const table = [
    '| measure | in memory | SQLite file |',
    '| --- | --- | --- |',
    ...(['memory', 'sqlite-file'] as const).reduce<string[]>((rows, store, column) => {
      const r = results[store] as { creates: { perSecond: number; p50Ms: number; p99Ms: number }; list: { ms: number }; fanOut: { deliveredInMs: number; eventsPerSecond: number }; rssIdleMb: number; rssWithObjectsMb: number };
      const cells = [
        [`sequential creates over HTTP`, `${r.creates.perSecond}/s`],
        [`create latency p50 / p99`, `${r.creates.p50Ms} / ${r.creates.p99Ms} ms`],
        [`list of ${LIST_SIZE} ConfigMaps`, `${r.list.ms} ms`],
        [`${WATCHERS} watchers × ${EVENTS} events`, `${r.fanOut.deliveredInMs} ms (${r.fanOut.eventsPerSecond} events/s)`],
        [`server resident memory idle / with ${LIST_SIZE} ConfigMaps`, `${r.rssIdleMb} / ${r.rssWithObjectsMb} MB`],
      ];
      cells.forEach(([name, value], index) => {
        if (column === 0) rows.push(`| ${name} | ${value} |`);
        else rows[index] = `${rows[index]} ${value} |`;
      });
      return rows;
    }, []),
  ];
  const ready = results['startToReady'] as { medianMs: number; p90Ms: number };
  process.stdout.write(`\ncreateTestServer start-to-ready: median ${ready.medianMs} ms, p90 ${ready.p90Ms} ms\n\n${table.join('\n')}\n`);
  const out = join(process.cwd().replace(/\/packages\/core$/, ''), 'bench-results');
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, `apiserver-${new Date().toISOString().replace(/[:.]/g, '-')}.json`), JSON.stringify(results, null, 2));
}

await main();
