/**
 * Base drift (docs/domain.md §4, "Base drift"): an image is *behind* on a
 * tag when its chain contains the chain of an image the tag pointed to
 * earlier, the tag points elsewhere now, and its chain does not contain the
 * current target's chain.
 *
 * - Containment is by ChainID: a chain of n layers is contained in X's chain
 *   when X's ChainID at depth n equals its top ChainID (ChainIDs hash the
 *   whole stack below). So it holds through unnamed bases: an image built on
 *   a stack built on the old target is behind too, and a removed old target
 *   still counts (its layers live on in the images built on it).
 * - `builtOn` is the deepest old target X contains; among targets with the
 *   same chain (only their configs differ), the one the tag pointed to last.
 * - `movesBehind` counts the moves to an image after the tag last pointed to
 *   builtOn (untags are not versions); `since` is the first entry of the
 *   tag's history after that (when the tag moved away from it).
 * - The tag's own targets are versions of the base, not images built on it:
 *   they are never reported. An untagged tag (no current target) reports
 *   nothing. Layerless images take no part (an empty chain says nothing).
 *
 * Maintained incrementally: a tag's move recomputes that tag's entries once
 * (O(images on its old targets × layers)); an image added costs O(its layers
 * + tags it is behind on); a removal drops its entries. Listings are sorted
 * lazily and cached until the next change.
 */

export interface DriftImage {
  imageId: string;
  /** ChainIDs bottom first (chainIdsOf in digest.ts). */
  chainIds: readonly string[];
  /** Orders images with otherwise equal drift (the log position that made it live). */
  order: number;
}

/** One entry of a tag's history: a move to an image, or an untag (to null). */
export interface TagMoveFact {
  position: number;
  at: string;
  to: string | null;
}

export interface BaseDriftEntry {
  imageId: string;
  tag: string;
  builtOn: string;
  current: string;
  movesBehind: number;
  /** When the tag moved away from builtOn, and the log position of that move. */
  since: string;
  sincePosition: number;
}

/** Which live images have a stack as a prefix (BaseChainIndex.imagesHaving). */
export interface StackMembers {
  imagesHaving(chainId: string): readonly string[];
}

interface TagState {
  moves: TagMoveFact[];
  /** movesToImage[i]: moves to an image among moves[0..i]. */
  movesToImage: number[];
  /** Target imageId → index of the last move to it. */
  lastIndex: Map<string, number>;
  /** Top ChainID → targets whose chain ends there. */
  byTop: Map<string, Set<string>>;
  entries: Map<string, BaseDriftEntry>;
  /** Log position of the last change to entries. */
  changedAt: number;
}

const top = (chain: readonly string[] | undefined): string | undefined => (chain && chain.length ? chain[chain.length - 1] : undefined);

/**
 * True when `inner` (non-empty) is a prefix of `outer`. No length check: past the end of
 * `outer` the element is undefined, which equals no ChainID.
 */
export const containsChain = (outer: readonly string[], inner: readonly string[]): boolean =>
  inner.length > 0 && outer[inner.length - 1] === inner[inner.length - 1];

/** Most behind first, then longest behind, then tag, then image order. */
export function compareDrift(order: (imageId: string) => number) {
  return (a: BaseDriftEntry, b: BaseDriftEntry): number =>
    b.movesBehind - a.movesBehind || a.sincePosition - b.sincePosition || (a.tag < b.tag ? -1 : a.tag > b.tag ? 1 : 0)
    || order(a.imageId) - order(b.imageId) || (a.imageId < b.imageId ? -1 : a.imageId > b.imageId ? 1 : 0);
}

export class DriftIndex {
  private readonly tags = new Map<string, TagState>();
  /** Chains of every image ever added: a removed old target still defines what is built on it. */
  private readonly chains = new Map<string, readonly string[]>();
  private readonly live = new Map<string, DriftImage>();
  /** ChainID → tags with a target whose chain ends there (to find what a new image is behind on). */
  private readonly tagsByTop = new Map<string, Set<string>>();
  /** imageId → tags it is behind on. */
  private readonly byImage = new Map<string, Set<string>>();
  /** Listings by tag (null: every tag). */
  private readonly listCache = new Map<string | null, BaseDriftEntry[]>();

  constructor(private readonly stacks: StackMembers) {}

  /** Records a live image (call after the stack index has it); O(layers + tags it is behind on). */
  addImage(img: DriftImage, position: number): void {
    if (this.live.has(img.imageId)) return;
    this.chains.set(img.imageId, img.chainIds);
    this.live.set(img.imageId, img);
    // The tags with a target somewhere in this chain, each once (a layerless image has none).
    const tags = new Set<string>();
    for (const chainId of img.chainIds) for (const tag of this.tagsByTop.get(chainId) ?? []) tags.add(tag);
    for (const tag of tags) {
      const state = this.tags.get(tag)!;
      const entry = this.driftOf(tag, state, img);
      if (entry) this.setEntry(state, entry, position);
    }
  }

