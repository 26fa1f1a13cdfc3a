import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * The real kubectl, pinned to the minor version whose behaviour lk follows.
 * LK_KUBECTL overrides (the test command sets it: scripts/client-tools.mjs); otherwise the versioned binary beside the machine's
 * kubectl dispatcher, otherwise whatever `kubectl` is on the PATH.
 */
export function kubectlBinary(): string {
  const fromEnv = process.env.LK_KUBECTL;
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  const pinned = '/usr/lib/google-cloud-sdk/bin/kubectl.1.32';
  return existsSync(pinned) ? pinned : 'kubectl';
}

export interface KubectlResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs kubectl against a kubeconfig, optionally feeding stdin; never throws on a non-zero exit. */
export function kubectl(kubeconfig: string, args: readonly string[], input?: string, timeoutMs = 30_000): Promise<KubectlResult> {
  return new Promise((resolve, reject) => {
    // A discovery cache per server: the cache is keyed by host:port, and test servers reuse ports.
    const child = spawn(kubectlBinary(), ['--kubeconfig', kubeconfig, '--cache-dir', join(dirname(kubeconfig), 'kubectl-cache'), ...args], {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, HOME: process.env.LK_KUBECTL_HOME ?? process.env.HOME },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`kubectl ${args.join(' ')} did not finish within ${timeoutMs} ms\n${stdout}\n${stderr}`));
    }, timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr });
    });
    child.stdin.end(input ?? '');
  });
}

/** Like kubectl(), but fails the test with kubectl's own output when the exit code is not 0. */
export async function kubectlOk(kubeconfig: string, args: readonly string[], input?: string): Promise<string> {
  const result = await kubectl(kubeconfig, args, input);
  if (result.code !== 0) throw new Error(`kubectl ${args.join(' ')} exited ${result.code}:\n${result.stderr}${result.stdout}`);
  return result.stdout;
}
