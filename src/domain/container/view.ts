/**
 * A container's view: its RW layer over the image's merged view (docs/domain.md §2,
 * with the RW layer as the top layer), and what Docker derives from it:
 * `docker diff` (A/C/D), the RW size and the virtual size (§3 sizes: Σ FILE
 * sizes of the RW layer; virtual = RW + image size).
 */
import type { LayerEntry } from '../layerEntry';
import { ancestorsOf, comparePaths } from '../image/changePath';
import type { LookupPath } from '../image/changeSet';
import type { FileChange } from '../image/fileChange';
import type { ContainerState, RwRecord } from './state';

/** Does an RW record at a strict ancestor hide the image below it? */
const hidesLower = (r: RwRecord | undefined): boolean =>
  r !== undefined && (r.kind === 'whiteout' || r.entry.kind !== 'DIRECTORY' || r.opaque);

/** The image's entry at `path` unless the RW layer hides it from above. */
export function lowerVisible(state: ContainerState, path: string, lookup: LookupPath): LayerEntry | null {
  for (const a of ancestorsOf(path)) if (hidesLower(state.rw.get(a))) return null;
  return lookup(path);
}

/** The merged entry the container sees at `path`, and whether it comes from the RW layer. */
export function containerLookup(state: ContainerState, path: string, lookup: LookupPath): { entry: LayerEntry; inRw: boolean } | null {
  const own = state.rw.get(path);
  if (own?.kind === 'whiteout') return null;
  if (own) {
    for (const a of ancestorsOf(path)) if (state.rw.get(a)?.kind === 'whiteout') return null;
    return { entry: own.entry, inRw: true };
  }
  const lower = lowerVisible(state, path, lookup);
  return lower ? { entry: lower, inRw: false } : null;
}

/**
 * The RW layer as a change set on the image (what `docker commit` writes):
 * an RW entry over an image path is MODIFIED, a new one ADDED, a whiteout of an
 * image path DELETED (whiteouts of container-only paths vanish). Sorted by path.
 */
export function netChanges(state: ContainerState, lookup: LookupPath): FileChange[] {
  const out: FileChange[] = [];
  for (const [path, r] of [...state.rw].sort(([a], [b]) => comparePaths(a, b))) {
    const lower = lowerVisible(state, path, lookup);
    if (r.kind === 'whiteout') {
      if (lower) out.push({ change: 'DELETED', path });
      continue;
    }
    const { kind, size, mode, uid, gid, linkTarget, contentDigest } = r.entry;
    out.push({ change: lower ? 'MODIFIED' : 'ADDED', path, kind, size, mode, uid, gid, linkTarget, contentDigest, opaque: r.opaque });
  }
  return out;
}

export interface DockerDiffLine { kind: 'A' | 'C' | 'D'; path: string }

/**
 * `docker diff`: A added, C changed, D deleted, sorted by path. As Docker's
 * overlay driver does, an image directory that holds a change is reported C
 * (it was copied up to hold the change).
 */
export function dockerDiff(state: ContainerState, lookup: LookupPath): DockerDiffLine[] {
  const lines = new Map<string, DockerDiffLine['kind']>();
  for (const c of netChanges(state, lookup)) {
    lines.set(c.path, c.change === 'ADDED' ? 'A' : c.change === 'MODIFIED' ? 'C' : 'D');
    for (const a of ancestorsOf(c.path)) if (!lines.has(a) && lowerVisible(state, a, lookup)) lines.set(a, 'C');
  }
  return [...lines].sort(([a], [b]) => comparePaths(a, b)).map(([path, kind]) => ({ kind, path }));
}

/** Bytes in the RW layer: Σ sizes of its FILE entries (docker ps -s "size"). */
export function rwSize(state: ContainerState): number {
  let total = 0;
  for (const r of state.rw.values()) if (r.kind === 'entry' && r.entry.kind === 'FILE') total += r.entry.size;
  return total;
}

/** RW size + the image's size (docker ps -s "virtual"). */
export const virtualSize = (state: ContainerState, imageSize: number): number => rwSize(state) + imageSize;
