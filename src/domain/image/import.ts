/**
 * Recording an import (docs/domain.md §6), decided like every other command:
 * given what the ledger already holds and the verified images, the events.
 * LayerCommitted per new DiffID (once, however many images share it),
 * ImageCommitted per new (or removed) image ID, ManifestDigestAdded when a known
 * image arrives in another packaging, TagMoved per tag that changes, and the
 * transfer a pull or push records — all one decision, so an import is all or
 * nothing. What is already recorded decides nothing. Two images of one import
 * under one tag is BAD_USER_INPUT.
 *
 * Events come layers first, then images, then tags (each stream's events
 * together): a reader folding the log meets facts before their uses.
 */
import { badInput } from '../errors';
import { streams, type DomainEvent, type HistoryStep, type ImageTransferredData, type LayerCommittedData } from '../events';
import { normalizeTag } from '../reference';

/**
 * A layer as an importer verified it (src/importers ImportedLayer carries these and its contents):
 * exactly what its LayerCommitted event records.
 */
export type ImportLayer = LayerCommittedData;

/** An image as an importer verified it (src/importers ImportedImage). */
export interface ImportImage<L extends ImportLayer = ImportLayer> {
  imageId: string;
  config: string;
  manifestDigest: string | null;
  manifestMediaType?: string | null;
  repoTags: readonly string[];
  created: string | null;
  architecture: string | null;
  os: string | null;
  layers: readonly L[];
  history: HistoryStep[];
  baseName: string | null;
  baseDigest: string | null;
}

export type ImportStatus = 'imported' | 'already present' | 'new manifest' | 'retagged';

/** What the import did with one image. */
export interface ImportOutcome {
  imageId: string;
  manifestDigest: string | null;
  tags: string[];
  layers: number;
  newLayers: number;
  size: number;
  status: ImportStatus;
}

/** What the decision reads of the ledger (the read model's state, as of one position). */
export interface ImportState {
  hasLayer(diffId: string): boolean;
  /** A recorded image: whether it is live, and the manifests it is known by; undefined when never recorded. */
  image(imageId: string): { live: boolean; manifestDigests: readonly string[] } | undefined;
  /** The image a tag points at now; null when it points nowhere. */
  tagTarget(tag: string): string | null;
}

export interface ImportCommand<I extends ImportImage> {
  images: readonly I[];
  /** Tags every image of the import gets besides its own. */
  extraTags?: readonly string[];
  /** The pull or push to record with an image (null: nothing to record for it). */
  transfer?: (image: I, status: ImportStatus) => ImageTransferredData | null;
}

export interface ImportDecision<L> {
  events: DomainEvent[];
  /** The layers this import records first, each once, in order: their contents go with the events. */
  newLayers: L[];
  images: ImportOutcome[];
}

const rank = (stream: string) => (stream.startsWith('layer:') ? 0 : stream.startsWith('image:') ? 1 : 2);

export function decideImport<L extends ImportLayer, I extends ImportImage<L>>(command: ImportCommand<I>, state: ImportState):
  ImportDecision<L> {
  const perStream = new Map<string, DomainEvent[]>();
  const push = (stream: string, event: DomainEvent) => {
    const s = perStream.get(stream);
    if (s) s.push(event); else perStream.set(stream, [event]);
  };
  const newLayers: L[] = [];
  const seenLayers = new Set<string>();
  const tagTargets = new Map<string, string>();
  const outcomes: ImportOutcome[] = [];
  const refs = (img: I) => img.layers.map((l) => ({
    diffId: l.diffId, digest: l.digest, mediaType: l.mediaType, compressedSize: l.compressedSize,
  }));

  for (const img of command.images) {
    let fresh = 0;
    for (const l of img.layers) {
      if (seenLayers.has(l.diffId) || state.hasLayer(l.diffId)) continue;
      seenLayers.add(l.diffId);
      newLayers.push(l);
      fresh += 1;
      push(streams.layer(l.diffId), { type: 'LayerCommitted', data: {
        diffId: l.diffId, digest: l.digest, mediaType: l.mediaType, compressedSize: l.compressedSize,
        size: l.size, fileCount: l.fileCount, entriesDigest: l.entriesDigest,
      } });
    }
    const stream = streams.image(img.imageId);
    const existing = state.image(img.imageId);
    let status: ImportStatus = 'already present';
    if (!existing || !existing.live) {
      // The same image twice in one import is committed once.
      if (!perStream.has(stream)) {
        push(stream, { type: 'ImageCommitted', data: {
          imageId: img.imageId, config: img.config, manifestDigest: img.manifestDigest,
          manifestMediaType: img.manifestMediaType ?? null, created: img.created,
          architecture: img.architecture, os: img.os, layers: refs(img),
          history: img.history, baseName: img.baseName, baseDigest: img.baseDigest, source: 'import', parentImageId: null,
        } });
      }
      status = 'imported';
    } else if (img.manifestDigest && !existing.manifestDigests.includes(img.manifestDigest)) {
      push(stream, { type: 'ManifestDigestAdded', data: {
        imageId: img.imageId, manifestDigest: img.manifestDigest, mediaType: img.manifestMediaType ?? null, layers: refs(img),
      } });
      status = 'new manifest';
    }
    const tags = [...new Set([...img.repoTags, ...(command.extraTags ?? [])].map(normalizeTag))];
    for (const t of tags) {
      const prior = tagTargets.get(t);
      if (prior && prior !== img.imageId) throw badInput(`the archive tags two different images as ${t}`);
      tagTargets.set(t, img.imageId);
      const current = state.tagTarget(t);
      if (current === img.imageId || prior) continue;
      push(streams.tag(t), { type: 'TagMoved', data: { tag: t, from: current, to: img.imageId } });
      if (status === 'already present') status = 'retagged';
    }
    const transfer = command.transfer?.(img, status);
    if (transfer) push(stream, { type: 'ImageTransferred', data: transfer });
    outcomes.push({
      imageId: img.imageId, manifestDigest: img.manifestDigest, tags, layers: img.layers.length, newLayers: fresh,
      size: img.layers.reduce((s, l) => s + l.size, 0), status,
    });
  }
  const ordered = [...perStream].sort((a, b) => rank(a[0]) - rank(b[0]));
  return { events: ordered.flatMap(([, events]) => events), newLayers, images: outcomes };
}
