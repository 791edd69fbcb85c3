/**
 * Image efficiency, dive-compatible (docs/domain.md §5; wagoodman/dive
 * filetree/efficiency.go and image.Analyze), plus `hiddenBytes`.
 *
 * Faithful to dive: each layer is seen as its own tree; only its leaves count
 * (a directory with entries below it in the same layer is skipped); a whiteout
 * counts under the path it hides, sized 0 when it hides a file and as the bytes
 * of the hidden subtree in merged(0..i-1) when it hides a directory; opaque
 * markers are ignored (dive never adds `.wh..wh..` names to its trees); a whiteout
 * and an entry of the same path in one layer are two leaves (two dive nodes).
 * Differences, on purpose: a whiteout of a path absent below counts 0 (dive
 * aborts the rest of that layer's walk); merged(0..i-1) honours opaque markers;
 * userWastedPercent is null instead of NaN/Infinity when the user layers are empty.
 */
import type { LayerEntry } from './layerEntry';
import type { MergedNode } from './mergedNode';
import { buildMergedViews, MergedTree, type LayerInput } from './mergedView';
import { parentOf, ROOT, sortByCodePoints } from './pathUtil';

export interface InefficientFile {
  path: string;
  /** Leaves with this key across the layers. */
  count: number;
  /** Cumulative bytes of those copies (dive's CumulativeSize). */
  wastedBytes: number;
}

export interface EfficiencyReport {
  score: number;
  /** Σ layer sizes (§3: regular-file bytes of each layer tar). */
  sizeBytes: number;
  /** Σ sizes of layers 1..n-1. */
  userSizeBytes: number;
  wastedBytes: number;
  userWastedPercent: number | null;
  /** Bytes stored in the layers that the final merged view does not show. */
  hiddenBytes: number;
  /** dive's order: cumulative bytes descending; ties, the later to become inefficient first. */
  inefficientFiles: InefficientFile[];
  /** Sizes of the counted layers (all of them, or judgedFrom..n-1). */
  layerSizes: number[];
}

interface Stat { cumulative: number; min: number; count: number }

/** §3: a layer's size is the sum of its regular-file entries. */
export const layerSize = (entries: readonly LayerEntry[]): number =>
  entries.reduce((sum, e) => (e.kind === 'FILE' ? sum + e.size : sum), 0);

/** Bytes of the regular files in a subtree (links and directories are 0, as in the tar headers). */
function subtreeFileBytes(node: MergedNode): number {
  let bytes = node.entry.kind === 'FILE' ? node.entry.size : 0;
  for (const child of node.children?.values() ?? []) bytes += subtreeFileBytes(child);
  return bytes;
}

/** dive's node path: a whiteout is the node ".wh.<name>" beside the path it hides. */
const nodePath = (e: LayerEntry): string => {
  if (e.kind !== 'WHITEOUT') return e.path;
  const i = e.path.lastIndexOf('/');
  return `${e.path.slice(0, i + 1)}.wh.${e.path.slice(i + 1)}`;
};

/**
 * dive walks depth-first with children sorted by name, so leaves come in
 * component-wise order; with "/" mapped to U+0000 (never in a name) plain
 * code-point order of the whole path is exactly that.
 */
const walkKey = (nodeKey: string): string => nodeKey.replaceAll('/', '\0');

/** The leaves of one layer's own tree, in dive's visiting order (the last duplicate of a node wins). */
export function layerLeaves(entries: readonly LayerEntry[]): LayerEntry[] {
  const nodes = new Map<string, LayerEntry>();
  for (const e of entries) if (e.kind !== 'OPAQUE_WHITEOUT' && e.path !== ROOT) nodes.set(nodePath(e), e);
  const inner = new Set<string>();
  for (const key of nodes.keys()) {
    for (let p = parentOf(key); p !== ROOT && !inner.has(p); p = parentOf(p)) inner.add(p);
  }
  const leaves = [...nodes].filter(([key]) => !inner.has(key));
  return sortByCodePoints(leaves, ([key]) => walkKey(key)).map(([, e]) => e);
}

function leafSize(e: LayerEntry, below: MergedTree): number {
  if (e.kind !== 'WHITEOUT') return e.size;
  const hidden = below.node(e.path);
  return hidden?.children ? subtreeFileBytes(hidden) : 0;
}

/** Bytes of the regular files in a subtree that layers at or above `from` provide. */
function subtreeFileBytesFrom(node: MergedNode, from: number): number {
  let bytes = node.entry.kind === 'FILE' && node.entry.layerIndex >= from ? node.entry.size : 0;
  for (const child of node.children?.values() ?? []) bytes += subtreeFileBytesFrom(child, from);
  return bytes;
}

/**
 * Efficiency of a layer stack (docs/domain.md §5). `views[i]` = merged(0..i) may be passed when cached.
 * `judgedFrom` > 0 computes the figures over layers judgedFrom..n-1 only (the layers above an
 * image's base, for a CI gate): the layers below are context (a whiteout hiding a lower directory
 * is still sized by what it hides) but their copies are not counted, and every judged layer is a
 * user layer (userSizeBytes = the judged layers' bytes). With 0 the figures are dive's.
 */
export function efficiency(
  layers: readonly LayerInput[], views: readonly MergedTree[] = buildMergedViews(layers), judgedFrom = 0,
): EfficiencyReport {
  const stats = new Map<string, Stat>();
  const inefficient: string[] = [];
  layers.forEach((layer, i) => {
    if (i < judgedFrom) return;
    const below = views[i - 1] ?? MergedTree.EMPTY;
    for (const e of layerLeaves(layer.entries)) {
      const size = leafSize(e, below);
      let s = stats.get(e.path);
      if (!s) stats.set(e.path, (s = { cumulative: 0, min: size, count: 0 }));
      s.cumulative += size;
      s.min = Math.min(s.min, size);
      s.count += 1;
      if (s.count === 2) inefficient.push(e.path);
    }
  });
  let minSum = 0;
  let cumSum = 0;
  for (const s of stats.values()) {
    minSum += s.min;
    cumSum += s.cumulative;
  }
  const inefficientFiles = inefficient
    .map((path, seq) => ({ path, seq, stat: stats.get(path) as Stat }))
    .sort((a, b) => b.stat.cumulative - a.stat.cumulative || b.seq - a.seq)
    .map(({ path, stat }) => ({ path, count: stat.count, wastedBytes: stat.cumulative }));
  const layerSizes = layers.slice(judgedFrom).map((l) => layerSize(l.entries));
  const sizeBytes = layerSizes.reduce((a, b) => a + b, 0);
  const userSizeBytes = judgedFrom > 0 ? sizeBytes : sizeBytes - (layerSizes[0] ?? 0);
  const wastedBytes = inefficientFiles.reduce((a, f) => a + f.wastedBytes, 0);
  const top = views[layers.length - 1] ?? MergedTree.EMPTY;
  return {
    score: cumSum === 0 ? 1 : minSum / cumSum,
    sizeBytes,
    userSizeBytes,
    wastedBytes,
    userWastedPercent: userSizeBytes === 0 ? null : wastedBytes / userSizeBytes,
    hiddenBytes: sizeBytes - (judgedFrom > 0 ? subtreeFileBytesFrom(top.root, judgedFrom) : subtreeFileBytes(top.root)),
    inefficientFiles,
    layerSizes,
  };
}
