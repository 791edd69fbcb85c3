/**
 * Image lineage (docs/domain.md §4): parent, base, ancestors, children, descendants.
 *
 * - B is an ancestor of X when B's ChainID list is a PROPER prefix of X's.
 *   `parent` = the ancestor with the longest chain; ties (same chain, e.g. only
 *   the config differs) go to the image committed first (lowest
 *   `committedPosition`, then imageId for determinism).
 * - The OCI annotation `org.opencontainers.image.base.digest` decides the
 *   parent only when it names a known image (image ID or manifest digest)
 *   whose ChainID list is a proper prefix of this image's: then that image is
 *   the parent even if a longer prefix exists, and `lineageSource` is
 *   'ANNOTATION'. Anything else falls back to the ChainID rule ('CHAIN'): tools
 *   such as umoci copy base.* from the image below, so an annotation that
 *   names nothing known, or an image this one is not built on, is stale.
 *   `base.name` alone never decides (a tag may have moved since the build).
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

const isProperPrefix = (prefix: readonly string[], of: readonly string[]): boolean =>
  prefix.length > 0 && prefix.length < of.length && prefix.every((c, i) => of[i] === c);

/** The image base.digest names, when this image is built on it (its chain is a proper prefix); else null. */
function findAnnotatedParent(img: LineageImage, byDigest: Map<string, string>, known: Map<string, LineageImage>): string | null {
  const named = img.baseDigest ? byDigest.get(img.baseDigest.toLowerCase()) : undefined;
  const base = named ? known.get(named) : undefined;
  return base && isProperPrefix(base.chainIds, img.chainIds) ? base.imageId : null;
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
export function buildLineage(images: readonly LineageImage[]): Lineage {
  const byTop = indexByTopChainId(images);
  const byDigest = digestIndex(images);
  const known = new Map(images.map((i) => [i.imageId, i]));
  const links = new Map<string, Link>();
  const chainParents = new Map<string, string>();
  const kids = new Map<string, string[]>();
  for (const img of [...known.values()].sort(byCommitOrder)) {
    const chain = findChainParent(img, byTop);
    if (chain) chainParents.set(img.imageId, chain);
    const annotated = findAnnotatedParent(img, byDigest, known);
    const link: Link | null = annotated
      ? { parent: annotated, source: 'ANNOTATION' }
      : chain ? { parent: chain, source: 'CHAIN' } : null;
    if (!link) continue;
    links.set(img.imageId, link);
    const list = kids.get(link.parent);
    if (list) list.push(img.imageId);
    else kids.set(link.parent, [img.imageId]);
  }

  /**
   * Every link goes to an image with a strictly shorter chain (a chain parent, or an
   * annotated image whose chain is a proper prefix), so the links form a forest and
   * neither walk can come back to an image; the `seen` sets guard against a future
   * rule that links otherwise, and no test can reach them today.
   */
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
