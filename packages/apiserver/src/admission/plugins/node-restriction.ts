/**
 * NodeRestriction (plugin/pkg/admission/noderestriction), the parts that
 * keep a kubelet to itself: it may create only mirror pods bound to it,
 * and write only its own Node. (What it reads is the Node authorizer's.)
 */
import { forbidden } from '../../errors/status.js';
import { nodeIdentity } from '../../auth/node/node-authorizer.js';
import type { AdmissionPlugin } from '../types.js';

const MIRROR_ANNOTATION = 'kubernetes.io/config.mirror';

export function nodeRestrictionPlugin(): AdmissionPlugin {
  return {
    name: 'NodeRestriction',
    validate(request) {
      const node = nodeIdentity(request.user);
      if (node === undefined || request.definition.group !== '') return;
      const { plural } = request.definition;
      if (plural === 'pods' && request.operation === 'CREATE' && request.subresource === '' && request.object !== undefined) {
        const refuse = (why: string) => forbidden({ group: '', resource: 'pods' }, request.name, why);
        if (request.object.metadata.annotations?.[MIRROR_ANNOTATION] === undefined) throw refuse(`pod does not have "${MIRROR_ANNOTATION}" annotation, node "${node}" can only create mirror pods`);
        if ((request.object['spec'] as { nodeName?: string } | undefined)?.nodeName !== node) throw refuse(`node "${node}" can only create pods with spec.nodeName set to itself`);
      }
      if (plural === 'nodes' && (request.operation === 'CREATE' || request.operation === 'UPDATE') && request.name !== node) {
        throw forbidden({ group: '', resource: 'nodes' }, request.name, `node "${node}" is not allowed to modify node "${request.name}"`);
      }
    },
  };
}
