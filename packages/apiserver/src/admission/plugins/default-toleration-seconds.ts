import type { AdmissionPlugin } from '../types.js';

type Toleration = { key?: string; operator?: string; effect?: string; tolerationSeconds?: number };

const TAINTS = ['node.kubernetes.io/not-ready', 'node.kubernetes.io/unreachable'];

/**
 * DefaultTolerationSeconds: a pod that says nothing about a node going
 * not-ready or unreachable tolerates it for five minutes before eviction,
 * as upstream's plugin adds (its --default-*-toleration-seconds are 300).
 */
export function defaultTolerationSecondsPlugin(seconds = 300): AdmissionPlugin {
  return {
    name: 'DefaultTolerationSeconds',
    mutate(request) {
      const { definition, object } = request;
      if (definition.group !== '' || definition.plural !== 'pods' || request.operation !== 'CREATE' || request.subresource !== '' || object === undefined) return;
      const spec = (object['spec'] ??= {}) as { tolerations?: Toleration[] };
      const tolerations = spec.tolerations ?? [];
      for (const key of TAINTS) {
        const tolerated = tolerations.some((toleration) => (toleration.key === key || (toleration.key ?? '') === '' && toleration.operator === 'Exists') && (toleration.effect === 'NoExecute' || (toleration.effect ?? '') === ''));
        if (!tolerated) tolerations.push({ key, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: seconds });
      }
      spec.tolerations = tolerations;
    },
  };
}
