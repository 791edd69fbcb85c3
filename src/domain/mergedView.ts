/**
 * The union filesystem (docs/domain.md §2): `merged(n) = apply(merged(n-1), layer n)`.
 *
 * A view is a persistent tree of immutable nodes. `applyLayer` copies only the
 * directories on the paths the layer touches (path copying) and shares every
 * other subtree with the lower view, so views cached by ChainID cost memory in
 * proportion to what each layer changed, and applying a layer costs
 * O(layer entries × (depth + log width)): a wide directory's children are a
 * persistent map (childMap.ts), so touching it copies a few trie nodes, never
 * its whole child map. Lookup walks one map per path component.
 */
import type { LayerEntry, MergedEntry } from './layerEntry';
import { isMarker } from './layerEntry';
import { badInput } from './errors';
import { EMPTY_ROOT, findNode, impliedDir, type MergedNode } from './mergedNode';
import { deleteChild, editable, type EditableChildren, noChildren, sealed, setChild } from './childMap';
import { listNode, sortedSubtree, type ListOptions, type MergedPage } from './listing';
import { isNormalized, normalizePath, ROOT, splitPath } from './pathUtil';

/** One layer of a stack: its DiffID and its entries in archive order (whiteouts decoded). */
export interface LayerInput {
  diffId: string;
  entries: readonly LayerEntry[];
}

/** An immutable merged view. */
export class MergedTree {
  static readonly EMPTY = new MergedTree(EMPTY_ROOT);

  constructor(readonly root: MergedNode) {}

  /** The visible entry at `path`, naming its providing layer; null when absent or hidden (§2). */
  lookup(path: string): MergedEntry | null {
    const node = findNode(this.root, normalizePath(path));
    return node && node.entry.layerIndex >= 0 ? node.entry : null;
  }

  /** The node at `path` (for diffing and walking); null when absent. */
  node(path: string): MergedNode | null {
    return findNode(this.root, normalizePath(path));
  }

  /** A page of the children (or, recursive, the subtree) of `path`, sorted by code-point path order. "/" itself is never listed. */
  list(path: string, opts: ListOptions = {}): MergedPage {
    return listNode(this.node(path), opts);
  }

  /** Every visible entry but "/", sorted by path (computed once, cached). */
  entries(): readonly MergedEntry[] {
    return sortedSubtree(this.root);
  }

  /** Number of visible entries but "/". */
  get size(): number {
    return this.entries().length;
  }
}

/**
 * A node while a layer is applied. Nodes the draft owns (created or copied by
 * this layer) hold an editable child map (childMap.ts) changed in place;
 * `seal` makes every one final before the view is published, so the nodes of
 * a finished view never change again.
 */
type Node = { entry: MergedEntry; children: EditableChildren | null };

/** Copy-on-write editing of one view while a layer is applied. */
class Draft {
  private readonly owned = new Set<Node>();
  root: Node;

  constructor(root: MergedNode, readonly layerIndex: number, readonly diffId: string) {
    this.root = root as Node;
    if (root.entry.layerIndex < 0) this.root = { entry: impliedDir(ROOT, layerIndex, diffId), children: this.root.children };
  }

  /** A new owned node; `children` must be private to it. */
  private adopt(entry: MergedEntry, children: EditableChildren | null): Node {
    const node: Node = { entry, children };
    this.owned.add(node);
    return node;
  }

  /** A private copy of a directory node, so its children may change. */
  private own(node: Node): Node {
    return this.owned.has(node) ? node : this.adopt(node.entry, node.children && editable(node.children));
  }

  private ownRoot(): Node {
    this.root = this.own(this.root);
    return this.root;
  }

  /** Sets a child of an owned directory. */
  setChild(dir: Node, name: string, child: Node): void {
    dir.children = setChild(dir.children as EditableChildren, name, child);
  }

  /** Removes a child of an owned directory. */
  deleteChild(dir: Node, name: string): void {
    dir.children = deleteChild(dir.children as EditableChildren, name);
  }

  /** The owned directory at `parts`, or null when some component is missing or not a directory. */
  existingDir(parts: readonly string[]): Node | null {
    if (!findDir(this.root, parts)) return null;
    let dir = this.ownRoot();
    for (const name of parts) {
      const owned = this.own(dir.children?.get(name) as Node);
      this.setChild(dir, name, owned);
      dir = owned;
    }
    return dir;
  }

  /** The owned directory at `parts`, creating implied directories (§2.5) over missing or non-directory components. */
  ensureDir(parts: readonly string[]): Node {
    let dir = this.ownRoot();
    let path = '';
    for (const name of parts) {
      path += `/${name}`;
      const child = dir.children?.get(name) as Node | undefined;
      const next = child?.children ? this.own(child) : this.adopt(impliedDir(path, this.layerIndex, this.diffId), noChildren());
      if (next !== child) this.setChild(dir, name, next);
      dir = next;
    }
    return dir;
  }

