/**
 * pods/binding (how a scheduler places a pod) and pods/eviction (how
 * `kubectl drain` removes pods while honouring PodDisruptionBudgets), with
 * upstream's answers, and kubectl drain itself driving the eviction API.
 */
import { describe, expect, it } from 'vitest';
import { kubectl } from './support/kubectl.js';
import { useTestApiServer } from './support/api-server.js';

const server = useTestApiServer();

const PODS = '/api/v1/namespaces/default/pods';
const PDBS = '/apis/policy/v1/namespaces/default/poddisruptionbudgets';

function pod(name: string, extra: { labels?: Record<string, string>; spec?: Record<string, unknown> } = {}): object {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, labels: extra.labels ?? { app: name } },
    spec: { containers: [{ name: 'main', image: 'busybox:1.36' }], ...extra.spec },
  };
}

function binding(name: string, node: string | undefined, extra: Record<string, unknown> = {}): object {
  return { apiVersion: 'v1', kind: 'Binding', metadata: { name, ...extra }, target: node === undefined ? { kind: 'Node' } : { kind: 'Node', name: node } };
}

function eviction(name: string, deleteOptions?: object): object {
  return { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name, namespace: 'default' }, ...(deleteOptions && { deleteOptions }) };
}

/** Makes a pod look like a kubelet runs it: bound to a node, Running and Ready. */
async function runningPod(name: string, labels: Record<string, string>): Promise<void> {
  expect((await server().api('POST', PODS, pod(name, { labels }))).status).toBe(201);
  expect((await server().api('POST', `${PODS}/${name}/binding`, binding(name, 'node-a'))).status).toBe(201);
  const current = (await server().api('GET', `${PODS}/${name}`)).body;
  current.status = { ...current.status, phase: 'Running', conditions: [...current.status.conditions, { type: 'Ready', status: 'True' }] };
  expect((await server().api('PUT', `${PODS}/${name}/status`, current)).status).toBe(200);
}

describe('pods/binding', () => {
  it('binds a pod to a node: spec.nodeName set, PodScheduled True, a 201 Success Status', async () => {
    expect((await server().api('POST', PODS, pod('bind-me'))).status).toBe(201);
    const bound = await server().api('POST', `${PODS}/bind-me/binding`, binding('bind-me', 'node-a', { annotations: { 'scheduler.example/score': '7' } }));
    expect(bound.status).toBe(201);
    expect(bound.body).toEqual({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 });

    const after = (await server().api('GET', `${PODS}/bind-me`)).body;
    expect(after.spec.nodeName).toBe('node-a');
    expect(after.metadata.annotations).toEqual({ 'scheduler.example/score': '7' });
    expect(after.status.conditions).toEqual([expect.objectContaining({ type: 'PodScheduled', status: 'True' })]);
    expect(after.status.phase).toBe('Pending');

    // A field selector on spec.nodeName now finds it, as kubelets list their pods.
    const onNode = await server().api('GET', `${PODS}?fieldSelector=spec.nodeName%3Dnode-a`);
    expect(onNode.body.items.map((item: { metadata: { name: string } }) => item.metadata.name)).toContain('bind-me');
  });

  it('refuses to bind twice, a gated pod, a mismatched name, a missing target and a missing pod', async () => {
    const again = await server().api('POST', `${PODS}/bind-me/binding`, binding('bind-me', 'node-b'));
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ reason: 'Conflict', message: 'Operation cannot be fulfilled on pods "bind-me": pod bind-me is already assigned to node "node-a"' });

    expect((await server().api('POST', PODS, pod('gated', { spec: { schedulingGates: [{ name: 'example.com/wait' }] } }))).status).toBe(201);
    const gated = await server().api('POST', `${PODS}/gated/binding`, binding('gated', 'node-a'));
    expect(gated.status).toBe(409);
    expect(gated.body.message).toContain('pod gated has non-empty .spec.schedulingGates');

    const mismatch = await server().api('POST', `${PODS}/gated/binding`, binding('other', 'node-a'));
    expect(mismatch.status).toBe(400);
    expect(mismatch.body.message).toBe('name in URL does not match name in Binding object');

    const noTarget = await server().api('POST', `${PODS}/gated/binding`, binding('gated', undefined));
    expect(noTarget.status).toBe(422);
    expect(noTarget.body.details.causes).toEqual([{ reason: 'FieldValueRequired', message: 'Required value', field: 'target.name' }]);

    const missing = await server().api('POST', `${PODS}/nobody/binding`, binding('nobody', 'node-a'));
    expect(missing.status).toBe(404);
    expect(missing.body.message).toBe('pods "nobody" not found');

    const wrongVerb = await server().api('GET', `${PODS}/bind-me/binding`);
    expect(wrongVerb.status).toBe(405);
  });
});

