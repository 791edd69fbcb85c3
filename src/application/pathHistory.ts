/**
 * Per-path history of an image: the domain's pathHistory over the layers'
 * entry lists and the cached merged view of every prefix (shared by ChainID).
 */
import { pathHistory, type PathHistoryStep } from '../domain/mergedHistory';
import type { ImageRecord } from '../projections/records';
import { layersWithEntries, type LayerReads } from './layerReads';
import type { Strata } from './strata';

export async function pathHistoryOf(app: Strata, rec: ImageRecord, path: string, reads: LayerReads): Promise<PathHistoryStep[]> {
  return pathHistory(await layersWithEntries(rec, reads), path, await app.views.prefixViews(rec.layers));
}
