/**
 * helm 3.17, the real binary (scripts/client-tools.mjs fetches it into
 * .lk-test/bin; the test command passes its path in LK_HELM), installs,
 * upgrades, rolls back and uninstalls a local chart on lk: a Deployment, a
 * Service, a ConfigMap, a CRD from the chart's crds/ folder and a custom
 * resource of that CRD. helm keeps its releases as Secrets and reads them
 * back with label selectors, so this also exercises those paths.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type LkServer } from '@lk/core';

const helmBinary = process.env.LK_HELM;
const haveHelm = helmBinary !== undefined && existsSync(helmBinary);
const chart = fileURLToPath(new URL('./fixtures/demo-chart', import.meta.url));

it.runIf(!haveHelm && process.env.CI !== undefined)('has helm under CI', () => {
  expect.fail('LK_HELM does not name a helm binary: run the tests through scripts/with-test-services.mjs (pnpm test), which fetches it');
});

interface Result {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

describe.skipIf(!haveHelm)('helm on lk', () => {
  let dir: string;
  let server: LkServer;

  function helm(args: readonly string[]): Promise<Result> {
    return new Promise((resolve, reject) => {
      const child = spawn(helmBinary!, [...args, '--kubeconfig', server.kubeconfigPath!], {
        // helm's own state (repositories, cache) stays in the test's folder.
        env: { PATH: process.env.PATH, HOME: dir, HELM_CACHE_HOME: join(dir, 'cache'), HELM_CONFIG_HOME: join(dir, 'config'), HELM_DATA_HOME: join(dir, 'data') },
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
      child.on('error', reject);
      child.on('close', (code) => {
        clearTimeout(timer);
        resolve({ code: code ?? -1, stdout, stderr });
      });
    });
  }

  async function helmOk(args: readonly string[]): Promise<string> {
    const result = await helm(args);
    if (result.code !== 0) throw new Error(`helm ${args.join(' ')} exited ${result.code}\n${result.stdout}\n${result.stderr}`);
    return result.stdout;
  }

  async function get(path: string): Promise<{ status: number; body: Record<string, any> }> {
    const response = await server.fetch(path);
    return { status: response.status, body: (await response.json()) as Record<string, any> };
  }

  async function deployment(): Promise<Record<string, any>> {
    return (await get('/apis/apps/v1/namespaces/default/deployments/demo-web')).body;
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lk-helm-'));
    server = await createServer({ dataDir: join(dir, 'lk'), listen: '127.0.0.1:0' });
  });

  afterAll(async () => {
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('installs the chart: its CRD first, then every template', async () => {
    const out = await helmOk(['install', 'demo', chart, '--namespace', 'default']);
    expect(out).toContain('STATUS: deployed');
    expect(out).toContain('REVISION: 1');

    const crd = await get('/apis/apiextensions.k8s.io/v1/customresourcedefinitions/gadgets.demo.lk.dev');
    expect(crd.status).toBe(200);
    expect(crd.body.status.conditions).toEqual(expect.arrayContaining([expect.objectContaining({ type: 'Established', status: 'True' })]));

    const config = await get('/api/v1/namespaces/default/configmaps/demo-config');
    expect(config.body.data).toEqual({ message: 'hello' });
    expect(config.body.metadata.labels['app.kubernetes.io/managed-by']).toBe('Helm');
    expect(config.body.metadata.annotations['meta.helm.sh/release-name']).toBe('demo');

    const web = await deployment();
    expect(web.spec.replicas).toBe(1);
    expect(web.spec.template.spec.containers[0].image).toBe('nginx:1.27');

    const service = await get('/api/v1/namespaces/default/services/demo-web');
    expect(service.body.spec.clusterIP).toMatch(/^10\.43\.\d+\.\d+$/);
    expect(service.body.spec.ports[0]).toMatchObject({ name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' });

    const gadget = await get('/apis/demo.lk.dev/v1/namespaces/default/gadgets/demo-gadget');
    expect(gadget.body.spec).toEqual({ size: 'small' });

    // The release itself: a Secret of helm's type, labelled for helm's selector.
    const releases = await get('/api/v1/namespaces/default/secrets?labelSelector=owner%3Dhelm,name%3Ddemo');
    expect(releases.body.items.map((secret: { type: string; metadata: { labels: Record<string, string> } }) => [secret.type, secret.metadata.labels.status])).toEqual([
      ['helm.sh/release.v1', 'deployed'],
    ]);
  });

  it('lists the release and reports its status', async () => {
    const list = await helmOk(['list', '--namespace', 'default', '--output', 'json']);
    expect(JSON.parse(list)).toEqual([expect.objectContaining({ name: 'demo', namespace: 'default', revision: '1', status: 'deployed', chart: 'demo-0.1.0' })]);
    const status = await helmOk(['status', 'demo', '--namespace', 'default', '--show-resources']);
    expect(status).toContain('demo-web');
    expect(status).toContain('demo-config');
    expect(status).toContain('demo-gadget');
  });

  it('upgrades: changed values reach the objects through helm’s three-way patches', async () => {
    const before = await deployment();
    const out = await helmOk(['upgrade', 'demo', chart, '--namespace', 'default', '--set', 'replicas=3', '--set', 'message=second', '--set', 'widgetSize=large']);
    expect(out).toContain('REVISION: 2');

    const web = await deployment();
    expect(web.spec.replicas).toBe(3);
    expect(web.metadata.generation).toBe(before.metadata.generation + 1);
    expect(web.spec.template.metadata.annotations['checksum/config']).not.toBe(before.spec.template.metadata.annotations['checksum/config']);
    expect((await get('/api/v1/namespaces/default/configmaps/demo-config')).body.data).toEqual({ message: 'second' });
    expect((await get('/apis/demo.lk.dev/v1/namespaces/default/gadgets/demo-gadget')).body.spec).toEqual({ size: 'large' });

    const history = JSON.parse(await helmOk(['history', 'demo', '--namespace', 'default', '--output', 'json'])) as Array<{ revision: number; status: string }>;
    expect(history.map((entry) => [entry.revision, entry.status])).toEqual([
      [1, 'superseded'],
      [2, 'deployed'],
    ]);
  });

  it('refuses an upgrade whose custom resource breaks the CRD schema, and keeps the release as it was', async () => {
    const result = await helm(['upgrade', 'demo', chart, '--namespace', 'default', '--reuse-values', '--set', 'widgetSize=enormous']);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('spec.size: Unsupported value: "enormous"');
    expect((await get('/apis/demo.lk.dev/v1/namespaces/default/gadgets/demo-gadget')).body.spec).toEqual({ size: 'large' });
  });

  it('rolls back to the first revision', async () => {
    const out = await helmOk(['rollback', 'demo', '1', '--namespace', 'default']);
    expect(out).toContain('Rollback was a success');
    expect((await deployment()).spec.replicas).toBe(1);
    expect((await get('/api/v1/namespaces/default/configmaps/demo-config')).body.data).toEqual({ message: 'hello' });
    expect((await get('/apis/demo.lk.dev/v1/namespaces/default/gadgets/demo-gadget')).body.spec).toEqual({ size: 'small' });
    const list = JSON.parse(await helmOk(['list', '--namespace', 'default', '--output', 'json'])) as Array<{ revision: string; status: string }>;
    expect(list).toEqual([expect.objectContaining({ revision: '4', status: 'deployed' })]);
  });

  it('uninstalls: the templates’ objects and the release records go, the CRD stays as helm leaves it', async () => {
    const out = await helmOk(['uninstall', 'demo', '--namespace', 'default']);
    expect(out).toContain('release "demo" uninstalled');
    for (const path of [
      '/apis/apps/v1/namespaces/default/deployments/demo-web',
      '/api/v1/namespaces/default/services/demo-web',
      '/api/v1/namespaces/default/configmaps/demo-config',
      '/apis/demo.lk.dev/v1/namespaces/default/gadgets/demo-gadget',
    ]) {
      expect((await get(path)).status, path).toBe(404);
    }
    expect((await get('/api/v1/namespaces/default/secrets?labelSelector=owner%3Dhelm')).body.items).toEqual([]);
    expect((await get('/apis/apiextensions.k8s.io/v1/customresourcedefinitions/gadgets.demo.lk.dev')).status).toBe(200);
    const status = await helm(['status', 'demo', '--namespace', 'default']);
    expect(status.code).not.toBe(0);
    expect(status.stderr).toContain('release: not found');
  });
});
