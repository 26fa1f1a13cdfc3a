/**
 * POST serviceaccounts/NAME/token: the TokenRequest API (authentication.k8s.io/v1),
 * as upstream's pkg/registry/core/serviceaccount/storage/token.go: a token
 * for the account, for the API's audiences unless others are asked for,
 * valid an hour unless said otherwise, optionally bound to a Pod, Secret or
 * Node so that it ends with that object. `kubectl create token` uses it.
 */
import { z } from 'zod';
import { ApiError, badRequest, conflict, invalid, methodNotAllowed, type FieldError } from '../../errors/status.js';
import { negotiate } from '../../request/negotiation.js';
import { parseQuery, writeQuery } from '../../request/options.js';
import type { ResourceRequestInfo } from '../../request/request-info.js';
import type { IncomingRequest } from '../../request/body.js';
import { rfc3339 } from '../../registry/store.js';
import type { KubeObject } from '../../resources/types.js';
import { sendObject, type OutgoingResponse } from '../../server/responses.js';
import type { ServiceAccountObjects } from './token-authenticator.js';
import type { KubernetesClaim, ServiceAccountTokens } from './token-issuer.js';

export const TOKEN_REQUEST_SCHEMA = 'io.k8s.api.authentication.v1.TokenRequest';

/** An hour and seven seconds: what kubelet asks for pod tokens, extended to a year (with a warning time) for the API's own audience. */
const WARN_ONLY_EXPIRATION_SECONDS = 3607;
const EXTENDED_EXPIRATION_SECONDS = 365 * 24 * 60 * 60;

const tokenRequestSchema = z
  .object({
    metadata: z.object({ name: z.string().optional(), namespace: z.string().optional() }).loose().optional(),
    spec: z
      .object({
        audiences: z.array(z.string()).nullish(),
        expirationSeconds: z.number().int().nullish(),
        boundObjectRef: z.object({ kind: z.string().optional(), apiVersion: z.string().optional(), name: z.string().optional(), uid: z.string().optional() }).loose().nullish(),
      })
      .loose()
      .optional(),
  })
  .loose();

export interface TokenRequestContext {
  readonly tokens: ServiceAccountTokens;
  readonly objects: ServiceAccountObjects;
  readonly audiences: readonly string[];
  readonly now: () => Date;
}

function notFoundOf(resource: string, name: string): ApiError {
  return new ApiError({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: `${resource} "${name}" not found`, reason: 'NotFound', details: { name, kind: resource }, code: 404 });
}

