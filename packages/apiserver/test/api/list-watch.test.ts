/**
 * List and watch as upstream serves them: label selector grammar, field
 * selectors per type, limit/continue paging, resourceVersion and
 * resourceVersionMatch, streamed watches that resume, bookmarks,
 * sendInitialEvents, and 410 Gone once history is compacted.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_HEADERS, startTestApiServer, type TestApiServer } from '../support/api-server.js';

let t: TestApiServer;
const NS = '/api/v1/namespaces/lists';
beforeAll(async () => {
  t = await startTestApiServer();
  expect((await t.api('POST', '/api/v1/namespaces', { metadata: { name: 'lists' } })).status).toBe(201);
  const labels: Record<string, Record<string, string>> = {
    a: { tier: 'web', env: 'prod' },
    b: { tier: 'web', env: 'dev' },
    c: { tier: 'db', env: 'prod' },
    d: { tier: 'db' },
    e: {},
  };
  for (const [name, set] of Object.entries(labels)) {
    expect((await t.api('POST', `${NS}/configmaps`, { metadata: { name, labels: set } })).status).toBe(201);
  }
});
afterAll(async () => {
  await t.close();
});

const names = (body: { items: { metadata: { name: string } }[] }): string[] => body.items.map((item) => item.metadata.name);

interface WatchEvent {
  type: string;
  object: { metadata: { name?: string; resourceVersion?: string; annotations?: Record<string, string> }; code?: number; reason?: string };
}

/** Opens a watch and collects events until `count` arrived (or the time is up), then closes it. */
async function watch(path: string, count: number, timeoutMs = 3000, during?: () => Promise<void>): Promise<{ status: number; events: WatchEvent[] }> {
  const abort = new AbortController();
  const response = await fetch(t.url + path, { signal: abort.signal, headers: ADMIN_HEADERS });
  const events: WatchEvent[] = [];
  if (response.status !== 200 || response.body === null) return { status: response.status, events: [(await response.json()) as WatchEvent] };
  const timer = setTimeout(() => abort.abort(), timeoutMs);
  const pending = during?.();
  let buffered = '';
  try {
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      buffered += Buffer.from(chunk).toString('utf8');
      let newline: number;
      while ((newline = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, newline);
        buffered = buffered.slice(newline + 1);
        if (line.trim() !== '') events.push(JSON.parse(line) as WatchEvent);
      }
      if (events.length >= count) break;
    }
  } catch (error) {
    if (!abort.signal.aborted) throw error;
  } finally {
    clearTimeout(timer);
    abort.abort();
  }
  await pending;
  return { status: 200, events };
}

describe('label and field selectors', () => {
  it.each([
    ['tier=web', ['a', 'b']],
    ['tier==web', ['a', 'b']],
    ['tier!=web', ['c', 'd', 'e']],
    ['tier in (web,db),env', ['a', 'b', 'c']],
    ['tier notin (web)', ['c', 'd', 'e']],
    ['env', ['a', 'b', 'c']],
    ['!env', ['d', 'e']],
    ['tier=db,!env', ['d']],
  ])('labelSelector %s', async (selector, expected) => {
    const response = await t.api('GET', `${NS}/configmaps?labelSelector=${encodeURIComponent(selector)}`);
    expect(response.status).toBe(200);
    expect(names(response.body)).toEqual(expected);
  });

  it('refuses a malformed label selector with a 400', async () => {
    const response = await t.api('GET', `${NS}/configmaps?labelSelector=${encodeURIComponent('tier in (web')}`);
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ kind: 'Status', reason: 'BadRequest' });
  });

  it('selects by metadata.name and metadata.namespace, and refuses fields the type does not support', async () => {
    expect(names((await t.api('GET', `${NS}/configmaps?fieldSelector=metadata.name%3Dc`)).body)).toEqual(['c']);
    expect(names((await t.api('GET', `${NS}/configmaps?fieldSelector=metadata.name!%3Dc`)).body)).toEqual(['a', 'b', 'd', 'e']);
    const all = await t.api('GET', `/api/v1/configmaps?fieldSelector=metadata.namespace%3Dlists`);
    expect(names(all.body)).toEqual(['a', 'b', 'c', 'd', 'e']);
    const unsupported = await t.api('GET', `${NS}/configmaps?fieldSelector=data.key%3Dx`);
    expect(unsupported.status).toBe(400);
    expect(unsupported.body.message).toBe('field label not supported: data.key');
  });

  it('selects pods by spec.nodeName and status.phase', async () => {
    for (const name of ['p1', 'p2']) {
      const created = await t.api('POST', `${NS}/pods`, { metadata: { name }, spec: { containers: [{ name: 'c', image: 'busybox' }], ...(name === 'p1' && { nodeName: 'n1' }) } });
      expect(created.status).toBe(201);
    }
    expect(names((await t.api('GET', `${NS}/pods?fieldSelector=spec.nodeName%3Dn1`)).body)).toEqual(['p1']);
    expect(names((await t.api('GET', `${NS}/pods?fieldSelector=spec.nodeName%3D`)).body)).toEqual(['p2']);
    expect(names((await t.api('GET', `${NS}/pods?fieldSelector=status.phase%3DPending,spec.nodeName!%3Dn1`)).body)).toEqual(['p2']);
  });
});

