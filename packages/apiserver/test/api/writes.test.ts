/**
 * The write verbs and object semantics as upstream has them: create with
 * generateName and dryRun, fieldValidation, optimistic concurrency,
 * generation, status only through its subresource, finalizers and
 * deletionTimestamp, delete preconditions, deletecollection, namespaces that
 * are missing or terminating, Services' IP and port allocation — and every
 * failure as a metav1.Status with upstream's code and reason.
 */
import { describe, expect, it } from 'vitest';
import { useTestApiServer } from '../support/api-server.js';

const server = useTestApiServer();

const CM = '/api/v1/namespaces/default/configmaps';
const DEPLOYMENTS = '/apis/apps/v1/namespaces/default/deployments';
const SERVICES = '/api/v1/namespaces/default/services';

function deployment(name: string, replicas = 1): object {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'web', image: 'nginx:1.27' }] } },
    },
  };
}

describe('create', () => {
  it('assigns uid, creationTimestamp and resourceVersion; generateName makes a unique name', async () => {
    const created = await server().api('POST', CM, { metadata: { generateName: 'gen-' }, data: { a: '1' } });
    expect(created.status).toBe(201);
    expect(created.body.metadata.name).toMatch(/^gen-[a-z0-9]{5}$/);
    expect(created.body.metadata.uid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(created.body.metadata.creationTimestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(Number(created.body.metadata.resourceVersion)).toBeGreaterThan(0);
  });

  it('writes nothing under dryRun, but answers as if it had', async () => {
    const dry = await server().api('POST', `${CM}?dryRun=All`, { metadata: { name: 'dry' } });
    expect(dry.status).toBe(201);
    expect(dry.body.metadata.uid).toBeDefined();
    expect((await server().api('GET', `${CM}/dry`)).status).toBe(404);
    const badDry = await server().api('POST', `${CM}?dryRun=Some`, { metadata: { name: 'dry' } });
    expect(badDry.status).toBe(400);
  });

  it('refuses duplicates, invalid names and labels with upstream Status objects', async () => {
    expect((await server().api('POST', CM, { metadata: { name: 'dup' } })).status).toBe(201);
    const again = await server().api('POST', CM, { metadata: { name: 'dup' } });
    expect(again.status).toBe(409);
    expect(again.body).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'configmaps "dup" already exists',
      reason: 'AlreadyExists',
      details: { name: 'dup', kind: 'configmaps' },
      code: 409,
    });

    const bad = await server().api('POST', CM, { metadata: { name: 'Bad_Name', labels: { 'ok/too/many': 'x', good: 'a'.repeat(64) } } });
    expect(bad.status).toBe(422);
    expect(bad.body.reason).toBe('Invalid');
    expect(bad.body.details.causes.map((cause: { field: string }) => cause.field)).toEqual(['metadata.name', 'metadata.labels', 'metadata.labels']);
    expect(bad.body.message).toMatch(/^ConfigMap "Bad_Name" is invalid: \[metadata\.name: Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain/);
  });

  it('applies fieldValidation: Strict refuses unknown and duplicate fields, Warn warns, Ignore drops them', async () => {
    const body = '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"strict"},"dta":{"a":"b"},"data":{"x":"1"},"data":{"x":"2"}}';
    const strict = await server().api('POST', `${CM}?fieldValidation=Strict`, body);
    expect(strict.status).toBe(400);
    expect(strict.body.message).toBe('ConfigMap in version "v1" cannot be handled as a ConfigMap: strict decoding error: unknown field "dta", duplicate field "data"');

    const warn = await server().api('POST', `${CM}?fieldValidation=Warn`, body.replace('"strict"', '"warned"'));
    expect(warn.status).toBe(201);
    expect(warn.headers.get('warning')).toBe('299 - "unknown field \\"dta\\"", 299 - "duplicate field \\"data\\""');
    expect(warn.body.data).toEqual({ x: '2' });

    const ignore = await server().api('POST', `${CM}?fieldValidation=Ignore`, body.replace('"strict"', '"ignored"'));
    expect(ignore.status).toBe(201);
    expect(ignore.headers.get('warning')).toBeNull();

    const unknownDirective = await server().api('POST', `${CM}?fieldValidation=Loud`, body);
    expect(unknownDirective.status).toBe(400);
  });

  it('refuses bodies that are not what the URL names: malformed, wrong kind or version, too large, wrong type', async () => {
    const malformed = await server().api('POST', CM, '{"metadata": {"name": ');
    expect(malformed.status).toBe(400);
    expect(malformed.body.reason).toBe('BadRequest');

    const wrongKind = await server().api('POST', CM, { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'x' } });
    expect(wrongKind.status).toBe(400);
    const wrongVersion = await server().api('POST', CM, { apiVersion: 'v2', kind: 'ConfigMap', metadata: { name: 'x' } });
    expect(wrongVersion.status).toBe(400);

    const wrongType = await server().api('POST', CM, { metadata: { name: 'typed' }, data: { a: 1 } });
    expect(wrongType.status).toBe(400);
    expect(wrongType.body.message).toBe('ConfigMap in version "v1" cannot be handled as a ConfigMap: json: cannot unmarshal number into Go struct field ConfigMap.data of type string');
    const nested = await server().api('POST', DEPLOYMENTS, { ...deployment('typed'), spec: { replicas: 'three' } });
    expect(nested.status).toBe(400);
    expect(nested.body.message).toBe('Deployment in version "v1" cannot be handled as a Deployment: json: cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas of type int32');
    const list = await server().api('POST', DEPLOYMENTS, { ...deployment('typed'), spec: { template: { spec: { containers: { name: 'x' } } } } });
    expect(list.body.message).toBe('Deployment in version "v1" cannot be handled as a Deployment: json: cannot unmarshal object into Go struct field PodSpec.spec.template.spec.containers of type []v1.Container');

    const huge = await server().api('POST', CM, { metadata: { name: 'huge' }, data: { blob: 'x'.repeat(3 * 1024 * 1024 + 10) } });
    expect(huge.status).toBe(413);
    expect(huge.body.reason).toBe('RequestEntityTooLarge');

    const yaml = await server().api('POST', CM, 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: from-yaml\ndata:\n  k: v\n', { 'content-type': 'application/yaml' });
    expect(yaml.status).toBe(201);
    expect(yaml.body.data).toEqual({ k: 'v' });

    const textPlain = await server().api('POST', CM, 'hello', { 'content-type': 'text/plain' });
    expect(textPlain.status).toBe(415);
  });

  it('refuses namespaced objects in a missing or terminating namespace', async () => {
    const missing = await server().api('POST', '/api/v1/namespaces/nowhere/configmaps', { metadata: { name: 'x' } });
    expect(missing.status).toBe(404);
    expect(missing.body.message).toBe('namespaces "nowhere" not found');

    expect((await server().api('POST', '/api/v1/namespaces', { metadata: { name: 'closing' } })).status).toBe(201);
    // A finalizer of its own keeps it terminating while we try.
    expect((await server().api('POST', '/api/v1/namespaces/closing/configmaps', { metadata: { name: 'held', finalizers: ['example.com/hold'] } })).status).toBe(201);
    expect((await server().api('DELETE', '/api/v1/namespaces/closing')).status).toBe(200);
    const terminating = await server().api('POST', '/api/v1/namespaces/closing/configmaps', { metadata: { name: 'late' } });
    expect(terminating.status).toBe(403);
    expect(terminating.body.message).toBe('configmaps "late" is forbidden: unable to create new content in namespace closing because it is being terminated');
    expect(terminating.body.details.causes).toEqual([{ reason: 'NamespaceTerminating', message: 'namespace closing is being terminated', field: 'metadata.namespace' }]);
  });
});

describe('update and status', () => {
  it('refuses a stale resourceVersion with 409 and bumps generation on spec changes only', async () => {
    const created = await server().api('POST', DEPLOYMENTS, deployment('gen'));
    expect(created.body.metadata.generation).toBe(1);
    const stale = { ...created.body, spec: { ...created.body.spec, replicas: 2 } };
    const first = await server().api('PUT', `${DEPLOYMENTS}/gen`, stale);
    expect(first.status).toBe(200);
    expect(first.body.metadata.generation).toBe(2);
    const second = await server().api('PUT', `${DEPLOYMENTS}/gen`, { ...stale, spec: { ...stale.spec, replicas: 3 } });
    expect(second.status).toBe(409);
    expect(second.body.message).toBe('Operation cannot be fulfilled on deployments.apps "gen": the object has been modified; please apply your changes to the latest version and try again');

    const labelled = await server().api('PATCH', `${DEPLOYMENTS}/gen`, JSON.stringify({ metadata: { labels: { a: 'b' } } }), { 'content-type': 'application/merge-patch+json' });
    expect(labelled.body.metadata.generation).toBe(2);
  });

  it('keeps status out of the main resource and spec out of the status subresource', async () => {
    const current = (await server().api('GET', `${DEPLOYMENTS}/gen`)).body;
    const viaMain = await server().api('PUT', `${DEPLOYMENTS}/gen`, { ...current, status: { replicas: 7 } });
    expect(viaMain.body.status?.replicas).toBeUndefined();
    const viaStatus = await server().api('PUT', `${DEPLOYMENTS}/gen/status`, { ...viaMain.body, spec: { ...viaMain.body.spec, replicas: 9 }, status: { replicas: 7 } });
    expect(viaStatus.status).toBe(200);
    expect(viaStatus.body.status.replicas).toBe(7);
    expect(viaStatus.body.spec.replicas).toBe(2);
    expect(viaStatus.body.metadata.generation).toBe(viaMain.body.metadata.generation);
  });

  it('patches with JSON patch, merge patch and strategic merge patch by merge key', async () => {
    const strategic = await server().api(
      'PATCH',
      `${DEPLOYMENTS}/gen`,
      JSON.stringify({ spec: { template: { spec: { containers: [{ name: 'sidecar', image: 'busybox' }] } } } }),
      { 'content-type': 'application/strategic-merge-patch+json' },
    );
    expect(strategic.body.spec.template.spec.containers.map((container: { name: string }) => container.name)).toEqual(['sidecar', 'web']);
    const merge = await server().api('PATCH', `${DEPLOYMENTS}/gen`, JSON.stringify({ spec: { template: { spec: { containers: [{ name: 'only', image: 'busybox' }] } } } }), {
      'content-type': 'application/merge-patch+json',
    });
    expect(merge.body.spec.template.spec.containers.map((container: { name: string }) => container.name)).toEqual(['only']);
    const json = await server().api('PATCH', `${DEPLOYMENTS}/gen`, JSON.stringify([{ op: 'replace', path: '/spec/replicas', value: 4 }]), { 'content-type': 'application/json-patch+json' });
    expect(json.body.spec.replicas).toBe(4);
    const failedTest = await server().api('PATCH', `${DEPLOYMENTS}/gen`, JSON.stringify([{ op: 'test', path: '/spec/replicas', value: 5 }]), { 'content-type': 'application/json-patch+json' });
    expect(failedTest.status).toBe(422);
    const unsupported = await server().api('PATCH', `${DEPLOYMENTS}/gen`, '{}', { 'content-type': 'application/json' });
    expect(unsupported.status).toBe(415);
  });
});

describe('delete', () => {
  it('keeps an object with finalizers, marked, until they are removed', async () => {
    expect((await server().api('POST', CM, { metadata: { name: 'final', finalizers: ['example.com/keep'] } })).status).toBe(201);
    const deleted = await server().api('DELETE', `${CM}/final`);
    expect(deleted.status).toBe(200);
    expect(deleted.body.metadata.deletionTimestamp).toBeDefined();
    expect(deleted.body.metadata.deletionGracePeriodSeconds).toBe(0);
    // Adding finalizers to an object being deleted is forbidden; changing data is fine.
    const added = await server().api('PATCH', `${CM}/final`, JSON.stringify({ metadata: { finalizers: ['example.com/keep', 'example.com/more'] } }), { 'content-type': 'application/merge-patch+json' });
    expect(added.status).toBe(422);
    expect(added.body.message).toBe(
      'ConfigMap "final" is invalid: metadata.finalizers: Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers []string{"example.com/more"}',
    );
    const released = await server().api('PATCH', `${CM}/final`, JSON.stringify({ metadata: { finalizers: null } }), { 'content-type': 'application/merge-patch+json' });
    expect(released.status).toBe(200);
    expect((await server().api('GET', `${CM}/final`)).status).toBe(404);
  });

  it('checks uid and resourceVersion preconditions, and honours dryRun', async () => {
    const created = await server().api('POST', CM, { metadata: { name: 'pre' } });
    const wrongUid = await server().api('DELETE', `${CM}/pre`, { kind: 'DeleteOptions', apiVersion: 'v1', preconditions: { uid: '00000000-0000-4000-8000-000000000000' } });
    expect(wrongUid.status).toBe(409);
    expect(wrongUid.body.message).toContain('Precondition failed: UID in precondition: 00000000-0000-4000-8000-000000000000');
    const dry = await server().api('DELETE', `${CM}/pre?dryRun=All`);
    expect(dry.status).toBe(200);
    expect((await server().api('GET', `${CM}/pre`)).status).toBe(200);
    const right = await server().api('DELETE', `${CM}/pre`, { preconditions: { uid: created.body.metadata.uid, resourceVersion: created.body.metadata.resourceVersion } });
    expect(right.status).toBe(200);
    expect(right.body).toMatchObject({ kind: 'Status', status: 'Success', details: { name: 'pre', kind: 'configmaps', uid: created.body.metadata.uid } });
  });

  it('deletes a collection by label selector', async () => {
    for (const [name, tier] of [['c1', 'x'], ['c2', 'x'], ['c3', 'y']] as const) {
      expect((await server().api('POST', CM, { metadata: { name, labels: { tier } } })).status).toBe(201);
    }
    const deleted = await server().api('DELETE', `${CM}?labelSelector=tier%3Dx`);
    expect(deleted.status).toBe(200);
    expect(deleted.body.kind).toBe('ConfigMapList');
    expect(deleted.body.items.map((item: { metadata: { name: string } }) => item.metadata.name)).toEqual(['c1', 'c2']);
    const left = await server().api('GET', `${CM}?labelSelector=tier`);
    expect(left.body.items.map((item: { metadata: { name: string } }) => item.metadata.name)).toEqual(['c3']);
  });
});

describe('Services', () => {
  it('allocate a ClusterIP from the service network and NodePorts from the range, and refuse taken ones', async () => {
    const kubernetes = await server().api('GET', '/api/v1/namespaces/default/services/kubernetes');
    expect(kubernetes.body.spec.clusterIP).toBe('10.43.0.1');

    const created = await server().api('POST', SERVICES, { metadata: { name: 'np' }, spec: { type: 'NodePort', selector: { app: 'x' }, ports: [{ port: 80 }] } });
    expect(created.status).toBe(201);
    expect(created.body.spec.clusterIP).toMatch(/^10\.43\.\d+\.\d+$/);
    expect(created.body.spec.clusterIPs).toEqual([created.body.spec.clusterIP]);
    const nodePort = created.body.spec.ports[0].nodePort as number;
    expect(nodePort).toBeGreaterThanOrEqual(30000);
    expect(nodePort).toBeLessThanOrEqual(32767);
    expect(created.body.spec.ports[0]).toMatchObject({ protocol: 'TCP', targetPort: 80 });

    const clash = await server().api('POST', SERVICES, { metadata: { name: 'np2' }, spec: { type: 'NodePort', ports: [{ port: 80, nodePort }] } });
    expect(clash.status).toBe(422);
    expect(clash.body.message).toContain(`spec.ports[0].nodePort: Invalid value: ${nodePort}: provided port is already allocated`);
    const ipClash = await server().api('POST', SERVICES, { metadata: { name: 'ip2' }, spec: { clusterIP: created.body.spec.clusterIP, ports: [{ port: 80 }] } });
    expect(ipClash.status).toBe(422);
    expect(ipClash.body.message).toContain('provided IP is already allocated');

    // Freed on delete: the same port can be taken again.
    expect((await server().api('DELETE', `${SERVICES}/np`)).status).toBe(200);
    const reuse = await server().api('POST', SERVICES, { metadata: { name: 'np3' }, spec: { type: 'NodePort', ports: [{ port: 80, nodePort }] } });
    expect(reuse.status).toBe(201);
  });

  it('exist with the default namespaces at start', async () => {
    const namespaces = await server().api('GET', '/api/v1/namespaces');
    expect(namespaces.body.items.map((item: { metadata: { name: string } }) => item.metadata.name)).toEqual(
      expect.arrayContaining(['default', 'kube-node-lease', 'kube-public', 'kube-system']),
    );
  });
});
