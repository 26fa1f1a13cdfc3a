/**
 * What clients read before they act: discovery (legacy documents and the
 * aggregated apidiscovery.k8s.io/v2 form), /version, OpenAPI v2 and v3, the
 * health endpoints and /metrics; and the renderings kubectl asks for
 * (Table with upstream's columns, PartialObjectMetadata).
 */
import { describe, expect, it } from 'vitest';
import { ADMIN_HEADERS, useTestApiServer } from '../support/api-server.js';

const server = useTestApiServer();

const AGGREGATED = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json';

describe('discovery', () => {
  it('lists the core version and every GA group, preferred versions first', async () => {
    const api = await server().api('GET', '/api');
    expect(api.body).toMatchObject({ kind: 'APIVersions', versions: ['v1'] });
    const groups = await server().api('GET', '/apis');
    const names = groups.body.groups.map((group: { name: string }) => group.name);
    for (const group of [
      'apps',
      'batch',
      'autoscaling',
      'networking.k8s.io',
      'policy',
      'rbac.authorization.k8s.io',
      'storage.k8s.io',
      'coordination.k8s.io',
      'discovery.k8s.io',
      'events.k8s.io',
      'scheduling.k8s.io',
      'node.k8s.io',
      'certificates.k8s.io',
      'admissionregistration.k8s.io',
      'apiextensions.k8s.io',
    ]) {
      expect(names).toContain(group);
    }
    const autoscaling = groups.body.groups.find((group: { name: string }) => group.name === 'autoscaling');
    expect(autoscaling.preferredVersion).toEqual({ groupVersion: 'autoscaling/v2', version: 'v2' });
  });

  it('describes resources with verbs, short names, categories and subresources', async () => {
    const core = (await server().api('GET', '/api/v1')).body as { resources: { name: string; shortNames?: string[]; categories?: string[]; verbs: string[]; namespaced: boolean }[] };
    const byName = new Map(core.resources.map((resource) => [resource.name, resource]));
    expect(byName.get('pods')).toMatchObject({ namespaced: true, shortNames: ['po'], categories: ['all'] });
    expect(byName.get('pods')!.verbs).toEqual(['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch']);
    expect(byName.get('namespaces')).toMatchObject({ namespaced: false, shortNames: ['ns'] });
    expect(byName.get('pods/binding')!.verbs).toEqual(['create']);
    expect(byName.get('pods/eviction')!.verbs).toEqual(['create']);
    expect(byName.get('pods/status')!.verbs).toEqual(['get', 'patch', 'update']);
    const apps = (await server().api('GET', '/apis/apps/v1')).body as { resources: { name: string; kind: string; group?: string; version?: string }[] };
    expect(apps.resources.find((resource) => resource.name === 'deployments/scale')).toMatchObject({ kind: 'Scale', group: 'autoscaling', version: 'v1' });
    expect((await server().api('GET', '/apis/no.such.group/v1')).status).toBe(404);
  });

  it('serves aggregated discovery when asked for it by content type', async () => {
    const aggregated = await server().api('GET', '/apis', undefined, { accept: AGGREGATED });
    expect(aggregated.headers.get('content-type')).toContain('as=APIGroupDiscoveryList');
    expect(aggregated.body).toMatchObject({ kind: 'APIGroupDiscoveryList', apiVersion: 'apidiscovery.k8s.io/v2' });
    const apps = aggregated.body.items.find((group: { metadata: { name: string } }) => group.metadata.name === 'apps');
    const deployments = apps.versions[0].resources.find((resource: { resource: string }) => resource.resource === 'deployments');
    expect(deployments).toMatchObject({ responseKind: { group: '', version: '', kind: 'Deployment' }, scope: 'Namespaced', singularResource: 'deployment', shortNames: ['deploy'] });
    expect(deployments.subresources.map((subresource: { subresource: string }) => subresource.subresource)).toEqual(['scale', 'status']);
    const legacy = await server().api('GET', '/api', undefined, { accept: AGGREGATED });
    expect(legacy.body.items[0].versions[0].version).toBe('v1');
  });

  it('reports the Kubernetes version it follows', async () => {
    const version = await server().api('GET', '/version');
    expect(version.body).toMatchObject({ major: '1', minor: '32', gitVersion: expect.stringMatching(/^v1\.32\.\d+\+lk/) });
  });
});