describe('paging and resource versions', () => {
  it('pages with limit and continue, counting what remains, at one consistent revision', async () => {
    const first = await t.api('GET', `${NS}/configmaps?limit=2`);
    expect(names(first.body)).toEqual(['a', 'b']);
    expect(first.body.metadata.remainingItemCount).toBe(3);
    const token = first.body.metadata.continue as string;
    expect(token).toBeTruthy();
    // A write between pages does not show in the next page: the list is a snapshot.
    expect((await t.api('POST', `${NS}/configmaps`, { metadata: { name: 'bb' } })).status).toBe(201);
    const second = await t.api('GET', `${NS}/configmaps?limit=2&continue=${encodeURIComponent(token)}`);
    expect(names(second.body)).toEqual(['c', 'd']);
    expect(second.body.metadata.resourceVersion).toBe(first.body.metadata.resourceVersion);
    const last = await t.api('GET', `${NS}/configmaps?limit=2&continue=${encodeURIComponent(second.body.metadata.continue)}`);
    expect(names(last.body)).toEqual(['e']);
    expect(last.body.metadata.continue).toBeUndefined();
    expect((await t.api('DELETE', `${NS}/configmaps/bb`)).status).toBe(200);

    const garbage = await t.api('GET', `${NS}/configmaps?limit=2&continue=not-a-token`);
    expect(garbage.status).toBe(400);
  });

  it('serves resourceVersion=0 from the cache, Exact at an old revision, and refuses a future NotOlderThan with a timeout', async () => {
    const before = await t.api('GET', `${NS}/configmaps`);
    const revision = before.body.metadata.resourceVersion as string;
    expect((await t.api('POST', `${NS}/configmaps`, { metadata: { name: 'later' } })).status).toBe(201);

    const cached = await t.api('GET', `${NS}/configmaps?resourceVersion=0`);
    expect(names(cached.body)).toContain('later');
    const exact = await t.api('GET', `${NS}/configmaps?resourceVersion=${revision}&resourceVersionMatch=Exact`);
    expect(names(exact.body)).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(exact.body.metadata.resourceVersion).toBe(revision);
    const notOlder = await t.api('GET', `${NS}/configmaps?resourceVersion=${revision}&resourceVersionMatch=NotOlderThan`);
    expect(names(notOlder.body)).toContain('later');
    const mismatch = await t.api('GET', `${NS}/configmaps?resourceVersionMatch=Exact`);
    expect(mismatch.status).toBe(422);
    expect(mismatch.body.message).toContain('resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden unless resourceVersion is provided');
    const future = await t.api('GET', `${NS}/configmaps?resourceVersion=99999999&resourceVersionMatch=NotOlderThan`);
    expect(future.status).toBe(504);
    expect(future.body).toMatchObject({ reason: 'Timeout', details: { causes: [{ reason: 'ResourceVersionTooLarge' }] } });
    expect((await t.api('DELETE', `${NS}/configmaps/later`)).status).toBe(200);
  });
});

