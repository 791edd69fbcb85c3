/**
 * Listing a merged view (schema: Image.files). Order: plain Unicode code-point
 * order of the whole absolute path (= UTF-8 byte order), so "/a.c" comes before
 * "/a/b". Sorted arrays are computed lazily once per immutable node and cached
 * in WeakMaps, so a page after the first costs O(log n + page size).
 */
import type { MergedEntry } from './layerEntry';
import type { MergedNode } from './mergedNode';
import { badInput } from './errors';
import { compareCodePoints, sortByCodePoints } from './pathUtil';

export interface ListOptions {
  /** The whole subtree instead of the direct children. */
  recursive?: boolean;
  /** Cursor: the path of the last entry already seen; the page starts after it. */
  after?: string | null;
  /** Page size (no cap here; the API caps it). Undefined: everything. */
  first?: number | null;
}

export interface MergedPage {
  entries: MergedEntry[];
  /** Entries in the whole listing, whatever the page. */
  totalCount: number;
  hasNextPage: boolean;
}

const childCache = new WeakMap<MergedNode, readonly MergedEntry[]>();
const subtreeCache = new WeakMap<MergedNode, readonly MergedEntry[]>();

const pathOf = (e: MergedEntry): string => e.path;

/** Direct children of a directory node (children non-null), sorted by path. */
export function sortedChildren(node: MergedNode): readonly MergedEntry[] {
  let out = childCache.get(node);
  if (!out) {
    out = sortByCodePoints([...node.children!.values()].map((c) => c.entry), pathOf);
    childCache.set(node, out);
  }
  return out;
}

/** Every entry strictly below a directory node (children non-null), sorted by path. */
export function sortedSubtree(node: MergedNode): readonly MergedEntry[] {
  let out = subtreeCache.get(node);
  if (!out) {
    const acc: MergedEntry[] = [];
    const stack: MergedNode[] = [node];
    for (let n = stack.pop(); n; n = stack.pop()) {
      // Only directories are pushed: the node itself, then each child with children.
      for (const child of n.children!.values()) {
        acc.push(child.entry);
        if (child.children && child.children.size > 0) stack.push(child);
      }
    }
    out = sortByCodePoints(acc, pathOf);
    subtreeCache.set(node, out);
  }
  return out;
}

/** Index of the first entry whose path sorts after `after`. */
function startIndex(sorted: readonly MergedEntry[], after: string): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compareCodePoints((sorted[mid] as MergedEntry).path, after) <= 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** One page of a directory listing; a missing or non-directory node lists nothing. */
export function listNode(node: MergedNode | null, opts: ListOptions = {}): MergedPage {
  if (opts.first != null && (!Number.isInteger(opts.first) || opts.first < 0)) {
    throw badInput(`first must be a non-negative integer, got ${opts.first}`);
  }
  if (!node?.children) return { entries: [], totalCount: 0, hasNextPage: false };
  const sorted = opts.recursive ? sortedSubtree(node) : sortedChildren(node);
  const from = opts.after != null ? startIndex(sorted, opts.after) : 0;
  const to = opts.first != null ? Math.min(sorted.length, from + opts.first) : sorted.length;
  return { entries: sorted.slice(from, to), totalCount: sorted.length, hasNextPage: to < sorted.length };
}
