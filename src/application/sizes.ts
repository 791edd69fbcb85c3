/**
 * Sizes under either accounting (domain.md §3, domain/sizeAccounting.ts).
 * CONTENT sizes are in the read model; DOCKER sizes are derived from each
 * layer's stored entry list, which never changes for a DiffID, so each is
 * computed once per process and kept (a number per layer).
 */
import { dockerLayerSize, type SizeAccounting } from '../domain/sizeAccounting';
import { storageReport, type KnownLayer, type ShareKey, type StorageFigures, type StorageImage } from '../domain/storage';
import { loadLayerEntries } from '../projections/layerContents';
import type { ReadModel } from '../projections/readModel';
import type { ImageRecord } from '../projections/records';
import type { Strata } from './strata';

const dockerSizes = new WeakMap<Strata, Map<string, number>>();

/** DOCKER sizes of layers by DiffID (one round trip for those not computed yet; unknown layers are 0). */
export async function dockerLayerSizes(app: Strata, diffIds: readonly string[]): Promise<Map<string, number>> {
  let known = dockerSizes.get(app);
  if (!known) { known = new Map(); dockerSizes.set(app, known); }
  const missing = [...new Set(diffIds)].filter((d) => !known!.has(d));
  if (missing.length > 0) {
    const loaded = await loadLayerEntries(app.store, missing);
    for (const d of missing) {
      const stored = loaded.get(d);
      if (stored) known.set(d, dockerLayerSize(stored.entries));
    }
  }
  return new Map(diffIds.map((d) => [d, known!.get(d) ?? 0]));
}

/** Each layer's size of an image (bottom first) under the accounting. */
export async function imageLayerSizes(app: Strata, rec: ImageRecord, accounting: SizeAccounting): Promise<number[]> {
  if (accounting === 'CONTENT') return rec.layers.map((l) => l.size);
  const sizes = await dockerLayerSizes(app, rec.layers.map((l) => l.diffId));
  return rec.layers.map((l) => sizes.get(l.diffId) ?? 0);
}

export async function imageSize(app: Strata, rec: ImageRecord, accounting: SizeAccounting): Promise<number> {
  if (accounting === 'CONTENT') return rec.size;
  return (await imageLayerSizes(app, rec, accounting)).reduce((s, n) => s + n, 0);
}

/**
 * The storage report under DOCKER accounting, from scratch with the same rules
 * as the read model's ledgers (domain/storage.ts): every layer ever committed
 * is known, every image ever committed names its layers' ChainIDs.
 */
export async function dockerStorage(app: Strata, model: ReadModel, by: ShareKey): Promise<StorageFigures> {
  const sizes = await dockerLayerSizes(app, [...model.layers.keys()]);
  const sizeOf = (diffId: string) => sizes.get(diffId) ?? 0;
  const asStorage = (i: ImageRecord): StorageImage => ({
    imageId: i.imageId, layers: i.layers.map((l) => ({ diffId: l.diffId, chainId: l.chainId, size: sizeOf(l.diffId) })),
  });
  const known: KnownLayer[] = [...model.layers.keys()].map((diffId) => ({ diffId, chainId: null, size: sizeOf(diffId) }));
  for (const i of model.images.values()) {
    for (const l of i.layers) known.push({ diffId: l.diffId, chainId: l.chainId, size: sizeOf(l.diffId) });
  }
  return storageReport(by, model.liveImages().map(asStorage), known);
}