export async function handleTokenRequest(
  info: ResourceRequestInfo,
  query: URLSearchParams,
  request: IncomingRequest,
  response: OutgoingResponse,
  readBody: () => Promise<unknown>,
  context: TokenRequestContext,
): Promise<void> {
  if (info.verb !== 'create') throw methodNotAllowed('the server does not allow this method on the requested resource');
  const write = parseQuery(writeQuery, query);
  const body = (await readBody()) ?? {};
  const parsed = tokenRequestSchema.safeParse(body);
  if (!parsed.success) throw badRequest(`TokenRequest in version "v1" cannot be handled as a TokenRequest: ${parsed.error.issues[0]!.path.join('.')}: ${parsed.error.issues[0]!.message}`);
  const tokenRequest = parsed.data;
  const { name, namespace } = info;
  const metadata = tokenRequest.metadata ?? {};
  if (metadata.name !== undefined && metadata.name !== '' && metadata.name !== name) {
    throw invalid('TokenRequest', 'authentication.k8s.io', name, [{ type: 'FieldValueInvalid', field: 'metadata.name', value: metadata.name, detail: 'must match the service account name if specified' }]);
  }
  if (metadata.namespace !== undefined && metadata.namespace !== '' && metadata.namespace !== namespace) {
    throw invalid('TokenRequest', 'authentication.k8s.io', name, [{ type: 'FieldValueInvalid', field: 'metadata.namespace', value: metadata.namespace, detail: 'must match the service account namespace if specified' }]);
  }
  const account = await context.objects.serviceAccounts(namespace, name);
  if (account === undefined) throw notFoundOf('serviceaccounts', name);
  const spec = tokenRequest.spec ?? {};
  const audiences = spec.audiences != null && spec.audiences.length > 0 ? spec.audiences : [...context.audiences];
  const expirationSeconds = spec.expirationSeconds ?? 3600;
  const errors: FieldError[] = [];
  if (expirationSeconds < 600) errors.push({ type: 'FieldValueInvalid', field: 'spec.expirationSeconds', value: expirationSeconds, detail: 'may not specify a duration less than 10 minutes' });
  if (expirationSeconds > 2 ** 32 - 1) errors.push({ type: 'FieldValueInvalid', field: 'spec.expirationSeconds', value: expirationSeconds, detail: 'may not specify a duration larger than 2^32 seconds' });
  if (errors.length > 0) throw invalid('TokenRequest', 'authentication.k8s.io', '', errors);

  const claim: { -readonly [K in keyof KubernetesClaim]: KubernetesClaim[K] } = { namespace, serviceaccount: { name, uid: account.metadata.uid ?? '' } };
  let boundPod: KubeObject | undefined;
  const reference = spec.boundObjectRef;
  if (reference != null) {
    const kind = reference.kind ?? '';
    const apiVersion = reference.apiVersion ?? '';
    const refName = reference.name ?? '';
    let bound: KubeObject | undefined;
    if (apiVersion === 'v1' && kind === 'Pod') {
      bound = await context.objects.pods(namespace, refName);
      if (bound === undefined) throw notFoundOf('pods', refName);
      const podAccount = ((bound['spec'] ?? {}) as { serviceAccountName?: string }).serviceAccountName ?? 'default';
      if (podAccount !== name) throw badRequest(`cannot bind token for serviceaccount "${name}" to pod running with different serviceaccount name.`);
      boundPod = bound;
      claim.pod = { name: refName, uid: bound.metadata.uid ?? '' };
      const nodeName = ((bound['spec'] ?? {}) as { nodeName?: string }).nodeName;
      const node = nodeName !== undefined && nodeName !== '' ? await context.objects.nodes('', nodeName) : undefined;
      if (node !== undefined) claim.node = { name: nodeName!, uid: node.metadata.uid ?? '' };
    } else if (apiVersion === 'v1' && kind === 'Secret') {
      bound = await context.objects.secrets(namespace, refName);
      if (bound === undefined) throw notFoundOf('secrets', refName);
      claim.secret = { name: refName, uid: bound.metadata.uid ?? '' };
    } else if (apiVersion === 'v1' && kind === 'Node') {
      bound = await context.objects.nodes('', refName);
      if (bound === undefined) throw notFoundOf('nodes', refName);
      claim.node = { name: refName, uid: bound.metadata.uid ?? '' };
    } else {
      const group = apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.indexOf('/')) : '';
      const version = apiVersion.includes('/') ? apiVersion.slice(apiVersion.indexOf('/') + 1) : apiVersion;
      throw badRequest(`cannot bind token to object of type ${group === '' ? '' : `${group}/`}${version}, Kind=${kind}`);
    }
    if (reference.uid !== undefined && reference.uid !== '' && reference.uid !== bound.metadata.uid) {
      throw conflict(
        { group: '', resource: kind },
        refName,
        `the UID in the bound object reference (${reference.uid}) does not match the UID in record. The object might have been deleted and then recreated`,
      );
    }
  }

  const now = context.now();
  let expiration = expirationSeconds;
  // Pod tokens kubelet asks for with the API's audience live a year, with a warning time at the hour (upstream's safe rollout).
  if (boundPod !== undefined && expirationSeconds === WARN_ONLY_EXPIRATION_SECONDS && audiences.every((audience) => context.audiences.includes(audience))) {
    claim.warnafter = Math.floor(now.getTime() / 1000) + expirationSeconds;
    expiration = EXTENDED_EXPIRATION_SECONDS;
  }
  const token = write.dryRun ? '' : await context.tokens.issue({ claim, audiences, expirationSeconds: expiration, now });
  sendObject(
    response,
    201,
    {
      kind: 'TokenRequest',
      apiVersion: 'authentication.k8s.io/v1',
      metadata: { name, namespace, creationTimestamp: rfc3339(now) },
      spec: { audiences, expirationSeconds, boundObjectRef: reference ?? null },
      status: { token, expirationTimestamp: rfc3339(new Date(now.getTime() + expirationSeconds * 1000)) },
    },
    negotiate(request.headers.accept, { renderings: [] }),
  );
}
