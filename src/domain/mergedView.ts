/**
 * The union filesystem (docs/domain.md §2): `merged(n) = apply(merged(n-1), layer n)`.
 *
 * A view is a persistent tree of immutable nodes. `applyLayer` copies only the
 * directories on the paths the layer touches (path copying) and shares every
 * other subtree with the lower view, so views cached by ChainID cost memory in
 * proportion to what each layer changed, and applying a layer costs
 * O(layer entries × depth + children of the directories it touches), never a
 * copy of the whole lower view. Lookup walks one Map per path component.
 */
import type { LayerEntry, MergedEntry } from './layerEntry';
import { isMarker } from './layerEntry';
import { badInput } from './errors';
import { EMPTY_ROOT, findNode, impliedDir, type MergedNode } from './mergedNode';
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

type Node = { entry: MergedEntry; children: Map<string, Node> | null };

/** Copy-on-write editing of one view while a layer is applied. */
class Draft {
  private readonly owned = new Set<Node>();
  root: Node;

  constructor(root: MergedNode, readonly layerIndex: number, readonly diffId: string) {
    this.root = root as Node;
    if (root.entry.layerIndex < 0) this.root = { entry: impliedDir(ROOT, layerIndex, diffId), children: this.root.children };
  }

  /** A private copy of a directory node, so its children may change. */
  private own(node: Node): Node {
    if (this.owned.has(node)) return node;
    const copy: Node = { entry: node.entry, children: new Map(node.children) };
    this.owned.add(copy);
    return copy;
  }

  private ownRoot(): Node {
    this.root = this.own(this.root);
    return this.root;
  }

  /** The owned directory at `parts`, or null when some component is missing or not a directory. */
  existingDir(parts: readonly string[]): Node | null {
    if (!findDir(this.root, parts)) return null;
    let dir = this.ownRoot();
    for (const name of parts) {
      const owned = this.own(dir.children?.get(name) as Node);
      dir.children?.set(name, owned);
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
      const child = dir.children?.get(name);
      let next: Node;
      if (child?.children) next = this.own(child);
      else {
        next = { entry: impliedDir(path, this.layerIndex, this.diffId), children: new Map() };
        this.owned.add(next);
      }
      dir.children?.set(name, next);
      dir = next;
    }
    return dir;
  }

  /** A node carrying a new entry; a directory over a directory keeps the children (§2.4). */
  replacement(entry: MergedEntry, existing: Node | undefined): Node {
    if (entry.kind !== 'DIRECTORY') return { entry, children: null };
    if (existing?.children) {
      const node: Node = { entry, children: existing.children };
      if (this.owned.has(existing)) this.owned.add(node);
      return node;
    }
    const node: Node = { entry, children: new Map() };
    this.owned.add(node);
    return node;
  }
}

function findDir(root: Node, parts: readonly string[]): boolean {
  let node: Node | undefined = root;
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
      else draft.existingDir(parts)?.children?.set(last, draft.replacement(target.entry, undefined));
    } else if (last !== undefined) {
      draft.existingDir(parts)?.children?.delete(last); // the root itself cannot be hidden
    }
  }
}

/** §2.6: a hard link reports the size and digest of its target as visible when the link is applied. */
function resolveHardLink(root: Node, entry: MergedEntry): MergedEntry {
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
  parent.children?.set(last, draft.replacement(entry, parent.children?.get(last)));
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
  return new MergedTree(draft.root);
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
