/**
 * Per-path history of an image: the domain's pathHistory over the layers'
 * entry lists and the cached merged view of every prefix (shared by ChainID).
 */
import { pathHistory, type PathHistoryStep } from '../domain/mergedHistory';
import type { ImageRecord } from '../projections/records';
import type { Loaders } from '../graphql/resolvers/loaders';
import type { Strata } from './strata';

export async function pathHistoryOf(app: Strata, rec: ImageRecord, path: string, loaders: Loaders): Promise<PathHistoryStep[]> {
  const lists = await loaders.entries.loadMany(rec.layers.map((l) => l.diffId));
  const layers = rec.layers.map((l, i) => {
    const entries = lists[i];
    if (entries instanceof Error) throw entries;
    return { diffId: l.diffId, entries: entries ?? [] };
  });
  return pathHistory(layers, path, await app.views.prefixViews(rec.layers));
}
