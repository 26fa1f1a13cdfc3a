/**
 * `lk certificate check` and `lk certificate rotate`, as k3s has them: check
 * creates what is missing and lists expiries; rotate re-issues every leaf
 * at once while the CAs (and so older certificates) stay valid.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { run } from '../src/index.js';

const dir = mkdtempSync(join(tmpdir(), 'lk-cli-certs-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function lk(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const sink = (append: (text: string) => void): Writable => new Writable({ write: (chunk: Buffer, _encoding, done) => (append(chunk.toString()), done()) });
  const code = await run(args, sink((text) => (out += text)), sink((text) => (err += text)));
  return { code, out, err };
}

describe('lk certificate', () => {
  const dataDir = join(dir, 'state');
  const tls = join(dataDir, 'tls');

  it('check creates the certificates and lists when each expires', async () => {
    const checked = await lk(['certificate', 'check', '--data-dir', dataDir]);
    expect(checked.code).toBe(0);
    expect(checked.out).toMatch(/^created: server-ca, client-ca, request-header-ca, serving-kube-apiserver, client-admin, client-controller, client-scheduler, service-account-key\ncertificates:\n/);
    expect(checked.out).toContain(`${join(tls, 'client-admin.crt')}  expires `);
    const again = await lk(['certificate', 'check', '--data-dir', dataDir]);
    expect(again.out.startsWith('certificates:\n')).toBe(true);
  });

  it('rotate re-issues every leaf and keeps the CAs', async () => {
    const caBefore = readFileSync(join(tls, 'client-ca.crt'), 'utf8');
    const adminBefore = readFileSync(join(tls, 'client-admin.crt'), 'utf8');
    const rotated = await lk(['certificate', 'rotate', '--data-dir', dataDir]);
    expect(rotated.code).toBe(0);
    expect(rotated.out).toContain('renewed: serving-kube-apiserver, client-admin, client-controller, client-scheduler\n');
    expect(readFileSync(join(tls, 'client-ca.crt'), 'utf8')).toBe(caBefore);
    expect(readFileSync(join(tls, 'client-admin.crt'), 'utf8')).not.toBe(adminBefore);
    const verified = spawnSync('openssl', ['verify', '-CAfile', join(tls, 'client-ca.crt'), join(tls, 'client-admin.crt')], { encoding: 'utf8' });
    expect(verified.stdout.trim()).toBe(`${join(tls, 'client-admin.crt')}: OK`);
  });

  it('says what is wrong with a bad command line', async () => {
    const unknown = await lk(['certificate', 'renew', '--data-dir', dataDir]);
    expect(unknown.code).toBe(2);
    expect(unknown.err).toContain('unknown action "renew"; say rotate or check');
    const badFlag = await lk(['certificate', 'rotate', '--datadir', dataDir]);
    expect(badFlag.code).toBe(2);
    expect((await lk(['certificate', '--help'])).out).toContain('Usage: lk certificate <rotate|check>');
  });
});
