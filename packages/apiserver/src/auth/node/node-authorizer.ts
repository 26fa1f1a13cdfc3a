import type { KubeObject } from '../../resources/types.js';
import { nodeRules } from '../rbac/bootstrap/cluster-roles.js';
import { ruleAllows } from '../rbac/policy-rule.js';
import type { AuthorizationAttributes, AuthorizationResult, Authorizer, RulesResult, UserInfo } from '../types.js';
import type { NodeGraph, NodeReferences } from './node-graph.js';

const NODE_PREFIX = 'system:node:';
const NODES_GROUP = 'system:nodes';
const NODE_RULES = nodeRules();

/** The node a user is, when it is one (upstream's NodeIdentifier: system:node:NAME in system:nodes). */
export function nodeIdentity(user: UserInfo): string | undefined {
  if (!user.name.startsWith(NODE_PREFIX) || !user.groups.includes(NODES_GROUP)) return undefined;
  const name = user.name.slice(NODE_PREFIX.length);
  return name === '' ? undefined : name;
}

/** Reads a PersistentVolumeClaim (to follow it to its volume). */
export type ClaimLookup = (namespace: string, name: string) => KubeObject | undefined;

const GRAPH_RESOURCES: Record<string, keyof NodeReferences> = { secrets: 'secrets', configmaps: 'configmaps', persistentvolumeclaims: 'persistentvolumeclaims' };

/**
 * Upstream's Node authorizer: a kubelet reads only the Secrets,
 * ConfigMaps, claims and volumes the pods bound to it use, asks tokens only
 * for their service accounts, and touches only its own Lease and CSINode;
 * anything else it may do is what the system:node role lists. Other users:
 * no opinion.
 */
export class NodeAuthorizer implements Authorizer {
  constructor(
    private readonly graph: NodeGraph,
    private readonly claim: ClaimLookup,
  ) {}

  /** Upstream's: nothing to list for other users; a node's rights depend on objects, so they are not listed. */
  rulesFor(user: UserInfo): RulesResult {
    if (nodeIdentity(user) === undefined) return { resourceRules: [], nonResourceRules: [], incomplete: false };
    return { resourceRules: [], nonResourceRules: [], incomplete: true, evaluationError: 'node authorizer does not support user rule resolution' };
  }

  authorize(attributes: AuthorizationAttributes): AuthorizationResult {
    const node = nodeIdentity(attributes.user);
    if (node === undefined) return { decision: 'noOpinion', reason: '' };
    if (!attributes.isResourceRequest) return { decision: 'noOpinion', reason: '' };
    const denied = (reason: string): AuthorizationResult => ({ decision: 'noOpinion', reason });
    const noRelationship = denied(`no relationship found between node '${node}' and this object`);
    const { apiGroup: group, resource, subresource, name, namespace, verb } = attributes;

    if (group === '' && subresource === '' && GRAPH_RESOURCES[resource] !== undefined) {
      if (verb !== 'get') return denied(`can only get individual resources of this type`);
      const references = this.graph.referencesOf(node)[GRAPH_RESOURCES[resource]!];
      return references.has(`${namespace}/${name}`) ? { decision: 'allow', reason: '' } : noRelationship;
    }
    if (group === '' && resource === 'persistentvolumes' && subresource === '') {
      if (verb !== 'get') return denied(`can only get individual resources of this type`);
      const claims = this.graph.referencesOf(node).persistentvolumeclaims;
      const bound = [...claims].some((key) => {
        const [claimNamespace = '', claimName = ''] = key.split('/');
        return (this.claim(claimNamespace, claimName)?.['spec'] as { volumeName?: string } | undefined)?.volumeName === name;
      });
      return bound ? { decision: 'allow', reason: '' } : noRelationship;
    }
    if (group === '' && resource === 'serviceaccounts' && subresource === 'token') {
      if (verb !== 'create') return denied(`can only create tokens for individual service accounts`);
      return this.graph.referencesOf(node).serviceaccounts.has(`${namespace}/${name}`) ? { decision: 'allow', reason: '' } : noRelationship;
    }
    if (group === 'coordination.k8s.io' && resource === 'leases') {
      if (namespace !== 'kube-node-lease') return denied(`can only access leases in the kube-node-lease namespace`);
      if (!['get', 'create', 'update', 'patch', 'delete'].includes(verb)) return denied(`can only get, create, update, patch, or delete a node lease`);
      if (verb !== 'create' && name !== node) return denied(`can only access node lease with the same name as the requesting node`);
      return { decision: 'allow', reason: '' };
    }
    if (group === 'storage.k8s.io' && resource === 'csinodes') {
      if (!['get', 'create', 'update', 'patch', 'delete'].includes(verb)) return denied(`can only get, create, update, patch, or delete a CSINode`);
      if (verb !== 'create' && name !== node) return denied(`can only access CSINode with the same name as the requesting node`);
      return { decision: 'allow', reason: '' };
    }
    // Nodes and pods: only its own (upstream's AuthorizeNodeWithSelectors, on in 1.32); lists and watches must select them.
    if (group === '' && resource === 'nodes' && subresource === '' && verb !== 'create') {
      const own = verb === 'list' || verb === 'watch' ? attributes.fieldSelector === `metadata.name=${node}` : name === node;
      if (!own) return denied(`node '${node}' can only ${verb === 'list' || verb === 'watch' ? `${verb} its own Node object (with fieldSelector metadata.name=${node})` : 'access its own Node object'}`);
    }
    if (group === '' && resource === 'pods' && (verb === 'list' || verb === 'watch') && attributes.fieldSelector !== `spec.nodeName=${node}`) {
      return denied(`can only ${verb} pods with spec.nodeName field selector`);
    }
    if (group === '' && resource === 'pods' && name !== '' && verb !== 'create' && !this.graph.referencesOf(node).pods.has(`${namespace}/${name}`)) return noRelationship;
    return NODE_RULES.some((rule) => ruleAllows(attributes, rule)) ? { decision: 'allow', reason: '' } : { decision: 'noOpinion', reason: '' };
  }
}
