/**
 * Incremental storage accounting (docs/domain.md §3): reference sets per key, so
 * adding or removing one image costs O(its layers). The totals are kept as
 * events arrive, so `summary()` is O(1); the per-image and per-layer lists are
 * built on demand, O(images + layers), and kept until the next change (a
 * report asked for again at the same position costs nothing). Keys are never
 * forgotten, so their sorted order is kept too: keys added since the last
 * list are sorted among themselves and merged in, never the whole set re-sorted
 * (re-sorting 300,000 ChainIDs per report made it worse than linear).
 * Same rules and figures as `storageReport` (storage.ts); tests replay the
 * same history through both. The lists handed out are never changed in place
 * (a change makes new ones): readers key what they derive from them on their
 * identity (the report's kept text, src/graphql/leafLists.ts). Nor are their
 * rows: a row whose figures a change left alone is the previous list's object
 * in the new list, so readers key per-row text on it and a report after a
 * commit serializes only the rows that changed (issue 19 item 6). Comments inside
 * the class are part of the snapshot format's digest (readModelSnapshots.ts).
 */
import {
  byKey, ImageStorageFigures, KnownLayer, knownKeyOf, LayerUsage, ratio, RemovalImpact,
  ShareKey, shareKeyOf, StorageFigures, StorageImage, StorageSummary,
} from './storage';

interface KeyRecord { key: string; diffId: string; size: number; holders: Set<ImageRecord> }
/**
 * One live image: its distinct keys, and how often each occurs in it (null
 * when each occurs once, as in every image by ChainID). Arrays, not a Map per
 * image: at 100,000 images the Maps were most of the ledger's memory and GC.
 */
interface ImageRecord { imageId: string; size: number; sharedSize: number; keys: KeyRecord[]; counts: number[] | null }

/** Index of `k` in `keys` (images have a few layers: a scan beats hashing). */
function indexIn(keys: readonly KeyRecord[], k: KeyRecord): number {
  for (let i = 0; i < keys.length; i++) if (keys[i] === k) return i;
  return -1;
}

export class StorageLedger {
  private readonly keys = new Map<string, KeyRecord>();
  private readonly images = new Map<string, ImageRecord>();
  private logical = 0;
  private physical = 0;
  private liveLayers = 0;
  private sharedLayers = 0;
  private reclaimableCount = 0;
  private reclaimableBytes = 0;
  /** Bumped by every change: the lists below belong to one version. */
  private version = 0;
  private lists: { version: number; images: ImageStorageFigures[]; layers: LayerUsage[]; reclaimable: LayerUsage[] } | null = null;
  /** Every key in order, and those recorded since (not yet merged in). */
  private sortedKeys: KeyRecord[] = [];
  private newKeys: KeyRecord[] = [];

  constructor(readonly by: ShareKey) {}

  /** Records a layer seen without (or before) an image; it is reclaimable until an image uses it. */
  addKnownLayer(layer: KnownLayer): void {
    const key = knownKeyOf(layer, this.by);
    if (key !== null) this.record(key, layer.diffId, layer.size);
  }

  /** Adds a live image; a second add of the same imageId is ignored. O(its layers). */
  addImage(image: StorageImage): void {
    if (this.images.has(image.imageId)) return;
    const rec: ImageRecord = { imageId: image.imageId, size: 0, sharedSize: 0, keys: [], counts: null };
    for (const layer of image.layers) {
      rec.size += layer.size;
      const k = this.record(shareKeyOf(layer, this.by), layer.diffId, layer.size);
      const seen = image.layers.length > 1 ? indexIn(rec.keys, k) : -1;
      if (seen >= 0) {
        rec.counts ??= rec.keys.map(() => 1);
        rec.counts[seen]!++;
        continue;
      }
      rec.keys.push(k);
      rec.counts?.push(1);
    }
    for (let i = 0; i < rec.keys.length; i++) {
      const k = rec.keys[i]!;
      const before = k.holders.size;
      if (before === 0) this.becameLive(k);
      if (before === 1) this.becameShared(k);
      if (before >= 1) rec.sharedSize += (rec.counts?.[i] ?? 1) * k.size;
      k.holders.add(rec);
    }
    this.images.set(image.imageId, rec);
    this.logical += rec.size;
    this.version++;
  }

