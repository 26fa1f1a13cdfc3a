import type { Backend } from '@lk/datastore-kine';

/**
 * /healthz, /livez and /readyz as upstream serves them: "ok" when every
 * check passes, a 500 naming the failed ones otherwise, `?verbose` lists each
 * check as `[+]name ok` / `[-]name failed: reason withheld`, `/readyz/<name>`
 * runs one check, and `?exclude=<name>` leaves a check out.
 */
export type HealthCheck = () => Promise<void>;

export interface HealthResult {
  readonly ok: boolean;
  readonly notFound?: boolean;
  readonly text: string;
}

type Endpoint = 'healthz' | 'livez' | 'readyz';

export class HealthChecks {
  private readonly checks = new Map<string, { check: HealthCheck; endpoints: readonly Endpoint[] }>();
  private shuttingDown = false;

  constructor(backend: Backend) {
    this.add('ping', async () => undefined, ['healthz', 'livez', 'readyz']);
    this.add('log', async () => undefined, ['healthz', 'livez', 'readyz']);
    // Upstream calls the datastore check "etcd" whatever is behind it; kubectl and monitoring look for that name.
    this.add(
      'etcd',
      async () => {
        await Promise.race([
          backend.currentRevision(),
          new Promise((_, reject) => setTimeout(() => reject(new Error('datastore did not answer within 2s')), 2000).unref()),
        ]);
      },
      ['healthz', 'livez', 'readyz'],
    );
    this.add(
      'shutdown',
      async () => {
        if (this.shuttingDown) throw new Error('the server is shutting down');
      },
      ['readyz'],
    );
  }

  add(name: string, check: HealthCheck, endpoints: readonly Endpoint[] = ['healthz', 'readyz']): void {
    this.checks.set(name, { check, endpoints });
  }

  /** Readiness fails from now on, so that load balancers stop sending traffic before the server closes. */
  markShuttingDown(): void {
    this.shuttingDown = true;
  }

  async run(endpoint: Endpoint, single: string | undefined, verbose: boolean, exclude: readonly string[]): Promise<HealthResult> {
    const selected = [...this.checks.entries()].filter(([name, entry]) => entry.endpoints.includes(endpoint) && !exclude.includes(name));
    if (single !== undefined) {
      const entry = selected.find(([name]) => name === single);
      if (entry === undefined) return { ok: false, notFound: true, text: '404 page not found\n' };
      try {
        await entry[1].check();
        return { ok: true, text: 'ok' };
      } catch {
        return { ok: false, text: `internal server error: ${single} check failed\n` };
      }
    }
    const results = await Promise.all(
      selected.map(async ([name, entry]) => {
        try {
          await entry.check();
          return { name, ok: true };
        } catch {
          return { name, ok: false };
        }
      }),
    );
    const ok = results.every((result) => result.ok);
    if (ok && !verbose) return { ok, text: 'ok' };
    const lines = results.map((result) => (result.ok ? `[+]${result.name} ok` : `[-]${result.name} failed: reason withheld`));
    lines.push(ok ? `${endpoint} check passed` : `${endpoint} check failed`);
    return { ok, text: `${lines.join('\n')}\n` };
  }
}
