/**
 * Admission webhooks over real HTTPS: a server started here with a
 * certificate from its own CA (given as caBundle) mutates and rejects
 * objects; failurePolicy, timeouts, selectors, dry run, subresource rules,
 * configuration validation, and the host's in-process hooks.
 */
import { createServer, type Server } from 'node:https';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCertificateAuthority, issueLeafCertificate } from '@lk/certs';
import { eventually, useTestApiServer, type ApiResponse } from '../support/api-server.js';

type Review = { request: { uid: string; operation: string; kind: { kind: string }; resource: { resource: string }; subResource?: string; userInfo: { username: string }; object: { metadata: { labels?: Record<string, string> } } | null; oldObject: unknown; dryRun: boolean; name?: string; namespace?: string } };

const received: Review['request'][] = [];
let https: Server;
let base = '';
let caBundle = '';

beforeAll(async () => {
  const now = Date.now();
  const ca = await createCertificateAuthority({ commonName: 'webhook-ca' }, new Date(now - 60_000), new Date(now + 86_400_000));
  const serving = await issueLeafCertificate(ca, { subject: { commonName: 'webhook' }, usage: 'server', ipAddresses: ['127.0.0.1'], notBefore: new Date(now - 60_000), notAfter: new Date(now + 86_400_000) });
  caBundle = Buffer.from(ca.certificatePem).toString('base64');
  https = createServer({ cert: serving.certificatePem, key: serving.keyPem }, (request, response) => {
    let text = '';
    request.on('data', (chunk: Buffer) => (text += chunk.toString()));
    request.on('end', () => {
      const review = JSON.parse(text) as Review;
      received.push(review.request);
      const answer = (result: object): void => {
        response.setHeader('content-type', 'application/json');
        response.end(JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response: { uid: review.request.uid, ...result } }));
      };
      switch (request.url) {
        case '/label': {
          const patch = [{ op: 'add', path: '/metadata/labels', value: { ...review.request.object?.metadata.labels, 'mutated-by': 'webhook' } }];
          answer({ allowed: true, patchType: 'JSONPatch', patch: Buffer.from(JSON.stringify(patch)).toString('base64'), warnings: ['labelled by the webhook'] });
          return;
        }
        case '/annotate-labels': {
          // Records which labels it saw: reinvocation shows in what it records.
          const labels = Object.keys(review.request.object?.metadata.labels ?? {}).sort().join(',');
          const patch = [{ op: 'add', path: '/metadata/annotations', value: { 'labels-seen': labels } }];
          answer({ allowed: true, patchType: 'JSONPatch', patch: Buffer.from(JSON.stringify(patch)).toString('base64') });
          return;
        }
        case '/deny':
          if (review.request.object?.metadata.labels?.['forbidden'] === 'true') answer({ allowed: false, status: { code: 403, message: 'objects labelled forbidden=true are not welcome' } });
          else answer({ allowed: true });
          return;
        case '/slow':
          setTimeout(() => answer({ allowed: true }), 2500);
          return;
        case '/wrong-uid':
          response.end(JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response: { uid: 'nope', allowed: true } }));
          return;
        default:
          answer({ allowed: true });
      }
    });
  });
  await new Promise<void>((resolve) => https.listen(0, '127.0.0.1', resolve));
  const address = https.address();
  base = `https://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`;
});
afterAll(async () => {
  https.closeAllConnections();
  await new Promise<void>((resolve) => https.close(() => resolve()));
});

