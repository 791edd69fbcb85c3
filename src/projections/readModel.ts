/**
 * The read model: a fold of the log (docs/domain.md §7). Every query the API
 * answers is read from here; `asOf` queries fold a prefix of the log into a
 * fresh model, so time travel is exact by construction.
 *
 * Incremental: applying one event costs O(what it touches) — an image's
 * layers for the storage ledgers; lineage is re-indexed lazily, O(total
 * layers), only when images changed and a lineage question is asked.
 */
import type {
  ContainerCreatedData, ContainerFileChangedData, ImageCommittedData, ImageTransferredData, LayerCommittedData,
  ManifestDigestAddedData, TagMovedData, TagRemovedData,
} from '../domain/events';
import { createdByPerLayer } from '../domain/history';
import { buildLineage, type Lineage } from '../domain/lineage';
import { BaseChainIndex } from '../domain/baseChains';
import { DriftIndex } from '../domain/drift';
import { normalizeTag, parseReference, familiarRepository, looksLikeImageId } from '../domain/reference';
import { StorageLedger } from '../domain/storageLedger';
import { sha256Hex } from '../support/sha256';
import type { ShareKey, StorageImage } from '../domain/storage';
import { asDomainEvent, type StoredEvent } from '../eventStore/types';
import type {
  ContainerRecord, ImageLayerRecord, ImageRecord, LayerRecord, ManifestRecord, TagMoveRecord, TagRecord, TransferRecord,
} from './records';
import { SharedImageLayers } from './readModelLayers';
import { SharedHistorySteps } from './sharedHistory';
import { ReadModelStats } from './readModelStats';
import { StreamVersions } from './streamVersions';

type BlobRef = { digest: string | null; mediaType: string | null; compressedSize: number | null };

/** An image no tag points at (shared: repoTagsView never hands out an array a caller could grow). */
const NO_TAGS: readonly string[] = Object.freeze([]);

const sameBlobs = (a: readonly BlobRef[], b: readonly BlobRef[]) => a.length === b.length
  && a.every((l, i) => l.digest === b[i]!.digest && l.mediaType === b[i]!.mediaType && l.compressedSize === b[i]!.compressedSize);

/**
 * A named manifest and the blobs it lists (layers null: recorded before events
 * carried them). A manifest listing exactly the image's layer blobs (nearly
 * always) shares the image's layer records instead of copying each digest.
 */
function manifestRecordOf(config: string, digest: string, mediaType: string | null,
  layers: readonly BlobRef[] | null, imageLayers: readonly ImageLayerRecord[]): ManifestRecord {
  return {
    digest, mediaType, configSize: Buffer.byteLength(config, 'utf8'),
    layers: !layers ? null : sameBlobs(layers, imageLayers) ? imageLayers
      : layers.map((l) => ({ digest: l.digest, mediaType: l.mediaType, compressedSize: l.compressedSize })),
  };
}

/**
 * A tag's first move makes a one-element history (most tags move once); later
 * ones are pushed. Pushing the first onto `[]` reserved 16 slots per tag.
 */
function addMove(t: TagRecord, move: TagMoveRecord): void {
  if (t.history.length === 0) t.history = [move]; else t.history.push(move);
}