  /** Removes a live image and returns what that freed (null when not live). O(its layers). */
  removeImage(imageId: string): RemovalImpact | null {
    const impact = this.removalImpact(imageId);
    const rec = this.images.get(imageId);
    if (!impact || !rec) return null;
    this.images.delete(imageId);
    this.logical -= rec.size;
    this.version++;
    for (const k of rec.keys) {
      k.holders.delete(rec);
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
    for (const k of rec.keys) if (k.holders.size === 1) freedLayers.push(usage(k));
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

  /** imageFigures(imageId)?.sharedSize without making the figures (read per image of a dashboard page). */
  sharedSizeOf(imageId: string): number | null {
    return this.images.get(imageId)?.sharedSize ?? null;
  }

  layerUsage(key: string): LayerUsage | null {
    const k = this.keys.get(key);
    return k ? usage(k) : null;
  }

  /** The totals, O(1). */
  summary(): StorageSummary {
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
    };
  }

  /** Per image, in the order they became live. O(images) after a change, then kept. */
  imageList(): ImageStorageFigures[] { return this.currentLists().images; }

  /** Live layers sorted by key. O(layers) after a change, then kept. */
  layerList(): LayerUsage[] { return this.currentLists().layers; }

  /** Known layers no live image references, sorted by key. */
  reclaimableList(): LayerUsage[] { return this.currentLists().reclaimable; }

  report(): StorageFigures {
    return { ...this.summary(), images: this.imageList(), layers: this.layerList(), reclaimable: this.reclaimableList() };
  }

  /**
   * New arrays on a change, but a row whose figures did not change is the
   * previous list's object: readers keep what they derive per row object
   * (the report's row text), so a report after a commit makes only the rows
   * that changed. The previous lists are in the same order as now, less what
   * left (keys are never forgotten; images become live at the end), so one
   * pointer walk each finds them; a row is reused only when every figure is equal.
   */
  private currentLists(): NonNullable<StorageLedger['lists']> {
    if (this.lists?.version === this.version) return this.lists;
    const wasLayers = this.lists?.layers ?? [];
    const wasReclaimable = this.lists?.reclaimable ?? [];
    const wasImages = this.lists?.images ?? [];
    const layers: LayerUsage[] = [];
    const reclaimable: LayerUsage[] = [];
    let l = 0;
    let r = 0;
    for (const k of this.keysInOrder()) {
      let was: LayerUsage | undefined;
      if (wasLayers[l]?.key === k.key) was = wasLayers[l++];
      else if (wasReclaimable[r]?.key === k.key) was = wasReclaimable[r++];
      const same = was && was.diffId === k.diffId && was.size === k.size && was.imageCount === k.holders.size;
      (k.holders.size > 0 ? layers : reclaimable).push(same ? was! : usage(k));
    }
    const images: ImageStorageFigures[] = new Array<ImageStorageFigures>(this.images.size);
    let i = 0;
    let w = 0;
    for (const rec of this.images.values()) {
      while (w < wasImages.length && wasImages[w]!.imageId !== rec.imageId) w++;
      const was = wasImages[w++];
      images[i++] = was && was.size === rec.size && was.sharedSize === rec.sharedSize ? was : figures(rec);
    }
    this.lists = { version: this.version, images, layers, reclaimable };
    return this.lists;
  }

  /** All keys sorted: the new ones sorted (few, usually) and merged into the kept order, O(keys + new log new). */
  private keysInOrder(): KeyRecord[] {
    if (this.newKeys.length === 0) return this.sortedKeys;
    const fresh = this.newKeys.sort(byRecordKey);
    const old = this.sortedKeys;
    const merged: KeyRecord[] = new Array<KeyRecord>(old.length + fresh.length);
    let i = 0;
    let j = 0;
    let m = 0;
    while (i < old.length && j < fresh.length) merged[m++] = old[i]!.key < fresh[j]!.key ? old[i++]! : fresh[j++]!;
    while (i < old.length) merged[m++] = old[i++]!;
    while (j < fresh.length) merged[m++] = fresh[j++]!;
    this.sortedKeys = merged;
    this.newKeys = [];
    return merged;
  }

  /** Finds or creates the key; a new key starts reclaimable (no holders). First size seen wins. */
  private record(key: string, diffId: string, size: number): KeyRecord {
    let k = this.keys.get(key);
    if (!k) {
      k = { key, diffId, size, holders: new Set() };
      this.keys.set(key, k);
      this.newKeys.push(k);
      this.version++;
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
    const [rec] = k.holders;
    if (rec) rec.sharedSize += sign * (rec.counts?.[indexIn(rec.keys, k)] ?? 1) * k.size;
  }
}

const byRecordKey = (a: KeyRecord, b: KeyRecord): number => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);

const usage = (k: KeyRecord): LayerUsage => ({ key: k.key, diffId: k.diffId, size: k.size, imageCount: k.holders.size });

const figures = (r: ImageRecord): ImageStorageFigures => ({
  imageId: r.imageId, size: r.size, sharedSize: r.sharedSize, uniqueSize: r.size - r.sharedSize,
});
