/**
 * Storage accounting (docs/domain.md §3), computed from scratch. The incremental
 * twin is StorageLedger (storageLedger.ts); a test shows they agree.
 *
 * Decisions (docs/domain.md §3 leaves them open):
 * - Sharing is counted per IMAGE: a layer is shared when at least two distinct
 *   live images reference its key. A layer repeated inside one image (possible
 *   by DiffID, never by ChainID since a ChainID encodes its position) does not
 *   make it shared and counts once in `imageCount`.
 * - Image `size` sums the image's layer list, repeats included (docs/domain.md §3:
 *   image size is the sum of its layers' sizes). `sharedSize` sums the same list's entries whose
 *   key another image references (every occurrence), so `uniqueSize = size -
 *   sharedSize` is the sum of the occurrences no other image holds.
 * - physical = Σ sizes of the distinct keys live images reference; a key that
 *   was seen (a removed image's layer, a LayerCommitted without an image) but
 *   that no live image references is reclaimable, not physical.
 * - A known layer with no position (chainId null) has no ChainID: it counts as
 *   reclaimable only in a DIFF_ID report.
 */

export type ShareKey = 'CHAIN_ID' | 'DIFF_ID';

export interface StorageLayer {
  diffId: string;
  chainId: string;
  /** Layer size: Σ regular-file sizes (docs/domain.md §3). */
  size: number;
}

export interface StorageImage {
  imageId: string;
  /** Bottom first. */
  layers: readonly StorageLayer[];
}

/** A layer seen at some point; chainId null when it was never part of an image. */
export interface KnownLayer {
  diffId: string;
  chainId: string | null;
  size: number;
}

export interface ImageStorageFigures {
  imageId: string;
  size: number;
  sharedSize: number;
  uniqueSize: number;
}

export interface LayerUsage {
  /** The ChainID or DiffID, per the report's key. */
  key: string;
  diffId: string;
  size: number;
  /** Distinct live images referencing the key. */
  imageCount: number;
}

/** A report's totals (everything but its lists). */
export type StorageSummary = Omit<StorageFigures, 'images' | 'layers' | 'reclaimable'>;

export interface StorageFigures {
  by: ShareKey;
  logicalSize: number;
  physicalSize: number;
  savedBytes: number;
  savingsRatio: number;
  imageCount: number;
  layerCount: number;
  sharedLayerCount: number;
  reclaimableLayerCount: number;
  reclaimableBytes: number;
  /** Per image, in input order. */
  images: ImageStorageFigures[];
  /** Live layers with their usage count, sorted by key. */
  layers: LayerUsage[];
  /** Known layers no live image references, sorted by key. */
  reclaimable: LayerUsage[];
}

export interface RemovalImpact {
  imageId: string;
  /** Layers only this image references (imageCount 1 now), sorted by key. */
  freedLayers: LayerUsage[];
  freedBytes: number;
}

export const shareKeyOf = (layer: StorageLayer, by: ShareKey): string =>
  by === 'CHAIN_ID' ? layer.chainId : layer.diffId;

export const knownKeyOf = (layer: KnownLayer, by: ShareKey): string | null =>
  by === 'CHAIN_ID' ? layer.chainId : layer.diffId;

export const byKey = (a: LayerUsage, b: LayerUsage): number => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);

export const ratio = (saved: number, logical: number): number => (logical === 0 ? 0 : saved / logical);

/** Distinct keys of one image → how many times each occurs in it. */
export function keyCounts(image: StorageImage, by: ShareKey): Map<string, { layer: StorageLayer; count: number }> {
  const out = new Map<string, { layer: StorageLayer; count: number }>();
  for (const layer of image.layers) {
    const key = shareKeyOf(layer, by);
    const seen = out.get(key);
    if (seen) seen.count++;
    else out.set(key, { layer, count: 1 });
  }
  return out;
}

function usageOf(images: readonly StorageImage[], by: ShareKey): Map<string, LayerUsage> {
  const usage = new Map<string, LayerUsage>();
  for (const image of images) {
    for (const [key, { layer }] of keyCounts(image, by)) {
      const u = usage.get(key);
      if (u) u.imageCount++;
      else usage.set(key, { key, diffId: layer.diffId, size: layer.size, imageCount: 1 });
    }
  }
  return usage;
}

function imageFigures(image: StorageImage, by: ShareKey, usage: Map<string, LayerUsage>): ImageStorageFigures {
  let size = 0;
  let sharedSize = 0;
  for (const layer of image.layers) {
    size += layer.size;
    if ((usage.get(shareKeyOf(layer, by))?.imageCount ?? 0) >= 2) sharedSize += layer.size;
  }
  return { imageId: image.imageId, size, sharedSize, uniqueSize: size - sharedSize };
}

/** The storage report of the live images (docs/domain.md §3), from scratch: O(total layers). */
export function storageReport(
  by: ShareKey,
  live: readonly StorageImage[],
  known: readonly KnownLayer[] = [],
): StorageFigures {
  const usage = usageOf(live, by);
  const images = live.map((image) => imageFigures(image, by, usage));
  const layers = [...usage.values()].sort(byKey);
  const reclaimableByKey = new Map<string, LayerUsage>();
  for (const k of known) {
    const key = knownKeyOf(k, by);
    if (key === null || usage.has(key) || reclaimableByKey.has(key)) continue;
    reclaimableByKey.set(key, { key, diffId: k.diffId, size: k.size, imageCount: 0 });
  }
  const reclaimable = [...reclaimableByKey.values()].sort(byKey);
  const logicalSize = images.reduce((s, i) => s + i.size, 0);
  const physicalSize = layers.reduce((s, l) => s + l.size, 0);
  return {
    by,
    logicalSize,
    physicalSize,
    savedBytes: logicalSize - physicalSize,
    savingsRatio: ratio(logicalSize - physicalSize, logicalSize),
    imageCount: live.length,
    layerCount: layers.length,
    sharedLayerCount: layers.filter((l) => l.imageCount >= 2).length,
    reclaimableLayerCount: reclaimable.length,
    reclaimableBytes: reclaimable.reduce((s, l) => s + l.size, 0),
    images,
    layers,
    reclaimable,
  };
}

/**
 * What removing one image frees (docs/domain.md §3, Docker semantics): the keys no
 * other live image references. From scratch; StorageLedger.removalImpact is O(its layers).
 */
export function removalImpact(by: ShareKey, live: readonly StorageImage[], imageId: string): RemovalImpact | null {
  const target = live.find((i) => i.imageId === imageId);
  if (!target) return null;
  const usage = usageOf(live, by);
  const freedLayers = [...keyCounts(target, by).keys()]
    .map((key) => usage.get(key) as LayerUsage)
    .filter((u) => u.imageCount === 1)
    .sort(byKey);
  return { imageId, freedLayers, freedBytes: freedLayers.reduce((s, l) => s + l.size, 0) };
}
