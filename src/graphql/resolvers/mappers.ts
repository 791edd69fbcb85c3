/** Domain records → the contract's object shapes. */
import type { MergedEntry } from '../../domain/layerEntry';
import type { StoredEvent } from '../../eventStore/types';
import type { ReadModel } from '../../projections/readModel';
import type { ImageLayerRecord } from '../../projections/records';
import { toGraphQLEvent } from '../subscriptions';
import { layerObj } from './context';

export const mergedFile = (e: MergedEntry) => ({ ...e });

export function imageLayer(l: ImageLayerRecord, model: ReadModel) {
  const layer = model.layers.get(l.diffId);
  return {
    ...l,
    layer: layer ? layerObj(layer, model) : layerObj({
      diffId: l.diffId, size: l.size, fileCount: 0, entriesDigest: '', digest: l.digest, mediaType: l.mediaType,
      compressedSize: l.compressedSize, committedPosition: 0,
    }, model),
  };
}

export const eventNode = (e: StoredEvent) => toGraphQLEvent(e);

