/**
 * Storage report (docker system df -v by ChainID; a registry's view by DiffID).
 * The totals come from the read model's ledger in O(1); the lists are thunks,
 * which graphql-js's default resolver calls only when the query selects them,
 * so `storage { savedBytes }` never walks 100,000 images.
 */
import type { LayerUsage, ShareKey, StorageFigures } from '../../domain/storage';
import type { ReadModel } from '../../projections/readModel';
import { imageObj, layerObj } from './context';

export function storageReportOf(model: ReadModel, by: ShareKey, figures?: StorageFigures) {
  const ledger = model.ledger(by);
  const usage = (u: LayerUsage) => {
    const layer = model.layers.get(u.diffId);
    return { key: u.key, diffId: u.diffId, size: u.size, imageCount: u.imageCount, layer: layer ? layerObj(layer, model) : null };
  };
  return {
    ...(figures ?? ledger.summary()),
    images: () => (figures?.images ?? ledger.imageList()).map((f) => {
      const rec = model.images.get(f.imageId)!;
      return { image: imageObj(rec, model), size: f.size, sharedSize: f.sharedSize, uniqueSize: f.uniqueSize };
    }),
    layers: () => (figures?.layers ?? ledger.layerList()).map(usage),
    reclaimableLayers: () => (figures?.reclaimable ?? ledger.reclaimableList()).map(usage),
  };
}
