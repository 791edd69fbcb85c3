/**
 * Unnamed bases: layer stacks that several images share, whether or not an
 * image with exactly that stack is known (docs/domain.md §4, lineage without
 * the base image).
 *
 * - A stack is named by the ChainID of its top layer; it is *shared* when at
 *   least two live images have it as a prefix of their chain (an image whose
 *   chain is exactly the stack counts: it shares it with the images on top).
 * - Every image on a stack also has each shorter prefix, so a stack's sharers
 *   never exceed those of the stack one layer shorter: the shared stacks form
 *   a forest, and a shared stack's parent is simply its stack one layer
 *   shorter.
 * - An image's base chain is the longest *proper* prefix of its chain that is
 *   shared (the same "proper prefix" rule as lineage's parent).
 * - Images "built on" a stack are those whose chain strictly extends it; an
 *   image whose chain is exactly the stack is the stack's own image (the
 *   first committed when several have the same layers).
 *
 * Maintained incrementally: adding or removing an image costs O(its layers)
 * plus the position of the image in each of its stacks' member lists; the
 * ordered listing is re-derived lazily from the shared stacks only.
 */
import { compareCodePoints } from './pathUtil';

export interface BaseChainImage {
  imageId: string;
  /** ChainIDs bottom first (chainIdsOf in digest.ts). */
  chainIds: readonly string[];
  /** Orders images within a stack (the log position that made the image live). */
  order: number;
}

interface Member { imageId: string; order: number }

interface StackNode {
  chainId: string;
  depth: number;
  /** The stack one layer shorter (null at depth 1). */
  below: StackNode | null;
  /** Live images whose chain is exactly this stack, in order. */
  exact: Member[];
  /** Live images whose chain strictly extends this stack, in order. */
  built: Member[];
  /** Shared stacks directly on top of this one. */
  sharedAbove: Set<StackNode>;
}

/** What callers see of a shared stack. */
export interface BaseChainNode {
  readonly chainId: string;
  /** Number of layers in the stack. */
  readonly depth: number;
  /** Live images having the stack as a prefix (its own images included). */
  readonly sharers: number;
  /** Live images built on the stack (chain strictly longer). */
  readonly imageCount: number;
}

const sharers = (n: StackNode) => n.exact.length + n.built.length;
const SHARED = 2;

/** Index of the first member whose order is not below `order` (members are kept by order). */
function firstFrom(list: readonly Member[], order: number): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (list[mid]!.order < order) lo = mid + 1; else hi = mid;
  }
  return lo;
}

function insertOrdered(list: Member[], m: Member): void {
  // Images usually arrive in log order: appending needs no search.
  if (list.length === 0 || list[list.length - 1]!.order < m.order) { list.push(m); return; }
  list.splice(firstFrom(list, m.order), 0, m);
}

/**
 * Removes a member that is in the list: an image leaves exactly the lists it
 * was added to. Orders should be unique; if not, the member is among those
 * sharing its order, all at or after `firstFrom`.
 */
function removeOrdered(list: Member[], m: Member): void {
  list.splice(list.indexOf(m, firstFrom(list, m.order)), 1);
}

/** Most images first, then ChainID: a stable, deterministic sibling order. */
const bySharing = (a: StackNode, b: StackNode): number =>
  sharers(b) - sharers(a) || compareCodePoints(a.chainId, b.chainId);

const view = (n: StackNode): BaseChainNode => ({ chainId: n.chainId, depth: n.depth, sharers: sharers(n), imageCount: n.built.length });

export class BaseChainIndex {
  private readonly stacks = new Map<string, StackNode>();
  private readonly images = new Map<string, { chainIds: readonly string[]; member: Member }>();
  private readonly roots = new Set<StackNode>();
  /** Shared stacks in listing order; null after any change. */
  private orderCache: StackNode[] | null = null;
  /** list() answers by minImages, until the next change. */
  private readonly listCache = new Map<number, BaseChainNode[]>();

  /** Records a live image (ignored when already recorded or without layers). */
  add(img: BaseChainImage): void {
    if (this.images.has(img.imageId) || img.chainIds.length === 0) return;
    const member: Member = { imageId: img.imageId, order: img.order };
    this.images.set(img.imageId, { chainIds: img.chainIds, member });
    let below: StackNode | null = null;
    const top = img.chainIds.length - 1;
    img.chainIds.forEach((chainId, k) => {
      let node = this.stacks.get(chainId);
      if (!node) {
        node = { chainId, depth: k + 1, below, exact: [], built: [], sharedAbove: new Set() };
        this.stacks.set(chainId, node);
      }
      insertOrdered(k === top ? node.exact : node.built, member);
      // One member more: the stack has just become shared exactly when it now has two.
      if (sharers(node) === SHARED) this.link(node);
      below = node;
    });
    this.changed();
  }

