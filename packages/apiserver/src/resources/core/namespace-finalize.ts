import { methodNotAllowed } from '../../errors/status.js';
import { bodyFormat, parseBody, readBody, type IncomingRequest } from '../../request/body.js';
import { negotiate } from '../../request/negotiation.js';
import { parseQuery, writeQuery } from '../../request/options.js';
import type { ResourceRequestInfo } from '../../request/request-info.js';
import type { RegisteredResource } from '../../registry/resource-registry.js';
import { sendObject, type OutgoingResponse } from '../../server/responses.js';
import type { KubeObject } from '../types.js';
import { applyFinalize } from './namespace.js';

/**
 * PUT /api/v1/namespaces/{name}/finalize: the namespace controller removes
 * the "kubernetes" finalizer here once the namespace is empty; when no
 * finalizer is left the namespace is deleted.
 */
export async function handleNamespaceFinalize(
  resource: RegisteredResource,
  info: ResourceRequestInfo,
  query: URLSearchParams,
  request: IncomingRequest,
  response: OutgoingResponse,
): Promise<void> {
  if (info.verb !== 'update') throw methodNotAllowed('the server does not allow this method on the requested resource');
  const write = parseQuery(writeQuery, query);
  const negotiated = negotiate(request.headers.accept, { renderings: [] });
  const requested = parseBody(await readBody(request), bodyFormat(request.headers['content-type'])) as KubeObject;
  requested.metadata ??= {};
  const result = await resource.store.update('', info.name, (current) => applyFinalize(current!, requested), {
    dryRun: write.dryRun,
    subresource: 'finalize',
  });
  sendObject(response, 200, result.object, negotiated);
}
