/**
 * Access control as kubectl meets it on a real control plane over TLS:
 * users from client certificates, RBAC's bootstrap roles, 401 for
 * certificates lk does not trust, and `kubectl auth whoami / can-i`.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureCertificates } from '@lk/certs';
import { createServer, renderKubeconfig, type LkServer } from '@lk/core';

const dir = mkdtempSync(join(tmpdir(), 'lk-access-'));
let server: LkServer;
let admin: string;
let alice: string;

beforeAll(async () => {
  server = await createServer({ dataDir: join(dir, 'cluster'), listen: '127.0.0.1:0' });
  admin = server.kubeconfigPath!;
  alice = join(dir, 'alice.yaml');
  writeFileSync(alice, await server.kubeconfigFor({ name: 'alice', groups: ['dev'] }));
});
afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

function kubectl(kubeconfig: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const pinned = '/usr/lib/google-cloud-sdk/bin/kubectl.1.32';
  const binary = process.env.LK_KUBECTL ?? (existsSync(pinned) ? pinned : 'kubectl');
  return new Promise((resolve, reject) => {
    const child = spawn(binary, ['--kubeconfig', kubeconfig, '--cache-dir', join(dir, 'cache', kubeconfig.replace(/\W/g, '_')), ...args]);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let value = await read();
  while (!done(value) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    value = await read();
  }
  return value;
}

describe('kubectl as a user from a client certificate', () => {
  it('says who the user is (kubectl auth whoami)', async () => {
    const whoami = await kubectl(alice, ['auth', 'whoami', '-o', 'json']);
    expect(whoami.stderr).toBe('');
    expect(JSON.parse(whoami.stdout).status.userInfo).toEqual({ username: 'alice', groups: ['dev', 'system:authenticated'] });
    const adminWhoami = await kubectl(admin, ['auth', 'whoami']);
    expect(adminWhoami.stdout).toMatch(/Username\s+system:admin/);
    expect(adminWhoami.stdout).toMatch(/Groups\s+\[system:masters system:authenticated\]/);
  });

  it('is refused with upstream’s message until a RoleBinding grants the view role, then reads', async () => {
    const refused = await kubectl(alice, ['get', 'pods', '-n', 'default']);
    expect(refused.code).toBe(1);
    expect(refused.stderr.trim()).toBe('Error from server (Forbidden): pods is forbidden: User "alice" cannot list resource "pods" in API group "" in the namespace "default"');
    expect((await kubectl(alice, ['auth', 'can-i', 'list', 'pods', '-n', 'default'])).stdout.trim()).toBe('no');

    const bound = await kubectl(admin, ['create', 'rolebinding', 'dev-view', '--clusterrole=view', '--group=dev', '-n', 'default']);
    expect(bound.stdout.trim()).toBe('rolebinding.rbac.authorization.k8s.io/dev-view created');
    const allowed = await until(() => kubectl(alice, ['get', 'pods', '-n', 'default']), (result) => result.code === 0);
    expect(allowed.stderr.trim()).toBe('No resources found in default namespace.');
    // view reads, it does not write, and not in other namespaces.
    expect((await kubectl(alice, ['auth', 'can-i', 'create', 'deployments', '-n', 'default'])).stdout.trim()).toBe('no');
    expect((await kubectl(alice, ['auth', 'can-i', 'get', 'configmaps', '-n', 'default'])).stdout.trim()).toBe('yes');
    expect((await kubectl(alice, ['get', 'pods', '-n', 'kube-system'])).code).toBe(1);
    // The admin checks alice's rights as alice (impersonation); alice may not impersonate anyone.
    expect((await kubectl(admin, ['auth', 'can-i', 'list', 'pods', '-n', 'default', '--as', 'alice', '--as-group', 'dev'])).stdout.trim()).toBe('yes');
    expect((await kubectl(admin, ['auth', 'can-i', 'list', 'pods', '-n', 'default', '--as', 'alice'])).stdout.trim()).toBe('no');
    const impersonating = await kubectl(alice, ['get', 'pods', '--as', 'system:admin']);
    expect(impersonating.stderr.trim()).toBe('Error from server (Forbidden): users "system:admin" is forbidden: User "alice" cannot impersonate resource "users" in API group "" at the cluster scope');
  });

  it('lists what the bindings give (kubectl auth can-i --list)', async () => {
    const list = await until(() => kubectl(alice, ['auth', 'can-i', '--list', '-n', 'default']), (result) => result.stdout.includes('deployments.apps'));
    const lines = list.stdout.split('\n').map((line) => line.trim().split(/\s{2,}/));
    const verbsOf = (resource: string): string | undefined => lines.find((columns) => columns[0] === resource)?.[3];
    expect(verbsOf('pods')).toBe('[get list watch]');
    expect(verbsOf('deployments.apps')).toBe('[get list watch]');
    // From system:basic-user, bound to every authenticated user.
    expect(verbsOf('selfsubjectreviews.authentication.k8s.io')).toBe('[create]');
    expect(verbsOf('secrets')).toBeUndefined();
  });

  it('refuses an expired certificate and one from another CA with 401, whatever their names', async () => {
    const expired = join(dir, 'expired.yaml');
    writeFileSync(expired, await server.kubeconfigFor({ name: 'system:admin', groups: ['system:masters'], validityDays: 0 }));
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const late = await kubectl(expired, ['get', 'namespaces']);
    expect(late.code).toBe(1);
    expect(late.stderr).toContain('the server has asked for the client to provide credentials');

    const foreign = await (await ensureCertificates({ dataDir: join(dir, 'elsewhere') })).issueClientCertificate({ commonName: 'system:admin', organizations: ['system:masters'] });
    const ca = Buffer.from(String((parse(readFileSync(admin, 'utf8')) as { clusters: { cluster: Record<string, string> }[] }).clusters[0]!.cluster['certificate-authority-data']), 'base64').toString();
    const impostor = join(dir, 'impostor.yaml');
    writeFileSync(impostor, renderKubeconfig({ server: server.url, name: 'lk', certificateAuthorityData: ca, clientCertificateData: foreign.certificatePem, clientKeyData: foreign.keyPem }));
    const refused = await kubectl(impostor, ['get', 'namespaces']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('the server has asked for the client to provide credentials');
  });
});

describe('service accounts on a running control plane', () => {
  it('gives every namespace a default account and the root CA, and kubectl create token makes a token RBAC then judges', async () => {
    expect((await kubectl(admin, ['create', 'namespace', 'apps'])).code).toBe(0);
    const account = await until(() => kubectl(admin, ['get', 'serviceaccount', 'default', '-n', 'apps', '-o', 'name']), (result) => result.code === 0);
    expect(account.stdout.trim()).toBe('serviceaccount/default');
    const rootCa = await until(() => kubectl(admin, ['get', 'configmap', 'kube-root-ca.crt', '-n', 'apps', '-o', 'jsonpath={.data.ca\\.crt}']), (result) => result.code === 0);
    expect(rootCa.stdout).toBe(readFileSync(join(dir, 'cluster', 'tls', 'server-ca.crt'), 'utf8'));

    const created = await kubectl(admin, ['create', 'token', 'default', '-n', 'apps', '--duration', '15m']);
    expect(created.code).toBe(0);
    const jwt = created.stdout.trim();
    const ca = Buffer.from(String((parse(readFileSync(admin, 'utf8')) as { clusters: { cluster: Record<string, string> }[] }).clusters[0]!.cluster['certificate-authority-data']), 'base64').toString();
    const robot = join(dir, 'robot.yaml');
    writeFileSync(robot, renderKubeconfig({ server: server.url, name: 'lk', certificateAuthorityData: ca, token: jwt }));
    const whoami = await kubectl(robot, ['auth', 'whoami', '-o', 'jsonpath={.status.userInfo.username}']);
    expect(whoami.stdout).toBe('system:serviceaccount:apps:default');
    const refused = await kubectl(robot, ['get', 'secrets', '-n', 'apps']);
    expect(refused.stderr.trim()).toBe('Error from server (Forbidden): secrets is forbidden: User "system:serviceaccount:apps:default" cannot list resource "secrets" in API group "" in the namespace "apps"');
    expect((await kubectl(admin, ['create', 'rolebinding', 'default-edit', '--clusterrole=edit', '--serviceaccount=apps:default', '-n', 'apps'])).code).toBe(0);
    expect((await until(() => kubectl(robot, ['get', 'secrets', '-n', 'apps']), (result) => result.code === 0)).code).toBe(0);

    // Deleting the account ends its tokens (the controller makes a new default, with a new uid).
    expect((await kubectl(admin, ['delete', 'serviceaccount', 'default', '-n', 'apps'])).code).toBe(0);
    const ended = await until(() => kubectl(robot, ['get', 'secrets', '-n', 'apps']), (result) => result.code !== 0);
    // kubectl words a 401 by what it was doing: discovery or the request itself.
    expect(ended.stderr).toMatch(/You must be logged in to the server \(Unauthorized\)|the server has asked for the client to provide credentials/);
  });
});

describe('certificate signing requests with kubectl', () => {
  function opensslRequest(name: string, subject: string, extra: string[] = []): { key: string; request: string } {
    const key = join(dir, `${name}.key`);
    execFileSync('openssl', ['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', key]);
    return { key, request: execFileSync('openssl', ['req', '-new', '-key', key, '-subj', subject, ...extra], { encoding: 'utf8' }) };
  }
  const manifest = (name: string, request: string, signerName: string, usages: string[]) =>
    JSON.stringify({ apiVersion: 'certificates.k8s.io/v1', kind: 'CertificateSigningRequest', metadata: { name }, spec: { request: Buffer.from(request).toString('base64'), signerName, usages, expirationSeconds: 86_400 } });
  const apply = (kubeconfig: string, file: string, text: string) => {
    writeFileSync(file, text);
    return kubectl(kubeconfig, ['create', '-f', file]);
  };

  it('kubectl certificate approve signs a client certificate that then logs in as its subject', async () => {
    const { key, request } = opensslRequest('frank', '/O=ops/CN=frank');
    expect((await apply(admin, join(dir, 'frank-csr.json'), manifest('frank', request, 'kubernetes.io/kube-apiserver-client', ['digital signature', 'client auth']))).code).toBe(0);
    const pending = await kubectl(admin, ['get', 'csr', 'frank']);
    expect(pending.stdout).toMatch(/frank\s+\S+\s+kubernetes\.io\/kube-apiserver-client\s+system:admin\s+24h\s+Pending/);
    const approved = await kubectl(admin, ['certificate', 'approve', 'frank']);
    expect(approved.stdout.trim()).toBe('certificatesigningrequest.certificates.k8s.io/frank approved');
    const issued = await until(() => kubectl(admin, ['get', 'csr', 'frank', '-o', 'jsonpath={.status.certificate}']), (result) => result.stdout !== '');
    const certificate = Buffer.from(issued.stdout, 'base64').toString('utf8');
    writeFileSync(join(dir, 'frank.crt'), certificate);
    expect(execFileSync('openssl', ['verify', '-CAfile', join(dir, 'cluster', 'tls', 'client-ca.crt'), join(dir, 'frank.crt')], { encoding: 'utf8' }).trim()).toBe(`${join(dir, 'frank.crt')}: OK`);
    expect((await kubectl(admin, ['get', 'csr', 'frank'])).stdout).toMatch(/Approved,Issued/);

    const ca = Buffer.from(String((parse(readFileSync(admin, 'utf8')) as { clusters: { cluster: Record<string, string> }[] }).clusters[0]!.cluster['certificate-authority-data']), 'base64').toString();
    const frank = join(dir, 'frank.yaml');
    writeFileSync(frank, renderKubeconfig({ server: server.url, name: 'lk', certificateAuthorityData: ca, clientCertificateData: certificate, clientKeyData: readFileSync(key, 'utf8') }));
    const whoami = await kubectl(frank, ['auth', 'whoami', '-o', 'json']);
    expect(JSON.parse(whoami.stdout).status.userInfo).toEqual({ username: 'frank', groups: ['ops', 'system:authenticated'] });
  });

  it('fails a kubelet serving request with the wrong subject, and leaves a denied one unsigned', async () => {
    const wrong = opensslRequest('wrong', '/O=system:nodes/CN=not-a-node', ['-addext', 'subjectAltName=DNS:n1.local']);
    expect((await apply(admin, join(dir, 'wrong.json'), manifest('wrong-serving', wrong.request, 'kubernetes.io/kubelet-serving', ['digital signature', 'server auth']))).code).toBe(0);
    expect((await kubectl(admin, ['certificate', 'approve', 'wrong-serving'])).code).toBe(0);
    const failed = await until(() => kubectl(admin, ['get', 'csr', 'wrong-serving', '-o', 'json']), (result) => result.stdout.includes('"Failed"'));
    const conditions = JSON.parse(failed.stdout).status.conditions as { type: string; reason?: string; message?: string }[];
    expect(conditions.find((condition) => condition.type === 'Failed')).toMatchObject({ reason: 'SignerValidationFailure', message: 'subject common name does not begin with system:node:' });
    expect(JSON.parse(failed.stdout).status.certificate).toBeUndefined();

    const denied = opensslRequest('denied', '/CN=mallory');
    await apply(admin, join(dir, 'denied.json'), manifest('denied', denied.request, 'kubernetes.io/kube-apiserver-client', ['client auth']));
    expect((await kubectl(admin, ['certificate', 'deny', 'denied'])).stdout.trim()).toBe('certificatesigningrequest.certificates.k8s.io/denied denied');
    await new Promise((resolve) => setTimeout(resolve, 300));
    const still = JSON.parse((await kubectl(admin, ['get', 'csr', 'denied', '-o', 'json'])).stdout);
    expect(still.status.certificate).toBeUndefined();
    expect(still.status.conditions.map((condition: { type: string }) => condition.type)).toEqual(['Denied']);
  });
});

describe('a node joining with a bootstrap token (kubelet TLS bootstrap)', () => {
  it('gets its client certificate approved and signed, and then is the node', async () => {
    const ca = Buffer.from(String((parse(readFileSync(admin, 'utf8')) as { clusters: { cluster: Record<string, string> }[] }).clusters[0]!.cluster['certificate-authority-data']), 'base64').toString();
    const token = 'abc123.0123456789abcdef';
    writeFileSync(join(dir, 'bootstrap-secret.json'), JSON.stringify({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'bootstrap-token-abc123', namespace: 'kube-system' },
      type: 'bootstrap.kubernetes.io/token',
      stringData: { 'token-id': 'abc123', 'token-secret': '0123456789abcdef', 'usage-bootstrap-authentication': 'true' },
    }));
    expect((await kubectl(admin, ['create', '-f', join(dir, 'bootstrap-secret.json')])).code).toBe(0);
    // What kubeadm and k3s grant joining nodes: to request node certificates, and to have them approved.
    expect((await kubectl(admin, ['create', 'clusterrolebinding', 'node-bootstrap', '--clusterrole=system:node-bootstrapper', '--group=system:bootstrappers'])).code).toBe(0);
    expect((await kubectl(admin, ['create', 'clusterrolebinding', 'node-autoapprove', '--clusterrole=system:certificates.k8s.io:certificatesigningrequests:nodeclient', '--group=system:bootstrappers'])).code).toBe(0);

    const bootstrap = join(dir, 'bootstrap.yaml');
    writeFileSync(bootstrap, renderKubeconfig({ server: server.url, name: 'lk', certificateAuthorityData: ca, token }));
    const key = join(dir, 'node.key');
    execFileSync('openssl', ['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', key]);
    const request = execFileSync('openssl', ['req', '-new', '-key', key, '-subj', '/O=system:nodes/CN=system:node:edge-1'], { encoding: 'utf8' });
    writeFileSync(join(dir, 'node-csr.json'), JSON.stringify({
      apiVersion: 'certificates.k8s.io/v1',
      kind: 'CertificateSigningRequest',
      metadata: { name: 'node-csr-edge-1' },
      spec: { request: Buffer.from(request).toString('base64'), signerName: 'kubernetes.io/kube-apiserver-client-kubelet', usages: ['digital signature', 'client auth'] },
    }));
    const created = await until(() => kubectl(bootstrap, ['create', '-f', join(dir, 'node-csr.json')]), (result) => result.code === 0);
    expect(created.stdout.trim()).toBe('certificatesigningrequest.certificates.k8s.io/node-csr-edge-1 created');

    const issued = await until(() => kubectl(bootstrap, ['get', 'csr', 'node-csr-edge-1', '-o', 'json']), (result) => result.code === 0 && JSON.parse(result.stdout).status?.certificate !== undefined, 10_000);
    const csr = JSON.parse(issued.stdout) as { spec: { username: string }; status: { certificate: string; conditions: { type: string; reason: string }[] } };
    expect(csr.spec.username).toBe('system:bootstrap:abc123');
    expect(csr.status.conditions[0]).toMatchObject({ type: 'Approved', reason: 'AutoApproved' });
    const node = join(dir, 'node.yaml');
    writeFileSync(node, renderKubeconfig({ server: server.url, name: 'lk', certificateAuthorityData: ca, clientCertificateData: Buffer.from(csr.status.certificate, 'base64').toString(), clientKeyData: readFileSync(key, 'utf8') }));
    const whoami = await kubectl(node, ['auth', 'whoami', '-o', 'json']);
    expect(JSON.parse(whoami.stdout).status.userInfo).toEqual({ username: 'system:node:edge-1', groups: ['system:nodes', 'system:authenticated'] });
    // The Node authorizer lets it register itself, as a kubelet does.
    writeFileSync(join(dir, 'node.json'), JSON.stringify({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'edge-1' } }));
    expect((await kubectl(node, ['create', '-f', join(dir, 'node.json')])).stdout.trim()).toBe('node/edge-1 created');
  });
});

describe('kubeconfigs for the control plane’s identities', () => {
  it('writes one per identity, readable by its owner only, each authenticating as that identity', async () => {
    const expected = { admin: 'system:admin', controller: 'system:kube-controller-manager', scheduler: 'system:kube-scheduler' };
    for (const [name, user] of Object.entries(expected)) {
      const path = join(dir, 'cluster', 'cred', `${name}.kubeconfig`);
      expect(statSync(path).mode & 0o777).toBe(0o600);
      const whoami = await kubectl(path, ['auth', 'whoami', '-o', 'jsonpath={.status.userInfo.username}']);
      expect(whoami.stdout).toBe(user);
    }
    // The controller manager's own role lets it list everything, not delete it.
    const controller = join(dir, 'cluster', 'cred', 'controller.kubeconfig');
    expect((await kubectl(controller, ['auth', 'can-i', 'list', 'secrets', '--all-namespaces'])).stdout.trim()).toBe('yes');
    expect((await kubectl(controller, ['auth', 'can-i', 'delete', 'namespaces'])).stdout.trim()).toBe('no');
  });
});

describe('legacy token Secrets with kubectl', () => {
  it('fills a kubernetes.io/service-account-token Secret with a token and lk’s CA that kubectl can use', async () => {
    expect((await kubectl(admin, ['create', 'serviceaccount', 'dashboard', '-n', 'default'])).code).toBe(0);
    writeFileSync(join(dir, 'dashboard-token.json'), JSON.stringify({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'dashboard-token', annotations: { 'kubernetes.io/service-account.name': 'dashboard' } }, type: 'kubernetes.io/service-account-token' }));
    expect((await kubectl(admin, ['create', '-f', join(dir, 'dashboard-token.json')])).code).toBe(0);
    const data = JSON.parse((await kubectl(admin, ['get', 'secret', 'dashboard-token', '-n', 'default', '-o', 'jsonpath={.data}'])).stdout) as Record<string, string>;
    const ca = Buffer.from(data['ca.crt']!, 'base64').toString();
    expect(ca).toBe(readFileSync(join(dir, 'cluster', 'tls', 'server-ca.crt'), 'utf8'));
    const dashboard = join(dir, 'dashboard.yaml');
    writeFileSync(dashboard, renderKubeconfig({ server: server.url, name: 'lk', certificateAuthorityData: ca, token: Buffer.from(data['token']!, 'base64').toString() }));
    const whoami = await until(() => kubectl(dashboard, ['auth', 'whoami', '-o', 'jsonpath={.status.userInfo.username}']), (result) => result.code === 0);
    expect(whoami.stdout).toBe('system:serviceaccount:default:dashboard');
  });
});