  /** Forgets an image (ignored when unknown). */
  remove(imageId: string): void {
    const img = this.images.get(imageId);
    if (!img) return;
    this.images.delete(imageId);
    const top = img.chainIds.length - 1;
    img.chainIds.forEach((chainId, k) => {
      // The image was added to each of its stacks, and a stack is dropped only when it has no member left.
      const node = this.stacks.get(chainId)!;
      removeOrdered(k === top ? node.exact : node.built, img.member);
      // One member fewer: the stack has just stopped being shared exactly when one is left.
      if (sharers(node) === SHARED - 1) this.unlink(node);
      if (sharers(node) === 0) this.stacks.delete(chainId);
    });
    this.changed();
  }

  private changed(): void {
    this.orderCache = null;
    this.listCache.clear();
  }

  private link(node: StackNode): void {
    if (node.below) node.below.sharedAbove.add(node); else this.roots.add(node);
  }

  private unlink(node: StackNode): void {
    if (node.below) node.below.sharedAbove.delete(node); else this.roots.delete(node);
  }

  private shared(chainId: string): StackNode | null {
    const n = this.stacks.get(chainId);
    return n && sharers(n) >= SHARED ? n : null;
  }

  /** The shared stack named by a ChainID; null when fewer than two images have it. */
  get(chainId: string): BaseChainNode | null {
    const n = this.shared(chainId);
    return n ? view(n) : null;
  }

  /** The longest proper prefix of a chain that is shared; null when none (O(layers)). */
  baseChainOf(chainIds: readonly string[]): BaseChainNode | null {
    for (let k = chainIds.length - 2; k >= 0; k--) {
      const n = this.shared(chainIds[k]!);
      if (n) return view(n);
    }
    return null;
  }

  /** The shared stack one layer shorter; null for a root. */
  parent(chainId: string): BaseChainNode | null {
    const n = this.shared(chainId);
    return n?.below ? view(n.below) : null;
  }

  /** Shared stacks directly on top, most images first. */
  children(chainId: string): BaseChainNode[] {
    const n = this.shared(chainId);
    return n ? [...n.sharedAbove].sort(bySharing).map(view) : [];
  }

  /** Image IDs built on the stack (chain strictly longer), in order. */
  imagesOn(chainId: string): string[] {
    return this.shared(chainId)?.built.map((m) => m.imageId) ?? [];
  }

  /** A page of imagesOn without copying the whole list. */
  imagesOnPage(chainId: string, offset: number, limit: number): { imageIds: string[]; total: number } {
    const n = this.shared(chainId);
    if (!n) return { imageIds: [], total: 0 };
    return { imageIds: n.built.slice(offset, offset + limit).map((m) => m.imageId), total: n.built.length };
  }

  /** Live images having the stack as a prefix (its own images first), shared or not: what base drift scans (drift.ts). */
  imagesHaving(chainId: string): string[] {
    const n = this.stacks.get(chainId);
    return n ? [...n.exact, ...n.built].map((m) => m.imageId) : [];
  }

  /** Image IDs whose chain is exactly the stack, in order (the first is the stack's own image). */
  imagesExactly(chainId: string): string[] {
    return this.shared(chainId)?.exact.map((m) => m.imageId) ?? [];
  }

  /** Any live image having the stack as a prefix (to read the stack's layers from); null when not shared. */
  someImageWith(chainId: string): string | null {
    const n = this.shared(chainId);
    return n ? (n.exact[0] ?? n.built[0])!.imageId : null;
  }

  /**
   * Shared stacks with at least `minImages` sharers: each root followed by its
   * tree depth first, siblings (and roots) most images first. Sharers never
   * grow going up, so the filter keeps every listed stack's parent listed.
   * The array is shared until the next change: callers must not modify it.
   */
  list(minImages = SHARED): readonly BaseChainNode[] {
    const min = Math.max(minImages, SHARED);
    const hit = this.listCache.get(min);
    if (hit) return hit;
    if (!this.orderCache) {
      const out: StackNode[] = [];
      const walk = (n: StackNode) => {
        out.push(n);
        for (const c of [...n.sharedAbove].sort(bySharing)) walk(c);
      };
      for (const r of [...this.roots].sort(bySharing)) walk(r);
      this.orderCache = out;
    }
    const out: BaseChainNode[] = [];
    for (const n of this.orderCache) if (sharers(n) >= min) out.push(view(n));
    if (this.listCache.size >= 8) this.listCache.clear(); // a few thresholds are asked for at most
    this.listCache.set(min, out);
    return out;
  }

  /** Number of shared stacks. */
  get size(): number {
    return this.list().length;
  }
}
