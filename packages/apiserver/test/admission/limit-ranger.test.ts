/**
 * LimitRanger: defaults from a namespace's LimitRange, and its bounds, with
 * upstream's messages.
 */
import { describe, expect, it } from 'vitest';
import { eventually, useTestApiServer } from '../support/api-server.js';

const server = useTestApiServer();
const pod = (name: string, resources: object = {}) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { containers: [{ name: 'c', image: 'x', resources }] } });

describe('LimitRanger', () => {
  it('gives containers default requests and limits, and refuses what is out of bounds', async () => {
    await server().api('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'limited' } });
    const range = await server().api('POST', '/api/v1/namespaces/limited/limitranges', {
      apiVersion: 'v1',
      kind: 'LimitRange',
      metadata: { name: 'bounds' },
      spec: { limits: [{ type: 'Container', max: { cpu: '1' }, min: { cpu: '100m' }, default: { cpu: '500m', memory: '256Mi' }, defaultRequest: { cpu: '200m' }, maxLimitRequestRatio: { cpu: '4' } }] },
    });
    expect(range.status).toBe(201);
    const defaulted = await eventually(
      () => server().api('POST', '/api/v1/namespaces/limited/pods', pod(`defaulted-${Date.now()}`)),
      (response) => response.body?.spec?.containers?.[0]?.resources?.limits !== undefined,
    );
    expect(defaulted.status).toBe(201);
    expect(defaulted.body.spec.containers[0].resources).toEqual({ limits: { cpu: '500m', memory: '256Mi' }, requests: { cpu: '200m', memory: '256Mi' } });
    expect(defaulted.body.metadata.annotations['kubernetes.io/limit-ranger']).toBe('LimitRanger plugin set: cpu, memory request for container c; cpu, memory limit for container c');

    const tooMuch = await server().api('POST', '/api/v1/namespaces/limited/pods', pod('too-much', { limits: { cpu: '2' }, requests: { cpu: '1' } }));
    expect(tooMuch.status).toBe(403);
    expect(tooMuch.body.message).toBe('pods "too-much" is forbidden: maximum cpu usage per Container is 1, but limit is 2');
    const tooLittle = await server().api('POST', '/api/v1/namespaces/limited/pods', pod('too-little', { limits: { cpu: '800m' }, requests: { cpu: '50m' } }));
    expect(tooLittle.body.message).toBe('pods "too-little" is forbidden: [minimum cpu usage per Container is 100m, but request is 50m, cpu max limit to request ratio per Container is 4, but provided ratio is 16.000000]');
  });
});
