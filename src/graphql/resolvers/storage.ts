/**
 * Storage report (docker system df -v by ChainID; a registry's view by DiffID).
 * The totals come from the read model's ledger in O(1); the lists are thunks,
 * which their resolvers (storageReportResolvers) call only when the query
 * selects them, so `storage { savedBytes }` never walks 100,000 images.
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

type Thunk = () => unknown;
/**
 * The lists' resolvers: the compiled executor (executor.ts) reads a field that
 * has no resolver as a plain property and never calls a function-valued one.
 */
export const storageReportResolvers = {
  images: (r: { images: Thunk }) => r.images(),
  layers: (r: { layers: Thunk }) => r.layers(),
  reclaimableLayers: (r: { reclaimableLayers: Thunk }) => r.reclaimableLayers(),
};
