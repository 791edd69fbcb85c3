/** Domain records → the contract's object shapes. */
import type { MergedEntry } from '../../domain/layerEntry';
import type { StoredEvent } from '../../eventStore/types';
import type { ReadModel } from '../../projections/readModel';
import type { ImageLayerRecord, ImageRecord } from '../../projections/records';
import { toGraphQLEvent } from '../subscriptions';
import { layerObj } from './context';

/** A MergedFile object; `image` (when reached through one) lets MergedFile.content read the bytes. One copy per entry: pages hold 1,000. */
export const mergedFile = (e: MergedEntry, image?: ImageRecord) => ({ ...e, image });

/** An ImageLayer object; its Layer is built only when a query asks for it (imageLayerLayer). */
export const imageLayer = (l: ImageLayerRecord, model: ReadModel) => ({ ...l, model });

/** ImageLayer.layer. */
export function imageLayerLayer(l: ImageLayerRecord & { model: ReadModel }) {
  const layer = l.model.layers.get(l.diffId);
  return layer ? layerObj(layer, l.model) : layerObj({
    diffId: l.diffId, size: l.size, fileCount: 0, entriesDigest: '', digest: l.digest, mediaType: l.mediaType,
    compressedSize: l.compressedSize, committedPosition: 0,
  }, l.model);
}

export const eventNode = (e: StoredEvent) => toGraphQLEvent(e);

