/**
 * Events as upstream keeps them: core/v1 and events.k8s.io/v1 are two views
 * of one storage (written in core form, converted on the way in and out),
 * each with its own field selectors; and every Event expires a TTL after
 * its last write (kube-apiserver's --event-ttl, 1 h by default).
 */
import { describe, expect, it } from 'vitest';
import { ADMIN_HEADERS, eventually, useTestApiServer } from '../support/api-server.js';

const server = useTestApiServer('sqlite://:memory:', { eventTtlSeconds: 2 });

const CORE = '/api/v1/namespaces/default/events';
const V1 = '/apis/events.k8s.io/v1/namespaces/default/events';
const regarding = { kind: 'Pod', namespace: 'default', name: 'web-0', uid: '6b7b1c1e-0000-4000-8000-000000000001', apiVersion: 'v1' };

describe('events in two API groups', () => {
  it('serves a core Event through events.k8s.io/v1 with its fields renamed, and back', async () => {
    const created = await server().api('POST', CORE, {
      metadata: { name: 'core-made' },
      involvedObject: regarding,
      reason: 'Pulled',
      message: 'Container image pulled',
      type: 'Normal',
      source: { component: 'kubelet', host: 'node-a' },
      count: 3,
      reportingComponent: 'kubelet',
      reportingInstance: 'node-a',
    });
    expect(created.status).toBe(201);

    const asV1 = await server().api('GET', `${V1}/core-made`);
    expect(asV1.status).toBe(200);
    expect(asV1.body).toMatchObject({
      apiVersion: 'events.k8s.io/v1',
      kind: 'Event',
      regarding,
      note: 'Container image pulled',
      reason: 'Pulled',
      type: 'Normal',
      reportingController: 'kubelet',
      reportingInstance: 'node-a',
      deprecatedSource: { component: 'kubelet', host: 'node-a' },
      deprecatedCount: 3,
    });
    expect(asV1.body.involvedObject).toBeUndefined();
    expect(asV1.body.metadata.resourceVersion).toBe(created.body.metadata.resourceVersion);
  });

  it('stores an events.k8s.io/v1 Event in core form, visible to core clients and selectors', async () => {
    const created = await server().api('POST', V1, {
      apiVersion: 'events.k8s.io/v1',
      kind: 'Event',
      metadata: { name: 'v1-made' },
      eventTime: '2026-11-22T10:00:00.000000Z',
      regarding: { ...regarding, name: 'web-1' },
      reason: 'Scheduled',
      note: 'Successfully assigned default/web-1 to node-a',
      type: 'Normal',
      action: 'Binding',
      reportingController: 'default-scheduler',
      reportingInstance: 'default-scheduler-lk',
    });
    expect(created.status).toBe(201);
    expect(created.body.apiVersion).toBe('events.k8s.io/v1');

    const asCore = await server().api('GET', `${CORE}/v1-made`);
    expect(asCore.body).toMatchObject({ apiVersion: 'v1', involvedObject: { name: 'web-1' }, message: 'Successfully assigned default/web-1 to node-a', reportingComponent: 'default-scheduler', action: 'Binding' });

    const byCoreSelector = await server().api('GET', `${CORE}?fieldSelector=involvedObject.name%3Dweb-1`);
    expect(byCoreSelector.body.items.map((item: { metadata: { name: string } }) => item.metadata.name)).toEqual(['v1-made']);
    const byV1Selector = await server().api('GET', `${V1}?fieldSelector=regarding.name%3Dweb-0`);
    expect(byV1Selector.body.items.map((item: { metadata: { name: string } }) => item.metadata.name)).toEqual(['core-made']);
    const cached = await server().api('GET', `${V1}?fieldSelector=reportingController%3Ddefault-scheduler&resourceVersion=0`);
    expect(cached.body.items.map((item: { metadata: { name: string } }) => item.metadata.name)).toEqual(['v1-made']);

    // One storage: both groups list the same two events.
    expect((await server().api('GET', CORE)).body.items).toHaveLength(2);
    expect((await server().api('GET', V1)).body.items).toHaveLength(2);
  });

  it('watches through either group, converted', async () => {
    const start = (await server().api('GET', V1)).body.metadata.resourceVersion as string;
    const abort = new AbortController();
    const response = await fetch(`${server().url}${V1}?watch=1&resourceVersion=${start}`, { signal: abort.signal, headers: ADMIN_HEADERS });
    await server().api('POST', CORE, { metadata: { name: 'watched' }, involvedObject: regarding, reason: 'Killing', message: 'Stopping container' });
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    let text = '';
    while (!text.includes('\n')) text += Buffer.from((await reader.read()).value!).toString('utf8');
    abort.abort();
    const event = JSON.parse(text.split('\n')[0]!) as { type: string; object: Record<string, unknown> };
    expect(event.type).toBe('ADDED');
    expect(event.object).toMatchObject({ apiVersion: 'events.k8s.io/v1', note: 'Stopping container', regarding: { name: 'web-0' } });
  });
});

describe('event TTL', () => {
  it('expires an Event after the TTL (here 2 s; 1 h by default), renewed by each write', async () => {
    const created = await server().api('POST', CORE, { metadata: { name: 'short-lived' }, involvedObject: regarding, reason: 'Tick', message: 'once' });
    expect(created.status).toBe(201);
    const leases = (await server().backend.get(`/registry/events/default/short-lived`)).kv?.lease ?? 0;
    expect(leases).toBeGreaterThan(0);
    const gone = await eventually(
      () => server().api('GET', `${CORE}/short-lived`),
      (response) => response.status === 404,
      8000,
    );
    expect(gone.status).toBe(404);
    // Other kinds never expire.
    expect((await server().api('POST', '/api/v1/namespaces/default/configmaps', { metadata: { name: 'stays' } })).status).toBe(201);
    expect((await server().backend.get('/registry/configmaps/default/stays')).kv?.lease ?? 0).toBe(0);
  }, 15_000);
});