  /** Forgets a live image's entries (its chain is kept: it may be an old target). */
  removeImage(imageId: string, position: number): void {
    this.live.delete(imageId);
    for (const tag of this.byImage.get(imageId) ?? []) {
      const state = this.tags.get(tag)!;
      state.entries.delete(imageId);
      state.changedAt = position;
      this.listCache.clear();
    }
    this.byImage.delete(imageId);
  }

  /** A move (or untag, to null) of a tag: the tag's entries are recomputed once. */
  moveTag(tag: string, move: TagMoveFact): void {
    let state = this.tags.get(tag);
    if (!state) {
      state = { moves: [], movesToImage: [], lastIndex: new Map(), byTop: new Map(), entries: new Map(), changedAt: 0 };
      this.tags.set(tag, state);
    }
    const index = state.moves.length;
    state.moves.push(move);
    state.movesToImage.push((state.movesToImage[index - 1] ?? 0) + (move.to === null ? 0 : 1));
    if (move.to !== null) {
      state.lastIndex.set(move.to, index);
      const t = top(this.chains.get(move.to));
      if (t !== undefined) {
        addTo(state.byTop, t, move.to);
        addTo(this.tagsByTop, t, tag);
      }
    }
    this.recompute(tag, state, move.position);
  }

  private recompute(tag: string, state: TagState, position: number): void {
    const before = state.entries;
    for (const id of before.keys()) this.byImage.get(id)!.delete(tag); // setEntry filed each one
    state.entries = new Map();
    const current = this.currentOf(state);
    if (current !== null) {
      const candidates = new Set<string>();
      for (const [t, targets] of state.byTop) {
        // Every image on the current target's stack contains its chain: none is behind, and
        // skipping them keeps a move's cost to the images on the old targets.
        if (targets.has(current)) continue;
        for (const id of this.stacks.imagesHaving(t)) candidates.add(id);
      }
      for (const id of candidates) {
        const img = this.live.get(id);
        const entry = img ? this.driftOf(tag, state, img) : null;
        if (entry) this.setEntry(state, entry, position);
      }
    }
    if (before.size > 0) { // new entries: setEntry has done this
      state.changedAt = position;
      this.listCache.clear();
    }
  }

  private currentOf(state: TagState): string | null {
    return state.moves[state.moves.length - 1]!.to; // a tag's state is made with its first move
  }

  private setEntry(state: TagState, entry: BaseDriftEntry, position: number): void {
    state.entries.set(entry.imageId, entry);
    state.changedAt = position;
    addTo(this.byImage, entry.imageId, entry.tag);
    this.listCache.clear();
  }

  /** The image's drift on one tag, or null when it is not behind (O(layers)). */
  private driftOf(tag: string, state: TagState, img: DriftImage): BaseDriftEntry | null {
    const current = this.currentOf(state);
    if (current === null || state.lastIndex.has(img.imageId)) return null;
    const currentChain = this.chains.get(current); // undefined: a target the index never saw
    if (currentChain !== undefined && containsChain(img.chainIds, currentChain)) return null;
    for (const chainId of [...img.chainIds].reverse()) { // deepest first
      const targets = state.byTop.get(chainId);
      if (!targets) continue;
      // The last move to any of them; builtOn is the target that move went to.
      let last = -1;
      for (const t of targets) last = Math.max(last, state.lastIndex.get(t)!);
      const builtOn = state.moves[last]!.to!;
      const away = state.moves[last + 1]!;
      const movesBehind = state.movesToImage[state.moves.length - 1]! - state.movesToImage[last]!;
      return { imageId: img.imageId, tag, builtOn, current, movesBehind, since: away.at, sincePosition: away.position };
    }
    return null;
  }

  // ---- queries -------------------------------------------------------------

  /** Every entry (all tags when tag is null), most behind first. Shared until the next change: do not modify. */
  list(tag: string | null): readonly BaseDriftEntry[] {
    const hit = this.listCache.get(tag);
    if (hit) return hit;
    const states = tag === null ? [...this.tags.values()] : [this.tags.get(tag)].filter((s): s is TagState => !!s);
    // Every entry's image is live: removeImage drops its entries.
    const out = states.flatMap((s) => [...s.entries.values()]).sort(compareDrift((id) => this.live.get(id)!.order));
    if (this.listCache.size >= 64) this.listCache.clear();
    this.listCache.set(tag, out);
    return out;
  }

  /** The tags an image is behind on, by tag name. */
  ofImage(imageId: string): BaseDriftEntry[] {
    const tags = [...(this.byImage.get(imageId) ?? [])].sort();
    return tags.map((t) => this.tags.get(t)!.entries.get(imageId)!);
  }

  /** True when the tag has ever moved (a tag the log has never named is unknown). */
  knows(tag: string): boolean {
    return this.tags.has(tag);
  }

  /** Log position of the last change to a tag's entries (0 when none). */
  changedAt(tag: string): number {
    return this.tags.get(tag)?.changedAt ?? 0;
  }
}

function addTo<K, V>(map: Map<K, Set<V>>, key: K, value: V): void {
  const set = map.get(key);
  if (set) set.add(value); else map.set(key, new Set([value]));
}
