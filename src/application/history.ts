/** `docker history` per image: each config history step, the layer it made and that layer's size. */
import type { ImageRecord } from '../projections/records';

export function imageHistory(rec: ImageRecord) {
  return rec.history.map((h, step) => {
    const layer = h.layerIndex === null ? null : rec.layers[h.layerIndex] ?? null;
    return {
      step,
      created: h.created,
      createdBy: h.createdBy,
      comment: h.comment,
      emptyLayer: h.emptyLayer,
      layerIndex: h.layerIndex,
      diffId: layer?.diffId ?? null,
      size: layer?.size ?? 0,
    };
  });
}