describe('watch', () => {
  it('streams ADDED, MODIFIED and DELETED from a resourceVersion, and resumes from any event', async () => {
    const start = (await t.api('GET', `${NS}/configmaps`)).body.metadata.resourceVersion as string;
    const seen = await watch(`${NS}/configmaps?watch=1&resourceVersion=${start}`, 3, 3000, async () => {
      await t.api('POST', `${NS}/configmaps`, { metadata: { name: 'w1' } });
      await t.api('PATCH', `${NS}/configmaps/w1`, JSON.stringify({ data: { k: 'v' } }), { 'content-type': 'application/merge-patch+json' });
      await t.api('DELETE', `${NS}/configmaps/w1`);
    });
    expect(seen.events.map((event) => [event.type, event.object.metadata.name])).toEqual([
      ['ADDED', 'w1'],
      ['MODIFIED', 'w1'],
      ['DELETED', 'w1'],
    ]);
    // Resuming after the first event replays exactly what followed it.
    const resumed = await watch(`${NS}/configmaps?watch=1&resourceVersion=${seen.events[0]!.object.metadata.resourceVersion}`, 2);
    expect(resumed.events.map((event) => event.type)).toEqual(['MODIFIED', 'DELETED']);
  });

  it('sends every current object, then the initial-events-end bookmark, with sendInitialEvents', async () => {
    const seen = await watch(`${NS}/configmaps?watch=1&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true&labelSelector=tier`, 5);
    expect(seen.events.slice(0, 4).map((event) => [event.type, event.object.metadata.name])).toEqual([
      ['ADDED', 'a'],
      ['ADDED', 'b'],
      ['ADDED', 'c'],
      ['ADDED', 'd'],
    ]);
    expect(seen.events[4]).toMatchObject({ type: 'BOOKMARK', object: { metadata: { annotations: { 'k8s.io/initial-events-end': 'true' } } } });
    const refused = await t.api('GET', `${NS}/configmaps?watch=1&sendInitialEvents=true`);
    expect(refused.status).toBe(422);
    expect(refused.body.message).toBe('ListOptions.meta.k8s.io "" is invalid: resourceVersionMatch: Forbidden: sendInitialEvents requires setting resourceVersionMatch to NotOlderThan');
    const onList = await t.api('GET', `${NS}/configmaps?sendInitialEvents=true`);
    expect(onList.status).toBe(422);
    expect(onList.body.details.causes).toEqual([{ reason: 'FieldValueForbidden', message: 'Forbidden: sendInitialEvents is forbidden for list', field: 'sendInitialEvents' }]);
  });

  it('answers 410 Gone, as an ERROR event of the stream, for a revision older than the watch cache keeps, and a list at a compacted revision', async () => {
    // A server whose watch cache keeps 5 events per resource (10,000 by default).
    const small = await startTestApiServer('sqlite://:memory:', { watchCacheCapacity: 5 });
    try {
      const path = '/api/v1/namespaces/default/configmaps';
      const old = (await small.api('GET', path)).body.metadata.resourceVersion as string;
      for (let i = 0; i < 8; i++) expect((await small.api('POST', path, { metadata: { name: `churn-${i}` } })).status).toBe(201);
      const abort = new AbortController();
      const response = await fetch(`${small.url}${path}?watch=1&resourceVersion=${old}`, { signal: abort.signal, headers: ADMIN_HEADERS });
      expect(response.status).toBe(200);
      const first = JSON.parse((await response.text()).split('\n')[0]!) as WatchEvent;
      expect(first).toMatchObject({ type: 'ERROR', object: { kind: 'Status', code: 410, reason: 'Expired' } });

      await small.backend.compact(await small.backend.currentRevision());
      const listGone = await small.api('GET', `${path}?resourceVersion=${old}&resourceVersionMatch=Exact`);
      expect(listGone.status).toBe(410);
      expect(listGone.body.reason).toBe('Expired');
    } finally {
      await small.close();
    }
  });
});
