/**
 * Server-side apply and managedFields over the API, as upstream records
 * and enforces them: Update entries for ordinary writes, Apply entries for
 * appliers, conflicts with each field and its manager, force, fields
 * removed when their applier stops applying them, list-maps merged by key,
 * and kubectl's own workflows (apply --server-side, --force-conflicts, and
 * moving between client-side and server-side apply).
 */
import { describe, expect, it } from 'vitest';
import { kubectl, kubectlOk } from '../support/kubectl.js';
import { useTestApiServer } from '../support/api-server.js';
import { createEstablishedCrd } from '../crd/helpers.js';

const server = useTestApiServer();

const CM = '/api/v1/namespaces/default/configmaps';
const DEPLOYMENTS = '/apis/apps/v1/namespaces/default/deployments';
const APPLY = { 'content-type': 'application/apply-patch+yaml' };

interface Entry {
  manager: string;
  operation: string;
  apiVersion: string;
  time?: string;
  fieldsType: string;
  fieldsV1: Record<string, unknown>;
  subresource?: string;
}

const entries = (object: { metadata: { managedFields?: Entry[] } }): Entry[] => object.metadata.managedFields ?? [];
const summary = (object: { metadata: { managedFields?: Entry[] } }): [string, string, Record<string, unknown>][] =>
  entries(object).map((entry) => [entry.manager, entry.operation, entry.fieldsV1]);

function configMapApply(name: string, data: Record<string, string>, labels?: Record<string, string>): string {
  return JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, ...(labels && { labels }) }, data });
}

describe('managedFields on ordinary writes', () => {
  it('records the creator as an Update entry with the fields it set', async () => {
    const created = await server().api('POST', `${CM}?fieldManager=tester`, { metadata: { name: 'tracked', labels: { app: 'a' } }, data: { a: '1' } });
    expect(created.status).toBe(201);
    const [entry] = entries(created.body);
    expect(entry).toEqual({
      manager: 'tester',
      operation: 'Update',
      apiVersion: 'v1',
      time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
      fieldsType: 'FieldsV1',
      fieldsV1: { 'f:data': { '.': {}, 'f:a': {} }, 'f:metadata': { 'f:labels': { '.': {}, 'f:app': {} } } },
    });
  });

  it('names the manager after the User-Agent when no fieldManager is given, and moves changed fields to the writer', async () => {
    const current = (await server().api('GET', `${CM}/tracked`)).body;
    const updated = await server().api('PUT', `${CM}/tracked`, { ...current, data: { a: '2', b: '3' } }, { 'user-agent': 'mytool/1.4 (linux/amd64)' });
    expect(updated.status).toBe(200);
    // Entries of one operation sort by time (seconds), then manager name; on a loaded machine the two
    // writes may fall in different seconds, so the order is not what this checks.
    expect([...summary(updated.body)].sort((a, b) => String(a[0]).localeCompare(String(b[0])))).toEqual([
      ['mytool', 'Update', { 'f:data': { 'f:a': {}, 'f:b': {} } }],
      ['tester', 'Update', { 'f:data': {}, 'f:metadata': { 'f:labels': { '.': {}, 'f:app': {} } } }],
    ]);
  });

  it('lets a client clear managedFields with [{}], and keeps them when it sends none', async () => {
    const current = (await server().api('GET', `${CM}/tracked`)).body;
    const { managedFields: _dropped, ...metadata } = current.metadata;
    const kept = await server().api('PUT', `${CM}/tracked?fieldManager=tester`, { ...current, metadata, data: { ...current.data, c: '4' } });
    expect(entries(kept.body).map((entry) => entry.manager).sort()).toEqual(['mytool', 'tester']);
    // managedFields the server cannot read are ignored for the live ones, as upstream does: no 500, nothing lost.
    const garbled = await server().api('PUT', `${CM}/tracked`, { ...kept.body, metadata: { ...kept.body.metadata, managedFields: [{ manager: 'x', operation: 'Update', fieldsType: 'FieldsV1', fieldsV1: { 'zz:bad': {} } }] } });
    expect(garbled.status).toBe(200);
    expect(entries(garbled.body).map((entry) => entry.manager).sort()).toEqual(['mytool', 'tester']);
    const cleared = await server().api('PUT', `${CM}/tracked`, { ...garbled.body, metadata: { ...garbled.body.metadata, managedFields: [{}] } });
    expect(cleared.body.metadata.managedFields).toBeUndefined();
    // An object nobody tracks stays untracked by updates (upstream starts at create or first apply).
    const later = await server().api('PUT', `${CM}/tracked?fieldManager=late`, { ...cleared.body, data: { z: '1' } });
    expect(later.body.metadata.managedFields).toBeUndefined();
  });
});

