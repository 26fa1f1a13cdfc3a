/**
 * Cascading deletion through ownerReferences, as upstream's garbage
 * collector does it, observed over the API of a real in-process server:
 * background (the default), foreground (dependents first, the owner waits
 * with the "foregroundDeletion" finalizer) and orphan (dependents stay,
 * without the reference).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestServer, type LkServer } from '@lk/core';

interface Meta {
  name: string;
  uid: string;
  resourceVersion: string;
  deletionTimestamp?: string;
  finalizers?: string[];
  ownerReferences?: { uid: string; name: string }[];
}

let server: LkServer;
beforeAll(async () => {
  server = await createTestServer();
});
afterAll(async () => {
  await server.close();
});

async function call(method: string, path: string, body?: unknown): Promise<{ status: number; body: { metadata: Meta; [key: string]: unknown } }> {
  const response = await server.fetch(path, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: (await response.json()) as { metadata: Meta } };
}

const CONFIGMAPS = '/api/v1/namespaces/default/configmaps';
const SECRETS = '/api/v1/namespaces/default/secrets';

type Owner = { kind: string; apiVersion: string; metadata: Meta };

function ownedBy(owner: Owner, block = false): object {
  return { apiVersion: owner.apiVersion, kind: owner.kind, name: owner.metadata.name, uid: owner.metadata.uid, ...(block && { blockOwnerDeletion: true }) };
}

async function configMap(name: string, owners: object[] = [], finalizers?: string[]): Promise<Owner> {
  const created = await call('POST', CONFIGMAPS, { metadata: { name, ownerReferences: owners, ...(finalizers && { finalizers }) }, data: { name } });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  return { kind: 'ConfigMap', apiVersion: 'v1', metadata: created.body.metadata };
}

/** Polls until `done` holds (or fails with the last value seen). */
async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let value = await read();
  while (!done(value)) {
    if (Date.now() > deadline) throw new Error(`condition not reached in ${timeoutMs} ms; last value: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
    value = await read();
  }
  return value;
}

const statusOf = async (path: string): Promise<number> => (await call('GET', path)).status;

describe('garbage collection', () => {
  it('deletes dependents of every kind in the background once their owner is gone', async () => {
    const owner = await configMap('bg-owner');
    await configMap('bg-child', [ownedBy(owner)]);
    const secret = await call('POST', SECRETS, { metadata: { name: 'bg-secret', ownerReferences: [ownedBy(owner)] }, stringData: { a: 'b' } });
    expect(secret.status).toBe(201);

    expect((await call('DELETE', `${CONFIGMAPS}/bg-owner`)).status).toBe(200);
    await eventually(() => statusOf(`${CONFIGMAPS}/bg-child`), (status) => status === 404);
    await eventually(() => statusOf(`${SECRETS}/bg-secret`), (status) => status === 404);
  });

  it('deletes an object whose owner never existed, and only drops the dangling reference of one that still has a live owner', async () => {
    const phantom = { apiVersion: 'v1', kind: 'ConfigMap', name: 'never-was', uid: '3f1c2e6a-0000-4000-8000-000000000001' };
    await configMap('orphaned-at-birth', [phantom]);
    const live = await configMap('live-owner');
    await configMap('half-owned', [ownedBy(live), phantom]);

    await eventually(() => statusOf(`${CONFIGMAPS}/orphaned-at-birth`), (status) => status === 404);
    const kept = await eventually(
      () => call('GET', `${CONFIGMAPS}/half-owned`),
      (response) => response.body.metadata.ownerReferences?.length === 1,
    );
    expect(kept.status).toBe(200);
    expect(kept.body.metadata.ownerReferences).toEqual([expect.objectContaining({ uid: live.metadata.uid })]);
  });

  it('deletes in the foreground: the owner waits, visible, until its blocking dependents are gone', async () => {
    const top = await configMap('fg-top');
    const middle = await configMap('fg-middle', [ownedBy(top, true)]);
    // The leaf holds a finalizer of its own, so the chain visibly waits on it.
    await configMap('fg-leaf', [ownedBy(middle, true)], ['example.com/hold']);

    const deleted = await call('DELETE', `${CONFIGMAPS}/fg-top`, { kind: 'DeleteOptions', apiVersion: 'v1', propagationPolicy: 'Foreground' });
    expect(deleted.status).toBe(200);
    expect(deleted.body.metadata.deletionTimestamp).toBeDefined();
    expect(deleted.body.metadata.finalizers).toContain('foregroundDeletion');

    // The middle object is deleted in the foreground too (it has a dependent), and the leaf is being deleted.
    const leaf = await eventually(() => call('GET', `${CONFIGMAPS}/fg-leaf`), (response) => response.body.metadata.deletionTimestamp !== undefined);
    expect(leaf.status).toBe(200);
    const waitingMiddle = await call('GET', `${CONFIGMAPS}/fg-middle`);
    expect(waitingMiddle.body.metadata.finalizers).toContain('foregroundDeletion');
    expect(await statusOf(`${CONFIGMAPS}/fg-top`)).toBe(200);

    // Releasing the leaf lets the whole chain finish, bottom up.
    const release = await server.fetch(`${CONFIGMAPS}/fg-leaf`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/merge-patch+json' },
      body: JSON.stringify({ metadata: { finalizers: null } }),
    });
    expect(release.status).toBe(200);
    await eventually(() => statusOf(`${CONFIGMAPS}/fg-leaf`), (status) => status === 404);
    await eventually(() => statusOf(`${CONFIGMAPS}/fg-middle`), (status) => status === 404);
    await eventually(() => statusOf(`${CONFIGMAPS}/fg-top`), (status) => status === 404);
  });

  it('orphans: the owner goes, its dependents stay without the reference', async () => {
    const owner = await configMap('orphan-owner');
    const other = await configMap('orphan-other');
    await configMap('orphan-child', [ownedBy(owner)]);
    await configMap('orphan-twin', [ownedBy(owner), ownedBy(other)]);

    const deleted = await call('DELETE', `${CONFIGMAPS}/orphan-owner`, { kind: 'DeleteOptions', apiVersion: 'v1', propagationPolicy: 'Orphan' });
    expect(deleted.status).toBe(200);
    expect(deleted.body.metadata.finalizers).toContain('orphan');
    await eventually(() => statusOf(`${CONFIGMAPS}/orphan-owner`), (status) => status === 404);

    const child = await call('GET', `${CONFIGMAPS}/orphan-child`);
    expect(child.status).toBe(200);
    expect(child.body.metadata.ownerReferences).toBeUndefined();
    const twin = await call('GET', `${CONFIGMAPS}/orphan-twin`);
    expect(twin.body.metadata.ownerReferences).toEqual([expect.objectContaining({ uid: other.metadata.uid })]);
  });

  it('follows custom resources: a CRD’s objects cascade like built-ins', async () => {
    const crd = {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: 'gizmos.gc.lk.dev' },
      spec: {
        group: 'gc.lk.dev',
        scope: 'Namespaced',
        names: { plural: 'gizmos', kind: 'Gizmo' },
        versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } }],
      },
    };
    expect((await call('POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', crd)).status).toBe(201);
    const gizmos = '/apis/gc.lk.dev/v1/namespaces/default/gizmos';
    const owner = await eventually(() => call('POST', gizmos, { apiVersion: 'gc.lk.dev/v1', kind: 'Gizmo', metadata: { name: 'parent' } }), (response) => response.status === 201);
    await configMap('gizmo-child', [ownedBy({ apiVersion: 'gc.lk.dev/v1', kind: 'Gizmo', metadata: owner.body.metadata })]);
    // Give the collector's discovery a chance to pick up the new resource, then delete the owner.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await statusOf(`${CONFIGMAPS}/gizmo-child`)).toBe(200);
    expect((await call('DELETE', `${gizmos}/parent`)).status).toBe(200);
    await eventually(() => statusOf(`${CONFIGMAPS}/gizmo-child`), (status) => status === 404);
  });
});
