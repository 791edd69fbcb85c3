/** dive-compatible efficiency of an image, from its layers' entry lists and the cached merged views. */
import { efficiency } from '../domain/efficiency';
import type { ImageRecord } from '../projections/records';
import { layersWithEntries, type LayerReads } from './layerReads';

export async function efficiencyOf(rec: ImageRecord, reads: LayerReads) {
  return efficiency(await layersWithEntries(rec, reads));
}