describe('apply', () => {
  it('creates an object and owns exactly what it applied', async () => {
    const created = await server().api('PATCH', `${CM}/applied?fieldManager=ssa`, configMapApply('applied', { x: '1', y: '2' }, { app: 'web' }), APPLY);
    expect(created.status).toBe(201);
    expect(created.body.data).toEqual({ x: '1', y: '2' });
    expect(summary(created.body)).toEqual([['ssa', 'Apply', { 'f:data': { 'f:x': {}, 'f:y': {} }, 'f:metadata': { 'f:labels': { 'f:app': {} } } }]]);
    const again = await server().api('PATCH', `${CM}/applied?fieldManager=ssa`, configMapApply('applied', { x: '1', y: '2' }, { app: 'web' }), APPLY);
    expect(again.status).toBe(200);
    expect(again.body.metadata.resourceVersion).toBe(created.body.metadata.resourceVersion);
  });

  it('refuses to change a field another manager owns, naming each field and manager', async () => {
    const conflict = await server().api('PATCH', `${CM}/applied?fieldManager=other`, configMapApply('applied', { x: 'changed', y: 'also' }), APPLY);
    expect(conflict.status).toBe(409);
    expect(conflict.body).toMatchObject({
      kind: 'Status',
      status: 'Failure',
      reason: 'Conflict',
      code: 409,
      message: 'Apply failed with 2 conflicts: conflicts with "ssa":\n- .data.x\n- .data.y',
      details: {
        causes: [
          { reason: 'FieldManagerConflict', message: 'conflict with "ssa"', field: '.data.x' },
          { reason: 'FieldManagerConflict', message: 'conflict with "ssa"', field: '.data.y' },
        ],
      },
    });
    const single = await server().api('PATCH', `${CM}/applied?fieldManager=other`, configMapApply('applied', { x: 'changed' }), APPLY);
    expect(single.body.message).toBe('Apply failed with 1 conflict: conflict with "ssa": .data.x');
  });

  it('shares ownership when the values agree, and takes it with force', async () => {
    const shared = await server().api('PATCH', `${CM}/applied?fieldManager=other`, configMapApply('applied', { x: '1' }), APPLY);
    expect(shared.status).toBe(200);
    expect(summary(shared.body).map(([manager, , fields]) => [manager, fields])).toEqual([
      ['other', { 'f:data': { 'f:x': {} } }],
      ['ssa', { 'f:data': { 'f:x': {}, 'f:y': {} }, 'f:metadata': { 'f:labels': { 'f:app': {} } } }],
    ]);
    const forced = await server().api('PATCH', `${CM}/applied?fieldManager=other&force=true`, configMapApply('applied', { x: 'mine' }), APPLY);
    expect(forced.status).toBe(200);
    expect(forced.body.data.x).toBe('mine');
    const ssa = entries(forced.body).find((entry) => entry.manager === 'ssa')!;
    expect(ssa.fieldsV1).toEqual({ 'f:data': { 'f:y': {} }, 'f:metadata': { 'f:labels': { 'f:app': {} } } });
  });

  it('conflicts with Update managers too, naming the version they used', async () => {
    const patched = await server().api('PATCH', `${CM}/applied?fieldManager=editor`, JSON.stringify({ data: { y: 'edited' } }), { 'content-type': 'application/merge-patch+json' });
    expect(patched.status).toBe(200);
    const conflict = await server().api('PATCH', `${CM}/applied?fieldManager=ssa`, configMapApply('applied', { y: '2' }, { app: 'web' }), APPLY);
    expect(conflict.status).toBe(409);
    expect(conflict.body.message).toBe('Apply failed with 1 conflict: conflict with "editor" using v1: .data.y');
  });

  it('removes fields its applier stops applying, unless someone else owns them', async () => {
    const created = await server().api('PATCH', `${CM}/pruned?fieldManager=ssa`, configMapApply('pruned', { keep: '1', drop: '2', shared: '3' }, { a: '1', b: '2' }), APPLY);
    expect(created.status).toBe(201);
    expect((await server().api('PATCH', `${CM}/pruned?fieldManager=friend`, configMapApply('pruned', { shared: '3' }), APPLY)).status).toBe(200);
    const pruned = await server().api('PATCH', `${CM}/pruned?fieldManager=ssa`, configMapApply('pruned', { keep: '1' }, { a: '1' }), APPLY);
    expect(pruned.status).toBe(200);
    expect(pruned.body.data).toEqual({ keep: '1', shared: '3' });
    expect(pruned.body.metadata.labels).toEqual({ a: '1' });
  });

  it('merges list-maps by key: two appliers own one container each', async () => {
    const web = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'ssa-web' },
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: 'web' } },
        template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'nginx:1.27' }] } },
      },
    };
    expect((await server().api('PATCH', `${DEPLOYMENTS}/ssa-web?fieldManager=team-web`, JSON.stringify(web), APPLY)).status).toBe(201);
    const sidecar = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'ssa-web' }, spec: { template: { spec: { containers: [{ name: 'proxy', image: 'envoy:1.31' }] } } } };
    const both = await server().api('PATCH', `${DEPLOYMENTS}/ssa-web?fieldManager=team-mesh`, JSON.stringify(sidecar), APPLY);
    expect(both.status).toBe(200);
    expect(both.body.spec.template.spec.containers.map((container: { name: string }) => container.name)).toEqual(['web', 'proxy']);
    // Defaults fill the rest, owned by nobody.
    expect(both.body.spec.template.spec.containers[1].terminationMessagePath).toBe('/dev/termination-log');
    const mesh = entries(both.body).find((entry) => entry.manager === 'team-mesh')!;
    expect(mesh.fieldsV1).toEqual({
      'f:spec': { 'f:template': { 'f:spec': { 'f:containers': { 'k:{"name":"proxy"}': { '.': {}, 'f:image': {}, 'f:name': {} } } } } },
    });
    // team-web stops applying its container: it goes, the sidecar stays.
    const { containers: _gone, ...podSpec } = web.spec.template.spec;
    const withoutWeb = { ...web, spec: { ...web.spec, template: { ...web.spec.template, spec: { ...podSpec, containers: [] } } } };
    const after = await server().api('PATCH', `${DEPLOYMENTS}/ssa-web?fieldManager=team-web`, JSON.stringify(withoutWeb), APPLY);
    expect(after.body.spec.template.spec.containers.map((container: { name: string }) => container.name)).toEqual(['proxy']);
  });

  it('keys ports by containerPort and the defaulted protocol, and owns a label selector as one field', async () => {
    const deployment = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'ported' },
      spec: {
        selector: { matchLabels: { app: 'ported' } },
        template: { metadata: { labels: { app: 'ported' } }, spec: { containers: [{ name: 'web', image: 'nginx', ports: [{ containerPort: 80 }] }] } },
      },
    };
    const first = await server().api('PATCH', `${DEPLOYMENTS}/ported?fieldManager=ports`, JSON.stringify(deployment), APPLY);
    expect(first.status).toBe(201);
    const again = await server().api('PATCH', `${DEPLOYMENTS}/ported?fieldManager=ports`, JSON.stringify(deployment), APPLY);
    expect(again.body.spec.template.spec.containers[0].ports).toEqual([{ containerPort: 80, protocol: 'TCP' }]);
    const fields = entries(again.body)[0]!.fieldsV1 as { 'f:spec': Record<string, unknown> };
    expect(fields['f:spec']['f:selector']).toEqual({});
    expect(JSON.stringify(fields)).toContain('"k:{\\"containerPort\\":80,\\"protocol\\":\\"TCP\\"}"');
  });

  it('validates: fieldManager required, matching version and name, no managedFields, dryRun writes nothing', async () => {
    const noManager = await server().api('PATCH', `${CM}/x`, configMapApply('x', {}), APPLY);
    expect(noManager.status).toBe(422);
    expect(noManager.body.message).toBe('PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch');
    const forceOnMerge = await server().api('PATCH', `${CM}/applied?force=true`, '{}', { 'content-type': 'application/merge-patch+json' });
    expect(forceOnMerge.status).toBe(422);
    const wrongVersion = await server().api('PATCH', `${CM}/x?fieldManager=m`, JSON.stringify({ apiVersion: 'v2', kind: 'ConfigMap', metadata: { name: 'x' } }), APPLY);
    expect(wrongVersion.status).toBe(400);
    expect(wrongVersion.body.message).toBe('Incorrect version specified in apply patch. Specified patch version: v2, expected: v1');
    const wrongName = await server().api('PATCH', `${CM}/x?fieldManager=m`, configMapApply('y', {}), APPLY);
    expect(wrongName.status).toBe(400);
    const withManaged = await server().api('PATCH', `${CM}/x?fieldManager=m`, JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', managedFields: [] } }), APPLY);
    expect(withManaged.status).toBe(400);
    expect(withManaged.body.message).toBe('metadata.managedFields must be nil');
    const dry = await server().api('PATCH', `${CM}/dry-apply?fieldManager=m&dryRun=All`, configMapApply('dry-apply', { a: '1' }), APPLY);
    expect(dry.status).toBe(201);
    expect((await server().api('GET', `${CM}/dry-apply`)).status).toBe(404);
    const duplicate = await server().api(
      'PATCH',
      `${DEPLOYMENTS}/dup?fieldManager=m`,
      JSON.stringify({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'dup' }, spec: { template: { spec: { containers: [{ name: 'w', image: 'a' }, { name: 'w', image: 'b' }] } } } }),
      APPLY,
    );
    expect(duplicate.status).toBe(400);
    expect(duplicate.body.message).toContain('.spec.template.spec.containers: duplicate entries for key [name="w"]');
    const strict = await server().api('PATCH', `${CM}/x?fieldManager=m&fieldValidation=Strict`, 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndatta: {}\n', APPLY);
    expect(strict.status).toBe(400);
    expect(strict.body.message).toContain('unknown field "datta"');
  });

  it('applies to the status subresource as its own manager', async () => {
    expect((await server().api('PATCH', `${DEPLOYMENTS}/ssa-web/status?fieldManager=controller`, JSON.stringify({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'ssa-web' }, status: { replicas: 1 } }), APPLY)).status).toBe(200);
    const object = (await server().api('GET', `${DEPLOYMENTS}/ssa-web`)).body;
    expect(object.status.replicas).toBe(1);
    expect(entries(object).find((entry) => entry.manager === 'controller')).toMatchObject({ operation: 'Apply', subresource: 'status', fieldsV1: { 'f:status': { 'f:replicas': {} } } });
  });
});

