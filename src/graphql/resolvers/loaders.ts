/**
 * Per-request DataLoaders: whatever number of images a query touches, their
 * layer entry lists load in one batched round trip, and merged views are
 * built once per ChainID (MergedViewCache).
 */
import DataLoader from 'dataloader';
import type { Strata } from '../../application/strata';
import type { LayerEntry } from '../../domain/layerEntry';
import type { MergedTree } from '../../domain/mergedView';
import type { ImageRecord } from '../../projections/records';
import { loadKeptFiles } from '../../projections/layerContents';
import { dockerLayerSizes } from '../../application/sizes';
import type { LayerReads } from '../../application/layerReads';

/** The loaders, and the application's read port (LayerReads) on top of them. */
export interface Loaders extends LayerReads {
  entries: DataLoader<string, readonly LayerEntry[]>;
  /** Merged view of an image's (or any stack's) layers, built once per top ChainID. */
  view: DataLoader<Pick<ImageRecord, 'layers'>, MergedTree>;
  keptFiles: DataLoader<string, Map<string, Buffer>>;
  /** A layer's DOCKER size by DiffID (application/sizes.ts). */
  dockerSize: DataLoader<string, number>;
}

export function createLoaders(app: Strata): Loaders {
  const entries = new DataLoader<string, readonly LayerEntry[]>(async (diffIds) => {
    const m = await app.views.layerEntries(diffIds);
    return diffIds.map((d) => m.get(d) ?? []);
  });
  const view = new DataLoader<Pick<ImageRecord, 'layers'>, MergedTree, string>(async (images) => {
    // Warm every needed layer list in one round trip, then fold per chain.
    await app.views.layerEntries(images.flatMap((i) => i.layers.map((l) => l.diffId)));
    return Promise.all(images.map((i) => app.views.view(i.layers)));
  }, { cacheKeyFn: (i) => i.layers[i.layers.length - 1]?.chainId ?? 'empty' });
  const keptFiles = new DataLoader<string, Map<string, Buffer>>(async (diffIds) => {
    const m = await loadKeptFiles(app.store, diffIds);
    return diffIds.map((d) => m.get(d) ?? new Map());
  });
  const dockerSize = new DataLoader<string, number>(async (diffIds) => {
    const m = await dockerLayerSizes(app, diffIds);
    return diffIds.map((d) => m.get(d) ?? 0);
  });
  return {
    entries, view, keptFiles, dockerSize,
    entriesOf: async (diffIds) => (await entries.loadMany(diffIds)).map((l) => {
      if (l instanceof Error) throw l;
      return l;
    }),
    viewOf: (stack) => view.load(stack),
    keptFilesOf: (diffId) => keptFiles.load(diffId),
  };
}
