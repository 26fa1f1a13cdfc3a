/**
 * kubectl, as a new user drives it, against lk on every datastore: what
 * kubectl prints is compared with what it prints against upstream
 * Kubernetes 1.32 wherever that output is deterministic.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type LkServer } from '@lk/core';

const dir = mkdtempSync(join(tmpdir(), 'lk-kubectl-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function kubectlBinary(): string {
  const pinned = '/usr/lib/google-cloud-sdk/bin/kubectl.1.32';
  return process.env.LK_KUBECTL ?? (existsSync(pinned) ? pinned : 'kubectl');
}

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

function run(kubeconfig: string, args: string[], input?: string, timeoutMs = 30_000): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn(kubectlBinary(), ['--kubeconfig', kubeconfig, '--cache-dir', join(dir, 'cache', kubeconfig.replace(/\W/g, '_')), ...args]);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr });
    });
    child.stdin.end(input ?? '');
  });
}

/** Table output without the AGE column's values, which depend on the clock. */
function withoutAges(table: string): string {
  return table.replace(/\b\d+(s|m\d*s?|h\d*m?|d\d*h?)\b/g, '<age>').replace(/[ \t]+$/gm, '');
}

const MINIO_SERVICE = `apiVersion: v1
kind: Service
metadata:
  name: web
  labels:
    app: web
spec:
  selector:
    app: web
  ports:
  - name: http
    port: 80
    targetPort: 8080
`;

const DEPLOYMENT = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 2
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
      - name: web
        image: nginx:1.27
        ports:
        - containerPort: 8080
`;

/** A namespaced CRD with printer columns, a short name, a category, a default, a bound and a scale subresource. */
function backupCrd(group: string): string {
  return `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: backups.${group}
spec:
  group: ${group}
  scope: Namespaced
  names:
    plural: backups
    singular: backup
    kind: Backup
    shortNames: [bk]
    categories: [all]
  versions:
  - name: v1
    served: true
    storage: true
    subresources:
      status: {}
      scale:
        specReplicasPath: .spec.replicas
        statusReplicasPath: .status.replicas
    additionalPrinterColumns:
    - name: Schedule
      type: string
      jsonPath: .spec.schedule
    - name: Retention
      type: string
      jsonPath: .spec.retention
    - name: Age
      type: date
      jsonPath: .metadata.creationTimestamp
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            required: [schedule]
            properties:
              schedule:
                type: string
                description: When the backup runs, in cron syntax.
              retention:
                type: string
                default: weekly
              replicas:
                type: integer
                minimum: 0
                maximum: 10
          status:
            type: object
            properties:
              replicas:
                type: integer
`;
}

const stores: { name: string; endpoint: () => string | undefined }[] = [
  { name: 'SQLite file', endpoint: () => `sqlite://${join(dir, 'sqlite', 'state.db')}` },
  { name: 'PostgreSQL', endpoint: () => databaseUrl(process.env.LK_TEST_POSTGRES_URL, 'kubectl') },
  { name: 'MySQL (MariaDB)', endpoint: () => databaseUrl(process.env.LK_TEST_MYSQL_URL, 'kubectl') },
  { name: 'etcd', endpoint: () => (process.env.LK_TEST_ETCD_ENDPOINT ? `etcd://${process.env.LK_TEST_ETCD_ENDPOINT}` : undefined) },
];

function databaseUrl(base: string | undefined, name: string): string | undefined {
  if (base === undefined || base === '') {
    if (process.env.CI) throw new Error('database addresses are not set under CI: run the tests through scripts/with-test-services.mjs');
    return undefined;
  }
  const url = new URL(base);
  url.pathname = `/${name}_${process.pid}_${Date.now().toString(36)}`;
  return url.toString();
}

