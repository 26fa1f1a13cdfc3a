import { afterAll, beforeAll } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openBackend, type Backend } from '@lk/datastore-kine';
import { pino } from 'pino';
import type { ApiServer } from '../../src/server/api-server.js';
import { createApiServer, type CreateApiServerOptions } from '../../src/create-api-server.js';

export interface TestApiServer {
  readonly url: string;
  readonly kubeconfig: string;
  readonly server: ApiServer;
  readonly backend: Backend;
  /** A request to the API; JSON bodies in and out. */
  api(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<ApiResponse>;
  close(): Promise<void>;
}

export interface ApiResponse {
  readonly status: number;
  // Tests read whatever the server sent: a Status, an object, a list.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly body: any;
  readonly headers: Headers;
}

/** The bearer token of the test server's admin (in system:masters); `api()` and the kubeconfig send it. */
export const ADMIN_TOKEN = 'lk-test-admin-token';
export const ADMIN_HEADERS = { authorization: `Bearer ${ADMIN_TOKEN}` } as const;

/** An API server (built-ins and CRDs) over a datastore (in memory by default) on a loopback port, with a kubeconfig. */
export async function startTestApiServer(
  endpoint = 'sqlite://:memory:',
  options: Omit<CreateApiServerOptions, 'backend' | 'logger'> = {},
): Promise<TestApiServer> {
  const backend = await openBackend(endpoint, { compactIntervalMs: 0 });
  // LK_TEST_LOG=debug shows the server's (and the CRD controller's) log.
  const server = await createApiServer({
    backend,
    // kubectl sends no credentials over plain HTTP (client-go reads them only for TLS), so the
    // kubectl tests here run anonymous: access control is tested with authorization 'RBAC' explicitly.
    authorization: { mode: 'AlwaysAllow' },
    ...options,
    authentication: { ...options.authentication, tokens: [{ token: ADMIN_TOKEN, user: 'test-admin', groups: ['system:masters'] }, ...(options.authentication?.tokens ?? [])] },
    logger: pino({ level: process.env.LK_TEST_LOG ?? 'silent' }),
  });
  const http: Server = createServer(server.handle);
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const address = http.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  const url = `http://127.0.0.1:${port}`;
  server.setAdvertisedAddress(`127.0.0.1:${port}`);
  const dir = mkdtempSync(join(tmpdir(), 'lk-apiserver-test-'));
  const kubeconfig = join(dir, 'kubeconfig');
  writeFileSync(
    kubeconfig,
    [
      'apiVersion: v1',
      'kind: Config',
      `clusters: [{name: lk, cluster: {server: "${url}"}}]`,
      `users: [{name: lk, user: {token: ${ADMIN_TOKEN}}}]`,
      'contexts: [{name: lk, context: {cluster: lk, user: lk, namespace: default}}]',
      'current-context: lk',
    ].join('\n'),
  );
  return {
    url,
    kubeconfig,
    server,
    backend,
    async api(method, path, body, headers = {}) {
      const init: RequestInit = { method, headers: { accept: 'application/json', ...ADMIN_HEADERS, ...headers } };
      if (body !== undefined) {
        init.body = typeof body === 'string' ? body : JSON.stringify(body);
        (init.headers as Record<string, string>)['content-type'] ??= 'application/json';
      }
      const response = await fetch(url + path, init);
      const text = await response.text();
      let parsed: unknown = text;
      try {
        parsed = JSON.parse(text);
      } catch {
        // not JSON: keep the text
      }
      return { status: response.status, body: parsed, headers: response.headers };
    },
    async close() {
      await new Promise<void>((resolve) => {
        http.close(() => resolve());
        http.closeAllConnections();
      });
      await server.close();
      await backend.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Polls until a condition holds or the time is up; returns the last value. */
export async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 2000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let value = await read();
  while (!done(value) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    value = await read();
  }
  return value;
}

/**
 * A test server for the whole file: started before its tests, closed after.
 * Returns a getter, since the server exists only once the hook has run.
 */
export function useTestApiServer(endpoint?: string, options: Parameters<typeof startTestApiServer>[1] = {}): () => TestApiServer {
  let server: TestApiServer | undefined;
  beforeAll(async () => {
    server = await startTestApiServer(endpoint, options);
  });
  afterAll(async () => {
    await server?.close();
  });
  return () => {
    if (server === undefined) throw new Error('the test API server is not started yet: use it inside tests or hooks');
    return server;
  };
}
