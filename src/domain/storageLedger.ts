/**
 * Incremental storage accounting (docs/domain.md §3): reference sets per key, so
 * adding or removing one image costs O(its layers) and a report is
 * O(images + layers). Same rules and figures as `storageReport` (storage.ts);
 * a test replays the same history through both.
 */
import {
  byKey, ImageStorageFigures, keyCounts, KnownLayer, knownKeyOf, LayerUsage, ratio, RemovalImpact,
  ShareKey, StorageFigures, StorageImage,
} from './storage';

interface KeyRecord { key: string; diffId: string; size: number; holders: Set<string> }
interface ImageRecord { imageId: string; size: number; sharedSize: number; counts: Map<string, number> }

export class StorageLedger {
  private readonly keys = new Map<string, KeyRecord>();
  private readonly images = new Map<string, ImageRecord>();
  private logical = 0;
  private physical = 0;
  private liveLayers = 0;
  private sharedLayers = 0;
  private reclaimableCount = 0;
  private reclaimableBytes = 0;

  constructor(readonly by: ShareKey) {}

  /** Records a layer seen without (or before) an image; it is reclaimable until an image uses it. */
  addKnownLayer(layer: KnownLayer): void {
    const key = knownKeyOf(layer, this.by);
    if (key !== null) this.record(key, layer.diffId, layer.size);
  }

  /** Adds a live image; a second add of the same imageId is ignored. O(its layers). */
  addImage(image: StorageImage): void {
    if (this.images.has(image.imageId)) return;
    const rec: ImageRecord = { imageId: image.imageId, size: 0, sharedSize: 0, counts: new Map() };
    for (const layer of image.layers) rec.size += layer.size;
    for (const [key, { layer, count }] of keyCounts(image, this.by)) {
      rec.counts.set(key, count);
      const k = this.record(key, layer.diffId, layer.size);
      const before = k.holders.size;
      if (before === 0) this.becameLive(k);
      if (before === 1) this.becameShared(k);
      if (before >= 1) rec.sharedSize += count * k.size;
      k.holders.add(image.imageId);
    }
    this.images.set(image.imageId, rec);
    this.logical += rec.size;
  }

  /** Removes a live image and returns what that freed (null when not live). O(its layers). */
  removeImage(imageId: string): RemovalImpact | null {
    const impact = this.removalImpact(imageId);
    const rec = this.images.get(imageId);
    if (!impact || !rec) return null;
    this.images.delete(imageId);
    this.logical -= rec.size;
    for (const key of rec.counts.keys()) {
      const k = this.keys.get(key) as KeyRecord;
      k.holders.delete(imageId);
      if (k.holders.size === 0) this.becameReclaimable(k);
      if (k.holders.size === 1) this.becameUnshared(k);
    }
    return impact;
  }

  /** Layers (and bytes) that removing this image would free, without removing it. O(its layers). */
  removalImpact(imageId: string): RemovalImpact | null {
    const rec = this.images.get(imageId);
    if (!rec) return null;
    const freedLayers: LayerUsage[] = [];
    for (const key of rec.counts.keys()) {
      const k = this.keys.get(key) as KeyRecord;
      if (k.holders.size === 1) freedLayers.push(usage(k));
    }
    freedLayers.sort(byKey);
    return { imageId, freedLayers, freedBytes: freedLayers.reduce((s, l) => s + l.size, 0) };
  }

  hasImage(imageId: string): boolean {
    return this.images.has(imageId);
  }

  imageFigures(imageId: string): ImageStorageFigures | null {
    const rec = this.images.get(imageId);
    return rec ? figures(rec) : null;
  }

  layerUsage(key: string): LayerUsage | null {
    const k = this.keys.get(key);
    return k ? usage(k) : null;
  }

  report(): StorageFigures {
    const all = [...this.keys.values()].map(usage).sort(byKey);
    return {
      by: this.by,
      logicalSize: this.logical,
      physicalSize: this.physical,
      savedBytes: this.logical - this.physical,
      savingsRatio: ratio(this.logical - this.physical, this.logical),
      imageCount: this.images.size,
      layerCount: this.liveLayers,
      sharedLayerCount: this.sharedLayers,
      reclaimableLayerCount: this.reclaimableCount,
      reclaimableBytes: this.reclaimableBytes,
      images: [...this.images.values()].map(figures),
      layers: all.filter((l) => l.imageCount > 0),
      reclaimable: all.filter((l) => l.imageCount === 0),
    };
  }

  /** Finds or creates the key; a new key starts reclaimable (no holders). First size seen wins. */
  private record(key: string, diffId: string, size: number): KeyRecord {
    let k = this.keys.get(key);
    if (!k) {
      k = { key, diffId, size, holders: new Set() };
      this.keys.set(key, k);
      this.reclaimableCount++;
      this.reclaimableBytes += size;
    }
    return k;
  }

  private becameLive(k: KeyRecord): void {
    this.reclaimableCount--;
    this.reclaimableBytes -= k.size;
    this.liveLayers++;
    this.physical += k.size;
  }

  private becameReclaimable(k: KeyRecord): void {
    this.reclaimableCount++;
    this.reclaimableBytes += k.size;
    this.liveLayers--;
    this.physical -= k.size;
  }

  /** 1 → 2 holders: the first holder's occurrences become shared. */
  private becameShared(k: KeyRecord): void {
    this.sharedLayers++;
    this.adjustSoleHolder(k, +1);
  }

  /** 2 → 1 holders: the remaining holder's occurrences are its own again. */
  private becameUnshared(k: KeyRecord): void {
    this.sharedLayers--;
    this.adjustSoleHolder(k, -1);
  }

  private adjustSoleHolder(k: KeyRecord, sign: 1 | -1): void {
    const [holder] = k.holders;
    const rec = holder === undefined ? undefined : this.images.get(holder);
    if (rec) rec.sharedSize += sign * (rec.counts.get(k.key) ?? 0) * k.size;
  }
}

const usage = (k: KeyRecord): LayerUsage => ({ key: k.key, diffId: k.diffId, size: k.size, imageCount: k.holders.size });

const figures = (r: ImageRecord): ImageStorageFigures => ({
  imageId: r.imageId, size: r.size, sharedSize: r.sharedSize, uniqueSize: r.size - r.sharedSize,
});
