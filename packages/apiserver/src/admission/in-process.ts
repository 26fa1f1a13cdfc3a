/**
 * In-process admission: a host app's own TypeScript hooks, called like
 * webhooks without a webhook server. A hook sees exactly the `request` of
 * the AdmissionReview a webhook would receive and answers like a webhook's
 * `response` (allowed, status, a JSONPatch — base64 text or the operations
 * themselves — and warnings); errors it throws fail the request (or not,
 * with failurePolicy Ignore).
 */
import type { Logger } from 'pino';
import { WebhookCallError, admissionResponseSchema, type AdmissionResponse, type AdmissionReviewRequest } from './review.js';
import type { AdmissionPlugin } from './types.js';
import { webhookSchema, type Webhook } from './webhooks/configuration.js';
import { webhookMatches } from './webhooks/matching.js';
import { dispatch, type AdmissionSources } from './webhooks/webhook-plugins.js';

export interface InProcessHookRule {
  readonly operations: readonly ('CREATE' | 'UPDATE' | 'DELETE' | 'CONNECT' | '*')[];
  readonly apiGroups: readonly string[];
  readonly apiVersions: readonly string[];
  readonly resources: readonly string[];
  readonly scope?: '*' | 'Cluster' | 'Namespaced';
}

export interface InProcessHook {
  readonly name: string;
  /** Which writes it sees, as a webhook's rules (default: every create, update and delete). */
  readonly rules?: readonly InProcessHookRule[];
  readonly namespaceSelector?: { matchLabels?: Record<string, string> };
  readonly objectSelector?: { matchLabels?: Record<string, string> };
  /** Fail (default): a hook that throws fails the request; Ignore: it is logged and skipped. */
  readonly failurePolicy?: 'Fail' | 'Ignore';
  handle(request: AdmissionReviewRequest): Omit<AdmissionResponse, 'uid'> | Promise<Omit<AdmissionResponse, 'uid'>>;
}

export interface InProcessAdmission {
  readonly mutating?: readonly InProcessHook[];
  readonly validating?: readonly InProcessHook[];
}

const EVERYTHING: InProcessHookRule = { operations: ['CREATE', 'UPDATE', 'DELETE'], apiGroups: ['*'], apiVersions: ['*'], resources: ['*/*'] };

function asWebhook(hook: InProcessHook): Webhook {
  return webhookSchema.parse({
    name: hook.name,
    clientConfig: {},
    rules: hook.rules ?? [EVERYTHING],
    failurePolicy: hook.failurePolicy ?? 'Fail',
    namespaceSelector: hook.namespaceSelector ?? {},
    objectSelector: hook.objectSelector ?? {},
    // In-process hooks see dry runs: a host's function has no side effects lk could not know of.
    sideEffects: 'None',
  });
}

/** The host's hooks as two admission plugins, run where upstream runs webhooks of the same kind. */
export function inProcessPlugins(admission: InProcessAdmission, namespaceLabels: AdmissionSources['namespaceLabels'], logger: Logger): AdmissionPlugin[] {
  const bind = (hooks: readonly InProcessHook[]) => {
    const byName = new Map(hooks.map((hook) => [hook.name, hook]));
    const call = async (webhook: Webhook, review: AdmissionReviewRequest): Promise<AdmissionResponse> => {
      let answer: unknown;
      try {
        answer = await byName.get(webhook.name)!.handle(structuredClone(review));
      } catch (error) {
        throw new WebhookCallError(webhook.name, error instanceof Error ? error.message : String(error));
      }
      const parsed = admissionResponseSchema.safeParse({ ...(answer as object), uid: review.uid });
      if (!parsed.success) throw new WebhookCallError(webhook.name, `the hook's answer is not an admission response: ${parsed.error.issues[0]!.message}`);
      return parsed.data;
    };
    return { webhooks: hooks.map(asWebhook), call };
  };
  const mutating = bind(admission.mutating ?? []);
  const validating = bind(admission.validating ?? []);
  return [
    {
      name: 'InProcessMutatingAdmission',
      async mutate(request, warnings) {
        for (const webhook of mutating.webhooks) {
          if (webhookMatches(webhook, request, namespaceLabels)) await dispatch(webhook, request, true, mutating.call, warnings, logger);
        }
      },
    },
    {
      name: 'InProcessValidatingAdmission',
      async validate(request, warnings) {
        for (const webhook of validating.webhooks) {
          if (webhookMatches(webhook, request, namespaceLabels)) await dispatch(webhook, request, false, validating.call, warnings, logger);
        }
      },
    },
  ];
}