  /** A node carrying a new entry; a directory over a directory keeps the children (§2.4). */
  replacement(entry: MergedEntry, existing: Node | undefined): Node {
    if (entry.kind !== 'DIRECTORY') return { entry, children: null };
    if (existing?.children) {
      // An owned directory's transient map moves to the replacement (the old node leaves the view).
      if (!this.owned.has(existing)) return { entry, children: existing.children };
      this.owned.delete(existing);
      const node: Node = { entry, children: existing.children };
      this.owned.add(node);
      return node;
    }
    return this.adopt(entry, noChildren());
  }

  /** The finished root: every transient child map made immutable again. */
  seal(): MergedNode {
    for (const node of this.owned) node.children = sealed(node.children as EditableChildren) as EditableChildren;
    this.owned.clear();
    return this.root;
  }
}

function findDir(root: MergedNode, parts: readonly string[]): boolean {
  let node: MergedNode | undefined = root;
  for (const name of parts) {
    node = node.children?.get(name);
    if (!node) return false;
  }
  return node.children !== null;
}

/** §2.2/§2.3: markers act on the lower view only, so they run before the layer's own entries. */
function applyMarkers(draft: Draft, entries: readonly LayerEntry[]): void {
  for (const e of entries) {
    if (!isMarker(e.kind)) continue;
    assertNormalized(e.path);
    const target = findNode(draft.root, e.path);
    if (!target) continue; // hiding what does not exist is a no-op
    const parts = splitPath(e.path);
    const last = parts.pop();
    if (e.kind === 'OPAQUE_WHITEOUT') {
      if (!target.children?.size) continue;
      if (last === undefined) draft.root = draft.replacement(draft.root.entry, undefined);
      else {
        const dir = draft.existingDir(parts);
        if (dir) draft.setChild(dir, last, draft.replacement(target.entry, undefined));
      }
    } else if (last !== undefined) {
      const dir = draft.existingDir(parts); // the root itself cannot be hidden
      if (dir) draft.deleteChild(dir, last);
    }
  }
}

/** §2.6: a hard link reports the size and digest of its target as visible when the link is applied. */
function resolveHardLink(root: MergedNode, entry: MergedEntry): MergedEntry {
  if (entry.kind !== 'HARDLINK' || !entry.linkTarget) return entry;
  const target = findNode(root, safeNormalize(entry.linkTarget));
  const kind = target?.entry.kind;
  if (!target || (kind !== 'FILE' && kind !== 'HARDLINK')) return entry;
  return { ...entry, size: target.entry.size, contentDigest: target.entry.contentDigest };
}

function assertNormalized(path: string): void {
  if (!isNormalized(path)) throw badInput(`layer entry path "${path}" is not absolute and normalized`);
}

function safeNormalize(path: string): string {
  try {
    return normalizePath(path);
  } catch {
    return '/\0'; // never present
  }
}

function addEntry(draft: Draft, e: LayerEntry): void {
  assertNormalized(e.path);
  const parts = splitPath(e.path);
  const last = parts.pop();
  const entry = resolveHardLink(draft.root, {
    path: e.path, kind: e.kind, size: e.size, mode: e.mode, uid: e.uid, gid: e.gid,
    linkTarget: e.linkTarget, contentDigest: e.contentDigest, layerIndex: draft.layerIndex, diffId: draft.diffId,
  });
  if (last === undefined) {
    // "/" itself: only a directory can change its attributes.
    if (e.kind === 'DIRECTORY') draft.root = draft.replacement(entry, draft.root);
    return;
  }
  const parent = draft.ensureDir(parts);
  draft.setChild(parent, last, draft.replacement(entry, parent.children?.get(last) as Node | undefined));
}

/**
 * Applies one layer to a lower view (docs/domain.md §2): opaque whiteouts and
 * whiteouts first (lower layers only), then additions in archive order (a later
 * duplicate replaces an earlier one; directory over directory merges; anything
 * else replaces and hides the lower subtree), implying missing parents.
 * `lower` is not modified and shares all untouched subtrees with the result.
 */
export function applyLayer(lower: MergedTree, entries: readonly LayerEntry[], layerIndex: number, diffId: string): MergedTree {
  if (!Number.isInteger(layerIndex) || layerIndex < 0) throw badInput(`layerIndex must be a non-negative integer, got ${layerIndex}`);
  const draft = new Draft(lower.root, layerIndex, diffId);
  applyMarkers(draft, entries);
  for (const e of entries) if (!isMarker(e.kind)) addEntry(draft, e);
  return new MergedTree(draft.seal());
}

/** The merged views of every prefix of a stack: result[i] = merged(0..i). */
export function buildMergedViews(layers: readonly LayerInput[], base: MergedTree = MergedTree.EMPTY): MergedTree[] {
  const out: MergedTree[] = [];
  let view = base;
  layers.forEach((layer, i) => {
    view = applyLayer(view, layer.entries, i, layer.diffId);
    out.push(view);
  });
  return out;
}

/** The merged view of a whole stack. */
export const mergeLayers = (layers: readonly LayerInput[]): MergedTree =>
  buildMergedViews(layers).at(-1) ?? MergedTree.EMPTY;
