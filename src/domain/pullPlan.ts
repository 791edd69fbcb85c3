/**
 * Pull plan (docs/domain.md §3, Pull plan): a host holding some images needs only
 * the layers whose DiffIDs it lacks — only the changed layers travel.
 *
 * Sharing is by DiffID (what a registry serves), so a rebased image reuses its
 * own layers even though their ChainIDs are new. A layer repeated inside the
 * pulled image travels once: its first occurrence is fetched, later ones are
 * reused. Layers keep their order (bottom first) in both lists.
 */

export interface PlannedLayer {
  diffId: string;
  size: number;
}

export interface PullPlan<L extends PlannedLayer> {
  fetch: L[];
  reuse: L[];
  fetchBytes: number;
  reuseBytes: number;
}

/** Splits `layers` (bottom first) into fetch and reuse given the layers of the images a host holds. */
export function planPull<L extends PlannedLayer>(
  layers: readonly L[],
  held: readonly (readonly { diffId: string }[])[],
): PullPlan<L> {
  const have = new Set<string>();
  for (const image of held) for (const layer of image) have.add(layer.diffId);
  const plan: PullPlan<L> = { fetch: [], reuse: [], fetchBytes: 0, reuseBytes: 0 };
  for (const layer of layers) {
    if (have.has(layer.diffId)) {
      plan.reuse.push(layer);
      plan.reuseBytes += layer.size;
    } else {
      plan.fetch.push(layer);
      plan.fetchBytes += layer.size;
      have.add(layer.diffId);
    }
  }
  return plan;
}
