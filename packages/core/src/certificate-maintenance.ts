import { ensureCertificates, type CertificateOptions, type ControlPlaneCertificates, type IssuedCertificate } from '@lk/certs';
import type { Logger } from 'pino';

const DAY_MS = 86_400_000;

export interface CertificateMaintenanceOptions {
  /** What `ensureCertificates` was started with (the same names, window and clock). */
  readonly certificates: CertificateOptions;
  /** How often to check (default daily). */
  readonly intervalMs?: number;
  /** Puts a renewed serving certificate to use on the running server. */
  readonly reloadServing: (serving: IssuedCertificate) => void;
  /** Records a Warning Event about certificates close to expiry that lk cannot renew itself (the CAs). */
  readonly warn: (reason: string, message: string) => Promise<void>;
  readonly logger: Logger;
}

/** The certificates whose expiry is inside the renewal window after a check: only CAs, since leaves are renewed. */
function expiringSoon(certificates: ControlPlaneCertificates, options: CertificateOptions): { name: string; notAfter: Date }[] {
  const now = options.now?.() ?? new Date();
  const windowMs = (options.renewalWindowDays ?? 90) * DAY_MS;
  const named: [string, IssuedCertificate][] = [
    ['server-ca', certificates.serverCa],
    ['client-ca', certificates.clientCa],
    ['request-header-ca', certificates.requestHeaderCa],
    ['serving-kube-apiserver', certificates.serving],
    ['client-admin', certificates.admin],
  ];
  return named.filter(([, certificate]) => certificate.notAfter.getTime() - now.getTime() <= windowMs).map(([name, certificate]) => ({ name, notAfter: certificate.notAfter }));
}

/**
 * Keeps a running server's certificates current, so that it never needs a
 * restart for it (k3s does): every `intervalMs` it renews leaves inside the
 * renewal window as a start would, puts a renewed serving certificate to
 * use on the listening server at once, and records a Warning Event while
 * any certificate stays inside the window (a CA, which is never replaced
 * on its own because every client trusts it).
 */
export function maintainCertificates(options: CertificateMaintenanceOptions): { check(): Promise<void>; stop(): void } {
  let running: Promise<void> | undefined;
  const check = async (): Promise<void> => {
    const certificates = await ensureCertificates(options.certificates);
    if (certificates.renewed.length > 0) options.logger.info({ renewed: certificates.renewed }, 'certificates renewed while running');
    if (certificates.renewed.includes('serving-kube-apiserver')) options.reloadServing(certificates.serving);
    const expiring = expiringSoon(certificates, options.certificates);
    if (expiring.length === 0) return;
    const list = expiring.map(({ name, notAfter }) => `${name} expires ${notAfter.toISOString()}`).join(', ');
    options.logger.warn({ expiring }, 'certificates inside the renewal window');
    await options.warn('CertificateExpirationWarning', `lk certificates require attention: ${list}`);
  };
  const timer = setInterval(() => {
    running ??= check()
      .catch((error: unknown) => options.logger.error({ err: error }, 'certificate check failed'))
      .finally(() => (running = undefined));
  }, options.intervalMs ?? DAY_MS);
  timer.unref();
  return {
    check,
    stop: () => clearInterval(timer),
  };
}
