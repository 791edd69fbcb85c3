/**
 * Per-path history through a layer stack (docs/domain.md §2): which layers touched
 * a path, directly or through an ancestor, and how. Built from the merged
 * views before and after each layer, so it agrees with lookups by construction.
 *
 * Actions, for layer i (a layer that leaves the path as it was is not listed,
 * so a whiteout of a path absent below does not appear):
 * - ADDED: visible after, not before; provided by layer i (listed or implied, §2.5).
 * - MODIFIED: visible before and after, now provided by layer i (replaced, or a
 *   directory merged over a directory, §2.4), even when the content is equal.
 * - DELETED: hidden by a whiteout of the path itself (§2.3).
 * - HIDDEN_BY_PARENT: hidden through an ancestor: its whiteout, an opaque
 *   whiteout (§2.2) or its replacement by a non-directory (§2.4); `cause` names it.
 * - OPAQUED: the path stays as it was, but layer i hid its lower contents (§2.2).
 */
import type { LayerEntry, MergedEntry } from './layerEntry';
import { buildMergedViews, MergedTree, type LayerInput } from './mergedView';
import { isStrictlyBelow, normalizePath, parentOf, ROOT } from './pathUtil';

export type PathAction = 'ADDED' | 'MODIFIED' | 'DELETED' | 'HIDDEN_BY_PARENT' | 'OPAQUED';

export interface PathCause {
  path: string;
  by: 'WHITEOUT' | 'OPAQUE_WHITEOUT' | 'REPLACED';
}

export interface PathHistoryStep {
  layerIndex: number;
  diffId: string;
  action: PathAction;
  /** Visible before this layer (null: absent or hidden). */
  before: MergedEntry | null;
  /** Visible after this layer. */
  after: MergedEntry | null;
  /** The layer lists the path itself (false for implied directories and for what an ancestor did). */
  explicit: boolean;
  /** The layer carries an opaque whiteout of this very path. */
  opaque: boolean;
  /** What hid the path, for DELETED and HIDDEN_BY_PARENT. */
  cause: PathCause | null;
}

function ancestorsTopDown(path: string): string[] {
  const out: string[] = [];
  for (let p = parentOf(path); p !== ROOT; p = parentOf(p)) out.unshift(p);
  return [ROOT, ...out];
}

/** The broadest thing in the layer that hid `path` through an ancestor. */
function ancestorCause(entries: readonly LayerEntry[], path: string): PathCause | null {
  for (const a of ancestorsTopDown(path)) {
    for (const e of entries) {
      if (e.path !== a) continue;
      if (e.kind === 'WHITEOUT' && a !== ROOT) return { path: a, by: 'WHITEOUT' };
      if (e.kind === 'OPAQUE_WHITEOUT' && isStrictlyBelow(path, a)) return { path: a, by: 'OPAQUE_WHITEOUT' };
      if (e.kind !== 'DIRECTORY' && e.kind !== 'WHITEOUT' && e.kind !== 'OPAQUE_WHITEOUT' && a !== ROOT) return { path: a, by: 'REPLACED' };
    }
  }
  return null;
}

function step(layer: LayerInput, i: number, path: string, before: MergedEntry | null, after: MergedEntry | null): PathHistoryStep | null {
  const here = layer.entries.filter((e) => e.path === path);
  const explicit = here.some((e) => e.kind !== 'WHITEOUT' && e.kind !== 'OPAQUE_WHITEOUT');
  const opaque = here.some((e) => e.kind === 'OPAQUE_WHITEOUT');
  const base = { layerIndex: i, diffId: layer.diffId, before, after, explicit, opaque, cause: null };
  if (after && after.layerIndex === i) return { ...base, action: before ? 'MODIFIED' : 'ADDED' };
  if (!after && (before || explicit)) {
    if (before && here.some((e) => e.kind === 'WHITEOUT')) return { ...base, action: 'DELETED', cause: { path, by: 'WHITEOUT' } };
    return { ...base, action: 'HIDDEN_BY_PARENT', cause: ancestorCause(layer.entries, path) };
  }
  if (after && opaque) return { ...base, action: 'OPAQUED' };
  return null;
}

/**
 * The layers that touched `path`, bottom first. `views[i]` = merged(0..i) may
 * be passed when cached (cost then O(layers × (depth + layer size))).
 */
export function pathHistory(layers: readonly LayerInput[], path: string,
  views: readonly MergedTree[] = buildMergedViews(layers)): PathHistoryStep[] {
  const p = normalizePath(path);
  const out: PathHistoryStep[] = [];
  layers.forEach((layer, i) => {
    const before = (views[i - 1] ?? MergedTree.EMPTY).lookup(p);
    const after = (views[i] ?? MergedTree.EMPTY).lookup(p);
    const s = step(layer, i, p, before, after);
    if (s) out.push(s);
  });
  return out;
}