describe('OpenAPI', () => {
  it('serves v2 with the patch metadata kubectl apply needs', async () => {
    const v2 = await server().api('GET', '/openapi/v2');
    expect(v2.status).toBe(200);
    const podSpec = v2.body.definitions['io.k8s.api.core.v1.PodSpec'];
    expect(podSpec.properties.containers).toMatchObject({ 'x-kubernetes-patch-merge-key': 'name', 'x-kubernetes-patch-strategy': 'merge' });
    expect(v2.body.definitions['io.k8s.api.apps.v1.Deployment']['x-kubernetes-group-version-kind']).toEqual([{ group: 'apps', kind: 'Deployment', version: 'v1' }]);
  });

  it('serves a v3 index and a document per group version', async () => {
    const index = await server().api('GET', '/openapi/v3');
    expect(Object.keys(index.body.paths)).toEqual(expect.arrayContaining(['api/v1', 'apis/apps/v1', 'apis/apiextensions.k8s.io/v1']));
    const url = index.body.paths['apis/apps/v1'].serverRelativeURL as string;
    const apps = await server().api('GET', url);
    expect(apps.body.openapi).toMatch(/^3\.0/);
    expect(apps.body.components.schemas['io.k8s.api.apps.v1.DeploymentSpec'].properties.replicas).toMatchObject({ type: 'integer', format: 'int32' });
    expect((await server().api('GET', '/openapi/v3/apis/no.such/v1')).status).toBe(404);
  });
});

describe('health and metrics', () => {
  it.each(['/healthz', '/livez', '/readyz'])('%s answers ok, and lists its checks when verbose', async (path) => {
    const response = await fetch(server().url + path, { headers: ADMIN_HEADERS });
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('ok');
    const verbose = await (await fetch(`${server().url}${path}?verbose`, { headers: ADMIN_HEADERS })).text();
    expect(verbose).toMatch(/^\[\+\]ping ok$/m);
    expect(verbose).toMatch(/^(healthz|livez|readyz) check passed\n$/m);
  });

  it('/metrics exposes request counts in the Prometheus text format', async () => {
    await server().api('GET', '/api/v1/namespaces/default/configmaps');
    const text = await (await fetch(`${server().url}/metrics`, { headers: ADMIN_HEADERS })).text();
    expect(text).toContain('# TYPE apiserver_request_total counter');
    expect(text).toMatch(/apiserver_request_total\{[^}]*resource="configmaps"[^}]*verb="LIST"[^}]*\} \d+/);
  });
});

describe('renderings', () => {
  it('answers a Table with upstream’s pod columns', async () => {
    expect((await server().api('POST', '/api/v1/namespaces/default/pods', { metadata: { name: 'tabled' }, spec: { containers: [{ name: 'a', image: 'x' }, { name: 'b', image: 'y' }] } })).status).toBe(201);
    const table = await server().api('GET', '/api/v1/namespaces/default/pods', undefined, { accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' });
    expect(table.body.kind).toBe('Table');
    expect(table.body.columnDefinitions.map((column: { name: string }) => column.name)).toEqual(['Name', 'Ready', 'Status', 'Restarts', 'Age', 'IP', 'Node', 'Nominated Node', 'Readiness Gates']);
    expect(table.body.rows[0].cells.slice(0, 4)).toEqual(['tabled', '0/2', 'Pending', '0']);
    expect(table.body.rows[0].object).toMatchObject({ kind: 'PartialObjectMetadata', metadata: { name: 'tabled' } });
  });

  it('answers PartialObjectMetadataList with metadata only', async () => {
    const partial = await server().api('GET', '/api/v1/namespaces/default/pods', undefined, { accept: 'application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io' });
    expect(partial.body).toMatchObject({ kind: 'PartialObjectMetadataList', apiVersion: 'meta.k8s.io/v1' });
    expect(partial.body.items[0]).toEqual({ kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: expect.objectContaining({ name: 'tabled' }) });
    expect(partial.body.items[0].spec).toBeUndefined();
  });

  it('answers YAML when asked, and 406 for what it cannot render', async () => {
    const yaml = await fetch(`${server().url}/api/v1/namespaces/default`, { headers: { accept: 'application/yaml', ...ADMIN_HEADERS } });
    expect(yaml.headers.get('content-type')).toBe('application/yaml');
    expect(await yaml.text()).toMatch(/^apiVersion: v1\nkind: Namespace\n/);
    const refused = await server().api('GET', '/api/v1/namespaces/default', undefined, { accept: 'text/html' });
    expect(refused.status).toBe(406);
    expect(refused.body.reason).toBe('NotAcceptable');
  });
});
