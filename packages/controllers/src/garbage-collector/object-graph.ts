import type { ApiObject, ObjectMeta } from '../client/api-client.js';
import type { DiscoveredResource } from '../client/discovery.js';

export type OwnerReference = NonNullable<ObjectMeta['ownerReferences']>[number];

/** What the collector knows of one object: where it lives, whom it belongs to, whether it is going. */
export interface GraphNode {
  readonly uid: string;
  readonly resource: DiscoveredResource;
  readonly namespace: string | undefined;
  readonly name: string;
  readonly owners: readonly OwnerReference[];
  readonly deleting: boolean;
  readonly finalizers: readonly string[];
}

/**
 * The owner→dependents graph of every object in the cluster, keyed by uid,
 * as upstream's garbage collector keeps it (its "uidToNode"). Dependents are
 * indexed by their owners' uids even before an owner is seen, so that an
 * owner that arrives late, or never, still finds them.
 */
export class ObjectGraph {
  private readonly nodes = new Map<string, GraphNode>();
  private readonly dependentsByOwner = new Map<string, Set<string>>();

  get(uid: string): GraphNode | undefined {
    return this.nodes.get(uid);
  }

  get size(): number {
    return this.nodes.size;
  }

  /** Records an object as it now is; returns the node it replaced, if any. */
  upsert(resource: DiscoveredResource, object: ApiObject): GraphNode | undefined {
    const { uid, name, namespace } = object.metadata;
    if (uid === undefined || name === undefined) return undefined;
    const previous = this.nodes.get(uid);
    const node: GraphNode = {
      uid,
      resource,
      namespace,
      name,
      owners: object.metadata.ownerReferences ?? [],
      deleting: object.metadata.deletionTimestamp !== undefined,
      finalizers: object.metadata.finalizers ?? [],
    };
    if (previous !== undefined) this.unindex(previous);
    this.nodes.set(uid, node);
    for (const owner of node.owners) {
      let dependents = this.dependentsByOwner.get(owner.uid);
      if (dependents === undefined) this.dependentsByOwner.set(owner.uid, (dependents = new Set()));
      dependents.add(uid);
    }
    return previous;
  }

  remove(uid: string): GraphNode | undefined {
    const node = this.nodes.get(uid);
    if (node === undefined) return undefined;
    this.unindex(node);
    this.nodes.delete(uid);
    return node;
  }

  /** The objects that name `ownerUid` among their owners (those the graph has seen). */
  dependents(ownerUid: string): GraphNode[] {
    const uids = this.dependentsByOwner.get(ownerUid);
    if (uids === undefined) return [];
    return [...uids].map((uid) => this.nodes.get(uid)).filter((node): node is GraphNode => node !== undefined);
  }

  /** Forgets every object of a resource that is no longer served (a CRD that was deleted). */
  removeResource(resource: DiscoveredResource): GraphNode[] {
    const removed: GraphNode[] = [];
    for (const node of this.nodes.values()) {
      if (node.resource.group === resource.group && node.resource.resource === resource.resource) removed.push(node);
    }
    for (const node of removed) this.remove(node.uid);
    return removed;
  }

  private unindex(node: GraphNode): void {
    for (const owner of node.owners) {
      const dependents = this.dependentsByOwner.get(owner.uid);
      dependents?.delete(node.uid);
      if (dependents?.size === 0) this.dependentsByOwner.delete(owner.uid);
    }
  }
}

/** Whether an owner is being deleted in the foreground: its dependents must go first. */
export function waitsForDependents(node: GraphNode): boolean {
  return node.deleting && node.finalizers.includes('foregroundDeletion');
}
