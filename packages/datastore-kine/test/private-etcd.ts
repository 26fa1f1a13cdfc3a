/**
 * An etcd of a test's own, for what must not happen to the shared one:
 * stopping it mid-test. Uses the same etcd binary .ci/run installs.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Etcd3 } from 'etcd3';

export const ETCD_BINARY = '/usr/bin/etcd';
export const haveEtcdBinary = existsSync(ETCD_BINARY);

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

export class PrivateEtcd {
  private child: ChildProcess | undefined;

  private constructor(
    private readonly dataDir: string,
    private readonly clientPort: number,
    private readonly peerPort: number,
  ) {}

  static async start(): Promise<PrivateEtcd> {
    const etcd = new PrivateEtcd(mkdtempSync(join(tmpdir(), 'lk-etcd-')), await freePort(), await freePort());
    await etcd.resume();
    return etcd;
  }

  get endpoint(): string {
    return `127.0.0.1:${this.clientPort}`;
  }

  /** Starts (again) on the same data directory and ports, and waits until it answers. */
  async resume(): Promise<void> {
    const client = `http://127.0.0.1:${this.clientPort}`;
    const peer = `http://127.0.0.1:${this.peerPort}`;
    this.child = spawn(
      ETCD_BINARY,
      [
        '--name', 'lk-private',
        '--data-dir', this.dataDir,
        '--listen-client-urls', client,
        '--advertise-client-urls', client,
        '--listen-peer-urls', peer,
        '--initial-advertise-peer-urls', peer,
        '--initial-cluster', `lk-private=${peer}`,
        '--log-level', 'error',
      ],
      { stdio: 'ignore' },
    );
    const probe = new Etcd3({ hosts: client });
    try {
      const deadline = Date.now() + 15_000;
      for (;;) {
        try {
          await probe.maintenance.status();
          return;
        } catch (error) {
          if (Date.now() > deadline) throw error;
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      }
    } finally {
      probe.close();
    }
  }

  /** Kills the process (as a crash would) and waits until it is gone. */
  async kill(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (child === undefined || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }

  async destroy(): Promise<void> {
    await this.kill();
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}
