/**
 * What the ledger still needs from the blob store: for every live image its
 * config, manifests and layer blobs; for every live container the file bytes
 * its changes carried (they become a layer when it is committed).
 */
import type { ReadModel } from '../../projections/readModel';

export function liveBlobs(model: ReadModel): Set<string> {
  const keep = new Set<string>();
  for (const img of model.images.values()) {
    if (img.removedPosition !== null) continue;
    keep.add(img.imageId);
    for (const m of img.manifestDigests) keep.add(m);
    for (const l of img.layers) if (l.digest) keep.add(l.digest);
  }
  for (const c of model.containers.values()) {
    if (c.removedPosition !== null) continue;
    for (const ch of c.changes) {
      const d = (ch.data as { contentDigest?: unknown }).contentDigest;
      if (typeof d === 'string') keep.add(d);
    }
  }
  return keep;
}

/** The live images that reference each digest (for naming what a damaged blob breaks). */
export function referencesOf(model: ReadModel): Map<string, string[]> {
  const refs = new Map<string, string[]>();
  const add = (d: string, who: string) => { const l = refs.get(d) ?? []; if (!l.includes(who)) l.push(who); refs.set(d, l); };
  for (const img of model.images.values()) {
    if (img.removedPosition !== null) continue;
    const name = model.repoTags(img.imageId)[0] ?? img.imageId.slice(7, 19);
    add(img.imageId, name);
    for (const m of img.manifestDigests) add(m, name);
    for (const l of img.layers) if (l.digest) add(l.digest, name);
  }
  return refs;
}
