import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openBackend, type Backend } from '@lk/datastore-kine';
import { pino } from 'pino';
import type { ApiServer } from '../../src/server/api-server.js';
import { createApiServer } from '../../src/create-api-server.js';

export interface CrdTestServer {
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

/** An API server with CRD support over a datastore (in memory by default) on a loopback port, with a kubeconfig. */
export async function startCrdTestServer(endpoint = 'sqlite://:memory:'): Promise<CrdTestServer> {
  const backend = await openBackend(endpoint, { compactIntervalMs: 0 });
  // LK_TEST_LOG=debug shows the server's (and the CRD controller's) log.
  const server = await createApiServer({ backend, logger: pino({ level: process.env.LK_TEST_LOG ?? 'silent' }) });
  const http: Server = createServer(server.handle);
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const address = http.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  const url = `http://127.0.0.1:${port}`;
  server.setAdvertisedAddress(`127.0.0.1:${port}`);
  const dir = mkdtempSync(join(tmpdir(), 'lk-crd-test-'));
  const kubeconfig = join(dir, 'kubeconfig');
  writeFileSync(
    kubeconfig,
    [
      'apiVersion: v1',
      'kind: Config',
      `clusters: [{name: lk, cluster: {server: "${url}"}}]`,
      'users: [{name: lk, user: {}}]',
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
      const init: RequestInit = { method, headers: { accept: 'application/json', ...headers } };
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

const CRD_PATH = '/apis/apiextensions.k8s.io/v1/customresourcedefinitions';

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

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function conditionOf(crd: any, type: string): { status?: string; reason?: string; message?: string } | undefined {
  return (crd?.status?.conditions ?? []).find((condition: { type: string }) => condition.type === type);
}

/** Creates a CRD and waits until it is Established (failing with the CRD as it is otherwise). */
export async function createEstablishedCrd(t: CrdTestServer, crd: object): Promise<unknown> {
  const created = await t.api('POST', CRD_PATH, crd);
  if (created.status !== 201) throw new Error(`creating the CRD failed: ${created.status} ${JSON.stringify(created.body)}`);
  const name = created.body.metadata.name as string;
  const final = await eventually(
    () => t.api('GET', `${CRD_PATH}/${name}`),
    (response) => conditionOf(response.body, 'Established')?.status === 'True',
  );
  if (conditionOf(final.body, 'Established')?.status !== 'True') throw new Error(`CRD ${name} was not established: ${JSON.stringify(final.body.status)}`);
  return final.body;
}

export { CRD_PATH };

/** A namespaced CRD `widgets.example.com` (kind Widget) with one version and the given extras. */
export function widgetCrd(version: Record<string, unknown> = {}, names: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: 'widgets.example.com' },
    spec: {
      group: 'example.com',
      scope: 'Namespaced',
      names: { plural: 'widgets', kind: 'Widget', shortNames: ['wd'], categories: ['all'], ...names },
      versions: [
        {
          name: 'v1',
          served: true,
          storage: true,
          schema: {
            openAPIV3Schema: {
              type: 'object',
              properties: {
                spec: {
                  type: 'object',
                  properties: {
                    size: { type: 'string' },
                    replicas: { type: 'integer', minimum: 0 },
                  },
                },
                status: { type: 'object', properties: { replicas: { type: 'integer' }, phase: { type: 'string' }, selector: { type: 'string' } } },
              },
            },
          },
          ...version,
        },
      ],
    },
  };
}
