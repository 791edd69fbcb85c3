/**
 * Paths a rebase cannot reach (schema.graphql UpgradePayload.shadowedPaths):
 * of the paths the new base changed relative to the old base, those the
 * image's own layers hide in the merged view (docs/domain.md §2): an own entry at
 * the path itself, or, at a strict ancestor, a whiteout, an opaque whiteout
 * (§2.2: it hides everything below from lower layers) or a non-directory entry
 * (§2.4: it replaces the subtree).
 */
import type { LayerEntry } from '../layerEntry';
import { ancestorsOf, comparePaths } from './changePath';

export function shadowedPaths(changedInBase: Iterable<string>, ownLayers: readonly (readonly LayerEntry[])[]): string[] {
  const exact = new Set<string>();
  const subtree = new Set<string>();
  for (const layer of ownLayers) {
    for (const e of layer) {
      if (e.kind !== 'OPAQUE_WHITEOUT') exact.add(e.path);
      if (e.kind !== 'DIRECTORY') subtree.add(e.path);
    }
  }
  const out = new Set<string>();
  for (const p of changedInBase) {
    if (exact.has(p) || ancestorsOf(p).some((a) => subtree.has(a))) out.add(p);
  }
  return [...out].sort(comparePaths);
}
