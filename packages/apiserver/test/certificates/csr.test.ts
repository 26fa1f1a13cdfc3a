/**
 * CertificateSigningRequests: validation, the requester recorded from
 * authentication, what the main resource, /status and /approval may each
 * change, and who may approve.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { eventually, useTestApiServer } from '../support/api-server.js';

const dir = mkdtempSync(join(tmpdir(), 'lk-csr-api-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const server = useTestApiServer(undefined, {
  authorization: { mode: 'RBAC' },
  authentication: { tokens: [{ token: 'requester-token', user: 'carol', groups: ['devices'] }] },
});

const CSRS = '/apis/certificates.k8s.io/v1/certificatesigningrequests';

function opensslRequest(subject: string): string {
  const key = join(dir, `${Math.random().toString(36).slice(2)}.key`);
  execFileSync('openssl', ['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', key]);
  return execFileSync('openssl', ['req', '-new', '-key', key, '-subj', subject], { encoding: 'utf8' });
}

const csr = (name: string, spec: Record<string, unknown>) => ({
  apiVersion: 'certificates.k8s.io/v1',
  kind: 'CertificateSigningRequest',
  metadata: { name },
  spec: { signerName: 'kubernetes.io/kube-apiserver-client', usages: ['client auth'], ...spec },
});
const pem = (text: string) => Buffer.from(text).toString('base64');

/** Binds a cluster role to a user or group, as the admin. */
const bind = (name: string, subject: { kind: 'User' | 'Group'; name: string }, clusterRole: string) =>
  server().api('POST', '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings', {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRoleBinding',
    metadata: { name },
    subjects: [{ ...subject, apiGroup: 'rbac.authorization.k8s.io' }],
    roleRef: { kind: 'ClusterRole', name: clusterRole, apiGroup: 'rbac.authorization.k8s.io' },
  });