describe('subresources and custom resources', () => {
  it('records scale writes as a scale entry, which an applier then conflicts with', async () => {
    const scaled = await server().api('PATCH', `${DEPLOYMENTS}/ssa-web/scale?fieldManager=autoscaler`, JSON.stringify({ spec: { replicas: 4 } }), {
      'content-type': 'application/merge-patch+json',
    });
    expect(scaled.status).toBe(200);
    const object = (await server().api('GET', `${DEPLOYMENTS}/ssa-web`)).body;
    expect(entries(object).find((entry) => entry.manager === 'autoscaler')).toMatchObject({
      operation: 'Update',
      apiVersion: 'apps/v1',
      subresource: 'scale',
      fieldsV1: { 'f:spec': { 'f:replicas': {} } },
    });
    const apply = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'ssa-web' }, spec: { replicas: 2 } };
    const conflict = await server().api('PATCH', `${DEPLOYMENTS}/ssa-web?fieldManager=team-web`, JSON.stringify(apply), APPLY);
    expect(conflict.status).toBe(409);
    expect(conflict.body.message).toBe('Apply failed with 1 conflict: conflict with "autoscaler" with subresource "scale" using apps/v1: .spec.replicas');
  });

  it('merges custom resources by their structural schema: list-maps, sets and atomic lists', async () => {
    await createEstablishedCrd(server(), {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: 'routes.ssa.lk.dev' },
      spec: {
        group: 'ssa.lk.dev',
        scope: 'Namespaced',
        names: { plural: 'routes', kind: 'Route' },
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
                      backends: {
                        type: 'array',
                        'x-kubernetes-list-type': 'map',
                        'x-kubernetes-list-map-keys': ['name'],
                        items: { type: 'object', required: ['name'], properties: { name: { type: 'string' }, weight: { type: 'integer' } } },
                      },
                      hosts: { type: 'array', 'x-kubernetes-list-type': 'set', items: { type: 'string' } },
                      command: { type: 'array', items: { type: 'string' } },
                    },
                  },
                },
              },
            },
          },
        ],
      },
    });
    const routes = '/apis/ssa.lk.dev/v1/namespaces/default/routes';
    const route = (spec: object): string => JSON.stringify({ apiVersion: 'ssa.lk.dev/v1', kind: 'Route', metadata: { name: 'r' }, spec });
    expect((await server().api('PATCH', `${routes}/r?fieldManager=a`, route({ backends: [{ name: 'blue', weight: 1 }], hosts: ['a.example'], command: ['run'] }), APPLY)).status).toBe(201);
    const merged = await server().api('PATCH', `${routes}/r?fieldManager=b`, route({ backends: [{ name: 'green', weight: 9 }], hosts: ['b.example'] }), APPLY);
    expect(merged.status).toBe(200);
    expect(merged.body.spec).toEqual({ backends: [{ name: 'blue', weight: 1 }, { name: 'green', weight: 9 }], hosts: ['a.example', 'b.example'], command: ['run'] });
    expect(entries(merged.body).find((entry) => entry.manager === 'a')!.fieldsV1).toEqual({
      'f:spec': { 'f:backends': { 'k:{"name":"blue"}': { '.': {}, 'f:name': {}, 'f:weight': {} } }, 'f:command': {}, 'f:hosts': { 'v:"a.example"': {} } },
    });
    const conflict = await server().api('PATCH', `${routes}/r?fieldManager=b`, route({ command: ['stop'] }), APPLY);
    expect(conflict.body.message).toBe('Apply failed with 1 conflict: conflict with "a": .spec.command');
  });
});

