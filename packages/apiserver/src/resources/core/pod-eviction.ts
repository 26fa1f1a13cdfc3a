import { ApiError, badRequest, forbidden, internalError, methodNotAllowed, successStatus, type Status } from '../../errors/status.js';
import type { IncomingRequest } from '../../request/body.js';
import { negotiate } from '../../request/negotiation.js';
import type { ResourceRequestInfo } from '../../request/request-info.js';
import type { RegisteredResource } from '../../registry/resource-registry.js';
import { rfc3339 } from '../../registry/store.js';
import { labelSelectorFromObject, labelsMatch } from '../../selectors/label-selector.js';
import { deleteRequestFrom } from '../../server/resource-handler.js';
import { sendObject, type OutgoingResponse } from '../../server/responses.js';
import type { KubeObject } from '../types.js';

export const EVICTION_SCHEMA = 'io.k8s.api.policy.v1.Eviction';

/** Upstream caps the map of evictions the disruption controller has not confirmed yet. */
const MAX_DISRUPTED_PODS = 2000;

type Json = Record<string, unknown>;

interface Budget extends KubeObject {
  spec?: { selector?: Parameters<typeof labelSelectorFromObject>[0]; unhealthyPodEvictionPolicy?: string };
  status?: { observedGeneration?: number; disruptionsAllowed?: number; currentHealthy?: number; desiredHealthy?: number; disruptedPods?: Record<string, string> };
}

/** errors.NewTooManyRequests with a DisruptionBudget cause: kubectl drain waits and retries on it. */
function budgetViolation(cause: string): ApiError {
  const status: Status = {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message: "Cannot evict pod as it would violate the pod's disruption budget.",
    reason: 'TooManyRequests',
    code: 429,
    details: { causes: [{ reason: 'DisruptionBudget', message: cause }] },
  };
  return new ApiError(status);
}

function phaseOf(pod: KubeObject): string {
  return String(((pod['status'] ?? {}) as Json)['phase'] ?? '');
}

function isReady(pod: KubeObject): boolean {
  const conditions = (((pod['status'] ?? {}) as Json)['conditions'] ?? []) as Json[];
  return conditions.some((condition) => condition['type'] === 'Ready' && condition['status'] === 'True');
}

/**
 * POST pods/{name}/eviction (policy/v1 Eviction), as upstream's EvictionREST:
 * a pod that is finished, pending or already going is deleted outright;
 * otherwise the one PodDisruptionBudget that selects it must allow a
 * disruption, which the eviction spends (status.disruptionsAllowed−1 and the
 * pod in status.disruptedPods) before the pod is deleted with the
 * eviction's DeleteOptions. A budget the disruption controller has not
 * processed yet, or that allows nothing, answers 429 with the reason.
 */
export async function handlePodEviction(
  pods: RegisteredResource,
  budgets: RegisteredResource | undefined,
  info: ResourceRequestInfo,
  query: URLSearchParams,
  request: IncomingRequest,
  response: OutgoingResponse,
  readBody: () => Promise<unknown>,
  now: () => Date,
): Promise<void> {
  if (info.verb !== 'create') throw methodNotAllowed('the server does not allow this method on the requested resource');
  const negotiated = negotiate(request.headers.accept, { renderings: [] });
  const body = await readBody();
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw badRequest('the body must be an Eviction object');
  const eviction = body as { metadata?: { name?: string; namespace?: string }; deleteOptions?: unknown };
  if (eviction.metadata?.name !== info.name) throw badRequest('name in URL does not match name in Eviction object');
  const deleteRequest = deleteRequestFrom(eviction.deleteOptions ?? undefined, query);
  const pod = await pods.store.get(info.namespace, info.name);

  const canIgnoreBudget = ['Succeeded', 'Failed', 'Pending'].includes(phaseOf(pod)) || pod.metadata.deletionTimestamp !== undefined;
  if (!canIgnoreBudget && budgets !== undefined) {
    const { items } = await budgets.store.list({ namespace: info.namespace, matches: () => true, filtered: false });
    const selecting = (items as Budget[]).filter((budget) => {
      const selector = budget.spec?.selector;
      if (selector === undefined || selector === null) return false;
      const requirements = labelSelectorFromObject(selector);
      // policy/v1: a null selector selects no pod, an empty one ({}) every pod of the namespace.
      return labelsMatch(requirements, pod.metadata.labels);
    });
    if (selecting.length > 1) throw internalError(new Error('This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.'));
    const budget = selecting[0];
    if (budget !== undefined && !unhealthyPodMayGo(budget, pod)) {
      await spendDisruption(budgets, budget, info.name, deleteRequest.dryRun, now);
    }
  }
  await pods.store.delete(info.namespace, info.name, deleteRequest);
  sendObject(response, 201, { ...successStatus(), code: 201 }, negotiated);
}

/** spec.unhealthyPodEvictionPolicy: a pod that is not Ready may go without spending the budget when the policy says so. */
function unhealthyPodMayGo(budget: Budget, pod: KubeObject): boolean {
  if (isReady(pod)) return false;
  if (budget.spec?.unhealthyPodEvictionPolicy === 'AlwaysAllow') return true;
  const { currentHealthy = 0, desiredHealthy = 0 } = budget.status ?? {};
  return desiredHealthy > 0 && currentHealthy >= desiredHealthy;
}

/** checkAndDecrement: the budget's status is updated with compare-and-swap, so two evictions never spend one disruption twice. */
async function spendDisruption(budgets: RegisteredResource, budget: Budget, podName: string, dryRun: boolean, now: () => Date): Promise<void> {
  const name = budget.metadata.name!;
  const namespace = budget.metadata.namespace!;
  await budgets.store.update(
    namespace,
    name,
    (current) => {
      const live = current as Budget;
      const status = live.status ?? {};
      if ((status.observedGeneration ?? 0) < (live.metadata.generation ?? 0)) {
        throw budgetViolation(`The disruption budget ${name} is still being processed by the server.`);
      }
      const allowed = status.disruptionsAllowed ?? 0;
      if (allowed < 0) throw forbidden({ group: 'policy', resource: 'poddisruptionbudget' }, name, 'pdb disruptions allowed is negative');
      if (allowed === 0) {
        throw budgetViolation(`The disruption budget ${name} needs ${status.desiredHealthy ?? 0} healthy pods and has ${status.currentHealthy ?? 0} currently`);
      }
      const disrupted = { ...(status.disruptedPods ?? {}) };
      if (Object.keys(disrupted).length > MAX_DISRUPTED_PODS) {
        throw forbidden({ group: 'policy', resource: 'poddisruptionbudget' }, name, 'DisruptedPods map too big - too many evictions not confirmed by PDB controller');
      }
      disrupted[podName] = rfc3339(now());
      live.status = { ...status, disruptionsAllowed: allowed - 1, disruptedPods: disrupted };
      return live;
    },
    { dryRun, subresource: 'status' },
  );
}
