import { parseArgs } from 'node:util';
import { resolve } from 'node:path';
import { ensureCertificates, type ControlPlaneCertificates } from '@lk/certs';
import { UsageError } from './args.js';

export const CERTIFICATE_USAGE = `Usage: lk certificate <rotate|check> [flags]

Manages the control plane's certificates under <data-dir>/tls (as k3s does).

  rotate    re-issue every leaf certificate now (the CAs stay, so certificates
            issued before keep working until they expire); creates what is missing
  check     list each certificate and when it expires

Flags:
  --data-dir DIR    where state lives (default ./.lk)
  -h, --help        this text
`;

function parseFlags(argv: readonly string[]): { dataDir: string; help: boolean } {
  try {
    const { values } = parseArgs({ args: [...argv], options: { 'data-dir': { type: 'string' }, help: { type: 'boolean', short: 'h' } }, strict: true });
    return { dataDir: resolve(values['data-dir'] ?? '.lk'), help: values.help === true };
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

function describe(certificates: ControlPlaneCertificates): string[] {
  const entries = [certificates.serverCa, certificates.clientCa, certificates.requestHeaderCa, certificates.serving, certificates.admin, certificates.controllerManager, certificates.scheduler];
  return entries.map((entry) => `  ${entry.certificatePath}  expires ${entry.notAfter.toISOString()}`);
}

/** `lk certificate rotate|check`. */
export async function runCertificate(argv: readonly string[], out: NodeJS.WritableStream): Promise<number> {
  const [action, ...rest] = argv;
  const flags = parseFlags(rest);
  if (flags.help || action === '--help' || action === '-h') {
    out.write(CERTIFICATE_USAGE);
    return 0;
  }
  if (action !== 'rotate' && action !== 'check') throw new UsageError(action === undefined ? 'say rotate or check' : `unknown action "${action}"; say rotate or check`);
  const certificates = await ensureCertificates({ dataDir: flags.dataDir, renewAll: action === 'rotate' });
  const lines: string[] = [];
  if (certificates.created.length > 0) lines.push(`created: ${certificates.created.join(', ')}`);
  if (action === 'rotate') lines.push(`renewed: ${certificates.renewed.length > 0 ? certificates.renewed.join(', ') : 'nothing'}`);
  lines.push('certificates:', ...describe(certificates));
  out.write(`${lines.join('\n')}\n`);
  return 0;
}
