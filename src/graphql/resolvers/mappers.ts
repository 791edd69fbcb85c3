/** Domain records → the contract's object shapes. */
import type { MergedEntry } from '../../domain/layerEntry';
import type { StoredEvent } from '../../eventStore/types';
import type { ReadModel } from '../../projections/readModel';
import type { ImageLayerRecord, ImageRecord } from '../../projections/records';
import { toGraphQLEvent } from '../subscriptions';
import { layerObj } from './context';

/**
 * A MergedFile object: the view's entry read through, and `image` (when
 * reached through one) so that MergedFile.content can read the bytes. No copy
 * of the entry's ten fields: a page holds 1,000 entries and a copy of each was
 * most of the files resolver's time (issue 19 item 5, third pass). Getters, so
 * the default resolvers of both engines read them.
 */
export class MergedFileObj implements MergedEntry {
  constructor(readonly entry: MergedEntry, readonly image: ImageRecord | undefined) {}
  get path() { return this.entry.path; }
  get kind() { return this.entry.kind; }
  get size() { return this.entry.size; }
  get mode() { return this.entry.mode; }
  get uid() { return this.entry.uid; }
  get gid() { return this.entry.gid; }
  get linkTarget() { return this.entry.linkTarget; }
  get contentDigest() { return this.entry.contentDigest; }
  get layerIndex() { return this.entry.layerIndex; }
  get diffId() { return this.entry.diffId; }
}

export const mergedFile = (e: MergedEntry, image?: ImageRecord) => new MergedFileObj(e, image);

/**
 * An ImageLayer object: the record's fields read through (no copy of its eight
 * fields for every layer of every image on a page; issue 19 item 5), and the
 * model for ImageLayer.layer, which is built only when a query asks for it
 * (imageLayerLayer). Getters, so the default resolvers of both engines read them.
 */
export class ImageLayerObj implements ImageLayerRecord {
  constructor(readonly rec: ImageLayerRecord, readonly model: ReadModel) {}
  get index() { return this.rec.index; }
  get diffId() { return this.rec.diffId; }
  get chainId() { return this.rec.chainId; }
  get digest() { return this.rec.digest; }
  get mediaType() { return this.rec.mediaType; }
  get compressedSize() { return this.rec.compressedSize; }
  get size() { return this.rec.size; }
  get createdBy() { return this.rec.createdBy; }
}

export const imageLayer = (l: ImageLayerRecord, model: ReadModel) => new ImageLayerObj(l, model);

/** ImageLayer.layer. */
export function imageLayerLayer(l: ImageLayerRecord & { model: ReadModel }) {
  const layer = l.model.layers.get(l.diffId);
  return layer ? layerObj(layer, l.model) : layerObj({
    diffId: l.diffId, size: l.size, fileCount: 0, entriesDigest: '', digest: l.digest, mediaType: l.mediaType,
    compressedSize: l.compressedSize, committedPosition: 0,
  }, l.model);
}

export const eventNode = (e: StoredEvent) => toGraphQLEvent(e);

