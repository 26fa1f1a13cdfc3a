import { forbidden } from '../../errors/status.js';
import type { AdmissionPlugin } from '../types.js';

/** The namespaces a cluster cannot do without (upstream's immortal namespaces). */
const IMMORTAL = new Set(['default', 'kube-system', 'kube-public']);

/**
 * NamespaceLifecycle's refusals at admission: the immortal namespaces
 * cannot be deleted. (Creating in a missing or terminating namespace is
 * refused by the store, which has the namespace at hand.)
 */
export function namespaceLifecyclePlugin(): AdmissionPlugin {
  return {
    name: 'NamespaceLifecycle',
    validate(request) {
      if (request.operation !== 'DELETE' || request.definition.group !== '' || request.definition.plural !== 'namespaces' || request.subresource !== '') return;
      if (IMMORTAL.has(request.name)) throw forbidden({ group: '', resource: 'namespaces' }, request.name, 'this namespace may not be deleted');
    },
  };
}
