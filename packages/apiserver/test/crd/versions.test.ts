import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ADMIN_HEADERS } from '../support/api-server.js';
import { kubectlOk } from '../support/kubectl.js';
import { conditionOf, createEstablishedCrd, CRD_PATH, eventually, startCrdTestServer, widgetCrd, type CrdTestServer } from './helpers.js';

const schema = { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', properties: { size: { type: 'string' } } } } } };

/** widgets.example.com served as v1 (storage) and v2. */
function twoVersions(v2: Record<string, unknown> = {}): Record<string, unknown> {
  const crd = widgetCrd();
  (crd['spec'] as { versions: unknown[] }).versions = [
    { name: 'v1', served: true, storage: true, schema },
    { name: 'v2', served: true, storage: false, schema, ...v2 },
  ];
  return crd;
}

describe('CRD versions', () => {
  let t: CrdTestServer | undefined;
  const dirs: string[] = [];
  afterEach(async () => {
    await t?.close();
    t = undefined;
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('serves every served version from one storage version (conversion None rewrites apiVersion)', async () => {
    t = await startCrdTestServer();
    await createEstablishedCrd(t, twoVersions());
    const group = await t.api('GET', '/apis/example.com');
    expect(group.body.versions.map((version: { version: string }) => version.version)).toEqual(['v2', 'v1']);
    expect(group.body.preferredVersion.version).toBe('v2');

    const created = await t.api('POST', '/apis/example.com/v2/namespaces/default/widgets', { apiVersion: 'example.com/v2', kind: 'Widget', metadata: { name: 'w' }, spec: { size: 's' } });
    expect(created.status).toBe(201);
    expect(created.body.apiVersion).toBe('example.com/v2');
    // Stored in the storage version, under upstream's key.
    const stored = await t.backend.get('/registry/example.com/widgets/default/w');
    expect(JSON.parse(new TextDecoder().decode(stored.kv!.value)).apiVersion).toBe('example.com/v1');

    const asV1 = await t.api('GET', '/apis/example.com/v1/namespaces/default/widgets/w');
    expect(asV1.body).toMatchObject({ apiVersion: 'example.com/v1', kind: 'Widget', spec: { size: 's' } });
    const listV2 = await t.api('GET', '/apis/example.com/v2/widgets');
    expect(listV2.body.items[0].apiVersion).toBe('example.com/v2');

    // A watch on v2 sees v2 objects, whatever version wrote them.
    const controller = new AbortController();
    const watch = await fetch(`${t.url}/apis/example.com/v2/namespaces/default/widgets?watch=1&resourceVersion=${created.body.metadata.resourceVersion}`, { signal: controller.signal, headers: ADMIN_HEADERS });
    const reader = watch.body!.getReader();
    await t.api('PUT', '/apis/example.com/v1/namespaces/default/widgets/w', { ...asV1.body, spec: { size: 'm' } });
    let text = '';
    while (!text.includes('\n')) text += new TextDecoder().decode((await reader.read()).value);
    controller.abort();
    const event = JSON.parse(text.split('\n')[0]!);
    expect(event.type).toBe('MODIFIED');
    expect(event.object.apiVersion).toBe('example.com/v2');
    expect(event.object.spec.size).toBe('m');

    // kubectl picks the preferred version.
    expect(await kubectlOk(t.kubeconfig, ['get', 'widget', 'w', '-o', 'jsonpath={.apiVersion}'])).toBe('example.com/v2');
  });

  it('serving changes follow CRD updates: a version stops being served, a new one records its storage', async () => {
    t = await startCrdTestServer();
    const established = (await createEstablishedCrd(t, twoVersions())) as { metadata: { resourceVersion: string } };
    const updated = twoVersions({ served: false });
    (updated['metadata'] as Record<string, unknown>)['resourceVersion'] = established.metadata.resourceVersion;
    const put = await t.api('PUT', `${CRD_PATH}/widgets.example.com`, updated);
    expect(put.status).toBe(200);
    expect(put.body.metadata.generation).toBe(2);
    const gone = await eventually(() => t!.api('GET', '/apis/example.com/v2/widgets'), (response) => response.status === 404);
    expect(gone.status).toBe(404);
    expect((await t.api('GET', '/apis/example.com/v1/widgets')).status).toBe(200);
    expect((await t.api('GET', '/apis/example.com')).body.versions).toEqual([{ groupVersion: 'example.com/v1', version: 'v1' }]);

    // Moving storage to v2 adds it to storedVersions; v1 stays there until a migration removes it.
    const current = await t.api('GET', `${CRD_PATH}/widgets.example.com`);
    const moved = twoVersions();
    (moved['spec'] as { versions: { storage: boolean }[] }).versions[0]!.storage = false;
    (moved['spec'] as { versions: { storage: boolean }[] }).versions[1]!.storage = true;
    (moved['metadata'] as Record<string, unknown>)['resourceVersion'] = current.body.metadata.resourceVersion;
    const second = await t.api('PUT', `${CRD_PATH}/widgets.example.com`, moved);
    expect(second.status).toBe(200);
    expect(second.body.status.storedVersions).toEqual(['v1', 'v2']);
  });

  it('a restarted server serves the CRDs already in the datastore before it is ready', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lk-crd-restart-'));
    dirs.push(dir);
    const endpoint = `sqlite://${join(dir, 'state.db')}`;
    t = await startCrdTestServer(endpoint);
    await createEstablishedCrd(t, widgetCrd());
    await t.api('POST', '/apis/example.com/v1/namespaces/default/widgets', { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'kept' }, spec: { size: 'xl' } });
    await t.close();

    t = await startCrdTestServer(endpoint);
    // No waiting: the server handed out by the helper has already loaded and served the CRD.
    const widget = await t.api('GET', '/apis/example.com/v1/namespaces/default/widgets/kept');
    expect(widget.status).toBe(200);
    expect(widget.body.spec.size).toBe('xl');
    const readyz = await t.api('GET', '/readyz?verbose');
    expect(readyz.status).toBe(200);
    expect(readyz.body).toContain('[+]poststarthook/crd-informer-synced ok');
    expect(await kubectlOk(t.kubeconfig, ['get', 'widgets', '-o', 'name'])).toBe('widget.example.com/kept\n');
    const crd = await t.api('GET', `${CRD_PATH}/widgets.example.com`);
    expect(conditionOf(crd.body, 'Established')?.status).toBe('True');
  });
});
