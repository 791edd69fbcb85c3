/** Storage report (docker system df -v by ChainID; a registry's view by DiffID). */
import type { ShareKey, StorageFigures } from '../../domain/storage';
import type { ReadModel } from '../../projections/readModel';
import { imageObj, layerObj } from './context';

export function storageReportOf(model: ReadModel, by: ShareKey, figures?: StorageFigures) {
  const r = figures ?? model.ledger(by).report();
  const usage = (u: { key: string; diffId: string; size: number; imageCount: number }) => {
    const layer = model.layers.get(u.diffId);
    return { key: u.key, diffId: u.diffId, size: u.size, imageCount: u.imageCount, layer: layer ? layerObj(layer, model) : null };
  };
  return {
    ...r,
    images: r.images.map((f) => {
      const rec = model.images.get(f.imageId)!;
      return { image: imageObj(rec, model), size: f.size, sharedSize: f.sharedSize, uniqueSize: f.uniqueSize };
    }),
    layers: r.layers.map(usage),
    reclaimableLayers: r.reclaimable.map(usage),
  };
}
