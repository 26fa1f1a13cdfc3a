import type { Logger } from 'pino';
import type { ApiServer } from '../../server/api-server.js';
import { ApiError, badRequest, internalError } from '../../errors/status.js';
import type { KubeObject } from '../../resources/types.js';
import { applyResponsePatch, rejection, reviewRequest, WebhookCallError, type AdmissionResponse } from '../review.js';
import type { AdmissionPlugin, AdmissionRequest } from '../types.js';
import { webhookSchema, type Webhook } from './configuration.js';
import { webhookMatches } from './matching.js';
import { evaluate, toCel } from '../cel.js';

/** What admission reads on every write, from the API server's watch caches: webhook configurations, namespaces, limit ranges. */
export interface AdmissionSources {
  configurations(kind: 'mutating' | 'validating'): readonly KubeObject[];
  namespaceLabels(name: string): Readonly<Record<string, string>> | undefined;
  /** A namespace's LimitRanges (for LimitRanger, which reads the same caches). */
  limitRanges(namespace: string): readonly KubeObject[];
  /** A namespace's pods (for PodSecurity's warnings when a namespace's level changes). */
  pods(namespace: string): readonly KubeObject[];
}

/** The sources over the API server's watch caches (started already: reads are synchronous). */
export async function admissionSources(server: ApiServer): Promise<AdmissionSources> {
  const cache = (group: string, plural: string) => server.cacheFor(server.registry.find(group, 'v1', plural)!.definition);
  const [mutating, validating, namespaces, limitRanges, pods] = await Promise.all([
    cache('admissionregistration.k8s.io', 'mutatingwebhookconfigurations'),
    cache('admissionregistration.k8s.io', 'validatingwebhookconfigurations'),
    cache('', 'namespaces'),
    cache('', 'limitranges'),
    cache('', 'pods'),
  ]);
  return {
    configurations: (kind) => (kind === 'mutating' ? mutating : validating).snapshot().objects,
    namespaceLabels: (name) => {
      const namespace = namespaces.get(`/registry/namespaces/${name}`);
      return namespace === undefined ? undefined : (namespace.metadata.labels ?? {});
    },
    limitRanges: (namespace) => limitRanges.snapshot(`/registry/limitranges/${namespace}/`).objects,
    pods: (namespace) => pods.snapshot(`/registry/pods/${namespace}/`).objects,
  };
}

export type WebhookCaller = (webhook: Webhook, review: ReturnType<typeof reviewRequest>) => Promise<AdmissionResponse>;

/** The webhooks of every configuration of a kind, in upstream's order: configurations by name, webhooks as listed. */
function webhooksOf(configurations: readonly KubeObject[]): Webhook[] {
  return [...configurations]
    .sort((a, b) => (a.metadata.name ?? '').localeCompare(b.metadata.name ?? ''))
    .flatMap((configuration) => (Array.isArray(configuration['webhooks']) ? (configuration['webhooks'] as unknown[]) : []))
    .flatMap((webhook) => {
      const parsed = webhookSchema.safeParse(webhook);
      return parsed.success ? [parsed.data] : [];
    });
}

/**
 * The webhook's matchConditions (CEL over object, oldObject and request):
 * all must be true for it to be called. One that fails to evaluate counts as
 * a failed call, for failurePolicy to judge.
 */
function conditionsHold(webhook: Webhook, review: ReturnType<typeof reviewRequest>, request: AdmissionRequest): boolean {
  if (webhook.matchConditions.length === 0) return true;
  const context = { object: toCel(request.object ?? null), oldObject: toCel(request.oldObject ?? null), request: toCel(review) };
  for (const condition of webhook.matchConditions) {
    try {
      if (evaluate(condition.expression, context) !== true) return false;
    } catch (error) {
      throw new WebhookCallError(webhook.name, `matchCondition ${JSON.stringify(condition.name)} failed to evaluate: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  return true;
}

/**
 * Calls one webhook for a request and applies its answer. A call that fails
 * (unreachable, timeout, nonsense) is an internal error under failurePolicy
 * Fail and is logged and skipped under Ignore; a denial is the webhook's
 * Status; a mutating webhook's patch changes the object.
 */
export async function dispatch(webhook: Webhook, request: AdmissionRequest, mutating: boolean, call: WebhookCaller, warnings: string[], logger: Logger): Promise<void> {
  if (request.dryRun && webhook.sideEffects !== 'None' && webhook.sideEffects !== 'NoneOnDryRun') {
    throw badRequest(`admission webhook ${JSON.stringify(webhook.name)} does not support dry run`);
  }
  let response: AdmissionResponse;
  try {
    const review = reviewRequest(request);
    if (!conditionsHold(webhook, review, request)) return;
    response = await call(webhook, review);
    if (response.allowed) applyResponsePatch(webhook.name, request, response, mutating);
  } catch (error) {
    if (!(error instanceof WebhookCallError)) throw error;
    if (webhook.failurePolicy === 'Ignore') {
      logger.warn({ webhook: webhook.name, err: error }, 'failed calling webhook, failing open');
      return;
    }
    logger.warn({ webhook: webhook.name, err: error }, 'failed calling webhook, failing closed');
    throw internalError(error.message);
  }
  warnings.push(...(response.warnings ?? []));
  if (!response.allowed) throw rejection(webhook.name, response.status);
}

/**
 * MutatingAdmissionWebhook and ValidatingAdmissionWebhook: upstream's two
 * plugins that call the webhooks the cluster's configurations name.
 * Mutating webhooks run one after another (each sees the previous one's
 * changes); validating ones run after every mutation, and all must allow.
 */
export function webhookPlugins(sources: AdmissionSources, call: WebhookCaller, logger: Logger): AdmissionPlugin[] {
  const matching = (kind: 'mutating' | 'validating', request: AdmissionRequest): Webhook[] =>
    webhooksOf(sources.configurations(kind)).filter((webhook) => webhookMatches(webhook, request, (name) => sources.namespaceLabels(name)));
  return [
    {
      name: 'MutatingAdmissionWebhook',
      async mutate(request, warnings) {
        const webhooks = matching('mutating', request);
        // What each webhook last saw the object become: reinvocationPolicy IfNeeded calls a webhook once more
        // when a later one changed the object after it (upstream's single reinvocation).
        const seen = new Map<Webhook, string>();
        for (const webhook of webhooks) {
          await dispatch(webhook, request, true, call, warnings, logger);
          seen.set(webhook, JSON.stringify(request.object ?? null));
        }
        const final = JSON.stringify(request.object ?? null);
        for (const webhook of webhooks) {
          if (webhook.reinvocationPolicy === 'IfNeeded' && seen.get(webhook) !== final) await dispatch(webhook, request, true, call, warnings, logger);
        }
      },
    },
    {
      name: 'ValidatingAdmissionWebhook',
      async validate(request, warnings) {
        // Upstream calls them in parallel and reports the first refusal; in order is the same answer.
        const webhooks = matching('validating', request);
        const outcomes = await Promise.allSettled(webhooks.map((webhook) => dispatch(webhook, request, false, call, warnings, logger)));
        const refused = outcomes.find((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected');
        if (refused !== undefined) throw refused.reason instanceof ApiError ? refused.reason : internalError(String(refused.reason));
      },
    },
  ];
}