const server = useTestApiServer(undefined, {
  admission: {
    mutating: [
      {
        name: 'annotate.host.example.com',
        rules: [{ operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['secrets'] }],
        handle: (request) => ({ allowed: true, patchType: 'JSONPatch', patch: [{ op: 'add', path: '/metadata/annotations', value: { 'seen-by': request.userInfo.username } }] }),
      },
    ],
    validating: [
      {
        name: 'no-plaintext.host.example.com',
        rules: [{ operations: ['CREATE', 'UPDATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['secrets'] }],
        handle: (request) =>
          (request.object as { stringData?: unknown; data?: Record<string, string> } | null)?.data?.['password'] === Buffer.from('hunter2').toString('base64')
            ? { allowed: false, status: { code: 422, reason: 'Invalid', message: 'that password is too well known' } }
            : { allowed: true },
      },
    ],
  },
});

const ADMISSION = '/apis/admissionregistration.k8s.io/v1';
const CONFIGMAPS = '/api/v1/namespaces/default/configmaps';

function webhook(name: string, path: string, extra: object = {}): object {
  return {
    name,
    clientConfig: { url: `${base}${path}`, caBundle },
    rules: [{ operations: ['CREATE', 'UPDATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['configmaps'] }],
    sideEffects: 'None',
    admissionReviewVersions: ['v1'],
    ...extra,
  };
}

async function configure(kind: 'mutating' | 'validating', name: string, webhooks: object[]): Promise<ApiResponse> {
  const plural = kind === 'mutating' ? 'mutatingwebhookconfigurations' : 'validatingwebhookconfigurations';
  const body = { apiVersion: 'admissionregistration.k8s.io/v1', kind: kind === 'mutating' ? 'MutatingWebhookConfiguration' : 'ValidatingWebhookConfiguration', metadata: { name }, webhooks };
  const response = await server().api('POST', `${ADMISSION}/${plural}`, body);
  // The dispatcher reads configurations from the watch cache: wait until a probe write sees them.
  return response;
}

async function remove(kind: 'mutating' | 'validating', name: string): Promise<void> {
  await server().api('DELETE', `${ADMISSION}/${kind === 'mutating' ? 'mutatingwebhookconfigurations' : 'validatingwebhookconfigurations'}/${name}`);
}

const configMap = (name: string, labels: Record<string, string> = {}) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, labels } });

describe('admission webhooks', () => {
  it('a mutating webhook’s JSONPatch is stored, its warning reaches the client, and it saw the AdmissionReview upstream sends', async () => {
    const created = await configure('mutating', 'labeller', [webhook('label.webhooks.example.com', '/label')]);
    expect(created.status).toBe(201);
    expect(created.body.webhooks[0]).toMatchObject({ failurePolicy: 'Fail', matchPolicy: 'Equivalent', namespaceSelector: {}, objectSelector: {}, timeoutSeconds: 10, reinvocationPolicy: 'Never', rules: [{ scope: '*' }] });
    const cm = await eventually(
      () => server().api('POST', CONFIGMAPS, configMap(`mutated-${Date.now()}`, { app: 'x' })),
      (response) => response.body.metadata?.labels?.['mutated-by'] === 'webhook',
    );
    expect(cm.status).toBe(201);
    expect(cm.body.metadata.labels).toEqual({ app: 'x', 'mutated-by': 'webhook' });
    expect(cm.headers.get('warning')).toBe('299 - "labelled by the webhook"');
    const seen = received.at(-1)!;
    expect(seen).toMatchObject({ operation: 'CREATE', kind: { kind: 'ConfigMap' }, resource: { resource: 'configmaps' }, namespace: 'default', dryRun: false, oldObject: null, userInfo: { username: 'test-admin' } });
    // Updates carry the old object too.
    const updated = await server().api('PUT', `${CONFIGMAPS}/${cm.body.metadata.name}`, { ...cm.body, data: { a: '1' } });
    expect(updated.status).toBe(200);
    expect(received.at(-1)).toMatchObject({ operation: 'UPDATE', oldObject: { metadata: { name: cm.body.metadata.name } } });
    await remove('mutating', 'labeller');
  });

  it('a validating webhook refuses with its own Status; objects it does not select are not sent', async () => {
    await configure('validating', 'gate', [webhook('deny.webhooks.example.com', '/deny', { objectSelector: { matchLabels: { checked: 'yes' } } })]);
    const refused = await eventually(
      () => server().api('POST', CONFIGMAPS, configMap(`refused-${Date.now()}`, { forbidden: 'true', checked: 'yes' })),
      (response) => response.status === 403,
    );
    expect(refused.body).toMatchObject({ kind: 'Status', status: 'Failure', code: 403, message: 'admission webhook "deny.webhooks.example.com" denied the request: objects labelled forbidden=true are not welcome' });
    const before = received.length;
    // Not selected by the objectSelector: admitted without a call.
    expect((await server().api('POST', CONFIGMAPS, configMap(`unchecked-${Date.now()}`, { forbidden: 'true' }))).status).toBe(201);
    expect(received.length).toBe(before);
    await remove('validating', 'gate');
  });

  it('honours failurePolicy and timeouts: Fail refuses with an internal error, Ignore lets the write through', async () => {
    await configure('validating', 'slow', [webhook('slow.webhooks.example.com', '/slow', { timeoutSeconds: 1 })]);
    const failed = await eventually(() => server().api('POST', CONFIGMAPS, configMap(`slow-${Date.now()}`)), (response) => response.status === 500, 5000);
    expect(failed.body.reason).toBe('InternalError');
    expect(failed.body.message).toMatch(/^Internal error occurred: failed calling webhook "slow\.webhooks\.example\.com": failed to call webhook: Post "https:\/\/127\.0\.0\.1:\d+\/slow": context deadline exceeded$/);
    await remove('validating', 'slow');

    await configure('validating', 'down', [webhook('down.webhooks.example.com', '/down', { failurePolicy: 'Ignore', clientConfig: { url: 'https://127.0.0.1:1/down', caBundle } }), webhook('uid.webhooks.example.com', '/wrong-uid', { failurePolicy: 'Ignore' })]);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect((await server().api('POST', CONFIGMAPS, configMap(`ignored-${Date.now()}`))).status).toBe(201);
    await remove('validating', 'down');
  });

  it('refuses dry runs for webhooks with side effects, and matches subresources only when asked', async () => {
    // sideEffects cannot be stored as Some in v1: a NoneOnDryRun webhook is called on dry runs; this checks the dryRun flag it gets.
    await configure('validating', 'dry', [webhook('dry.webhooks.example.com', '/allow', { sideEffects: 'NoneOnDryRun', rules: [{ operations: ['CREATE', 'UPDATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['configmaps', 'namespaces/status'] }] })]);
    const name = `dry-${Date.now()}`;
    await eventually(() => server().api('POST', `${CONFIGMAPS}?dryRun=All`, configMap(name)), () => received.at(-1)?.name === name);
    expect(received.at(-1)).toMatchObject({ name, dryRun: true });
    const before = received.length;
    // The configmaps rule does not cover the status subresource of anything: namespaces/status does.
    const ns = await server().api('GET', '/api/v1/namespaces/default');
    expect((await server().api('PUT', '/api/v1/namespaces/default/status', ns.body)).status).toBe(200);
    expect(received.length).toBe(before + 1);
    expect(received.at(-1)).toMatchObject({ resource: { resource: 'namespaces' }, subResource: 'status', operation: 'UPDATE' });
    await remove('validating', 'dry');
  });

  it('calls webhooks only when their matchConditions hold, and re-invokes IfNeeded ones after a later change', async () => {
    await configure('mutating', 'a-annotator', [
      webhook('annotate.webhooks.example.com', '/annotate-labels', {
        reinvocationPolicy: 'IfNeeded',
        matchConditions: [{ name: 'not-skipped', expression: "!has(object.metadata.labels) || !('skip' in object.metadata.labels)" }],
      }),
    ]);
    await configure('mutating', 'b-labeller', [webhook('label.webhooks.example.com', '/label')]);
    const cm = await eventually(
      () => server().api('POST', CONFIGMAPS, configMap(`reinvoked-${Date.now()}`, { app: 'x' })),
      (response) => response.body.metadata?.annotations?.['labels-seen'] !== undefined && response.body.metadata?.labels?.['mutated-by'] !== undefined,
    );
    // The annotator ran first (configurations by name), then the labeller changed the labels, then the annotator again.
    expect(cm.body.metadata.annotations['labels-seen']).toBe('app,mutated-by');
    const skipped = await server().api('POST', CONFIGMAPS, configMap(`skipped-${Date.now()}`, { skip: 'yes' }));
    expect(skipped.body.metadata.annotations).toBeUndefined();
    const badCondition = await configure('mutating', 'c-bad', [webhook('bad.webhooks.example.com', '/allow', { matchConditions: [{ name: 'broken', expression: 'object.' }] })]);
    expect(badCondition.status).toBe(422);
    expect(badCondition.body.details.causes[0].field).toBe('webhooks[0].matchConditions[0].expression');
    await remove('mutating', 'a-annotator');
    await remove('mutating', 'b-labeller');
  });

  it('validates configurations with upstream’s messages', async () => {
    const bad = await configure('validating', 'bad', [
      { name: 'short', clientConfig: { url: 'http://example.com/x' }, rules: [{ operations: ['PATCH'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods'] }], admissionReviewVersions: ['v1beta2'], timeoutSeconds: 31 },
    ]);
    expect(bad.status).toBe(422);
    const causes = (bad.body.details.causes as { field: string; message: string }[]).map((cause) => `${cause.field}: ${cause.message}`);
    expect(causes).toEqual([
      'webhooks[0].name: Invalid value: "short": should be a domain with at least three segments separated by dots',
      'webhooks[0].clientConfig.url: Invalid value: "http": \'https\' is the only allowed URL scheme',
      'webhooks[0].sideEffects: Required value: must specify one of None, NoneOnDryRun',
      'webhooks[0].admissionReviewVersions: Invalid value: []string{"v1beta2"}: must include at least one of v1, v1beta1',
      'webhooks[0].timeoutSeconds: Invalid value: 31: the timeout value must be between 1 and 30 seconds',
      'webhooks[0].rules[0].operations[0]: Unsupported value: "PATCH": supported values: "*", "CONNECT", "CREATE", "DELETE", "UPDATE"',
    ]);
  });
});

describe('in-process admission hooks', () => {
  it('mutate and refuse like webhooks, seeing the same request', async () => {
    const secret = (name: string, password: string) => ({ apiVersion: 'v1', kind: 'Secret', metadata: { name }, data: { password: Buffer.from(password).toString('base64') } });
    const created = await server().api('POST', '/api/v1/namespaces/default/secrets', secret('fine', 'correct horse battery staple'));
    expect(created.status).toBe(201);
    expect(created.body.metadata.annotations).toEqual({ 'seen-by': 'test-admin' });
    const refused = await server().api('POST', '/api/v1/namespaces/default/secrets', secret('weak', 'hunter2'));
    expect(refused.status).toBe(422);
    expect(refused.body).toMatchObject({ reason: 'Invalid', message: 'admission webhook "no-plaintext.host.example.com" denied the request: that password is too well known' });
  });
});

describe('NamespaceLifecycle', () => {
  it('refuses deleting the namespaces a cluster cannot do without', async () => {
    for (const name of ['default', 'kube-system', 'kube-public']) {
      const refused = await server().api('DELETE', `/api/v1/namespaces/${name}`);
      expect(refused.status).toBe(403);
      expect(refused.body.message).toBe(`namespaces "${name}" is forbidden: this namespace may not be deleted`);
    }
    expect((await server().api('GET', '/api/v1/namespaces/default')).body.metadata.deletionTimestamp).toBeUndefined();
  });
});
