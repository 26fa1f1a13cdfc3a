import type { Logger } from 'pino';
import { ApiRequestError, type ApiClient, type ApiObject } from '../client/api-client.js';
import { Controller, withInformers, type ReconcileResult, type Reconciler, type RunningController } from '../runtime/controller.js';
import { Informer } from '../runtime/informer.js';
import { KUBELET_CLIENT, signerRefusal, type RequestFacts } from './signer-rules.js';

const CSRS = '/apis/certificates.k8s.io/v1/certificatesigningrequests';

interface Csr extends ApiObject {
  spec?: { request?: string; signerName?: string; usages?: string[]; username?: string; uid?: string; groups?: string[]; extra?: Record<string, string[]> };
  status?: { conditions?: { type: string; status: string }[]; certificate?: string };
}

/** What a kubelet may have approved for it, and the grant that lets it (upstream's recognizers, in their order). */
const RECOGNIZERS = [
  { subresource: 'selfnodeclient', self: true, message: 'Auto approving self kubelet client certificate after SubjectAccessReview.' },
  { subresource: 'nodeclient', self: false, message: 'Auto approving kubelet client certificate after SubjectAccessReview.' },
] as const;

/**
 * Upstream's csrapproving controller (sarapprove.go): a kubelet's client
 * certificate request (signer kube-apiserver-client-kubelet, subject
 * system:node:NAME in system:nodes, client usages only) is approved when
 * its requester may create certificatesigningrequests/selfnodeclient (a
 * node renewing its own certificate) or /nodeclient (a bootstrap token
 * joining a node) — asked with a SubjectAccessReview, so RBAC decides.
 */
export class CsrApproverReconciler implements Reconciler {
  constructor(
    private readonly client: ApiClient,
    private readonly requests: Informer,
    private readonly inspect: (requestPem: string) => RequestFacts,
    private readonly logger: Logger,
  ) {}

  async reconcile(name: string): Promise<ReconcileResult | void> {
    const csr = this.requests.get(name) as Csr | undefined;
    if (csr === undefined || csr.spec?.signerName !== KUBELET_CLIENT || (csr.status?.conditions ?? []).length > 0) return;
    let facts: RequestFacts;
    try {
      facts = this.inspect(Buffer.from(csr.spec.request ?? '', 'base64').toString('utf8'));
    } catch {
      return;
    }
    // Not a node client request: the signer will fail it; approval is not this controller's business.
    if (signerRefusal(KUBELET_CLIENT, facts, csr.spec.usages ?? []) !== undefined) return;
    for (const recognizer of RECOGNIZERS) {
      if (recognizer.self && csr.spec.username !== facts.commonName) continue;
      if (!(await this.allowed(csr, recognizer.subresource))) continue;
      try {
        await this.client.put(`${CSRS}/${encodeURIComponent(name)}/approval`, {
          ...csr,
          status: { ...csr.status, conditions: [{ type: 'Approved', status: 'True', reason: 'AutoApproved', message: recognizer.message }] },
        });
        this.logger.info({ csr: name, requester: csr.spec.username, grant: recognizer.subresource }, 'approved kubelet client certificate request');
      } catch (error) {
        if (error instanceof ApiRequestError && (error.conflict || error.notFound)) return;
        throw error;
      }
      return;
    }
  }

  private async allowed(csr: Csr, subresource: string): Promise<boolean> {
    const review = await this.client.post<{ status?: { allowed?: boolean } }>('/apis/authorization.k8s.io/v1/subjectaccessreviews', {
      apiVersion: 'authorization.k8s.io/v1',
      kind: 'SubjectAccessReview',
      spec: {
        user: csr.spec?.username,
        uid: csr.spec?.uid,
        groups: csr.spec?.groups,
        extra: csr.spec?.extra,
        resourceAttributes: { group: 'certificates.k8s.io', resource: 'certificatesigningrequests', verb: 'create', subresource },
      },
    });
    return review.status?.allowed === true;
  }
}

export function csrApprovingController(client: ApiClient, inspect: (requestPem: string) => RequestFacts, logger: Logger): RunningController {
  const controllerLogger = logger.child({ controller: 'csrapproving' });
  const requests = new Informer(client, { path: CSRS, logger: controllerLogger });
  const controller = new Controller(new CsrApproverReconciler(client, requests, inspect, controllerLogger), { name: 'csrapproving', workers: 1, logger: controllerLogger });
  requests.on((_event, csr) => controller.enqueue(csr.metadata.name ?? ''));
  return withInformers(controller, [requests]);
}
