import { badRequest, methodNotAllowed, notFound } from '../../errors/status.js';
import { negotiate } from '../../request/negotiation.js';
import { parseQuery, writeQuery } from '../../request/options.js';
import type { ResourceRequestInfo } from '../../request/request-info.js';
import type { IncomingRequest } from '../../request/body.js';
import { readBody } from '../../request/body.js';
import type { RegisteredResource } from '../../registry/resource-registry.js';
import { sendObject, type OutgoingResponse } from '../../server/responses.js';
import type { KubeObject } from '../types.js';

export interface ApprovalServices {
  readonly readObject: () => Promise<unknown>;
  readonly applyPatch: (current: KubeObject, patch: Buffer) => KubeObject;
  readonly admit: (object: KubeObject, old: KubeObject, dryRun: boolean) => Promise<void>;
}

/**
 * GET/PUT/PATCH certificatesigningrequests/NAME/approval: where Approved
 * and Denied conditions are set (`kubectl certificate approve|deny`), and
 * nothing else: the strategy keeps everything but those conditions.
 */
export async function handleCsrApproval(
  resource: RegisteredResource,
  info: ResourceRequestInfo,
  query: URLSearchParams,
  request: IncomingRequest,
  response: OutgoingResponse,
  services: ApprovalServices,
): Promise<void> {
  const negotiated = negotiate(request.headers.accept, { renderings: [] });
  const { store } = resource;
  if (info.verb === 'get') {
    sendObject(response, 200, await store.get('', info.name), negotiated);
    return;
  }
  if (info.verb !== 'update' && info.verb !== 'patch') throw methodNotAllowed('the server does not allow this method on the requested resource');
  const write = parseQuery(writeQuery, query);
  const body = info.verb === 'update' ? await services.readObject() : await readBody(request);
  const result = await store.update(
    '',
    info.name,
    async (current) => {
      if (current === undefined) throw notFound({ group: resource.definition.group, resource: resource.definition.plural }, info.name);
      let next: KubeObject;
      if (info.verb === 'update') {
        if (typeof body !== 'object' || body === null || Array.isArray(body)) throw badRequest('the body must be a CertificateSigningRequest object');
        next = structuredClone(body) as KubeObject;
        next.metadata ??= {};
      } else {
        next = services.applyPatch(current, body as Buffer);
      }
      await services.admit(next, current, write.dryRun);
      return next;
    },
    { dryRun: write.dryRun, subresource: 'approval', manager: write.fieldManager ?? 'kubectl-certificate' },
  );
  sendObject(response, 200, result.object, negotiated);
}
