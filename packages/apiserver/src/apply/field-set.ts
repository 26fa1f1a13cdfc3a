/**
 * A set of field paths (SMD's fieldpath.Set): a trie whose nodes hold the
 * path elements that end a member there and the children that lead deeper.
 * Elements are found by their FieldsV1 key, which is canonical (key fields
 * sorted, JSON with sorted object keys), and listed in upstream's element
 * order, so encoding gives the bytes kube-apiserver writes.
 */
import { applyError } from './errors.js';
import { decodeElement, encodeElement, SELF_KEY } from './fields-v1.js';
import { comparePathElements, normalizeElement, type FieldPath, type PathElement } from './path.js';
import { isPlainObject } from './values.js';

interface Child {
  readonly element: PathElement;
  readonly node: SetNode;
}

interface SetNode {
  readonly members: Map<string, PathElement>;
  readonly children: Map<string, Child>;
}

const newNode = (): SetNode => ({ members: new Map(), children: new Map() });

/** Nodes never hold empty children: every operation drops them, so emptiness and equality stay structural. */
const nodeIsEmpty = (node: SetNode): boolean => node.members.size === 0 && node.children.size === 0;

function cloneNode(node: SetNode): SetNode {
  const out = newNode();
  for (const [key, element] of node.members) out.members.set(key, element);
  for (const [key, child] of node.children) out.children.set(key, { element: child.element, node: cloneNode(child.node) });
  return out;
}

function unionNodes(a: SetNode, b: SetNode): SetNode {
  const out = cloneNode(a);
  for (const [key, element] of b.members) out.members.set(key, element);
  for (const [key, child] of b.children) {
    const mine = out.children.get(key);
    out.children.set(key, { element: child.element, node: mine === undefined ? cloneNode(child.node) : unionNodes(mine.node, child.node) });
  }
  return out;
}

function intersectNodes(a: SetNode, b: SetNode): SetNode {
  const out = newNode();
  for (const [key, element] of a.members) if (b.members.has(key)) out.members.set(key, element);
  for (const [key, child] of a.children) {
    const theirs = b.children.get(key);
    if (theirs === undefined) continue;
    const node = intersectNodes(child.node, theirs.node);
    if (!nodeIsEmpty(node)) out.children.set(key, { element: child.element, node });
  }
  return out;
}

/** `recursive`: a member of b also takes away a's whole subtree below that element (RecursiveDifference). */
function subtractNodes(a: SetNode, b: SetNode, recursive: boolean): SetNode {
  const out = newNode();
  for (const [key, element] of a.members) if (!b.members.has(key)) out.members.set(key, element);
  for (const [key, child] of a.children) {
    if (recursive && b.members.has(key)) continue;
    const theirs = b.children.get(key);
    const node = theirs === undefined ? cloneNode(child.node) : subtractNodes(child.node, theirs.node, recursive);
    if (!nodeIsEmpty(node)) out.children.set(key, { element: child.element, node });
  }
  return out;
}

function nodesEqual(a: SetNode, b: SetNode): boolean {
  if (a.members.size !== b.members.size || a.children.size !== b.children.size) return false;
  for (const key of a.members.keys()) if (!b.members.has(key)) return false;
  for (const [key, child] of a.children) {
    const theirs = b.children.get(key);
    if (theirs === undefined || !nodesEqual(child.node, theirs.node)) return false;
  }
  return true;
}

interface Entry {
  readonly key: string;
  readonly element: PathElement;
  readonly member: boolean;
  readonly child: SetNode | undefined;
}

/** A node's elements, each once whether member, parent or both, in upstream's order. */
function sortedEntries(node: SetNode): Entry[] {
  const entries = new Map<string, Entry>();
  for (const [key, element] of node.members) entries.set(key, { key, element, member: true, child: undefined });
  for (const [key, child] of node.children) entries.set(key, { key, element: child.element, member: node.members.has(key), child: child.node });
  return [...entries.values()].sort((a, b) => comparePathElements(a.element, b.element));
}

function encodeNode(node: SetNode, includeSelf: boolean): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (includeSelf) out[SELF_KEY] = {};
  for (const entry of sortedEntries(node)) out[entry.key] = entry.child === undefined ? {} : encodeNode(entry.child, entry.member);
  return out;
}