export class ReadModel {
  position = 0;
  readonly images = new Map<string, ImageRecord>();
  readonly layers = new Map<string, LayerRecord>();
  readonly tags = new Map<string, TagRecord>();
  readonly containers = new Map<string, ContainerRecord>();
  /** Stream versions of every stream seen (for expectedVersion answers). */
  readonly streamVersions = new StreamVersions();
  private readonly manifestIndex = new Map<string, string>();
  /** imageId → its pulls and pushes, oldest first (kept across removal: history). */
  readonly transfers = new Map<string, TransferRecord[]>();
  private readonly ledgers: Record<ShareKey, StorageLedger> = {
    CHAIN_ID: new StorageLedger('CHAIN_ID'),
    DIFF_ID: new StorageLedger('DIFF_ID'),
  };
  /** ChainIDs and layer records shared between images (readModelLayers.ts). */
  private readonly imageLayers = new SharedImageLayers(sha256Hex);
  /** History steps shared between images (sharedHistory.ts). */
  private readonly history = new SharedHistorySteps();
  /** Longest lists, for the cost model (readModelStats.ts). */
  readonly stats = new ReadModelStats();
  private lineageCache: Lineage | null = null;
  /** The lineage the widest family was last counted on. */
  private childrenCountedOn: Lineage | null = null;
  /** Shared layer stacks (unnamed bases), kept up to date event by event. */
  readonly baseChains = new BaseChainIndex();
  /** Images behind on a base tag (docs/domain.md §4, base drift), recomputed once per tag move. */
  readonly drift = new DriftIndex(this.baseChains);
  private liveOrderCache: ImageRecord[] | null = null;
  /** imageId → sorted tag names; built on first read (listing N images was O(N × tags)), then kept current move by move. */
  private tagsByImageCache: Map<string, string[]> | null = null;

  apply(e: StoredEvent): void {
    if (e.position !== this.position + 1) {
      throw new Error(`read model: expected position ${this.position + 1}, got ${e.position}`);
    }
    this.position = e.position;
    const d = asDomainEvent(e);
    switch (d.type) {
      case 'LayerCommitted': this.onLayer(e, d.data); break;
      case 'ImageCommitted': this.onImage(e, d.data); break;
      case 'ManifestDigestAdded': this.onManifest(d.data); break;
      case 'ImageRemoved': this.onRemoved(e); break;
      case 'TagMoved': this.onTagMoved(e, d.data); break;
      case 'TagRemoved': this.onTagRemoved(e, d.data); break;
      case 'ImageTransferred': this.onTransferred(e, d.data); break;
      case 'ContainerCreated': this.onContainerCreated(e, d.data); break;
      case 'ContainerFileChanged': this.onContainerChange(e, d.data); break;
      case 'ContainerRemoved': this.onContainerRemoved(e); break;
      default: break; // unknown or informational events (ContainerCommitted) change no state here
    }
    // After the event: its stream's id is then held by the record it made (one string, not a copy per map).
    this.streamVersions.set(e.stream, e.version, (kind, id) => this.heldId(kind, id));
  }

  /** The model's own copy of a stream's id (StreamVersions keys by it), when a record holds it. */
  private heldId(kind: string, id: string): string | undefined {
    switch (kind) {
      case 'image': return this.images.get(id)?.imageId;
      case 'layer': return this.layers.get(id)?.diffId;
      case 'tag': return this.tags.get(id)?.name;
      case 'container': return this.containers.get(id)?.containerId;
      default: return undefined;
    }
  }

  applyAll(events: readonly StoredEvent[]): void {
    for (const e of events) this.apply(e);
  }

  private onLayer(e: StoredEvent, d: LayerCommittedData): void {
    if (this.layers.has(d.diffId)) return;
    this.layers.set(d.diffId, {
      diffId: d.diffId, size: d.size, fileCount: d.fileCount, entriesDigest: d.entriesDigest,
      digest: d.digest, mediaType: this.imageLayers.mediaType(d.mediaType), compressedSize: d.compressedSize,
      committedPosition: e.position,
    });
    for (const l of Object.values(this.ledgers)) l.addKnownLayer({ diffId: d.diffId, chainId: null, size: d.size });
  }

