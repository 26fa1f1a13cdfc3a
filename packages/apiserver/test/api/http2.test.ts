/**
 * The request pipeline is transport-neutral: the same handler serves
 * HTTP/1.1 and HTTP/2 (kubectl speaks HTTP/2 over TLS, which core serves).
 * Here it runs behind Node's HTTP/2 server in
 * cleartext, with Node's HTTP/2 client: reads, writes, errors and a watch
 * stream multiplexed on one connection.
 */
import { connect, createServer, type ClientHttp2Session, type Http2Server } from 'node:http2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openBackend, type Backend } from '@lk/datastore-kine';
import { createApiServer } from '../../src/create-api-server.js';
import type { ApiServer } from '../../src/server/api-server.js';

let backend: Backend;
let api: ApiServer;
let server: Http2Server;
let session: ClientHttp2Session;

beforeAll(async () => {
  backend = await openBackend('sqlite://:memory:');
  // This file is about the transport: access control lets everything through.
  api = await createApiServer({ backend, authorization: { mode: 'AlwaysAllow' } });
  server = createServer(api.handle as never);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  session = connect(`http://127.0.0.1:${port}`);
});

afterAll(async () => {
  session.close();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await api.close();
  await backend.close();
});

function request(method: string, path: string, body?: unknown): Promise<{ status: number; headers: Record<string, unknown>; text: string }> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const stream = session.request({ ':method': method, ':path': path, accept: 'application/json', ...(payload && { 'content-type': 'application/json' }) });
    let text = '';
    let status = 0;
    let headers: Record<string, unknown> = {};
    stream.on('response', (received) => {
      headers = received;
      status = Number(received[':status']);
    });
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => (text += chunk));
    stream.on('end', () => resolve({ status, headers, text }));
    stream.on('error', reject);
    stream.end(payload);
  });
}

describe('the API over HTTP/2', () => {
  it('reads, writes and fails with Status objects', async () => {
    const namespaces = await request('GET', '/api/v1/namespaces');
    expect(namespaces.status).toBe(200);
    expect(JSON.parse(namespaces.text).items.length).toBeGreaterThanOrEqual(4);
    const created = await request('POST', '/api/v1/namespaces/default/configmaps', { metadata: { name: 'over-h2' }, data: { a: '1' } });
    expect(created.status).toBe(201);
    expect(created.headers['content-type']).toBe('application/json');
    const missing = await request('GET', '/api/v1/namespaces/default/configmaps/nope');
    expect(missing.status).toBe(404);
    expect(JSON.parse(missing.text)).toMatchObject({ kind: 'Status', reason: 'NotFound' });
  });

  it('streams a watch while other requests share the connection', async () => {
    const start = JSON.parse((await request('GET', '/api/v1/namespaces/default/configmaps')).text).metadata.resourceVersion as string;
    const watch = session.request({ ':method': 'GET', ':path': `/api/v1/namespaces/default/configmaps?watch=1&resourceVersion=${start}` });
    watch.setEncoding('utf8');
    const events: { type: string; object: { metadata: { name: string } } }[] = [];
    const received = new Promise<void>((resolve) => {
      let buffered = '';
      watch.on('data', (chunk: string) => {
        buffered += chunk;
        for (let newline = buffered.indexOf('\n'); newline >= 0; newline = buffered.indexOf('\n')) {
          events.push(JSON.parse(buffered.slice(0, newline)));
          buffered = buffered.slice(newline + 1);
        }
        if (events.length >= 2) resolve();
      });
    });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect((await request('POST', '/api/v1/namespaces/default/configmaps', { metadata: { name: 'watched-h2' } })).status).toBe(201);
    expect((await request('DELETE', '/api/v1/namespaces/default/configmaps/watched-h2')).status).toBe(200);
    await received;
    watch.close();
    expect(events.map((event) => [event.type, event.object.metadata.name])).toEqual([
      ['ADDED', 'watched-h2'],
      ['DELETED', 'watched-h2'],
    ]);
  });
});
