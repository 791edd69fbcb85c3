/**
 * Layer-matched diff (issue 23): pairs the layers of two images without
 * assuming they are in the same order. First by DiffID (SAME), then by content
 * for rebuilt layers whose tar bytes differ only in timestamps: equal entry
 * lists once mtime is ignored (path, kind, size, mode, link target, content
 * digest) make a CHANGED pair. Whatever is left is ADDED (only in `to`) or
 * REMOVED (only in `from`).
 */
import type { LayerEntry } from './layerEntry';

export interface DiffLayer { diffId: string; size: number; entries: readonly LayerEntry[] }

export type LayerMatchStatus = 'SAME' | 'CHANGED' | 'ADDED' | 'REMOVED';

export interface LayerPair {
  /** Index into the from image's layers, or null for ADDED. */
  from: number | null;
  /** Index into the to image's layers, or null for REMOVED. */
  to: number | null;
  status: LayerMatchStatus;
  changedPaths: number;
  sizeDelta: number;
}

const entryKey = (e: LayerEntry) => JSON.stringify([e.path, e.kind, e.size, e.mode, e.linkTarget, e.contentDigest]);

/** The content identity of a layer, timestamps aside. */
export const contentKey = (l: DiffLayer): string => JSON.stringify(l.entries.map(entryKey).sort());

/** Paths added, modified or deleted between two entry lists. */
export function changedPathCount(a: readonly LayerEntry[], b: readonly LayerEntry[]): number {
  const before = new Map(a.map((e) => [e.path, entryKey(e)]));
  const after = new Map(b.map((e) => [e.path, entryKey(e)]));
  let n = 0;
  for (const [p, k] of after) if (before.get(p) !== k) n++;
  for (const p of before.keys()) if (!after.has(p)) n++;
  return n;
}

/** Pairs in `to` order (ADDED where unmatched), then the REMOVED layers in `from` order. */
export function matchLayers(from: readonly DiffLayer[], to: readonly DiffLayer[]): LayerPair[] {
  const freeFrom = new Set(from.map((_, i) => i));
  const pairOf = new Map<number, number>();
  const status = new Map<number, LayerMatchStatus>();
  const claim = (key: (l: DiffLayer) => string, s: LayerMatchStatus) => {
    const byKey = new Map<string, number[]>();
    for (const i of freeFrom) { const k = key(from[i]!); byKey.set(k, [...(byKey.get(k) ?? []), i]); }
    to.forEach((l, j) => {
      if (pairOf.has(j)) return;
      const i = byKey.get(key(l))?.shift();
      if (i === undefined) return;
      freeFrom.delete(i);
      pairOf.set(j, i);
      status.set(j, s);
    });
  };
  claim((l) => l.diffId, 'SAME');
  claim(contentKey, 'CHANGED');
  const pairs: LayerPair[] = to.map((l, j) => {
    const i = pairOf.get(j);
    if (i === undefined) return { from: null, to: j, status: 'ADDED', changedPaths: l.entries.length, sizeDelta: l.size };
    const s = status.get(j)!;
    const changedPaths = s === 'SAME' ? 0 : changedPathCount(from[i]!.entries, l.entries);
    return { from: i, to: j, status: s, changedPaths, sizeDelta: l.size - from[i]!.size };
  });
  // A Set iterates in insertion order, and deleting keeps the order of the rest: `from` order.
  for (const i of freeFrom) {
    pairs.push({ from: i, to: null, status: 'REMOVED', changedPaths: from[i]!.entries.length, sizeDelta: -from[i]!.size });
  }
  return pairs;
}
