/**
 * ResourceQuota: admission that refuses what would exceed a namespace's
 * quotas (plugin/pkg/admission/resourcequota, charging the quota's
 * status.used as it admits, so concurrent creates cannot both slip in), and
 * the upkeep of status.used from what the namespace holds (upstream's
 * resourcequota controller, here inside the API server, reading its
 * watch caches).
 */
import type { Logger } from 'pino';
import { ApiError, forbidden } from '../../errors/status.js';
import type { AdmissionPlugin } from '../../admission/types.js';
import { resourcePrefix } from '../../registry/object-codec.js';
import type { ApiServer } from '../../server/api-server.js';
import { addQuantities, compareQuantities, parseQuantity } from '../quantity.js';
import type { KubeObject } from '../types.js';
import { formatUsage, missingCompute, podCounts, usageOf, type Usage } from './quota-usage.js';

type ResourceList = Record<string, string>;

const hardOf = (quota: KubeObject): ResourceList => ((quota['spec'] as { hard?: ResourceList } | undefined)?.hard ?? {});
const usedOf = (quota: KubeObject): ResourceList | undefined => (quota['status'] as { used?: ResourceList } | undefined)?.used;

/** `a=1,b=2`, keys sorted: upstream's prettyPrint of a ResourceList. */
function pretty(list: ResourceList): string {
  return Object.keys(list)
    .sort()
    .map((key) => `${key}=${list[key]}`)
    .join(',');
}

/** Upstream's "exceeded quota" text for the resources the charge would take past their limits, or undefined when it fits. */
function exceededBy(quotaName: string, names: readonly string[], charge: Usage, used: ResourceList, hard: ResourceList): string | undefined {
  const exceeded = names.filter((key) => hard[key] !== undefined && compareQuantities(addQuantities(parseQuantity(used[key] ?? '0')!, charge.get(key)!), parseQuantity(hard[key]!)!) > 0);
  if (exceeded.length === 0) return undefined;
  const pick = (list: ResourceList) => Object.fromEntries(exceeded.map((key) => [key, list[key] ?? '0']));
  const requested = formatUsage(new Map(exceeded.map((key) => [key, charge.get(key)!])), hard);
  return `exceeded quota: ${quotaName}, requested: ${pretty(requested)}, used: ${pretty(pick(used))}, limited: ${pretty(pick(hard))}`;
}

/** The (group, plural) a quota resource name counts. */
function countedResource(name: string): { group: string; plural: string } | undefined {
  if (name.startsWith('count/')) {
    const rest = name.slice('count/'.length);
    const dot = rest.indexOf('.');
    return dot < 0 ? { group: '', plural: rest } : { group: rest.slice(dot + 1), plural: rest.slice(0, dot) };
  }
  if (['pods', 'cpu', 'memory', 'ephemeral-storage'].includes(name) || name.startsWith('requests.') || name.startsWith('limits.')) {
    return name === 'requests.storage' || name.endsWith('.storageclass.storage.k8s.io/requests.storage') ? { group: '', plural: 'persistentvolumeclaims' } : { group: '', plural: 'pods' };
  }
  if (name.startsWith('services')) return { group: '', plural: 'services' };
  if (['secrets', 'configmaps', 'persistentvolumeclaims', 'replicationcontrollers', 'resourcequotas'].includes(name)) return { group: '', plural: name };
  return undefined;
}

export class ResourceQuotas {
  private timer: NodeJS.Timeout | undefined;
  private lastStamp = '';

  constructor(
    private readonly server: ApiServer,
    private readonly logger: Logger,
  ) {}

  private async quotasIn(namespace: string): Promise<KubeObject[]> {
    const definition = this.server.registry.find('', 'v1', 'resourcequotas')!.definition;
    return (await this.server.cacheFor(definition)).snapshot(resourcePrefix(definition, namespace)).objects;
  }

  /** What a namespace holds of the resources a quota limits, counted from the watch caches. */
  private async usageIn(namespace: string, names: readonly string[]): Promise<Usage> {
    const usage: Usage = new Map();
    const resources = new Map<string, { group: string; plural: string }>();
    for (const name of names) {
      const counted = countedResource(name);
      if (counted !== undefined) resources.set(`${counted.group}/${counted.plural}`, counted);
    }
    for (const { group, plural } of resources.values()) {
      const registered = this.server.registry.all().find((resource) => resource.definition.group === group && resource.definition.plural === plural);
      if (registered === undefined) continue;
      const cache = await this.server.cacheFor(registered.definition);
      for (const object of cache.snapshot(resourcePrefix(registered.definition, namespace)).objects) {
        if (group === '' && plural === 'pods' && !podCounts(object)) continue;
        for (const [name, value] of usageOf(group, plural, object)) usage.set(name, usage.has(name) ? addQuantities(usage.get(name)!, value) : value);
      }
    }
    return usage;
  }

