import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { kubectl, kubectlOk } from '../support/kubectl.js';
import { conditionOf, createEstablishedCrd, CRD_PATH, eventually, startCrdTestServer, widgetCrd, type CrdTestServer } from './helpers.js';

describe('CustomResourceDefinition lifecycle', () => {
  let t: CrdTestServer;
  beforeEach(async () => {
    t = await startCrdTestServer();
  });
  afterEach(async () => {
    await t.close();
  });

  it('defaults the CRD, accepts its names and establishes it within a second', async () => {
    const started = Date.now();
    const created = await t.api('POST', CRD_PATH, widgetCrd());
    expect(created.status).toBe(201);
    expect(created.body.spec.names.singular).toBe('widget');
    expect(created.body.spec.names.listKind).toBe('WidgetList');
    expect(created.body.spec.conversion).toEqual({ strategy: 'None' });
    expect(created.body.status.storedVersions).toEqual(['v1']);
    expect(created.body.metadata.generation).toBe(1);

    const crd = await eventually(
      () => t.api('GET', `${CRD_PATH}/widgets.example.com`),
      (response) => conditionOf(response.body, 'Established')?.status === 'True',
      1000,
    );
    expect(Date.now() - started).toBeLessThan(1000);
    expect(conditionOf(crd.body, 'NamesAccepted')).toMatchObject({ status: 'True', reason: 'NoConflicts', message: 'no conflicts found' });
    expect(conditionOf(crd.body, 'Established')).toMatchObject({ status: 'True', reason: 'InitialNamesAccepted' });
    expect(crd.body.status.acceptedNames).toEqual({ plural: 'widgets', singular: 'widget', kind: 'Widget', listKind: 'WidgetList', shortNames: ['wd'], categories: ['all'] });
  });

  it('works with kubectl: apply the CRD, wait for Established, get crd, api-resources', async () => {
    const applied = await kubectlOk(t.kubeconfig, ['apply', '-f', '-'], JSON.stringify(widgetCrd()));
    expect(applied).toContain('customresourcedefinition.apiextensions.k8s.io/widgets.example.com created');
    expect(await kubectlOk(t.kubeconfig, ['wait', '--for=condition=established', '--timeout=10s', 'crd/widgets.example.com'])).toContain('condition met');
    const crds = await kubectlOk(t.kubeconfig, ['get', 'crd']);
    expect(crds.trim().split('\n')[0]!.split(/\s{2,}/)).toEqual(['NAME', 'CREATED AT']);
    expect(crds).toContain('widgets.example.com');
    const resources = await kubectlOk(t.kubeconfig, ['api-resources', '--api-group=example.com']);
    expect(resources).toMatch(/widgets\s+wd\s+example.com\/v1\s+true\s+Widget/);
    await t.api('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'elsewhere' } });
    await t.api('POST', '/apis/example.com/v1/namespaces/elsewhere/widgets', { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'far' } });
    expect(await kubectlOk(t.kubeconfig, ['get', 'widgets', '-A', '--no-headers'])).toMatch(/^elsewhere\s+far\s+\d+s\n$/);

    // kubectl delete waits until the CRD is gone, which takes the cleanup finalizer's work.
    expect(await kubectlOk(t.kubeconfig, ['delete', 'crd', 'widgets.example.com', '--timeout=20s'])).toContain('customresourcedefinition.apiextensions.k8s.io "widgets.example.com" deleted');
    const after = await kubectl(t.kubeconfig, ['get', 'widgets']);
    expect(after.code).not.toBe(0);
    // Depending on its discovery cache kubectl fails the lookup or the list: either way, not served.
    expect(after.stderr).toMatch(/doesn't have a resource type "widgets"|\(NotFound\)/);
    expect((await kubectlOk(t.kubeconfig, ['api-resources', '--api-group=example.com', '-o', 'name'])).trim()).toBe('');
  });

  it('serves the custom resource and shows it in discovery at once', async () => {
    await createEstablishedCrd(t, widgetCrd());
    const group = await t.api('GET', '/apis/example.com');
    expect(group.status).toBe(200);
    expect(group.body.preferredVersion).toEqual({ groupVersion: 'example.com/v1', version: 'v1' });
    const resources = await t.api('GET', '/apis/example.com/v1');
    expect(resources.body.resources).toContainEqual(
      expect.objectContaining({ name: 'widgets', singularName: 'widget', namespaced: true, kind: 'Widget', shortNames: ['wd'], categories: ['all'] }),
    );
    const aggregated = await t.api('GET', '/apis', undefined, { accept: 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList' });
    expect(aggregated.body.items.map((item: { metadata: { name: string } }) => item.metadata.name)).toContain('example.com');

    const created = await t.api('POST', '/apis/example.com/v1/namespaces/default/widgets', { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w1' }, spec: { size: 'big' } });
    expect(created.status).toBe(201);
    expect(created.body.metadata.generation).toBe(1);
    const list = await t.api('GET', '/apis/example.com/v1/widgets');
    expect(list.body.kind).toBe('WidgetList');
    // Unlike typed built-in lists, custom resource lists keep apiVersion and kind on items.
    expect(list.body.items[0]).toMatchObject({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w1', namespace: 'default' } });
    const stored = await t.backend.get('/registry/example.com/widgets/default/w1');
    expect(stored.kv).toBeDefined();
  });

  it('works with kubectl: apply, get, get -o yaml, printer columns, delete', async () => {
    await createEstablishedCrd(
      t,
      widgetCrd({
        additionalPrinterColumns: [
          { name: 'Size', type: 'string', jsonPath: '.spec.size' },
          { name: 'Replicas', type: 'integer', jsonPath: '.spec.replicas' },
          { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
        ],
      }),
    );
    const manifest = ['apiVersion: example.com/v1', 'kind: Widget', 'metadata:', '  name: gadget', 'spec:', '  size: large', '  replicas: 3'].join('\n');
    expect(await kubectlOk(t.kubeconfig, ['apply', '-f', '-'], manifest)).toContain('widget.example.com/gadget created');

    const table = await kubectlOk(t.kubeconfig, ['get', 'widgets']);
    const [header, row] = table.trim().split('\n');
    expect(header!.split(/\s+/)).toEqual(['NAME', 'SIZE', 'REPLICAS', 'AGE']);
    expect(row!.split(/\s+/).slice(0, 3)).toEqual(['gadget', 'large', '3']);
    // The short name and the category resolve through discovery.
    expect(await kubectlOk(t.kubeconfig, ['get', 'wd', 'gadget', '-o', 'name'])).toBe('widget.example.com/gadget\n');
    expect(await kubectlOk(t.kubeconfig, ['get', 'all', '-o', 'name'])).toContain('widget.example.com/gadget');

    const yaml = await kubectlOk(t.kubeconfig, ['get', 'widget', 'gadget', '-o', 'yaml']);
    expect(yaml).toContain('apiVersion: example.com/v1');
    expect(yaml).toContain('kind: Widget');
    expect(yaml).toContain('size: large');

    const changed = manifest.replace('size: large', 'size: small');
    expect(await kubectlOk(t.kubeconfig, ['apply', '-f', '-'], changed)).toContain('widget.example.com/gadget configured');
    expect(await kubectlOk(t.kubeconfig, ['get', 'widget', 'gadget', '-o', 'jsonpath={.spec.size} {.metadata.generation}'])).toBe('small 2');

    expect(await kubectlOk(t.kubeconfig, ['delete', 'widget', 'gadget'])).toContain('widget.example.com "gadget" deleted');
    const gone = await kubectl(t.kubeconfig, ['get', 'widget', 'gadget']);
    expect(gone.code).not.toBe(0);
    expect(gone.stderr).toContain('widgets.example.com "gadget" not found');
  });

  it('prints Name and Age when the CRD declares no printer columns', async () => {
    await createEstablishedCrd(t, widgetCrd());
    await t.api('POST', '/apis/example.com/v1/namespaces/default/widgets', { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'plain' } });
    const table = await t.api('GET', '/apis/example.com/v1/namespaces/default/widgets', undefined, { accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' });
    expect(table.body.columnDefinitions.map((column: { name: string; type: string }) => [column.name, column.type])).toEqual([
      ['Name', 'string'],
      ['Age', 'date'],
    ]);
    expect(table.body.rows[0].cells[0]).toBe('plain');
    expect(table.body.rows[0].cells[1]).toMatch(/^\d+s$/);
    const printed = await kubectlOk(t.kubeconfig, ['get', 'widgets']);
    expect(printed.trim().split('\n')[0]!.split(/\s+/)).toEqual(['NAME', 'AGE']);
  });

  it('filters by selectableFields with field selectors (kubectl --field-selector)', async () => {
    await createEstablishedCrd(t, widgetCrd({ selectableFields: [{ jsonPath: '.spec.size' }] }));
    for (const [name, size] of [['small-one', 'small'], ['large-one', 'large']]) {
      await t.api('POST', '/apis/example.com/v1/namespaces/default/widgets', { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name }, spec: { size } });
    }
    const selected = await t.api('GET', '/apis/example.com/v1/namespaces/default/widgets?fieldSelector=spec.size%3Dlarge');
    expect(selected.body.items.map((item: { metadata: { name: string } }) => item.metadata.name)).toEqual(['large-one']);
    expect(await kubectlOk(t.kubeconfig, ['get', 'widgets', '--field-selector', 'spec.size=small', '-o', 'name'])).toBe('widget.example.com/small-one\n');
  });

  it('reports conflicting names with upstream reason and message', async () => {
    await createEstablishedCrd(t, widgetCrd());
    const rival = widgetCrd({}, { plural: 'gizmos', kind: 'Gizmo', shortNames: ['wd'] });
    (rival['metadata'] as { name: string }).name = 'gizmos.example.com';
    const created = await t.api('POST', CRD_PATH, rival);
    expect(created.status).toBe(201);
    const crd = await eventually(
      () => t.api('GET', `${CRD_PATH}/gizmos.example.com`),
      (response) => conditionOf(response.body, 'NamesAccepted') !== undefined,
    );
    expect(conditionOf(crd.body, 'NamesAccepted')).toMatchObject({ status: 'False', reason: 'ShortNamesConflict', message: '"wd" is already in use' });
    expect(conditionOf(crd.body, 'Established')).toMatchObject({ status: 'False', reason: 'NotAccepted', message: 'not all names are accepted' });
    // The names without conflict are accepted; the conflicting short name is not.
    expect(crd.body.status.acceptedNames).toMatchObject({ plural: 'gizmos', kind: 'Gizmo' });
    expect(crd.body.status.acceptedNames.shortNames).toBeUndefined();
    expect((await t.api('GET', '/apis/example.com/v1/gizmos')).status).toBe(404);

    // Freeing the name (deleting the first CRD) lets the second one through.
    expect((await t.api('DELETE', `${CRD_PATH}/widgets.example.com`)).body.metadata.deletionTimestamp).toBeDefined();
    const accepted = await eventually(
      () => t.api('GET', `${CRD_PATH}/gizmos.example.com`),
      (response) => conditionOf(response.body, 'Established')?.status === 'True',
    );
    expect(accepted.body.status.acceptedNames.shortNames).toEqual(['wd']);
  });

  it('gives a contested kind to one of two CRDs created together', async () => {
    const gizmos = widgetCrd({}, { plural: 'gizmos', kind: 'Widget', shortNames: [] });
    (gizmos['metadata'] as { name: string }).name = 'gizmos.example.com';
    const [first, second] = await Promise.all([t.api('POST', CRD_PATH, widgetCrd({}, { shortNames: [] })), t.api('POST', CRD_PATH, gizmos)]);
    expect([first.status, second.status]).toEqual([201, 201]);
    const read = async () => Promise.all(['widgets.example.com', 'gizmos.example.com'].map((name) => t.api('GET', `${CRD_PATH}/${name}`)));
    const settled = await eventually(read, (both) => both.every((crd) => conditionOf(crd.body, 'NamesAccepted') !== undefined) && both.some((crd) => conditionOf(crd.body, 'Established')?.status === 'True'));
    const statuses = settled.map((crd) => conditionOf(crd.body, 'NamesAccepted')?.status).sort();
    expect(statuses).toEqual(['False', 'True']);
    const loser = settled.find((crd) => conditionOf(crd.body, 'NamesAccepted')?.status === 'False')!;
    // Both kind and list kind conflict; as upstream, the last check (list kind) names the reason.
    expect(conditionOf(loser.body, 'NamesAccepted')).toMatchObject({ reason: 'ListKindConflict', message: '"WidgetList" is already in use' });
    expect(loser.body.status.acceptedNames.kind).toBeUndefined();
  });

  it('deleting a CRD deletes its custom resources, then stops serving them', async () => {
    await createEstablishedCrd(t, widgetCrd());
    for (const name of ['a', 'b']) {
      await t.api('POST', '/apis/example.com/v1/namespaces/default/widgets', { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name } });
    }
    await t.api('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'other' } });
    await t.api('POST', '/apis/example.com/v1/namespaces/other/widgets', { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'c' } });

    const deleting = await t.api('DELETE', `${CRD_PATH}/widgets.example.com`);
    // Deletion waits for the cleanup finalizer: the CRD comes back marked, as upstream's does.
    expect(deleting.body.metadata.deletionTimestamp).toBeDefined();
    expect(deleting.body.metadata.finalizers).toContain('customresourcecleanup.apiextensions.k8s.io');
    expect(conditionOf(deleting.body, 'Terminating')).toMatchObject({ status: 'True', reason: 'InstanceDeletionPending' });

    const gone = await eventually(() => t.api('GET', `${CRD_PATH}/widgets.example.com`), (response) => response.status === 404);
    expect(gone.status).toBe(404);
    expect((await t.backend.list({ prefix: '/registry/example.com/widgets/', startKey: '/registry/example.com/widgets/' })).kvs).toHaveLength(0);
    expect((await t.api('GET', '/apis/example.com/v1/widgets')).status).toBe(404);
    expect((await t.api('GET', '/apis/example.com')).status).toBe(404);
    const resources = await kubectlOk(t.kubeconfig, ['api-resources', '--api-group=example.com', '-o', 'name']);
    expect(resources.trim()).toBe('');
  });

  it('keeps serving while a custom resource with its own finalizer holds the CRD, and refuses new ones', async () => {
    await createEstablishedCrd(t, widgetCrd());
    await t.api('POST', '/apis/example.com/v1/namespaces/default/widgets', { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'held', finalizers: ['example.com/hold'] } });
    await t.api('DELETE', `${CRD_PATH}/widgets.example.com`);
    const terminating = await eventually(
      () => t.api('GET', `${CRD_PATH}/widgets.example.com`),
      (response) => conditionOf(response.body, 'Terminating')?.reason === 'InstanceDeletionInProgress',
    );
    expect(conditionOf(terminating.body, 'Terminating')?.reason).toBe('InstanceDeletionInProgress');
    const held = await eventually(
      () => t.api('GET', '/apis/example.com/v1/namespaces/default/widgets/held'),
      (response) => response.body.metadata?.deletionTimestamp !== undefined,
    );
    expect(held.status).toBe(200);
    const refused = await t.api('POST', '/apis/example.com/v1/namespaces/default/widgets', { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'late' } });
    expect(refused.status).toBe(403);
    expect(refused.body.message).toBe('widgets.example.com "late" is forbidden: create not allowed while custom resource definition is terminating');

    await t.api('PATCH', '/apis/example.com/v1/namespaces/default/widgets/held', { metadata: { finalizers: null } }, { 'content-type': 'application/merge-patch+json' });
    const gone = await eventually(() => t.api('GET', `${CRD_PATH}/widgets.example.com`), (response) => response.status === 404, 5000);
    expect(gone.status).toBe(404);
  });
});
