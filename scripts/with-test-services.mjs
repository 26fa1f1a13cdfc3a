#!/usr/bin/env node
// Starts the real servers the test suite uses (PostgreSQL, MariaDB/MySQL, etcd) on
// 127.0.0.1 with fresh data directories and free ports, runs the given command with
// their addresses in the environment, then stops them.
//
//   node scripts/with-test-services.mjs vitest run
//
// A server whose address is already in the environment (LK_TEST_POSTGRES_URL,
// LK_TEST_MYSQL_URL, LK_TEST_ETCD_ENDPOINT) is used as it is. A server whose binaries
// are not installed is left out with a warning; the tests that need it then skip,
// except under CI=true where they fail (see packages/*/test/services.ts).
// .ci/run installs the Debian packages: postgresql, mariadb-server, etcd-server.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, chownSync, writeFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureClientTools } from './client-tools.mjs';

const command = process.argv.slice(2);
if (command.length === 0) {
  console.error('usage: with-test-services.mjs COMMAND [ARGS…]');
  process.exit(2);
}

const base = join(tmpdir(), `lk-test-services-${process.pid}`);
mkdirSync(base, { recursive: true });
const isRoot = process.getuid?.() === 0;
const stops = [];
const log = (message) => console.error(`[test-services] ${message}`);