  private onImage(e: StoredEvent, d: ImageCommittedData): void {
    const previous = this.images.get(d.imageId);
    // The layer's own DiffID string (one copy per layer, not per image holding it).
    const known = d.layers.map((l) => this.layers.get(l.diffId));
    const diffIds = d.layers.map((l, k) => known[k]?.diffId ?? l.diffId);
    const chainIds = this.imageLayers.chainIds(diffIds);
    const history = this.history.steps(d.history);
    const createdBy = createdByPerLayer(history, d.layers.length);
    const layers = d.layers.map((l, index) => this.imageLayers.record({
      index, diffId: diffIds[index]!, chainId: chainIds[index]!,
      // The layer's own blob digest string when the image names the same blob (one copy per layer).
      digest: known[index]?.digest === l.digest ? known[index]!.digest : l.digest, mediaType: l.mediaType,
      compressedSize: l.compressedSize, size: this.layers.get(l.diffId)?.size ?? 0, createdBy: createdBy[index] ?? null,
    }));
    const manifests = new Set(previous?.manifestDigests ?? []);
    if (d.manifestDigest) manifests.add(d.manifestDigest);
    const kept = previous?.manifests ?? [];
    // Built whole, not pushed to: a pushed-to array keeps 16 slots for one record (one such array per image).
    const manifestRecords = d.manifestDigest && !kept.some((m) => m.digest === d.manifestDigest)
      ? [...kept, manifestRecordOf(d.config, d.manifestDigest, d.manifestMediaType ?? null, d.layers, layers)] : [...kept];
    const rec: ImageRecord = {
      imageId: d.imageId, config: d.config, manifestDigests: [...manifests], manifests: manifestRecords, created: d.created,
      architecture: d.architecture, os: d.os, layers, history, baseName: d.baseName, baseDigest: d.baseDigest,
      source: d.source, parentImageId: d.parentImageId, committedPosition: e.position,
      firstPosition: previous?.firstPosition ?? e.position, removedPosition: null, version: e.version,
      size: layers.reduce((s, l) => s + l.size, 0),
    };
    if (previous && previous.removedPosition === null) return; // already live: nothing changes
    this.images.set(d.imageId, rec);
    for (const m of rec.manifestDigests) this.manifestIndex.set(m, d.imageId);
    const storage: StorageImage = { imageId: d.imageId,
      layers: layers.map((l) => ({ diffId: l.diffId, chainId: l.chainId, size: l.size })) };
    for (const l of Object.values(this.ledgers)) l.addImage(storage);
    this.baseChains.add({ imageId: d.imageId, chainIds, order: e.position });
    this.drift.addImage({ imageId: d.imageId, chainIds, order: e.position }, e.position);
    const top = chainIds[chainIds.length - 1];
    this.stats.image(rec, previous === undefined, top !== undefined && this.baseChains.imagesOnPage(top, 0, 0).total > 0);
    this.invalidate();
  }

  private onManifest(d: ManifestDigestAddedData): void {
    const img = this.images.get(d.imageId);
    if (!img) return;
    if (!img.manifestDigests.includes(d.manifestDigest)) img.manifestDigests.push(d.manifestDigest);
    if (!img.manifests.some((m) => m.digest === d.manifestDigest)) {
      img.manifests.push(manifestRecordOf(img.config, d.manifestDigest, d.mediaType ?? null, d.layers ?? null, img.layers));
    }
    this.manifestIndex.set(d.manifestDigest, d.imageId);
    this.stats.manifests(img);
    this.stats.manifestAdded();
    // Lineage resolves base.digest annotations through manifest digests: a new one can change parents.
    this.invalidate();
  }

  private onTransferred(e: StoredEvent, d: ImageTransferredData): void {
    const img = this.images.get(d.imageId);
    if (img) img.version = e.version;
    const list = this.transfers.get(d.imageId) ?? [];
    list.push({ direction: d.direction, location: d.location, manifestDigest: d.manifestDigest, transferredBytes: d.transferredBytes,
      skippedBytes: d.skippedBytes, at: e.metadata.recordedAt, actor: e.metadata.actor, position: e.position });
    this.transfers.set(d.imageId, list);
  }

  private onRemoved(e: StoredEvent): void {
    const imageId = (e.data as { imageId: string }).imageId;
    const img = this.images.get(imageId);
    if (!img || img.removedPosition !== null) return;
    img.removedPosition = e.position;
    img.version = e.version;
    for (const l of Object.values(this.ledgers)) l.removeImage(imageId);
    this.baseChains.remove(imageId);
    this.drift.removeImage(imageId, e.position);
    this.stats.imageRemoved();
    this.invalidate();
  }

