/**
 * Records imported images (docs/domain.md §6): LayerCommitted per new DiffID,
 * ImageCommitted per new image ID, ManifestDigestAdded when a known image
 * arrives in another packaging, TagMoved per tag that changes — all in one
 * append, so an import is all or nothing. What is already recorded appends
 * nothing. A concurrent writer that wins a stream first makes the append
 * CONFLICT; we then re-read and retry, so racing imports of shared layers
 * both succeed.
 */
import type { ImageCommittedData, ImageTransferredData, LayerCommittedData } from '../domain/events';
import { streams } from '../domain/events';
import { normalizeTag } from '../domain/reference';
import { DomainError } from '../domain/errors';
import type { KeyedRequest, NewEvent, StoredEvent, StreamAppend } from '../eventStore/types';
import type { ImportedImage } from '../importers';
import type { LayerContent, Strata } from './strata';
import { appendRacing, withRetries } from './commands/append';

export interface ImportSummaryImage {
  imageId: string;
  manifestDigest: string | null;
  tags: string[];
  layers: number;
  newLayers: number;
  size: number;
  status: 'imported' | 'already present' | 'new manifest' | 'retagged';
}

export interface ImportSummary {
  images: ImportSummaryImage[]; appended: number; head: number;
  /** The events appended (empty when nothing was new or the idempotency key was seen). */
  events?: readonly StoredEvent[];
}

export interface ImportRecordOptions {
  actor?: string | null; extraTags?: string[]; idempotencyKey?: string | null; request?: KeyedRequest | null;
  /** A pull or push to record with the image in the same append (null: nothing to record for it). */
  transfer?: (img: ImportedImage, status: ImportSummaryImage['status']) => ImageTransferredData | null;
}

export async function recordImport(app: Strata, images: readonly ImportedImage[], opts: ImportRecordOptions = {}): Promise<ImportSummary> {
  return withRetries(false, () => attemptImport(app, images, opts));
}

async function attemptImport(app: Strata, images: readonly ImportedImage[], opts: ImportRecordOptions): Promise<ImportSummary> {
  const model = await app.models.current();
  const perStream = new Map<string, StreamAppend>();
  const push = (stream: string, expectedVersion: number, event: NewEvent) => {
    let s = perStream.get(stream);
    if (!s) { s = { stream, expectedVersion, events: [] }; perStream.set(stream, s); }
    s.events.push(event);
  };
  const contents: LayerContent[] = [];
  const newLayers = new Set<string>();
  const tagTargets = new Map<string, string>();
  const summary: ImportSummaryImage[] = [];

  for (const img of images) {
    let fresh = 0;
    for (const l of img.layers) {
      if (model.layers.has(l.diffId) || newLayers.has(l.diffId)) continue;
      newLayers.add(l.diffId);
      fresh += 1;
      const data: LayerCommittedData = {
        diffId: l.diffId, digest: l.digest, mediaType: l.mediaType, compressedSize: l.compressedSize,
        size: l.size, fileCount: l.fileCount, entriesDigest: l.entriesDigest,
      };
      push(streams.layer(l.diffId), model.streamVersions.get(streams.layer(l.diffId)) ?? 0, { type: 'LayerCommitted', data });
      contents.push({ diffId: l.diffId, entries: l.entries, entriesDigest: l.entriesDigest, keptFiles: l.keptFiles });
    }
    const stream = streams.image(img.imageId);
    const version = model.streamVersions.get(stream) ?? 0;
    const existing = model.images.get(img.imageId);
    let status: ImportSummaryImage['status'] = 'already present';
    if (!existing || existing.removedPosition !== null) {
      if (!perStream.has(stream)) {
        const data: ImageCommittedData = {
          imageId: img.imageId, config: img.config, manifestDigest: img.manifestDigest,
          manifestMediaType: img.manifestMediaType ?? null, created: img.created,
          architecture: img.architecture, os: img.os,
          layers: img.layers.map((l) => ({ diffId: l.diffId, digest: l.digest, mediaType: l.mediaType, compressedSize: l.compressedSize })),
          history: img.history, baseName: img.baseName, baseDigest: img.baseDigest, source: 'import', parentImageId: null,
        };
        push(stream, version, { type: 'ImageCommitted', data });
      }
      status = 'imported';
    } else if (img.manifestDigest && !existing.manifestDigests.includes(img.manifestDigest)) {
      push(stream, version, { type: 'ManifestDigestAdded', data: {
        imageId: img.imageId, manifestDigest: img.manifestDigest, mediaType: img.manifestMediaType ?? null,
        layers: img.layers.map((l) => ({ diffId: l.diffId, digest: l.digest, mediaType: l.mediaType, compressedSize: l.compressedSize })),
      } });
      status = 'new manifest';
    }
    const tags = [...new Set([...img.repoTags, ...(opts.extraTags ?? [])].map(normalizeTag))];
    for (const t of tags) {
      const prior = tagTargets.get(t);
      if (prior && prior !== img.imageId) throw new DomainError('BAD_USER_INPUT', `the archive tags two different images as ${t}`);
      tagTargets.set(t, img.imageId);
      const cur = model.tags.get(t);
      if (cur?.imageId === img.imageId || prior) continue;
      push(streams.tag(t), cur?.version ?? 0, { type: 'TagMoved', data: { tag: t, from: cur?.imageId ?? null, to: img.imageId } });
      if (status === 'already present') status = 'retagged';
    }
    const transfer = opts.transfer?.(img, status);
    if (transfer) push(stream, version, { type: 'ImageTransferred', data: transfer });
    summary.push({
      imageId: img.imageId, manifestDigest: img.manifestDigest, tags, layers: img.layers.length, newLayers: fresh,
      size: img.layers.reduce((s, l) => s + l.size, 0), status,
    });
  }
  // Layers first, then images, then tags: a reader folding the log meets facts before their uses.
  const ordered = [...perStream.values()].sort((a, b) => rank(a.stream) - rank(b.stream));
  if (ordered.length === 0) return { images: summary, appended: 0, head: model.position };
  const who = { actor: opts.actor ?? null, idempotencyKey: opts.idempotencyKey ?? null, request: opts.request ?? null };
  const r = await appendRacing(app, ordered, who, contents);
  return { images: summary, appended: r.duplicate ? 0 : r.events.length, head: r.head, events: r.duplicate ? [] : r.events };
}

const rank = (stream: string) => (stream.startsWith('layer:') ? 0 : stream.startsWith('image:') ? 1 : 2);
