/**
 * PodSecurity admission by namespace label, with upstream's messages.
 */
import { describe, expect, it } from 'vitest';
import { eventually, useTestApiServer } from '../support/api-server.js';

const server = useTestApiServer();

async function namespace(name: string, labels: Record<string, string>): Promise<void> {
  await server().api('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } });
  // The plugin reads labels from the watch cache.
  await eventually(() => server().api('GET', `/api/v1/namespaces/${name}`), (response) => response.status === 200);
  await new Promise((resolve) => setTimeout(resolve, 50));
}

const pod = (name: string, container: object = {}, spec: object = {}) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { automountServiceAccountToken: false, containers: [{ name: 'c', image: 'x', ...container }], ...spec } });
const COMPLIANT = { securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } } };

describe('PodSecurity', () => {
  it('refuses pods that violate the enforced level, with upstream’s message, and admits compliant ones', async () => {
    await namespace('strict', { 'pod-security.kubernetes.io/enforce': 'restricted' });
    const refused = await server().api('POST', '/api/v1/namespaces/strict/pods', pod('plain'));
    expect(refused.status).toBe(403);
    expect(refused.body.message).toBe(
      'pods "plain" is forbidden: violates PodSecurity "restricted:latest": allowPrivilegeEscalation != false (container "c" must set securityContext.allowPrivilegeEscalation=false), unrestricted capabilities (container "c" must set securityContext.capabilities.drop=["ALL"]), runAsNonRoot != true (pod or container "c" must set securityContext.runAsNonRoot=true), seccompProfile (pod or container "c" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")',
    );
    expect((await server().api('POST', '/api/v1/namespaces/strict/pods', pod('compliant', COMPLIANT))).status).toBe(201);
  });

  it('holds baseline against privileged containers, host namespaces and hostPath volumes', async () => {
    await namespace('base', { 'pod-security.kubernetes.io/enforce': 'baseline' });
    const refused = await server().api('POST', '/api/v1/namespaces/base/pods', pod('root', { securityContext: { privileged: true } }, { hostNetwork: true, volumes: [{ name: 'data', hostPath: { path: '/data' } }] }));
    expect(refused.body.message).toBe(
      'pods "root" is forbidden: violates PodSecurity "baseline:latest": host namespaces (hostNetwork=true), privileged (container "c" must not set securityContext.privileged=true), hostPath volumes (volume "data")',
    );
    // Baseline lets a plain pod run.
    expect((await server().api('POST', '/api/v1/namespaces/base/pods', pod('plain'))).status).toBe(201);
  });

  it('warns for the warn level and for workloads, without refusing them', async () => {
    await namespace('warned', { 'pod-security.kubernetes.io/warn': 'restricted', 'pod-security.kubernetes.io/enforce': 'baseline' });
    const warned = await server().api('POST', '/api/v1/namespaces/warned/pods', pod('plain'));
    expect(warned.status).toBe(201);
    expect(warned.headers.get('warning')).toContain('299 - "would violate PodSecurity \\"restricted:latest\\": allowPrivilegeEscalation != false');
    await namespace('workloads', { 'pod-security.kubernetes.io/enforce': 'restricted' });
    const deployment = await server().api('POST', '/apis/apps/v1/namespaces/workloads/deployments', {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web' },
      spec: { selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'nginx' }] } } },
    });
    expect(deployment.status).toBe(201);
    expect(deployment.headers.get('warning')).toContain('would violate PodSecurity \\"restricted:latest\\": allowPrivilegeEscalation != false (container \\"web\\" must set securityContext.allowPrivilegeEscalation=false)');
  });

  it('checks nothing where no level is set (privileged, upstream’s default)', async () => {
    const privileged = await server().api('POST', '/api/v1/namespaces/default/pods', pod('anything', { securityContext: { privileged: true } }, { hostPID: true }));
    expect(privileged.status).toBe(201);
    expect(privileged.headers.get('warning')).toBeNull();
  });
});

describe('PodSecurity on namespace changes', () => {
  it('warns about existing pods when a namespace’s enforce level tightens, without refusing the change', async () => {
    await namespace('tighten', {});
    for (const name of ['a', 'b', 'c']) await server().api('POST', '/api/v1/namespaces/tighten/pods', pod(name));
    await server().api('POST', '/api/v1/namespaces/tighten/pods', pod('ok', COMPLIANT));
    const current = (await server().api('GET', '/api/v1/namespaces/tighten')).body;
    const labelled = await eventually(
      () => server().api('PUT', '/api/v1/namespaces/tighten', { ...current, metadata: { ...current.metadata, resourceVersion: undefined, labels: { ...current.metadata.labels, 'pod-security.kubernetes.io/enforce': 'restricted' } } }),
      (response) => response.headers.get('warning') !== null,
    );
    expect(labelled.status).toBe(200);
    expect(labelled.headers.get('warning')).toBe(
      '299 - "existing pods in namespace \\"tighten\\" violate the new PodSecurity enforce level \\"restricted:latest\\"", 299 - "a (and 2 other pods): allowPrivilegeEscalation != false, unrestricted capabilities, runAsNonRoot != true, seccompProfile"',
    );
  });
});