  private tagRecord(name: string): TagRecord {
    let t = this.tags.get(name);
    if (!t) { t = { name, imageId: null, version: 0, history: [] }; this.tags.set(name, t); }
    return t;
  }

  private onTagMoved(e: StoredEvent, d: TagMovedData): void {
    const t = this.tagRecord(d.tag);
    // The image's own ID string, not the event's copy (held by the tag, its history and the drift index).
    const to = this.images.get(d.to)?.imageId ?? d.to;
    const from = t.imageId;
    addMove(t, { position: e.position, tag: t.name, from, to, at: e.metadata.recordedAt, actor: e.metadata.actor });
    this.stats.tagMoved(t, from, to);
    t.imageId = to;
    this.drift.moveTag(t.name, { position: e.position, at: e.metadata.recordedAt, to });
    t.version = e.version;
    this.moveInTagIndex(t.name, from, to);
  }

  private onTagRemoved(e: StoredEvent, d: TagRemovedData): void {
    const t = this.tagRecord(d.tag);
    const from = t.imageId;
    addMove(t, { position: e.position, tag: t.name, from, to: null, at: e.metadata.recordedAt, actor: e.metadata.actor });
    this.stats.tagMoved(t, from, null);
    t.imageId = null;
    this.drift.moveTag(t.name, { position: e.position, at: e.metadata.recordedAt, to: null });
    t.version = e.version;
    this.moveInTagIndex(t.name, from, null);
  }

  /**
   * Keeps the tag index (repoTagsView) current across a move: only the two
   * images the tag leaves and joins get new arrays. Every other image keeps
   * its array, so the storage report's rows keyed by it keep their text
   * (leafLists.ts); rebuilding the whole index made every row new after any
   * move (issue 19 item 6, the report after a tag move). Arrays handed out are
   * never changed, only replaced.
   */
  private moveInTagIndex(tag: string, from: string | null, to: string | null): void {
    const index = this.tagsByImageCache;
    if (!index || from === to) return;
    if (from !== null) {
      const rest = (index.get(from) ?? []).filter((name) => name !== tag);
      if (rest.length > 0) index.set(from, rest); else index.delete(from);
    }
    if (to !== null) {
      const list = index.get(to) ?? [];
      // The order list.sort() gives: UTF-16 code units, as `>` compares. Tag names are unique.
      const after = list.findIndex((name) => name > tag);
      const at = after === -1 ? list.length : after;
      index.set(to, [...list.slice(0, at), tag, ...list.slice(at)]);
    }
  }

  private onContainerCreated(e: StoredEvent, d: ContainerCreatedData): void {
    this.containers.set(d.containerId, {
      containerId: d.containerId, imageId: d.imageId, name: d.name, version: e.version,
      createdPosition: e.position, removedPosition: null, changes: [], copiedUpBytes: 0,
    });
  }

  private onContainerChange(e: StoredEvent, d: ContainerFileChangedData): void {
    const c = this.containers.get(d.containerId);
    if (!c) return;
    c.changes.push({ change: d.change, path: d.path, position: e.position, data: d });
    c.copiedUpBytes += d.copiedUpBytes ?? 0;
    c.version = e.version;
    this.stats.containerChanged(c);
  }

  private onContainerRemoved(e: StoredEvent): void {
    const c = this.containers.get((e.data as { containerId: string }).containerId);
    if (!c) return;
    c.removedPosition = e.position;
    c.version = e.version;
  }

  private invalidate(): void {
    this.lineageCache = null;
    this.liveOrderCache = null;
  }

  // ---- queries -------------------------------------------------------------

  isLive(img: ImageRecord | undefined): img is ImageRecord {
    return !!img && img.removedPosition === null;
  }

  /** Live images, oldest first commit first. */
  liveImages(): ImageRecord[] {
    if (!this.liveOrderCache) {
      this.liveOrderCache = [...this.images.values()].filter((i) => i.removedPosition === null)
        .sort((a, b) => a.firstPosition - b.firstPosition);
    }
    return this.liveOrderCache;
  }