describe('kubectl apply --server-side', () => {
  const manifest = (value: string): string => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: kubectl-ssa\n  namespace: default\ndata:\n  key: ${value}\n`;

  it('applies, re-applies, reports a conflict with its manager and takes over with --force-conflicts', async () => {
    expect(await kubectlOk(server().kubeconfig, ['apply', '--server-side', '-f', '-'], manifest('one'))).toBe('configmap/kubectl-ssa serverside-applied\n');
    expect(await kubectlOk(server().kubeconfig, ['apply', '--server-side', '-f', '-'], manifest('two'))).toBe('configmap/kubectl-ssa serverside-applied\n');
    await kubectlOk(server().kubeconfig, ['patch', 'configmap', 'kubectl-ssa', '--type=merge', '-p', '{"data":{"key":"patched"}}']);
    const conflict = await kubectl(server().kubeconfig, ['apply', '--server-side', '-f', '-'], manifest('three'));
    expect(conflict.code).toBe(1);
    expect(conflict.stderr).toContain('Apply failed with 1 conflict: conflict with "kubectl-patch" using v1: .data.key');
    expect(await kubectlOk(server().kubeconfig, ['apply', '--server-side', '--force-conflicts', '-f', '-'], manifest('three'))).toBe('configmap/kubectl-ssa serverside-applied\n');
    expect(await kubectlOk(server().kubeconfig, ['get', 'configmap', 'kubectl-ssa', '-o', 'jsonpath={.data.key}'])).toBe('three');
  });

  it('moves from client-side apply to server-side apply and back without spurious conflicts', async () => {
    const file = (value: string): string => manifest(value).replace('kubectl-ssa', 'migrating');
    expect(await kubectlOk(server().kubeconfig, ['apply', '-f', '-'], file('csa'))).toBe('configmap/migrating created\n');
    expect(await kubectlOk(server().kubeconfig, ['apply', '--server-side', '-f', '-'], file('ssa'))).toBe('configmap/migrating serverside-applied\n');
    expect(await kubectlOk(server().kubeconfig, ['get', 'configmap', 'migrating', '-o', 'jsonpath={.data.key}'])).toBe('ssa');
    // The last-applied annotation followed the server-side apply, so client-side apply sees no stale state.
    const lastApplied = JSON.parse(await kubectlOk(server().kubeconfig, ['get', 'configmap', 'migrating', '-o', 'jsonpath={.metadata.annotations.kubectl\\.kubernetes\\.io/last-applied-configuration}']));
    expect(lastApplied.data).toEqual({ key: 'ssa' });
    expect(await kubectlOk(server().kubeconfig, ['apply', '-f', '-'], file('csa-again'))).toBe('configmap/migrating configured\n');
    expect(await kubectlOk(server().kubeconfig, ['get', 'configmap', 'migrating', '-o', 'jsonpath={.data.key}'])).toBe('csa-again');
  });
});
