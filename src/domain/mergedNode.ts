/**
 * The node of a merged (union) view (docs/domain.md §2): an entry plus, for a
 * directory, its children by name. Nodes are immutable once a view is built,
 * so views derived from one another share every untouched subtree.

 * A directory's children are a native Map when narrow and a persistent hash
 * map when wide (childMap.ts); readers see only ChildMap.
 */
import type { MergedEntry } from './layerEntry';
import { ROOT, splitPath } from './pathUtil';

/** What readers of a view use of a directory's children (native and persistent maps both satisfy it). */
export interface ChildMap extends Iterable<[string, MergedNode]> {
  readonly size: number;
  get(name: string): MergedNode | undefined;
  has(name: string): boolean;
  values(): IterableIterator<MergedNode>;
}

export interface MergedNode {
  readonly entry: MergedEntry;
  /** Children by name; non-null exactly for directories. */
  readonly children: ChildMap | null;
}

/** The entry of a directory a layer implies but does not list (docs/domain.md §2.5): 0755, root:root. */
export function impliedDir(path: string, layerIndex: number, diffId: string): MergedEntry {
  return {
    path, kind: 'DIRECTORY', size: 0, mode: 0o755, uid: 0, gid: 0,
    linkTarget: null, contentDigest: null, layerIndex, diffId,
  };
}

/** The root of a view no layer has touched yet (layerIndex -1: not visible). */
export const EMPTY_ROOT: MergedNode = { entry: impliedDir(ROOT, -1, ''), children: new Map() };

/** Walks from `root` along a normalized absolute path; symlinks are never followed (§2.6). */
export function findNode(root: MergedNode, path: string): MergedNode | null {
  let node: MergedNode | undefined = root;
  for (const name of splitPath(path)) {
    node = node.children?.get(name);
    if (!node) return null;
  }
  return node;
}