describe.each(stores)('kubectl against lk on $name', ({ name, endpoint }) => {
  const datastore = endpoint();
  let server: LkServer;
  let kubeconfig: string;
  // On a shared etcd every run needs a namespace of its own.
  const ns = `kubectl-${name.toLowerCase().replace(/\W+/g, '-')}-${process.pid}`;
  const k = (args: string[], input?: string): Promise<Result> => run(kubeconfig, [...args], input);
  const ok = async (args: string[], input?: string): Promise<string> => {
    const result = await k(args, input);
    if (result.code !== 0) throw new Error(`kubectl ${args.join(' ')} exited ${result.code}:\n${result.stderr}${result.stdout}`);
    return result.stdout;
  };

  beforeAll(async () => {
    if (datastore === undefined) return;
    server = await createServer({ dataDir: join(dir, ns), datastoreEndpoint: datastore, listen: '127.0.0.1:0', datastore: { compactIntervalMs: 0 } });
    kubeconfig = server.kubeconfigPath!;
    await ok(['create', 'namespace', ns]);
  }, 60_000);
  afterAll(async () => {
    await server?.close();
  });

  it.skipIf(datastore === undefined)('creates, gets, describes, labels, annotates and deletes ConfigMaps and Secrets', async () => {
    expect(await ok(['-n', ns, 'create', 'configmap', 'settings', '--from-literal=mode=fast', '--from-literal=level=3'])).toBe('configmap/settings created\n');
    expect(withoutAges(await ok(['-n', ns, 'get', 'configmaps', 'settings']))).toBe('NAME       DATA   AGE\nsettings   2      <age>\n');
    const yaml = await ok(['-n', ns, 'get', 'configmap', 'settings', '-o', 'yaml']);
    expect(yaml).toMatch(/^apiVersion: v1\ndata:\n {2}level: "3"\n {2}mode: fast\nkind: ConfigMap\nmetadata:\n {2}creationTimestamp: "\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ"\n {2}name: settings\n {2}namespace: /);
    expect(yaml).toMatch(/resourceVersion: "\d+"\n {2}uid: [0-9a-f-]{36}\n$/);
    expect(await ok(['-n', ns, 'label', 'configmap', 'settings', 'tier=backend'])).toBe('configmap/settings labeled\n');
    expect(await ok(['-n', ns, 'annotate', 'configmap', 'settings', 'owner=team-a'])).toBe('configmap/settings annotated\n');
    const described = await ok(['-n', ns, 'describe', 'configmap', 'settings']);
    expect(described).toContain(`Name:         settings\nNamespace:    ${ns}\nLabels:       tier=backend\nAnnotations:  owner: team-a\n`);
    expect(await ok(['-n', ns, 'get', 'cm', '-l', 'tier=backend', '-o', 'name'])).toBe('configmap/settings\n');
    // Every namespace also holds kube-root-ca.crt (the root CA publisher's), as on any cluster.
    const others = async (): Promise<string> => ok(['-n', ns, 'get', 'cm', '-l', 'tier!=backend', '-o', 'name']);
    let unlabelled = await others();
    for (let attempt = 0; unlabelled === '' && attempt < 50; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      unlabelled = await others();
    }
    expect(unlabelled).toBe('configmap/kube-root-ca.crt\n');

    expect(await ok(['-n', ns, 'create', 'secret', 'generic', 'creds', '--from-literal=password=s3cret'])).toBe('secret/creds created\n');
    expect(withoutAges(await ok(['-n', ns, 'get', 'secret', 'creds']))).toBe('NAME    TYPE     DATA   AGE\ncreds   Opaque   1      <age>\n');
    expect(await ok(['-n', ns, 'get', 'secret', 'creds', '-o', 'jsonpath={.data.password}'])).toBe(Buffer.from('s3cret').toString('base64'));

    const missing = await k(['-n', ns, 'get', 'configmap', 'nope']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe('Error from server (NotFound): configmaps "nope" not found\n');
    const exists = await k(['-n', ns, 'create', 'configmap', 'settings']);
    expect(exists.stderr).toBe('error: failed to create configmap: configmaps "settings" already exists\n');

    expect(await ok(['-n', ns, 'delete', 'configmap', 'settings'])).toBe('configmap "settings" deleted\n');
    expect(await ok(['-n', ns, 'delete', 'secret', 'creds'])).toBe('secret "creds" deleted\n');
  });

  it.skipIf(datastore === undefined)('applies a Service and a Deployment, re-applies a change, diffs, edits, scales, waits and watches', async () => {
    const files = join(dir, `${ns}-apply`);
    writeFileSync(`${files}.yaml`, `${MINIO_SERVICE}---\n${DEPLOYMENT}`);
    expect(await ok(['-n', ns, 'apply', '-f', `${files}.yaml`])).toBe('service/web created\ndeployment.apps/web created\n');
    expect(await ok(['-n', ns, 'apply', '-f', `${files}.yaml`])).toBe('service/web unchanged\ndeployment.apps/web unchanged\n');

    const services = withoutAges(await ok(['-n', ns, 'get', 'services'])).trim().split('\n').map((line) => line.split(/\s+/));
    expect(services[0]).toEqual(['NAME', 'TYPE', 'CLUSTER-IP', 'EXTERNAL-IP', 'PORT(S)', 'AGE']);
    expect(services[1]).toEqual(['web', 'ClusterIP', expect.stringMatching(/^10\.43\.\d+\.\d+$/), '<none>', '80/TCP', '<age>']);
    expect(withoutAges(await ok(['-n', ns, 'get', 'deployments']))).toBe('NAME   READY   UP-TO-DATE   AVAILABLE   AGE\nweb    0/2     0            0           <age>\n');

    const changed = DEPLOYMENT.replace('image: nginx:1.27', 'image: nginx:1.28');
    writeFileSync(`${files}-changed.yaml`, changed);
    const diff = await k(['-n', ns, 'diff', '-f', `${files}-changed.yaml`]);
    expect(diff.code).toBe(1);
    expect(diff.stdout).toMatch(/-\s+- image: nginx:1\.27\n\+\s+- image: nginx:1\.28/);
    expect(diff.stdout).toMatch(/-\s+generation: 1\n\+\s+generation: 2/);
    expect(await ok(['-n', ns, 'apply', '-f', `${files}-changed.yaml`])).toBe('deployment.apps/web configured\n');
    expect(await ok(['-n', ns, 'get', 'deployment', 'web', '-o', 'jsonpath={.spec.template.spec.containers[0].image} {.metadata.generation}'])).toBe('nginx:1.28 2');

    // "edit" as kubectl does it: a strategic merge patch of what changed.
    expect(await ok(['-n', ns, 'patch', 'deployment', 'web', '-p', '{"spec":{"template":{"spec":{"containers":[{"name":"web","env":[{"name":"MODE","value":"fast"}]}]}}}}'])).toBe('deployment.apps/web patched\n');
    expect(await ok(['-n', ns, 'get', 'deployment', 'web', '-o', 'jsonpath={.spec.template.spec.containers[0].env[0].value} {.spec.template.spec.containers[0].image}'])).toBe('fast nginx:1.28');
    expect(await ok(['-n', ns, 'patch', 'service', 'web', '--type=json', '-p', '[{"op":"replace","path":"/spec/ports/0/port","value":81}]'])).toBe('service/web patched\n');
    expect(await ok(['-n', ns, 'patch', 'service', 'web', '--type=merge', '-p', '{"metadata":{"labels":{"tier":"edge"}}}'])).toBe('service/web patched\n');

    expect(await ok(['-n', ns, 'scale', 'deployment', 'web', '--replicas=5'])).toBe('deployment.apps/web scaled\n');
    expect(await ok(['-n', ns, 'get', 'deployment', 'web', '-o', 'jsonpath={.spec.replicas}'])).toBe('5');

    const watcher = k(['-n', ns, 'get', 'configmaps', '--watch', '--output-watch-events', '--request-timeout=5s']);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    await ok(['-n', ns, 'create', 'configmap', 'watched']);
    await ok(['-n', ns, 'label', 'configmap', 'watched', 'seen=yes']);
    await ok(['-n', ns, 'delete', 'configmap', 'watched']);
    const watched = await watcher;
    const lines = watched.stdout.split('\n').filter((line) => line.trim() !== '');
    expect(lines[0]?.split(/\s+/)).toEqual(['EVENT', 'NAME', 'DATA', 'AGE']);
    expect(lines.filter((line) => line.includes('watched')).map((line) => line.split(/\s+/).slice(0, 3))).toEqual([
      ['ADDED', 'watched', '0'],
      ['MODIFIED', 'watched', '0'],
      ['DELETED', 'watched', '0'],
    ]);

    const waiting = k(['-n', ns, 'wait', '--for=delete', 'deployment/web', '--timeout=20s']);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await ok(['-n', ns, 'delete', '-f', `${files}.yaml`])).toBe('service "web" deleted\ndeployment.apps "web" deleted\n');
    const waited = await waiting;
    expect(waited.stdout).toBe('deployment.apps/web condition met\n');
  });

  it.skipIf(datastore === undefined)('serves a CRD and its custom resources: columns, short names, categories, scale, explain, cascade on delete', async () => {
    // On a shared store (etcd) the CRD is cluster-wide: its group is unique per run.
    const group = `${ns}.lk.dev`;
    const crd = `backups.${group}`;
    expect(await ok(['apply', '-f', '-'], backupCrd(group))).toBe(`customresourcedefinition.apiextensions.k8s.io/${crd} created\n`);
    expect(await ok(['wait', '--for=condition=Established', `crd/${crd}`, '--timeout=10s'])).toBe(`customresourcedefinition.apiextensions.k8s.io/${crd} condition met\n`);

    const nightly = `apiVersion: ${group}/v1\nkind: Backup\nmetadata:\n  name: nightly\nspec:\n  schedule: "0 3 * * *"\n  replicas: 1\n`;
    expect(await ok(['-n', ns, 'apply', '-f', '-'], nightly)).toBe(`backup.${group}/nightly created\n`);
    expect(await ok(['-n', ns, 'apply', '-f', '-'], nightly)).toBe(`backup.${group}/nightly unchanged\n`);
    expect(await ok(['-n', ns, 'apply', '-f', '-'], nightly.replace('0 3', '0 4'))).toBe(`backup.${group}/nightly configured\n`);
    // additionalPrinterColumns, and the defaulted field from the schema.
    expect(withoutAges(await ok(['-n', ns, 'get', `backups.${group}`]))).toBe('NAME      SCHEDULE    RETENTION   AGE\nnightly   0 4 * * *   weekly      <age>\n');
    expect(await ok(['-n', ns, 'get', 'bk', '-o', 'name'])).toBe(`backup.${group}/nightly\n`);
    expect(await ok(['-n', ns, 'get', 'all', '-o', 'name'])).toContain(`backup.${group}/nightly\n`);

    expect(await ok(['-n', ns, 'scale', `backup.${group}/nightly`, '--replicas=3'])).toBe(`backup.${group}/nightly scaled\n`);
    expect(await ok(['-n', ns, 'get', `backup.${group}/nightly`, '-o', 'jsonpath={.spec.replicas}'])).toBe('3');
    expect(await ok(['-n', ns, 'label', `backup.${group}/nightly`, 'tier=gold'])).toBe(`backup.${group}/nightly labeled\n`);
    expect(await ok(['-n', ns, 'patch', `backup.${group}/nightly`, '--type=merge', '-p', '{"spec":{"retention":"30d"}}'])).toBe(`backup.${group}/nightly patched\n`);

    const rejected = await k(['-n', ns, 'apply', '-f', '-'], nightly.replace('nightly', 'hourly').replace('replicas: 1', 'replicas: 99'));
    expect(rejected.code).toBe(1);
    expect(rejected.stderr).toContain(`The Backup "hourly" is invalid: spec.replicas: Invalid value: 99: spec.replicas in body should be less than or equal to 10`);

    const explained = await ok(['explain', `backups.${group}.spec.schedule`]);
    expect(explained).toContain(`GROUP:      ${group}\nKIND:       Backup\nVERSION:    v1\n\nFIELD: schedule <string>\n`);
    expect(explained).toContain('When the backup runs, in cron syntax.');

    expect(await ok(['delete', 'crd', crd])).toBe(`customresourcedefinition.apiextensions.k8s.io "${crd}" deleted\n`);
    const gone = await k(['-n', ns, 'get', `backups.${group}`]);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toContain(`the server doesn't have a resource type "backups`);
  });

  it.skipIf(datastore === undefined)('explains types and lists API resources', async () => {
    const explained = await ok(['explain', 'deployment.spec.replicas']);
    expect(explained).toContain('GROUP:      apps\nKIND:       Deployment\nVERSION:    v1\n\nFIELD: replicas <integer>\n');
    expect(explained).toContain('Number of desired pods.');
    const resources = await ok(['api-resources', '--api-group=apps', '-o', 'name']);
    expect(resources).toBe('controllerrevisions.apps\ndaemonsets.apps\ndeployments.apps\nreplicasets.apps\nstatefulsets.apps\n');
    const pods = (await ok(['api-resources'])).split('\n').find((line) => line.startsWith('pods '));
    expect(pods?.split(/\s+/)).toEqual(['pods', 'po', 'v1', 'true', 'Pod']);
  });

  it.skipIf(datastore === undefined)('refuses bad input with upstream\'s errors', async () => {
    const invalid = await k(['-n', ns, 'create', 'configmap', 'Bad_Name']);
    expect(invalid.stderr).toContain('ConfigMap "Bad_Name" is invalid: metadata.name: Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain must consist of');
    const unknownField = await k(['-n', ns, 'apply', '-f', '-'], 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: typo\ndatta:\n  a: b\n');
    expect(unknownField.code).toBe(1);
    expect(unknownField.stderr).toContain('unknown field "datta"');
    const wrongNamespace = await k(['-n', 'no-such-namespace', 'create', 'configmap', 'x']);
    expect(wrongNamespace.stderr).toBe('error: failed to create configmap: namespaces "no-such-namespace" not found\n');
  });
});
