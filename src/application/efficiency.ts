/** dive-compatible efficiency of an image, from its layers' entry lists and the cached merged views. */
import { efficiency } from '../domain/efficiency';
import type { ImageRecord } from '../projections/records';
import type { Loaders } from '../graphql/resolvers/loaders';

export async function efficiencyOf(rec: ImageRecord, loaders: Loaders) {
  const lists = await loaders.entries.loadMany(rec.layers.map((l) => l.diffId));
  const layers = rec.layers.map((l, i) => {
    const entries = lists[i];
    if (entries instanceof Error) throw entries;
    return { diffId: l.diffId, entries: entries ?? [] };
  });
  return efficiency(layers);
}
