/**
 * Merged views cached by ChainID: images share lower layers, so the view of
 * chain L0..n is built by applying layer n to the cached view of L0..n-1, and
 * every image on the same chain prefix reuses it. Views are immutable trees
 * that share unchanged subtrees (mergedView.ts), so the cache costs memory in
 * proportion to what layers change. Entry lists are loaded in one round trip
 * per missing set of layers and cached by DiffID.
 */
import { applyLayer, MergedTree } from '../domain/mergedView';
import type { LayerEntry } from '../domain/layerEntry';
import type { SqlHandle } from '../eventStore/types';
import { loadLayerEntries } from './layerContents';
import { LruCache } from './lru';

export interface ChainLayer { diffId: string; chainId: string }

export class MergedViewCache {
  private readonly views: LruCache<string, MergedTree>;
  private readonly entries: LruCache<string, readonly LayerEntry[]>;

  constructor(private readonly store: SqlHandle, maxViews = 2000, maxLayers = 2000) {
    this.views = new LruCache(maxViews);
    this.entries = new LruCache(maxLayers);
  }

  /** Entry lists for DiffIDs (one round trip for the missing ones). */
  async layerEntries(diffIds: readonly string[]): Promise<Map<string, readonly LayerEntry[]>> {
    const out = new Map<string, readonly LayerEntry[]>();
    const missing: string[] = [];
    for (const d of diffIds) {
      const hit = this.entries.get(d);
      if (hit) out.set(d, hit); else missing.push(d);
    }
    if (missing.length > 0) {
      const loaded = await loadLayerEntries(this.store, missing);
      for (const d of missing) {
        const entries = loaded.get(d)?.entries ?? [];
        this.entries.set(d, entries);
        out.set(d, entries);
      }
    }
    return out;
  }

  /** The merged view of a whole chain (bottom first); every prefix is cached too. */
  async view(chain: readonly ChainLayer[]): Promise<MergedTree> {
    if (chain.length === 0) return MergedTree.EMPTY;
    let start = chain.length;
    let base: MergedTree = MergedTree.EMPTY;
    while (start > 0) {
      const hit = this.views.get(chain[start - 1]!.chainId);
      if (hit) { base = hit; break; }
      start -= 1;
    }
    if (start === chain.length) return base;
    const todo = chain.slice(start);
    const entries = await this.layerEntries(todo.map((l) => l.diffId));
    let view = base;
    todo.forEach((l, i) => {
      view = applyLayer(view, entries.get(l.diffId) ?? [], start + i, l.diffId);
      this.views.set(l.chainId, view);
    });
    return view;
  }

  /** Views of every prefix: index i is the merged view of layers 0..i. */
  async prefixViews(chain: readonly ChainLayer[]): Promise<MergedTree[]> {
    await this.view(chain);
    const out: MergedTree[] = [];
    for (let i = 0; i < chain.length; i++) out.push(await this.view(chain.slice(0, i + 1)));
    return out;
  }
}
