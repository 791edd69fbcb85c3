/**
 * Per-path history: which layers wrote, overwrote or deleted a path (or hid it
 * through an ancestor), bottom first, from the merged views of each prefix.
 */
import type { ImageRecord } from '../projections/records';
import type { Loaders } from '../graphql/resolvers/loaders';
import { normalizePath } from '../domain/pathUtil';
import type { MergedEntry } from '../domain/layerEntry';

export interface PathHistoryStep {
  layerIndex: number;
  diffId: string;
  action: 'ADDED' | 'MODIFIED' | 'DELETED';
  entry: MergedEntry | null;
}

export async function pathHistoryOf(rec: ImageRecord, path: string, loaders: Loaders): Promise<PathHistoryStep[]> {
  const p = normalizePath(path);
  const steps: PathHistoryStep[] = [];
  let before: MergedEntry | null = null;
  for (let i = 0; i < rec.layers.length; i++) {
    const view = await loaders.view.load({ ...rec, layers: rec.layers.slice(0, i + 1) });
    const now = view.lookup(p);
    const l = rec.layers[i]!;
    if (now && now.layerIndex === i) {
      steps.push({ layerIndex: i, diffId: l.diffId, action: before ? 'MODIFIED' : 'ADDED', entry: now });
    } else if (!now && before) {
      steps.push({ layerIndex: i, diffId: l.diffId, action: 'DELETED', entry: null });
    }
    before = now;
  }
  return steps;
}
