/**
 * ValidatingAdmissionPolicy: CEL validations bound to writes, with
 * upstream's messages for denials and warnings, parameters, variables,
 * match conditions and failure policies.
 */
import { describe, expect, it } from 'vitest';
import { eventually, useTestApiServer } from '../support/api-server.js';

const server = useTestApiServer();
const AR = '/apis/admissionregistration.k8s.io/v1';

const policy = (name: string, spec: object) => ({ apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingAdmissionPolicy', metadata: { name }, spec });
const binding = (name: string, spec: object) => ({ apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingAdmissionPolicyBinding', metadata: { name }, spec });
const deployments = { resourceRules: [{ apiGroups: ['apps'], apiVersions: ['v1'], operations: ['CREATE', 'UPDATE'], resources: ['deployments'] }] };
const deployment = (namespace: string, name: string, replicas: number, labels: Record<string, string> = {}) =>
  server().api('POST', `/apis/apps/v1/namespaces/${namespace}/deployments`, {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, labels },
    spec: { replicas, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image: 'x' }] } } },
  });
const namespace = (name: string, labels: Record<string, string> = {}) => server().api('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } });

describe('ValidatingAdmissionPolicy', () => {
  it('denies what fails a validation, with upstream’s message (the KEP’s replicas example)', async () => {
    await namespace('vap-deny');
    expect((await server().api('POST', `${AR}/validatingadmissionpolicies`, policy('demo-policy.example.com', { failurePolicy: 'Fail', matchConstraints: deployments, validations: [{ expression: 'object.spec.replicas <= 5' }] }))).status).toBe(201);
    expect((await server().api('POST', `${AR}/validatingadmissionpolicybindings`, binding('demo-binding-test.example.com', { policyName: 'demo-policy.example.com', validationActions: ['Deny'], matchResources: { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'vap-deny' } } } }))).status).toBe(201);
    const denied = await eventually(() => deployment('vap-deny', `big-${Date.now()}`, 6), (response) => response.status === 422);
    expect(denied.body).toMatchObject({
      reason: 'Invalid',
      code: 422,
      message: expect.stringMatching(/^deployments\.apps "big-\d+" is forbidden: ValidatingAdmissionPolicy 'demo-policy\.example\.com' with binding 'demo-binding-test\.example\.com' denied request: failed expression: object\.spec\.replicas <= 5$/),
    });
    expect((await deployment('vap-deny', 'small', 3)).status).toBe(201);
    // Other namespaces are not bound.
    expect((await deployment('default', 'big-elsewhere', 6)).status).toBe(201);
  });

  it('warns instead with Warn, reads parameters, variables and messageExpressions, and honours reason', async () => {
    await namespace('vap-params');
    await server().api('POST', '/api/v1/namespaces/vap-params/configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'limits' }, data: { maxReplicas: '2' } });
    await server().api('POST', `${AR}/validatingadmissionpolicies`, policy('max-replicas.example.com', {
      paramKind: { apiVersion: 'v1', kind: 'ConfigMap' },
      matchConstraints: deployments,
      variables: [{ name: 'limit', expression: 'int(params.data.maxReplicas)' }],
      validations: [{ expression: 'object.spec.replicas <= variables.limit', messageExpression: "'replicas must be at most ' + string(variables.limit)", reason: 'Forbidden' }],
    }));
    await server().api('POST', `${AR}/validatingadmissionpolicybindings`, binding('max-replicas-warn.example.com', {
      policyName: 'max-replicas.example.com',
      validationActions: ['Warn', 'Audit'],
      paramRef: { name: 'limits', parameterNotFoundAction: 'Deny' },
      matchResources: { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'vap-params' } } },
    }));
    const warned = await eventually(() => deployment('vap-params', `three-${Date.now()}`, 3), (response) => response.headers.get('warning') !== null);
    expect(warned.status).toBe(201);
    expect(warned.headers.get('warning')).toBe(`299 - "Validation failed for ValidatingAdmissionPolicy 'max-replicas.example.com' with binding 'max-replicas-warn.example.com': replicas must be at most 2"`);

    await server().api('POST', `${AR}/validatingadmissionpolicybindings`, binding('max-replicas-deny.example.com', {
      policyName: 'max-replicas.example.com',
      validationActions: ['Deny'],
      paramRef: { name: 'limits', parameterNotFoundAction: 'Deny' },
      matchResources: { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'vap-params' } } },
    }));
    const forbidden = await eventually(() => deployment('vap-params', `four-${Date.now()}`, 4), (response) => response.status === 403);
    expect(forbidden.body.reason).toBe('Forbidden');
    expect(forbidden.body.message).toContain("ValidatingAdmissionPolicy 'max-replicas.example.com' with binding 'max-replicas-deny.example.com' denied request: replicas must be at most 2");
  });

  it('skips writes its matchConditions exclude, and follows failurePolicy on runtime errors', async () => {
    await namespace('vap-errors');
    await server().api('POST', `${AR}/validatingadmissionpolicies`, policy('needs-owner.example.com', {
      failurePolicy: 'Fail',
      matchConstraints: deployments,
      matchConditions: [{ name: 'not-admin', expression: "request.userInfo.username != 'nobody'" }],
      validations: [{ expression: "object.metadata.labels.owner != ''" }],
    }));
    await server().api('POST', `${AR}/validatingadmissionpolicybindings`, binding('needs-owner-binding.example.com', { policyName: 'needs-owner.example.com', validationActions: ['Deny'], matchResources: { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'vap-errors' } } } }));
    const failed = await eventually(() => deployment('vap-errors', `unowned-${Date.now()}`, 1), (response) => response.status === 422);
    expect(failed.body.message).toMatch(/denied request: expression 'object\.metadata\.labels\.owner != ''' resulted in error: No such key: owner$/);
    expect((await deployment('vap-errors', 'owned', 1, { owner: 'team-a' })).status).toBe(201);

    const current = (await server().api('GET', `${AR}/validatingadmissionpolicies/needs-owner.example.com`)).body;
    await server().api('PUT', `${AR}/validatingadmissionpolicies/needs-owner.example.com`, { ...current, spec: { ...current.spec, failurePolicy: 'Ignore' } });
    expect((await eventually(() => deployment('vap-errors', `ignored-${Date.now()}`, 1), (response) => response.status === 201)).status).toBe(201);
  });

  it('refuses policies and bindings that are not valid, with the field at fault', async () => {
    const bad = await server().api('POST', `${AR}/validatingadmissionpolicies`, policy('broken.example.com', { matchConstraints: deployments, validations: [{ expression: 'object.spec.replicas <=' }] }));
    expect(bad.status).toBe(422);
    expect(bad.body.details.causes[0].field).toBe('spec.validations[0].expression');
    expect(bad.body.details.causes[0].message).toContain('compilation failed');
    const empty = await server().api('POST', `${AR}/validatingadmissionpolicies`, policy('empty.example.com', { matchConstraints: deployments }));
    expect(empty.body.message).toContain('spec.validations: Required value: validations or auditAnnotations must contain at least one item');
    const both = await server().api('POST', `${AR}/validatingadmissionpolicybindings`, binding('both.example.com', { policyName: 'x', validationActions: ['Deny', 'Warn'] }));
    expect(both.status).toBe(422);
    expect(both.body.message).toContain('must not contain both Deny and Warn');
  });
});