/** upstream's readIterV1: `{}` (or null) is a member; an object with "." is a member with children; any other object only leads to children. */
function decodeNode(json: Record<string, unknown>, path: FieldPath): SetNode {
  const node = newNode();
  for (const [key, value] of Object.entries(json)) {
    if (key === SELF_KEY) continue;
    const element = decodeElement(key, path);
    const childPath = [...path, element];
    if (value === null) {
      node.members.set(key, element);
      continue;
    }
    if (!isPlainObject(value)) throw applyError(childPath, `invalid FieldsV1: expected an object, got ${value === undefined ? 'undefined' : JSON.stringify(value)}`);
    const child = decodeNode(value, childPath);
    if (nodeIsEmpty(child) || Object.hasOwn(value, SELF_KEY)) node.members.set(key, element);
    if (!nodeIsEmpty(child)) node.children.set(key, { element, node: child });
  }
  return node;
}

export class FieldSet {
  private constructor(private readonly root: SetNode) {}

  static empty(): FieldSet {
    return new FieldSet(newNode());
  }

  /** Parses managedFields[].fieldsV1; throws ApplyError on anything that is not a FieldsV1 object. */
  static fromFieldsV1(fieldsV1: unknown): FieldSet {
    if (!isPlainObject(fieldsV1)) throw applyError([], `invalid FieldsV1: expected an object, got ${fieldsV1 === undefined ? 'undefined' : JSON.stringify(fieldsV1)}`);
    return new FieldSet(decodeNode(fieldsV1, []));
  }

  toFieldsV1(): Record<string, unknown> {
    return encodeNode(this.root, false);
  }

  /** Adds the path (the empty path, the object itself, is never a member). */
  insert(path: FieldPath): void {
    if (path.length === 0) return;
    let node = this.root;
    for (let i = 0; i < path.length - 1; i++) {
      const element = normalizeElement(path[i]!);
      const key = encodeElement(element);
      let child = node.children.get(key);
      if (child === undefined) {
        child = { element, node: newNode() };
        node.children.set(key, child);
      }
      node = child.node;
    }
    const last = normalizeElement(path[path.length - 1]!);
    node.members.set(encodeElement(last), last);
  }

  has(path: FieldPath): boolean {
    if (path.length === 0) return false;
    let node: SetNode | undefined = this.root;
    for (let i = 0; i < path.length - 1 && node !== undefined; i++) node = node.children.get(encodeElement(path[i]!))?.node;
    return node !== undefined && node.members.has(encodeElement(path[path.length - 1]!));
  }

  isEmpty(): boolean {
    return nodeIsEmpty(this.root);
  }

  union(other: FieldSet): FieldSet {
    return new FieldSet(unionNodes(this.root, other.root));
  }

  /** Members of this set that are not members of other; paths under a member of other stay. */
  difference(other: FieldSet): FieldSet {
    return new FieldSet(subtractNodes(this.root, other.root, false));
  }

  intersection(other: FieldSet): FieldSet {
    return new FieldSet(intersectNodes(this.root, other.root));
  }

  /** Like difference, but a member of other also removes every path it is a proper prefix of. */
  recursiveDifference(other: FieldSet): FieldSet {
    return new FieldSet(subtractNodes(this.root, other.root, true));
  }

  /** Removes each path and everything under it: the way fields the caller ignores are dropped. */
  withoutPaths(paths: readonly FieldPath[]): FieldSet {
    const remove = FieldSet.empty();
    for (const path of paths) remove.insert(path);
    return this.recursiveDifference(remove);
  }

  /** Every member, depth first: each element, then what lies under it, in the order FieldsV1 lists them. */
  members(): FieldPath[] {
    const out: FieldPath[] = [];
    const walk = (node: SetNode, prefix: readonly PathElement[]): void => {
      for (const entry of sortedEntries(node)) {
        const path = [...prefix, entry.element];
        if (entry.member) out.push(path);
        if (entry.child !== undefined) walk(entry.child, path);
      }
    };
    walk(this.root, []);
    return out;
  }

  equals(other: FieldSet): boolean {
    return nodesEqual(this.root, other.root);
  }

  /** @internal The members under one path element, as a set of their remaining paths (SMD's WithPrefix). */
  childSet(element: PathElement): FieldSet {
    const child = this.root.children.get(encodeElement(element));
    return child === undefined ? FieldSet.empty() : new FieldSet(cloneNode(child.node));
  }

  /** @internal Whether a single path element is a member at the top of this set. */
  hasElement(element: PathElement): boolean {
    return this.root.members.has(encodeElement(element));
  }
}