function which(name) {
  const result = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
  return result.status === 0 ? result.stdout.trim() : undefined;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function canConnect(port) {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

async function waitFor(what, check, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${what} did not become ready within ${timeoutMs / 1000} s`);
}

function run(argv, options = {}) {
  const result = spawnSync(argv[0], argv.slice(1), { encoding: 'utf8', ...options });
  if (result.status !== 0) {
    throw new Error(`${argv.join(' ')} failed (${result.status}): ${result.stderr || result.stdout}`);
  }
  return result.stdout;
}

/** Runs as the given system user when we are root (initdb refuses root). */
function asUser(user, argv) {
  return isRoot ? ['runuser', '-u', user, '--', ...argv] : argv;
}

function postgresBin() {
  const versions = existsSync('/usr/lib/postgresql') ? readdirSync('/usr/lib/postgresql').sort((a, b) => Number(b) - Number(a)) : [];
  return versions.map((v) => `/usr/lib/postgresql/${v}/bin`).find((dir) => existsSync(join(dir, 'initdb')));
}

/**
 * One PostgreSQL cluster. `name` keeps clusters apart: the outage test stops and
 * starts a cluster of its own, so that the other suites running beside it keep theirs.
 */
async function startPostgresCluster(bin, name) {
  const dir = join(base, name);
  mkdirSync(dir, { recursive: true });
  if (isRoot) chownSync(dir, Number(run(['id', '-u', 'postgres']).trim()), Number(run(['id', '-g', 'postgres']).trim()));
  const data = join(dir, 'data');
  run(asUser('postgres', [join(bin, 'initdb'), '-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync']));
  const port = await freePort();
  const options = `-c listen_addresses=127.0.0.1 -p ${port} -k ${dir} -c max_connections=300`;
  const pgCtl = (action, extra = []) => asUser('postgres', [join(bin, 'pg_ctl'), '-D', data, '-l', join(dir, 'log'), '-w', ...extra, action]);
  run(pgCtl('start', ['-o', options]));
  stops.push(() => {
    const argv = pgCtl('stop', ['-m', 'immediate']);
    spawnSync(argv[0], argv.slice(1));
  });
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    control: JSON.stringify({ start: pgCtl('start', ['-o', options]), stop: pgCtl('stop', ['-m', 'fast']) }),
  };
}

async function startPostgres() {
  if (process.env.LK_TEST_POSTGRES_URL) return;
  const bin = postgresBin();
  if (!bin) return log('PostgreSQL is not installed (Debian: postgresql): its tests will skip');
  const [shared, outage] = await Promise.all([startPostgresCluster(bin, 'pg'), startPostgresCluster(bin, 'pg-outage')]);
  process.env.LK_TEST_POSTGRES_URL = shared.url;
  // A cluster that the outage test may stop and start (argv arrays for pg_ctl).
  process.env.LK_TEST_POSTGRES_OUTAGE_URL = outage.url;
  process.env.LK_TEST_POSTGRES_OUTAGE_CONTROL = outage.control;
  log(`PostgreSQL on ${shared.url}, and one for the outage test on ${outage.url}`);
}

async function startMysql() {
  if (process.env.LK_TEST_MYSQL_URL) return;
  const server = which('mariadbd') ?? which('mysqld');
  const install = which('mariadb-install-db') ?? which('mysql_install_db');
  if (!server || !install) return log('MariaDB/MySQL is not installed (Debian: mariadb-server): its tests will skip');
  const dir = join(base, 'mysql');
  mkdirSync(dir, { recursive: true });
  const user = isRoot ? 'mysql' : process.env.USER ?? 'root';
  if (isRoot) chownSync(dir, Number(run(['id', '-u', 'mysql']).trim()), Number(run(['id', '-g', 'mysql']).trim()));
  run([install, '--no-defaults', `--user=${user}`, `--datadir=${join(dir, 'data')}`, '--auth-root-authentication-method=normal', '--skip-test-db']);
  const port = await freePort();
  const child = spawn(
    server,
    [
      '--no-defaults',
      `--user=${user}`,
      `--datadir=${join(dir, 'data')}`,
      `--socket=${join(dir, 'mysqld.sock')}`,
      `--pid-file=${join(dir, 'mysqld.pid')}`,
      '--bind-address=127.0.0.1',
      `--port=${port}`,
      '--skip-name-resolve',
      '--max-connections=500',
      `--log-error=${join(dir, 'err.log')}`,
    ],
    { stdio: 'ignore', detached: false },
  );
  stops.push(() => stopChild(child));
  await waitFor('MariaDB', () => canConnect(port));
  process.env.LK_TEST_MYSQL_URL = `mysql://root@127.0.0.1:${port}/`;
  log(`MariaDB on 127.0.0.1:${port}`);
}

async function startEtcd() {
  if (process.env.LK_TEST_ETCD_ENDPOINT) return;
  const etcd = which('etcd');
  if (!etcd) return log('etcd is not installed (Debian: etcd-server): its tests will skip');
  const dir = join(base, 'etcd');
  mkdirSync(dir, { recursive: true });
  const [client, peer] = [await freePort(), await freePort()];
  const child = spawn(
    etcd,
    [
      '--name', 'lk-test',
      '--data-dir', join(dir, 'data'),
      '--listen-client-urls', `http://127.0.0.1:${client}`,
      '--advertise-client-urls', `http://127.0.0.1:${client}`,
      '--listen-peer-urls', `http://127.0.0.1:${peer}`,
      '--initial-advertise-peer-urls', `http://127.0.0.1:${peer}`,
      '--initial-cluster', `lk-test=http://127.0.0.1:${peer}`,
      '--log-level', 'error',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr = (stderr + chunk).slice(-4000)));
  stops.push(() => stopChild(child));
  await waitFor('etcd', async () => {
    try {
      const response = await fetch(`http://127.0.0.1:${client}/health`);
      return response.ok;
    } catch {
      if (child.exitCode !== null) throw new Error(`etcd exited: ${stderr}`);
      return false;
    }
  });
  process.env.LK_TEST_ETCD_ENDPOINT = `127.0.0.1:${client}`;
  log(`etcd on 127.0.0.1:${client}`);
}

function stopChild(child) {
  if (child.exitCode !== null || child.signalCode !== null) return undefined;
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

async function stopAll() {
  for (const stop of stops.splice(0).reverse()) {
    try {
      await stop();
    } catch (error) {
      log(`stopping a service failed: ${error.message}`);
    }
  }
  rmSync(base, { recursive: true, force: true });
}

// helm and kubectl for the tests that drive them (scripts/client-tools.mjs).
function provideClientTools() {
  try {
    const tools = ensureClientTools();
    process.env.LK_HELM ??= tools.helm;
    process.env.LK_KUBECTL ??= tools.kubectl;
  } catch (error) {
    log(`helm and kubectl could not be fetched, the tests that need them will skip: ${error.message}`);
  }
}

let exitCode = 1;
try {
  const started = Date.now();
  await Promise.all([startPostgres(), startMysql(), startEtcd()]);
  provideClientTools();
  log(`services ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  writeFileSync(join(base, 'env'), ['LK_TEST_POSTGRES_URL', 'LK_TEST_MYSQL_URL', 'LK_TEST_ETCD_ENDPOINT'].map((k) => `${k}=${process.env[k] ?? ''}`).join('\n'));
  const child = spawn(command[0], command.slice(1), { stdio: 'inherit', env: process.env });
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
  exitCode = await new Promise((resolve) => child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0))));
} catch (error) {
  log(error instanceof Error ? error.message : String(error));
} finally {
  await stopAll();
}
process.exit(exitCode);
