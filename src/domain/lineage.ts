/**
 * Image lineage (docs/domain.md §4): parent, base, ancestors, children, descendants.
 *
 * - B is an ancestor of X when B's ChainID list is a PROPER prefix of X's.
 *   `parent` = the ancestor with the longest chain; ties (same chain, e.g. only
 *   the config differs) go to the image committed first (lowest
 *   `committedPosition`, then imageId for determinism).
 * - OCI base annotations (`org.opencontainers.image.base.digest` / `.base.name`)
 *   are preferred when present AND they resolve to another known image: that
 *   image becomes the parent (the annotation names the image this one was built
 *   FROM) and `lineageSource` is 'ANNOTATION'. An annotation that resolves to
 *   nothing known falls back to the ChainID rule ('CHAIN').
 *   `base.digest` is matched against image IDs and manifest digests; `base.name`
 *   is resolved by an injected `resolveName` (tags live elsewhere).
 * - Images with no layers take no part in chain lineage: the empty list would be
 *   a proper prefix of every image, which says nothing about how it was built.
 * - `base` = the end of the parent line (null when the image has no parent).
 *
 * Efficiency: images are indexed by the ChainID their chain ends at, so the
 * parent of an n-layer image is found with at most n-1 map lookups (O(layers),
 * not O(images)); building the whole index is O(total layers).
 */

export interface LineageImage {
  imageId: string;
  /** ChainIDs bottom first (chainIdsOf in digest.ts). */
  chainIds: readonly string[];
  /** Log position of the ImageCommitted event; breaks ties between equal chains. */
  committedPosition: number;
  /** Manifest digests this image is known by, to resolve base.digest annotations. */
  manifestDigests?: readonly string[];
  baseDigest?: string | null;
  baseName?: string | null;
}

export type LineageSource = 'CHAIN' | 'ANNOTATION';

export interface LineageOptions {
  /** Resolves an `org.opencontainers.image.base.name` reference to an image ID. */
  resolveName?: (name: string) => string | null;
}

export interface Lineage {
  has(imageId: string): boolean;
  parent(imageId: string): string | null;
  /** How parent() was decided; null when the image has no parent. */
  lineageSource(imageId: string): LineageSource | null;
  /** The parent found by the ChainID rule alone, ignoring annotations. */
  chainParent(imageId: string): string | null;
  /** End of the parent line; null when the image has no parent. */
  base(imageId: string): string | null;
  /** parent, its parent, … up to base (nearest first). */
  ancestors(imageId: string): string[];
  /** Images whose parent is this image, in commit order. */
  children(imageId: string): string[];
  /** Children, their children, … (breadth first, each once). */
  descendants(imageId: string): string[];
}

type Link = { parent: string; source: LineageSource };

const byCommitOrder = (a: LineageImage, b: LineageImage): number =>
  a.committedPosition - b.committedPosition || (a.imageId < b.imageId ? -1 : a.imageId > b.imageId ? 1 : 0);

/** Index: top ChainID → images whose chain ends there, earliest committed first. */
function indexByTopChainId(images: readonly LineageImage[]): Map<string, LineageImage[]> {
  const byTop = new Map<string, LineageImage[]>();
  for (const img of [...images].sort(byCommitOrder)) {
    const top = img.chainIds[img.chainIds.length - 1];
    if (top === undefined) continue;
    const list = byTop.get(top);
    if (list) list.push(img);
    else byTop.set(top, [img]);
  }
  return byTop;
}

/** Longest proper prefix: walk the chain down from n-2, first hit wins (O(layers)). */
function findChainParent(img: LineageImage, byTop: Map<string, LineageImage[]>): string | null {
  for (let k = img.chainIds.length - 2; k >= 0; k--) {
    const hit = byTop.get(img.chainIds[k] as string)?.[0];
    if (hit) return hit.imageId;
  }
  return null;
}

function findAnnotatedParent(
  img: LineageImage,
  byDigest: Map<string, string>,
  options: LineageOptions,
): string | null {
  const byD = img.baseDigest ? byDigest.get(img.baseDigest.toLowerCase()) : undefined;
  if (byD && byD !== img.imageId) return byD;
  const byN = img.baseName && options.resolveName ? options.resolveName(img.baseName) : null;
  if (byN && byN !== img.imageId && byDigest.has(byN)) return byN;
  return null;
}

function digestIndex(images: readonly LineageImage[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const img of [...images].sort(byCommitOrder)) {
    if (!out.has(img.imageId)) out.set(img.imageId, img.imageId);
    for (const d of img.manifestDigests ?? []) if (!out.has(d)) out.set(d, img.imageId);
  }
  return out;
}

/** Builds the lineage of a set of images (docs/domain.md §4) in O(total layers). */
export function buildLineage(images: readonly LineageImage[], options: LineageOptions = {}): Lineage {
  const byTop = indexByTopChainId(images);
  const byDigest = digestIndex(images);
  const known = new Map(images.map((i) => [i.imageId, i]));
  const links = new Map<string, Link>();
  const chainParents = new Map<string, string>();
  const kids = new Map<string, string[]>();
  for (const img of [...known.values()].sort(byCommitOrder)) {
    const chain = findChainParent(img, byTop);
    if (chain) chainParents.set(img.imageId, chain);
    const annotated = findAnnotatedParent(img, byDigest, options);
    const link: Link | null = annotated
      ? { parent: annotated, source: 'ANNOTATION' }
      : chain ? { parent: chain, source: 'CHAIN' } : null;
    if (!link) continue;
    links.set(img.imageId, link);
    const list = kids.get(link.parent);
    if (list) list.push(img.imageId);
    else kids.set(link.parent, [img.imageId]);
  }

  /** Cycle-safe walk (annotations could in principle point at each other). */
  const ancestors = (id: string): string[] => {
    const out: string[] = [];
    const seen = new Set([id]);
    for (let p = links.get(id)?.parent; p !== undefined && !seen.has(p); p = links.get(p)?.parent) {
      out.push(p);
      seen.add(p);
    }
    return out;
  };

  const descendants = (id: string): string[] => {
    const out: string[] = [];
    const seen = new Set([id]);
    const queue = [id];
    for (let i = 0; i < queue.length; i++) {
      for (const c of kids.get(queue[i] as string) ?? []) {
        if (seen.has(c)) continue;
        seen.add(c);
        out.push(c);
        queue.push(c);
      }
    }
    return out;
  };

  return {
    has: (id) => known.has(id),
    parent: (id) => links.get(id)?.parent ?? null,
    lineageSource: (id) => links.get(id)?.source ?? null,
    chainParent: (id) => chainParents.get(id) ?? null,
    base: (id) => ancestors(id).at(-1) ?? null,
    ancestors,
    children: (id) => [...(kids.get(id) ?? [])],
    descendants,
  };
}
