/**
 * The admission plugins of CertificateSigningRequests (upstream's
 * plugin/pkg/admission/certificates/{approval,signing} and the strategy's
 * requester stamping): who asked is recorded in the spec; a request must be
 * signed by its own key; approving needs `approve`, and issuing a
 * certificate `sign`, on the signer (signers.certificates.k8s.io, by
 * signerName or `domain/*`).
 */
import { verifyCertificateRequest } from '@lk/certs';
import { forbidden, invalid } from '../../errors/status.js';
import { requestPem } from '../../resources/certificates/csr-validation.js';
import type { KubeObject } from '../../resources/types.js';
import type { Authorizer, UserInfo } from '../../auth/types.js';
import type { AdmissionPlugin, AdmissionRequest } from '../types.js';

const GROUP = 'certificates.k8s.io';
const isCsr = (request: AdmissionRequest): boolean => request.definition.group === GROUP && request.definition.plural === 'certificatesigningrequests';
const signerOf = (csr: KubeObject | undefined): string => String((csr?.['spec'] as { signerName?: string } | undefined)?.signerName ?? '');
const certificateOf = (csr: KubeObject | undefined): string => String((csr?.['status'] as { certificate?: string } | undefined)?.certificate ?? '');

/** Whether the user may `verb` the signer, by its name or its domain wildcard (upstream's IsAuthorizedForSignerName). */
export async function authorizedForSigner(authorizer: Authorizer, user: UserInfo, verb: 'approve' | 'sign', signerName: string): Promise<boolean> {
  const ask = async (name: string): Promise<boolean> =>
    (await authorizer.authorize({ user, verb, isResourceRequest: true, path: '', namespace: '', apiGroup: GROUP, apiVersion: '*', resource: 'signers', subresource: '', name })).decision === 'allow';
  if (await ask(signerName)) return true;
  const slash = signerName.indexOf('/');
  return slash > 0 && (await ask(`${signerName.slice(0, slash)}/*`));
}

export function certificateSigningRequestPlugins(authorizer: Authorizer): AdmissionPlugin[] {
  return [
    {
      name: 'CertificateSigningRequestRequester',
      mutate(request) {
        if (!isCsr(request) || request.operation !== 'CREATE' || request.subresource !== '' || request.object === undefined) return;
        const { user } = request;
        const spec = (request.object['spec'] ?? {}) as Record<string, unknown>;
        spec['username'] = user.name;
        if (user.uid !== undefined) spec['uid'] = user.uid;
        else delete spec['uid'];
        spec['groups'] = [...user.groups];
        if (user.extra !== undefined) spec['extra'] = user.extra;
        else delete spec['extra'];
        request.object['spec'] = spec;
      },
      async validate(request) {
        if (!isCsr(request) || request.operation !== 'CREATE' || request.subresource !== '' || request.object === undefined) return;
        const pem = requestPem(request.object);
        // A request that is no CSR at all is the strategy's to report; here only its proof of possession.
        if (!pem.includes('CERTIFICATE REQUEST')) return;
        if (!(await verifyCertificateRequest(pem))) {
          throw invalid('CertificateSigningRequest', GROUP, request.name, [{ type: 'FieldValueInvalid', field: 'spec.request', hasValue: false, detail: 'the request is not signed by the key it carries' }]);
        }
      },
    },
    {
      name: 'CertificateApproval',
      async validate(request) {
        if (!isCsr(request) || request.subresource !== 'approval' || request.operation !== 'UPDATE') return;
        const signer = signerOf(request.oldObject ?? request.object);
        if (!(await authorizedForSigner(authorizer, request.user, 'approve', signer))) {
          throw forbidden({ group: GROUP, resource: 'certificatesigningrequests' }, request.name, `user not permitted to approve requests with signerName ${JSON.stringify(signer)}`);
        }
      },
    },
    {
      name: 'CertificateSigning',
      async validate(request) {
        if (!isCsr(request) || request.subresource !== 'status' || request.operation !== 'UPDATE') return;
        if (certificateOf(request.object) === certificateOf(request.oldObject)) return;
        const signer = signerOf(request.oldObject ?? request.object);
        if (!(await authorizedForSigner(authorizer, request.user, 'sign', signer))) {
          throw forbidden({ group: GROUP, resource: 'certificatesigningrequests' }, request.name, `user not permitted to sign requests with signerName ${JSON.stringify(signer)}`);
        }
      },
    },
  ];
}
