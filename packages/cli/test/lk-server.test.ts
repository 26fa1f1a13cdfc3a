/**
 * `lk server` as a newcomer runs it: it prints how to point kubectl at it,
 * kubectl works with the kubeconfig it wrote, Ctrl-C stops it cleanly, and a
 * second start finds everything where it was.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const main = fileURLToPath(new URL('../src/main.ts', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'lk-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function kubectl(): string {
  const pinned = '/usr/lib/google-cloud-sdk/bin/kubectl.1.32';
  return process.env.LK_KUBECTL ?? (existsSync(pinned) ? pinned : 'kubectl');
}

function startLk(args: string[]): { child: ChildProcess; output: () => string; ready: Promise<string> } {
  const child = spawn(process.execPath, ['--conditions=@lk/source', '--import', 'tsx', main, 'server', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  let errors = '';
  const ready = new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('Press Ctrl-C to stop.')) resolve(output);
    });
    child.stderr!.on('data', (chunk: Buffer) => (errors += chunk.toString()));
    child.on('exit', (code) => reject(new Error(`lk server exited early (${code}): ${errors}`)));
  });
  return { child, output: () => output, ready };
}

function exitOf(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => child.on('exit', (code) => resolve(code)));
}

describe('lk server', () => {
  it('prints the kubectl command, serves it, stops on Ctrl-C and starts again with the same state', async () => {
    const dataDir = join(dir, 'data');
    const first = startLk(['--data-dir', dataDir, '--listen', '127.0.0.1:0', '--log-format', 'json', '--log-level', 'warn']);
    const banner = await first.ready;
    const kubeconfig = join(dataDir, 'kubeconfig.yaml');
    expect(banner).toMatch(/lk control plane is running at https:\/\/127\.0\.0\.1:\d+/);
    expect(banner).toContain(`kubectl --kubeconfig ${kubeconfig} get namespaces`);

    const get = spawnSync(kubectl(), ['--kubeconfig', kubeconfig, 'get', 'namespaces', '-o', 'name'], { encoding: 'utf8' });
    expect(get.stderr).toBe('');
    expect(get.stdout.trim().split('\n').sort()).toEqual(['namespace/default', 'namespace/kube-node-lease', 'namespace/kube-public', 'namespace/kube-system']);
    const create = spawnSync(kubectl(), ['--kubeconfig', kubeconfig, 'create', 'namespace', 'persisted'], { encoding: 'utf8' });
    expect(create.stdout).toContain('namespace/persisted created');

    const exited = exitOf(first.child);
    first.child.kill('SIGINT');
    expect(await exited).toBe(0);

    const second = startLk(['--data-dir', dataDir, '--listen', '127.0.0.1:0', '--log-level', 'warn']);
    await second.ready;
    try {
      const again = spawnSync(kubectl(), ['--kubeconfig', kubeconfig, 'get', 'namespace', 'persisted', '-o', 'jsonpath={.status.phase}'], { encoding: 'utf8' });
      expect(again.stdout).toBe('Active');
    } finally {
      const stopped = exitOf(second.child);
      second.child.kill('SIGTERM');
      expect(await stopped).toBe(0);
    }
  });

  it('serves every interface over TLS with the extra names given by --tls-san', async () => {
    const dataDir = join(dir, 'open');
    const server = startLk(['--data-dir', dataDir, '--listen', '0.0.0.0:0', '--tls-san', 'gateway.local,192.0.2.7', '--tls-san', 'edge.example.com', '--log-level', 'warn']);
    const banner = await server.ready;
    try {
      expect(banner).toMatch(/running at https:\/\/127\.0\.0\.1:\d+/);
      const names = new X509Certificate(readFileSync(join(dataDir, 'tls', 'serving-kube-apiserver.crt'))).subjectAltName ?? '';
      for (const name of ['DNS:gateway.local', 'DNS:edge.example.com', 'IP Address:192.0.2.7']) expect(names).toContain(name);
      const get = spawnSync(kubectl(), ['--kubeconfig', join(dataDir, 'kubeconfig.yaml'), 'get', 'namespace', 'default', '-o', 'name'], { encoding: 'utf8' });
      expect(get.stdout.trim()).toBe('namespace/default');
    } finally {
      const stopped = exitOf(server.child);
      server.child.kill('SIGTERM');
      expect(await stopped).toBe(0);
    }
  });

  it('refuses unknown flags and bad values with usage help', () => {
    const result = spawnSync(process.execPath, ['--conditions=@lk/source', '--import', 'tsx', main, 'server', '--no-such-flag'], { encoding: 'utf8' });
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/Unknown option '--no-such-flag'/);
    expect(result.stderr).toContain('lk server --help');
    const level = spawnSync(process.execPath, ['--conditions=@lk/source', '--import', 'tsx', main, 'server', '--log-level', 'loud'], { encoding: 'utf8' });
    expect(level.status).toBe(2);
    expect(level.stderr).toMatch(/--log-level/);
  });
});