describe('pods/eviction', () => {
  it('evicts a pending pod at once, budget or not', async () => {
    expect((await server().api('POST', PDBS, { metadata: { name: 'pending-budget' }, spec: { minAvailable: 5, selector: { matchLabels: { tier: 'pending' } } } })).status).toBe(201);
    expect((await server().api('POST', PODS, pod('pending', { labels: { tier: 'pending' } }))).status).toBe(201);
    const evicted = await server().api('POST', `${PODS}/pending/eviction`, eviction('pending'));
    expect(evicted.status).toBe(201);
    expect(evicted.body).toMatchObject({ status: 'Success', code: 201 });
    expect((await server().api('GET', `${PODS}/pending`)).status).toBe(404);
  });

  it('answers 429 while the budget is unprocessed or spent, and spends it when it allows a disruption', async () => {
    await runningPod('guarded', { tier: 'db' });
    const created = await server().api('POST', PDBS, { metadata: { name: 'db' }, spec: { minAvailable: 1, selector: { matchLabels: { tier: 'db' } } } });
    expect(created.status).toBe(201);

    const unprocessed = await server().api('POST', `${PODS}/guarded/eviction`, eviction('guarded'));
    expect(unprocessed.status).toBe(429);
    expect(unprocessed.body).toMatchObject({
      reason: 'TooManyRequests',
      message: "Cannot evict pod as it would violate the pod's disruption budget.",
      details: { causes: [{ reason: 'DisruptionBudget', message: 'The disruption budget db is still being processed by the server.' }] },
    });

    // What the disruption controller would write: one healthy pod, one needed, nothing to spare.
    const budget = (await server().api('GET', `${PDBS}/db`)).body;
    budget.status = { observedGeneration: budget.metadata.generation, disruptionsAllowed: 0, currentHealthy: 1, desiredHealthy: 1, expectedPods: 1 };
    expect((await server().api('PUT', `${PDBS}/db/status`, budget)).status).toBe(200);
    const spent = await server().api('POST', `${PODS}/guarded/eviction`, eviction('guarded'));
    expect(spent.status).toBe(429);
    expect(spent.body.details.causes).toEqual([{ reason: 'DisruptionBudget', message: 'The disruption budget db needs 1 healthy pods and has 1 currently' }]);
    expect((await server().api('GET', `${PODS}/guarded`)).body.metadata.deletionTimestamp).toBeUndefined();

    const allowing = (await server().api('GET', `${PDBS}/db`)).body;
    allowing.status = { ...allowing.status, disruptionsAllowed: 1, currentHealthy: 2 };
    expect((await server().api('PUT', `${PDBS}/db/status`, allowing)).status).toBe(200);
    const evicted = await server().api('POST', `${PODS}/guarded/eviction`, eviction('guarded', { gracePeriodSeconds: 0 }));
    expect(evicted.status).toBe(201);
    expect((await server().api('GET', `${PODS}/guarded`)).status).toBe(404);
    const after = (await server().api('GET', `${PDBS}/db`)).body;
    expect(after.status.disruptionsAllowed).toBe(0);
    expect(Object.keys(after.status.disruptedPods)).toEqual(['guarded']);
  });

  it('refuses a pod with two budgets, a mismatched name, and bad delete options', async () => {
    await runningPod('twice', { tier: 'web', zone: 'a' });
    for (const [name, labels] of [['web', { tier: 'web' }], ['zone-a', { zone: 'a' }]] as const) {
      expect((await server().api('POST', PDBS, { metadata: { name }, spec: { maxUnavailable: 1, selector: { matchLabels: labels } } })).status).toBe(201);
    }
    const twoBudgets = await server().api('POST', `${PODS}/twice/eviction`, eviction('twice'));
    expect(twoBudgets.status).toBe(500);
    expect(twoBudgets.body.message).toContain('This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.');

    const mismatch = await server().api('POST', `${PODS}/twice/eviction`, eviction('someone-else'));
    expect(mismatch.status).toBe(400);
    expect(mismatch.body.message).toBe('name in URL does not match name in Eviction object');

    const badOptions = await server().api('POST', `${PODS}/twice/eviction`, eviction('twice', { gracePeriodSeconds: -5 }));
    expect(badOptions.status).toBe(400);
  });

  it('is what kubectl drain uses: it cordons the node and evicts its pods', async () => {
    expect((await server().api('POST', '/api/v1/nodes', { apiVersion: 'v1', kind: 'Node', metadata: { name: 'node-d' } })).status).toBe(201);
    for (const name of ['drain-1', 'drain-2']) {
      expect((await server().api('POST', PODS, pod(name))).status).toBe(201);
      expect((await server().api('POST', `${PODS}/${name}/binding`, binding(name, 'node-d'))).status).toBe(201);
    }
    const drained = await kubectl(server().kubeconfig, ['drain', 'node-d', '--force', '--grace-period=0', '--timeout=20s']);
    expect(drained.stderr + drained.stdout).toContain('node/node-d cordoned');
    expect(drained.stdout).toContain('pod/drain-1 evicted');
    expect(drained.stdout).toContain('pod/drain-2 evicted');
    expect(drained.stdout).toContain('node/node-d drained');
    expect(drained.code).toBe(0);
    expect((await server().api('GET', '/api/v1/nodes/node-d')).body.spec.unschedulable).toBe(true);
    expect((await server().api('GET', `${PODS}?fieldSelector=spec.nodeName%3Dnode-d`)).body.items).toEqual([]);
  });
});
