import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { kubectlOk } from '../support/kubectl.js';
import { createEstablishedCrd, startCrdTestServer, widgetCrd, type CrdTestServer } from './helpers.js';

const WIDGETS = '/apis/example.com/v1/namespaces/default/widgets';
const withSubresources = {
  subresources: { status: {}, scale: { specReplicasPath: '.spec.replicas', statusReplicasPath: '.status.replicas', labelSelectorPath: '.status.selector' } },
};

describe('custom resource subresources', () => {
  let t: CrdTestServer;
  beforeEach(async () => {
    t = await startCrdTestServer();
  });
  afterEach(async () => {
    await t.close();
  });

  it('status: the main resource ignores status, the status subresource ignores everything else', async () => {
    await createEstablishedCrd(t, widgetCrd(withSubresources));
    const created = await t.api('POST', WIDGETS, { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' }, spec: { replicas: 1 }, status: { phase: 'Made-up' } });
    expect(created.status).toBe(201);
    expect(created.body.status).toBeUndefined();

    const statusWrite = await t.api('PUT', `${WIDGETS}/w/status`, { ...created.body, spec: { replicas: 9 }, status: { replicas: 1, phase: 'Ready', selector: 'app=w' } });
    expect(statusWrite.status).toBe(200);
    expect(statusWrite.body.spec).toEqual({ replicas: 1 });
    expect(statusWrite.body.status).toEqual({ replicas: 1, phase: 'Ready', selector: 'app=w' });
    expect(statusWrite.body.metadata.generation).toBe(1);
    // The status subresource validates status alone, against the schema's status.
    const badStatus = await t.api('PUT', `${WIDGETS}/w/status`, { ...statusWrite.body, status: { replicas: 'many' } });
    expect(badStatus.status).toBe(422);
    expect(badStatus.body.details.causes).toEqual([
      { reason: 'FieldValueTypeInvalid', message: 'Invalid value: "string": replicas in body must be of type integer: "string"', field: 'status.replicas' },
      // The scale subresource's status path is checked too, with upstream's accessor message.
      { reason: 'FieldValueInvalid', message: 'Invalid value: 0: .status.replicas accessor error: many is of the type string, expected int64', field: '.status.replicas' },
    ]);

    const mainWrite = await t.api('PUT', `${WIDGETS}/w`, { ...statusWrite.body, status: { phase: 'Hijacked' } });
    expect(mainWrite.body.status.phase).toBe('Ready');
    // Only status differed, and the main resource ignores it: nothing changed, no new generation.
    expect(mainWrite.body.metadata.generation).toBe(1);
    const specWrite = await t.api('PUT', `${WIDGETS}/w`, { ...mainWrite.body, spec: { replicas: 2 } });
    expect(specWrite.body.metadata.generation).toBe(2);

    const discovery = await t.api('GET', '/apis/example.com/v1');
    const names = discovery.body.resources.map((resource: { name: string }) => resource.name);
    expect(names).toEqual(expect.arrayContaining(['widgets', 'widgets/status', 'widgets/scale']));
  });

  it('without a status subresource, status is ordinary content that counts for generation', async () => {
    await createEstablishedCrd(t, widgetCrd());
    const created = await t.api('POST', WIDGETS, { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' }, status: { phase: 'Set' } });
    expect(created.body.status).toEqual({ phase: 'Set' });
    const updated = await t.api('PUT', `${WIDGETS}/w`, { ...created.body, status: { phase: 'Changed' } });
    expect(updated.body.status).toEqual({ phase: 'Changed' });
    expect(updated.body.metadata.generation).toBe(2);
    expect((await t.api('GET', `${WIDGETS}/w/status`)).status).toBe(404);
  });

  it('scale: kubectl scale writes the spec replicas path, the Scale reads both paths and the selector', async () => {
    await createEstablishedCrd(t, widgetCrd(withSubresources));
    await t.api('POST', WIDGETS, { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' }, spec: { replicas: 1 } });
    const current = await t.api('GET', `${WIDGETS}/w`);
    await t.api('PUT', `${WIDGETS}/w/status`, { ...current.body, status: { replicas: 1, selector: 'app=w' } });

    expect(await kubectlOk(t.kubeconfig, ['scale', 'widget', 'w', '--replicas=4'])).toContain('widget.example.com/w scaled');
    const scale = await t.api('GET', `${WIDGETS}/w/scale`);
    expect(scale.body).toMatchObject({ kind: 'Scale', apiVersion: 'autoscaling/v1', metadata: { name: 'w', namespace: 'default' }, spec: { replicas: 4 }, status: { replicas: 1, selector: 'app=w' } });
    const widget = await t.api('GET', `${WIDGETS}/w`);
    expect(widget.body.spec.replicas).toBe(4);
    expect(widget.body.metadata.generation).toBe(2);
  });

  it('refuses negative replicas at the scale path with upstream message', async () => {
    await createEstablishedCrd(t, widgetCrd(withSubresources));
    const refused = await t.api('POST', WIDGETS, { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' }, spec: { replicas: -1 } });
    expect(refused.status).toBe(422);
    expect(refused.body.reason).toBe('Invalid');
    expect(refused.body.details.causes).toEqual([
      { reason: 'FieldValueInvalid', message: 'Invalid value: -1: spec.replicas in body should be greater than or equal to 0', field: 'spec.replicas' },
      { reason: 'FieldValueInvalid', message: 'Invalid value: -1: should be a non-negative integer', field: '.spec.replicas' },
    ]);
  });

  it('refuses strategic merge patches with 415, as upstream does for custom resources', async () => {
    await createEstablishedCrd(t, widgetCrd());
    await t.api('POST', WIDGETS, { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' } });
    const refused = await t.api('PATCH', `${WIDGETS}/w`, { spec: { size: 'x' } }, { 'content-type': 'application/strategic-merge-patch+json' });
    expect(refused.status).toBe(415);
    expect(refused.body).toMatchObject({
      reason: 'UnsupportedMediaType',
      message: 'the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml',
    });
    const merged = await t.api('PATCH', `${WIDGETS}/w`, { spec: { size: 'x' } }, { 'content-type': 'application/merge-patch+json' });
    expect(merged.status).toBe(200);
    expect(merged.body.spec.size).toBe('x');
  });
});