describe('CertificateSigningRequest', () => {
  it('records who asked, whatever the request says, and starts without status', async () => {
    const request = pem(opensslRequest('/CN=carol/O=devices'));
    const created = await server().api('POST', CSRS, { ...csr('carol', { request, username: 'someone-else', groups: ['system:masters'] }), status: { certificate: pem('x') } }, { authorization: 'Bearer requester-token' });
    // carol may not create CSRs without a grant: the admin gives one first.
    expect(created.status).toBe(403);
    await bind('devices-request-certificates', { kind: 'Group', name: 'devices' }, 'system:node-bootstrapper');
    const again = await eventually(
      () => server().api('POST', CSRS, { ...csr('carol', { request, username: 'someone-else', groups: ['system:masters'] }), status: { certificate: pem('x') } }, { authorization: 'Bearer requester-token' }),
      (response) => response.status !== 403,
    );
    expect(again.status).toBe(201);
    expect(again.body.spec).toMatchObject({ username: 'carol', groups: ['devices', 'system:authenticated'] });
    expect(again.body.status).toEqual({});
  });

  it('refuses what is no valid request, with the field at fault', async () => {
    const fields = async (spec: Record<string, unknown>): Promise<string[]> => {
      const response = await server().api('POST', CSRS, csr(`bad-${Math.random().toString(36).slice(2, 8)}`, spec));
      expect(response.status).toBe(422);
      return (response.body.details.causes as { field: string; message: string }[]).map((cause) => `${cause.field}: ${cause.message}`);
    };
    expect(await fields({ request: pem('not a pem') })).toEqual(['spec.request: Invalid value: PEM block type must be CERTIFICATE REQUEST']);
    const good = pem(opensslRequest('/CN=x'));
    expect(await fields({ request: good, signerName: 'no-slash' })).toEqual(["spec.signerName: Invalid value: \"no-slash\": must be a fully qualified domain and path of the form 'example.com/signer-name'"]);
    expect(await fields({ request: good, usages: [] })).toEqual(['spec.usages: Required value: usages must be provided']);
    expect((await fields({ request: good, usages: ['client auth', 'flying'] }))[0]).toMatch(/^spec\.usages\[1\]: Unsupported value: "flying": supported values: "any", /);
    expect(await fields({ request: good, usages: ['client auth', 'client auth'] })).toEqual(['spec.usages[1]: Duplicate value: "client auth"']);
    expect(await fields({ request: good, expirationSeconds: 599 })).toEqual(['spec.expirationSeconds: Invalid value: 599: may not specify a duration less than 600 seconds (10 minutes)']);
    // A request whose signature does not hold: a flipped byte near the end.
    const der = Buffer.from(opensslRequest('/CN=y').replace(/-----[^-]+-----|\s/g, ''), 'base64');
    der[der.length - 3] = der[der.length - 3]! ^ 0xff;
    const forged = `-----BEGIN CERTIFICATE REQUEST-----\n${der.toString('base64')}\n-----END CERTIFICATE REQUEST-----\n`;
    expect(await fields({ request: pem(forged) })).toEqual(['spec.request: Invalid value: the request is not signed by the key it carries']);
  });

  it('approves and denies only through /approval, keeps the spec, and refuses both at once', async () => {
    const created = await server().api('POST', CSRS, csr('approve-me', { request: pem(opensslRequest('/CN=dave')) }));
    expect(created.status).toBe(201);
    // The main resource changes metadata only.
    const main = await server().api('PUT', `${CSRS}/approve-me`, { ...created.body, metadata: { ...created.body.metadata, labels: { a: 'b' } }, spec: { ...created.body.spec, usages: ['server auth'] }, status: { conditions: [{ type: 'Approved', status: 'True' }] } });
    expect(main.status).toBe(200);
    expect(main.body.metadata.labels).toEqual({ a: 'b' });
    expect(main.body.spec.usages).toEqual(['client auth']);
    expect(main.body.status).toEqual({});
    // /status may not approve either.
    const viaStatus = await server().api('PUT', `${CSRS}/approve-me/status`, { ...main.body, status: { conditions: [{ type: 'Approved', status: 'True' }] } });
    expect(viaStatus.body.status.conditions ?? []).toEqual([]);

    const both = await server().api('PUT', `${CSRS}/approve-me/approval`, { ...main.body, status: { conditions: [{ type: 'Approved', status: 'True' }, { type: 'Denied', status: 'True' }] } });
    expect(both.status).toBe(422);
    expect(both.body.message).toContain('status.conditions: Invalid value: "Approved": Approved and Denied conditions are mutually exclusive');
    const approved = await server().api('PUT', `${CSRS}/approve-me/approval`, { ...main.body, status: { conditions: [{ type: 'Approved', status: 'True', reason: 'KubectlApprove', message: 'ok' }] } });
    expect(approved.status).toBe(200);
    expect(approved.body.status.conditions).toEqual([
      { type: 'Approved', status: 'True', reason: 'KubectlApprove', message: 'ok', lastUpdateTime: expect.stringMatching(/Z$/), lastTransitionTime: expect.stringMatching(/Z$/) },
    ]);
    expect((await server().api('GET', `${CSRS}/approve-me/approval`)).body.metadata.name).toBe('approve-me');
  });

  it('lets only those who may approve for the signer approve', async () => {
    await server().api('POST', CSRS, csr('not-yours', { request: pem(opensslRequest('/CN=eve')) }));
    await server().api('POST', '/apis/rbac.authorization.k8s.io/v1/clusterroles', {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name: 'csr-approver' },
      rules: [{ apiGroups: ['certificates.k8s.io'], resources: ['certificatesigningrequests', 'certificatesigningrequests/approval'], verbs: ['get', 'update'] }],
    });
    await bind('carol-approves', { kind: 'User', name: 'carol' }, 'csr-approver');
    const current = (await server().api('GET', `${CSRS}/not-yours`)).body;
    const body = { ...current, status: { conditions: [{ type: 'Approved', status: 'True' }] } };
    const refused = await eventually(
      () => server().api('PUT', `${CSRS}/not-yours/approval`, body, { authorization: 'Bearer requester-token' }),
      (response) => response.status !== 403 || String(response.body.message).includes('signerName'),
    );
    expect(refused.status).toBe(403);
    expect(refused.body.message).toBe('certificatesigningrequests.certificates.k8s.io "not-yours" is forbidden: user not permitted to approve requests with signerName "kubernetes.io/kube-apiserver-client"');
    await bind('carol-approves-clients', { kind: 'User', name: 'carol' }, 'system:certificates.k8s.io:kube-apiserver-client-approver');
    const allowed = await eventually(() => server().api('PUT', `${CSRS}/not-yours/approval`, body, { authorization: 'Bearer requester-token' }), (response) => response.status === 200);
    expect(allowed.status).toBe(200);
  });
});