  /** Resolves a tag, repository digest or image ID (or a unique ID prefix) to a live image. */
  resolve(ref: string): ImageRecord | null {
    const s = ref.trim();
    if (looksLikeImageId(s)) {
      const id = s.startsWith('sha256:') ? s.toLowerCase() : `sha256:${s.toLowerCase()}`;
      const img = this.images.get(id);
      if (this.isLive(img)) return img;
      const m = this.manifestIndex.get(id);
      const byManifest = m ? this.images.get(m) : undefined;
      return this.isLive(byManifest) ? byManifest : null;
    }
    let parsed;
    try { parsed = parseReference(s); } catch { return null; }
    if (parsed.digest) {
      const m = this.manifestIndex.get(parsed.digest);
      const img = m ? this.images.get(m) : undefined;
      return this.isLive(img) ? img : null;
    }
    const tag = this.tags.get(`${familiarRepository(parsed.repository)}:${parsed.tag ?? 'latest'}`);
    const img = tag?.imageId ? this.images.get(tag.imageId) : undefined;
    return this.isLive(img) ? img : null;
  }

  tag(name: string): TagRecord | null {
    let key: string;
    try { key = normalizeTag(name); } catch { return null; }
    return this.tags.get(key) ?? null;
  }

  /** Tags pointing at the image now, sorted (a copy the caller may change). */
  repoTags(imageId: string): string[] {
    return [...this.repoTagsView(imageId)];
  }

  /**
   * The same tags without a copy, for readers that only read (the GraphQL
   * field: the dashboard asks it of every image on a page; issue 19 item 5).
   */
  repoTagsView(imageId: string): readonly string[] {
    if (!this.tagsByImageCache) {
      const index = new Map<string, string[]>();
      for (const t of this.tags.values()) {
        if (t.imageId === null) continue;
        const list = index.get(t.imageId);
        if (list) list.push(t.name); else index.set(t.imageId, [t.name]);
      }
      for (const list of index.values()) list.sort();
      this.tagsByImageCache = index;
    }
    return this.tagsByImageCache.get(imageId) ?? NO_TAGS;
  }

  lineage(): Lineage {
    if (!this.lineageCache) {
      const live = this.liveImages();
      this.lineageCache = buildLineage(live.map((i) => ({
        imageId: i.imageId, chainIds: i.layers.map((l) => l.chainId), committedPosition: i.committedPosition,
        manifestDigests: i.manifestDigests, baseDigest: i.baseDigest, baseName: i.baseName,
      })));
    }
    return this.lineageCache;
  }

  /**
   * An upper bound of the most children one live image has (exact when the
   * lineage is at hand or the bound has drifted; readModelStats.ts).
   */
  maxChildren(): number {
    if (this.lineageCache || this.stats.childrenNeedExact()) {
      const lineage = this.lineage();
      if (this.childrenCountedOn !== lineage) {
        let max = 0;
        for (const img of this.liveImages()) max = Math.max(max, lineage.children(img.imageId).length);
        this.stats.childrenCounted(max);
        this.childrenCountedOn = lineage;
      }
    }
    return this.stats.maxChildren;
  }

  ledger(by: ShareKey): StorageLedger {
    return this.ledgers[by];
  }

  /** How many live images reference a DiffID: O(1) from the DIFF_ID ledger (imagesUsingLayer(d).length scans every image). */
  layerImageCount(diffId: string): number {
    return this.ledgers.DIFF_ID.layerUsage(diffId)?.imageCount ?? 0;
  }

  /** Live images that reference a DiffID. */
  imagesUsingLayer(diffId: string): ImageRecord[] {
    return this.liveImages().filter((i) => i.layers.some((l) => l.diffId === diffId));
  }

  liveContainersOf(imageId: string): ContainerRecord[] {
    return [...this.containers.values()].filter((c) => c.imageId === imageId && c.removedPosition === null);
  }
}
