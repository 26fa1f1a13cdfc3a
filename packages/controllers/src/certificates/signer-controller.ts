import type { Logger } from 'pino';
import { ApiRequestError, type ApiClient, type ApiObject } from '../client/api-client.js';
import { Controller, withInformers, type ReconcileResult, type Reconciler, type RunningController } from '../runtime/controller.js';
import { Informer } from '../runtime/informer.js';
import { signerRefusal, SIGNERS, type RequestFacts } from './signer-rules.js';

const CSRS = '/apis/certificates.k8s.io/v1/certificatesigningrequests';
const YEAR_SECONDS = 365 * 24 * 3600;
/** Certificates start a little in the past, for clocks that run behind (upstream backdates 5 minutes). */
const BACKDATE_MS = 5 * 60_000;

interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  lastUpdateTime?: string;
}

interface Csr extends ApiObject {
  spec?: { request?: string; signerName?: string; usages?: string[]; expirationSeconds?: number };
  status?: { certificate?: string; conditions?: Condition[] };
}

export interface SigningAuthority {
  /** Reads the subject and names of a PEM certificate request (throws when it is none). */
  inspect(requestPem: string): RequestFacts;
  /** Signs it with the signer's CA for exactly these usages and times; answers the certificate PEM. */
  sign(request: { readonly requestPem: string; readonly signerName: string; readonly usages: readonly string[]; readonly notBefore: Date; readonly notAfter: Date }): Promise<string>;
}

export interface SignerOptions {
  /** Longest certificate issued (kube-controller-manager's --cluster-signing-duration, a year by default). */
  readonly maxDurationSeconds?: number;
  readonly now?: () => Date;
}

const has = (csr: Csr, type: string): boolean => (csr.status?.conditions ?? []).some((condition) => condition.type === type && condition.status === 'True');

/**
 * Upstream's CSR signing controller for the Kubernetes signers
 * (kube-apiserver-client, kube-apiserver-client-kubelet, kubelet-serving):
 * an approved request with no certificate is checked against its signer's
 * rules and either signed — for min(expirationSeconds, a year) — or marked
 * Failed with the reason. The CA keys never pass through the API: signing
 * is the SigningAuthority's, which the host (lk's core) provides.
 */
export class CsrSignerReconciler implements Reconciler {
  constructor(
    private readonly client: ApiClient,
    private readonly requests: Informer,
    private readonly authority: SigningAuthority,
    private readonly logger: Logger,
    private readonly options: SignerOptions = {},
  ) {}

  async reconcile(name: string): Promise<ReconcileResult | void> {
    const csr = this.requests.get(name) as Csr | undefined;
    if (csr === undefined || (csr.status?.certificate ?? '') !== '') return;
    const signerName = csr.spec?.signerName ?? '';
    if (!(SIGNERS as readonly string[]).includes(signerName)) return;
    if (!has(csr, 'Approved') || has(csr, 'Denied') || has(csr, 'Failed')) return;
    const now = this.options.now?.() ?? new Date();
    const requestPem = Buffer.from(csr.spec?.request ?? '', 'base64').toString('utf8');
    const usages = csr.spec?.usages ?? [];
    let refusal: string | undefined;
    try {
      refusal = signerRefusal(signerName, this.authority.inspect(requestPem), usages);
    } catch (error) {
      refusal = `unable to parse csr: ${error instanceof Error ? error.message : String(error)}`;
    }
    const status: Csr['status'] = { ...csr.status };
    if (refusal !== undefined) {
      status.conditions = [...(csr.status?.conditions ?? []), { type: 'Failed', status: 'True', reason: 'SignerValidationFailure', message: refusal, lastUpdateTime: now.toISOString().replace(/\.\d{3}Z$/, 'Z') }];
    } else {
      const seconds = Math.min(csr.spec?.expirationSeconds ?? Number.POSITIVE_INFINITY, this.options.maxDurationSeconds ?? YEAR_SECONDS);
      const certificate = await this.authority.sign({ requestPem, signerName, usages, notBefore: new Date(now.getTime() - BACKDATE_MS), notAfter: new Date(now.getTime() + seconds * 1000) });
      status.certificate = Buffer.from(certificate).toString('base64');
    }
    try {
      await this.client.put(`${CSRS}/${encodeURIComponent(name)}/status`, { ...csr, status });
      this.logger.info({ csr: name, signerName, signed: refusal === undefined, refusal }, refusal === undefined ? 'signed certificate' : 'refused certificate request');
    } catch (error) {
      if (error instanceof ApiRequestError && (error.conflict || error.notFound)) return;
      throw error;
    }
  }
}

export function csrSigningController(client: ApiClient, authority: SigningAuthority, logger: Logger, options: SignerOptions = {}): RunningController {
  const controllerLogger = logger.child({ controller: 'csrsigning' });
  const requests = new Informer(client, { path: CSRS, logger: controllerLogger });
  const controller = new Controller(new CsrSignerReconciler(client, requests, authority, controllerLogger, options), { name: 'csrsigning', workers: 1, logger: controllerLogger });
  requests.on((_event, csr) => controller.enqueue(csr.metadata.name ?? ''));
  return withInformers(controller, [requests]);
}
