/**
 * ResourceQuota: usage kept current in the quota's status, and creates
 * refused past the hard limits with upstream's messages.
 */
import { describe, expect, it } from 'vitest';
import { eventually, useTestApiServer } from '../support/api-server.js';

const server = useTestApiServer();
const NS = '/api/v1/namespaces/quota';
const pod = (name: string, resources: object) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { containers: [{ name: 'c', image: 'x', resources }] } });

describe('ResourceQuota', () => {
  it('keeps status.used current and refuses what would exceed the quota', async () => {
    await server().api('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'quota' } });
    await server().api('POST', `${NS}/configmaps`, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'existing' } });
    const created = await server().api('POST', `${NS}/resourcequotas`, {
      apiVersion: 'v1',
      kind: 'ResourceQuota',
      metadata: { name: 'small' },
      spec: { hard: { configmaps: '2', pods: '2', 'requests.cpu': '1', 'limits.memory': '1Gi', 'count/deployments.apps': '0' } },
    });
    expect(created.status).toBe(201);
    const counted = await eventually(() => server().api('GET', `${NS}/resourcequotas/small`), (response) => response.body.status?.used !== undefined);
    expect(counted.body.status).toEqual({
      hard: { configmaps: '2', pods: '2', 'requests.cpu': '1', 'limits.memory': '1Gi', 'count/deployments.apps': '0' },
      used: { configmaps: '1', pods: '0', 'requests.cpu': '0', 'limits.memory': '0', 'count/deployments.apps': '0' },
    });

    expect((await server().api('POST', `${NS}/configmaps`, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'second' } })).status).toBe(201);
    const third = await server().api('POST', `${NS}/configmaps`, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'third' } });
    expect(third.status).toBe(403);
    expect(third.body.message).toBe('configmaps "third" is forbidden: exceeded quota: small, requested: configmaps=1, used: configmaps=2, limited: configmaps=2');

    const unbounded = await server().api('POST', `${NS}/pods`, pod('unbounded', {}));
    expect(unbounded.body.message).toBe('pods "unbounded" is forbidden: failed quota: small: must specify limits.memory,requests.cpu');
    expect((await server().api('POST', `${NS}/pods`, pod('a', { requests: { cpu: '600m' }, limits: { memory: '512Mi' } }))).status).toBe(201);
    const greedy = await server().api('POST', `${NS}/pods`, pod('b', { requests: { cpu: '500m' }, limits: { memory: '256Mi' } }));
    expect(greedy.status).toBe(403);
    expect(greedy.body.message).toBe('pods "b" is forbidden: exceeded quota: small, requested: requests.cpu=500m, used: requests.cpu=600m, limited: requests.cpu=1');
    const deployment = await server().api('POST', '/apis/apps/v1/namespaces/quota/deployments', {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web' },
      spec: { selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'nginx' }] } } },
    });
    expect(deployment.body.message).toBe('deployments.apps "web" is forbidden: exceeded quota: small, requested: count/deployments.apps=1, used: count/deployments.apps=0, limited: count/deployments.apps=0');

    // Deleting frees the quota again.
    await server().api('DELETE', `${NS}/configmaps/second`);
    await server().api('DELETE', `${NS}/pods/a?gracePeriodSeconds=0`);
    const freed = await eventually(() => server().api('GET', `${NS}/resourcequotas/small`), (response) => response.body.status?.used?.configmaps === '1' && response.body.status?.used?.pods === '0', 5000);
    expect(freed.body.status.used).toEqual({ configmaps: '1', pods: '0', 'requests.cpu': '0', 'limits.memory': '0', 'count/deployments.apps': '0' });
    expect((await server().api('POST', `${NS}/configmaps`, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'third' } })).status).toBe(201);
  });

  it('lets only one of two racing creates take the last unit', async () => {
    await server().api('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'race' } });
    await server().api('POST', '/api/v1/namespaces/race/resourcequotas', { apiVersion: 'v1', kind: 'ResourceQuota', metadata: { name: 'one' }, spec: { hard: { secrets: '1' } } });
    await eventually(() => server().api('GET', '/api/v1/namespaces/race/resourcequotas/one'), (response) => response.body.status?.used !== undefined);
    const results = await Promise.all(
      Array.from({ length: 5 }, (_, index) => server().api('POST', '/api/v1/namespaces/race/secrets', { apiVersion: 'v1', kind: 'Secret', metadata: { name: `s${index}` } })),
    );
    expect(results.filter((result) => result.status === 201)).toHaveLength(1);
    expect(results.filter((result) => result.status === 403)).toHaveLength(4);
  });
});