  /** Brings every quota's status (hard and used) in line with what its namespace holds. */
  async reconcile(): Promise<void> {
    const definition = this.server.registry.find('', 'v1', 'resourcequotas')!.definition;
    const cache = await this.server.cacheFor(definition);
    const quotas = cache.snapshot().objects;
    if (quotas.length === 0) return;
    for (const quota of quotas) {
      const hard = hardOf(quota);
      const namespace = quota.metadata.namespace ?? '';
      const usage = await this.usageIn(namespace, Object.keys(hard));
      const used = formatUsage(new Map(Object.keys(hard).map((name) => [name, usage.get(name) ?? { numerator: 0n, denominator: 1n }])), hard);
      const status = (quota['status'] ?? {}) as { hard?: ResourceList; used?: ResourceList };
      if (JSON.stringify(status.hard ?? {}) === JSON.stringify(hard) && JSON.stringify(status.used ?? {}) === JSON.stringify(used)) continue;
      try {
        await this.server.store('', 'v1', 'resourcequotas').update(namespace, quota.metadata.name ?? '', (current) => ({ ...current!, status: { hard, used } }), { dryRun: false, subresource: 'status', manager: 'resourcequota-controller' });
      } catch (error) {
        if (!(error instanceof ApiError)) throw error;
      }
    }
  }

  /** Recomputes usage about once a second while anything quota-relevant changed. */
  start(intervalMs = 1000): void {
    this.timer ??= setInterval(() => {
      const stamp = this.server.registry
        .all()
        .map((resource) => this.server.cachedChanges(resource.definition))
        .join('/');
      if (stamp === this.lastStamp) return;
      this.lastStamp = stamp;
      void this.reconcile().catch((error: unknown) => this.logger.warn({ err: error }, 'resource quota usage could not be updated'));
    }, intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
  }

  /** The ResourceQuota admission plugin. */
  plugin(): AdmissionPlugin {
    return {
      name: 'ResourceQuota',
      validate: async (request) => {
        const { definition, object } = request;
        if (request.operation !== 'CREATE' || request.subresource !== '' || request.namespace === '' || object === undefined) return;
        const quotas = await this.quotasIn(request.namespace);
        if (quotas.length === 0) return;
        const usage = usageOf(definition.group, definition.plural, object);
        const charges: { quota: KubeObject; names: string[] }[] = [];
        for (const quota of quotas) {
          const hard = hardOf(quota);
          const name = quota.metadata.name ?? '';
          if (definition.group === '' && definition.plural === 'pods') {
            const missing = missingCompute(object, Object.keys(hard));
            if (missing.length > 0) throw forbidden({ group: '', resource: definition.plural }, request.name, `failed quota: ${name}: must specify ${missing.join(',')}`);
          }
          const names = Object.keys(hard).filter((key) => usage.has(key));
          if (names.length === 0) continue;
          const used = usedOf(quota);
          const unknown = names.filter((key) => used?.[key] === undefined);
          if (unknown.length > 0) throw forbidden({ group: definition.group, resource: definition.plural }, request.name, `status unknown for quota: ${name}, resources: ${unknown.sort().join(',')}`);
          const exceeded = exceededBy(name, names, usage, used!, hard);
          if (exceeded !== undefined) throw forbidden({ group: definition.group, resource: definition.plural }, request.name, exceeded);
          charges.push({ quota, names });
        }
        if (request.dryRun) return;
        // Charge each quota in one compare-and-swap with the check, so two creates racing for the last unit cannot both win.
        for (const { quota, names } of charges) {
          await this.server.store('', 'v1', 'resourcequotas').update(
            request.namespace,
            quota.metadata.name ?? '',
            (current) => {
              const hard = hardOf(current!);
              const used = { ...usedOf(current!) };
              const exceeded = exceededBy(current!.metadata.name ?? '', names, usage, used, hard);
              if (exceeded !== undefined) throw forbidden({ group: definition.group, resource: definition.plural }, request.name, exceeded);
              const next = new Map(names.map((key) => [key, addQuantities(parseQuantity(used[key] ?? '0')!, usage.get(key)!)]));
              return { ...current!, status: { ...(current!['status'] as object), used: { ...used, ...formatUsage(next, hard) } } };
            },
            { dryRun: false, subresource: 'status', manager: 'resourcequota-admission' },
          );
        }
      },
    };
  }
}
