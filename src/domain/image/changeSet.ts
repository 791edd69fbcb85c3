/**
 * A change set on top of a parent image → the entries of one new layer
 * (docs/domain.md §2, applied in reverse: we write the layer that produces the
 * requested merged view).
 *
 * Rules, each refused with BAD_USER_INPUT (besides the field rules of fileChange.ts):
 * - a path appears at most once;
 * - ADDED needs the path absent from the parent's merged view, MODIFIED and
 *   DELETED need it present ("present" takes this change set's own opaque
 *   directories and replacements into account);
 * - no change under a path the same set DELETES (to replace a directory's
 *   contents, MODIFY it with `opaque: true`) or turns into a non-directory;
 * - no change under a path that is a non-directory in the parent;
 * - a HARDLINK's target must be a FILE in the result (the parent's, or one this
 *   set writes); a target that is itself a hard link resolves to its file.
 *
 * A hard link to a file of the parent image copies that file up into the new
 * layer (as overlayfs does before link(2), and as `docker commit` then
 * records it): Docker extracts each layer on its own and refuses a link whose
 * target is not in the same tar (docs/domain.md §2.6).
 *
 * Output, deterministic for the same input and parent: entries sorted by path
 * (code units: a directory precedes its contents); DELETED → WHITEOUT; opaque →
 * an OPAQUE_WHITEOUT right before the directory entry; parents that exist
 * neither below nor in the set appear as DIRECTORY entries (0755, root).
 */
import { badInput } from '../errors';
import type { LayerEntry } from '../layerEntry';
import { ancestorsOf, comparePaths } from './changePath';
import { CheckedChange, checkChange, entryOf, FileChange, impliedDirectory, inheritKind, whiteoutEntry } from './fileChange';

/** The parent image's merged view: the visible entry at a path, or null (never a whiteout). */
export type LookupPath = (path: string) => LayerEntry | null;

/** The set's changes by path, duplicates refused. */
function indexChanges(changes: readonly FileChange[]): Map<string, CheckedChange> {
  const byPath = new Map<string, CheckedChange>();
  for (const raw of changes) {
    const c = checkChange(raw);
    if (byPath.has(c.path)) throw badInput(`${c.path} appears twice in the change set`, { path: c.path });
    byPath.set(c.path, c);
  }
  return byPath;
}

/** Does this set hide what lies below `dir` (deleted, replaced by a non-directory, or opaque)? */
const hidesBelow = (c: CheckedChange | undefined): boolean =>
  c !== undefined && (c.change === 'DELETED' || c.kind !== 'DIRECTORY' || c.opaque);

/** The parent's entry at `path` unless an ancestor change in this set hides it. */
export function visibleBelow(path: string, byPath: Map<string, CheckedChange>, lookup: LookupPath): LayerEntry | null {
  for (const a of ancestorsOf(path)) if (hidesBelow(byPath.get(a))) return null;
  return lookup(path);
}

/** Checks the ancestors of one change; returns those that must be implied. */
function checkAncestors(c: CheckedChange, byPath: Map<string, CheckedChange>, lookup: LookupPath): string[] {
  const implied: string[] = [];
  for (const a of ancestorsOf(c.path)) {
    const inSet = byPath.get(a);
    if (inSet?.change === 'DELETED') {
      throw badInput(
        `${c.path}: its parent ${a} is DELETED in the same change set (MODIFY ${a} with opaque: true to replace its contents)`,
        { path: c.path },
      );
    }
    if (inSet && inSet.kind !== 'DIRECTORY') throw badInput(`${c.path}: its parent ${a} becomes a ${inSet.kind}`, { path: c.path });
    if (inSet) continue;
    const below = visibleBelow(a, byPath, lookup);
    if (below && below.kind !== 'DIRECTORY') throw badInput(`${c.path}: its parent ${a} is a ${below.kind}, not a directory`,
      { path: c.path });
    if (!below) implied.push(a);
  }
  return implied;
}

function checkPresence(c: CheckedChange, existing: LayerEntry | null): void {
  if (c.change === 'ADDED' && existing) throw badInput(`${c.path} already exists in the parent image: use MODIFIED`, { path: c.path });
  if (c.change === 'MODIFIED' && !existing) throw badInput(`${c.path} does not exist in the parent image: use ADDED`, { path: c.path });
  if (c.change === 'DELETED' && !existing) throw badInput(`${c.path} does not exist in the parent image, so it cannot be DELETED`,
    { path: c.path });
}

/** Resolves a hard link's target to a FILE of the result; returns the final target path. */
function hardLinkTarget(c: CheckedChange, byPath: Map<string, CheckedChange>, lookup: LookupPath): string {
  const target = c.linkTarget as string;
  const inSet = byPath.get(target);
  if (inSet) {
    if (inSet.change !== 'DELETED' && inSet.kind === 'FILE') return target;
    throw badInput(`${c.path}: hard link target ${target} is not a FILE after this change set`, { path: c.path });
  }
  const below = visibleBelow(target, byPath, lookup);
  if (below?.kind === 'FILE') return target;
  if (below?.kind === 'HARDLINK' && below.linkTarget) {
    // The file it resolves to must still be there (not whited out below, not deleted or replaced by this set).
    const final = below.linkTarget;
    const finalInSet = byPath.get(final);
    const finalKind = finalInSet ? (finalInSet.change === 'DELETED' ? null : finalInSet.kind) : visibleBelow(final, byPath, lookup)?.kind;
    if (finalKind === 'FILE') return final;
    throw badInput(`${c.path}: hard link target ${target} is a hard link to ${final}, which is not a FILE after this change set`,
      { path: c.path });
  }
  throw badInput(`${c.path}: hard link target ${target} is not a FILE of the image`, { path: c.path });
}

const entryOrder = (a: LayerEntry, b: LayerEntry): number =>
  comparePaths(a.path, b.path) || (a.kind === 'OPAQUE_WHITEOUT' ? -1 : b.kind === 'OPAQUE_WHITEOUT' ? 1 : 0);

/** The validated, deterministic entries of the layer a change set writes on `lookup`'s image. */
export function layerEntriesOf(changes: readonly FileChange[], lookup: LookupPath): LayerEntry[] {
  const byPath = indexChanges(changes);
  const implied = new Set<string>();
  const entries: LayerEntry[] = [];
  // Kinds first, ancestors before descendants (a kind-less MODIFIED directory must be
  // known as a directory before its children are looked up through it), so that a
  // hard link may also target a file this set modifies without naming its kind.
  for (const c of [...byPath.values()].sort((a, b) => a.path.length - b.path.length)) inheritKind(c, visibleBelow(c.path, byPath, lookup));
  for (const c of byPath.values()) {
    for (const a of checkAncestors(c, byPath, lookup)) implied.add(a);
    const existing = visibleBelow(c.path, byPath, lookup);
    checkPresence(c, existing);
    if (c.change === 'DELETED') {
      entries.push(whiteoutEntry(c.path, 'WHITEOUT'));
      continue;
    }
    if (c.kind === 'HARDLINK') c.linkTarget = hardLinkTarget(c, byPath, lookup);
    if (c.opaque) entries.push(whiteoutEntry(c.path, 'OPAQUE_WHITEOUT'));
    entries.push(entryOf(c, existing));
  }
  for (const a of implied) entries.push(impliedDirectory(a));
  entries.push(...copiedUpTargets(entries, byPath, lookup));
  return entries.sort(entryOrder);
}

/** The parent's files this set's hard links point at and the set does not write itself: copied up whole. */
function copiedUpTargets(entries: readonly LayerEntry[], byPath: Map<string, CheckedChange>, lookup: LookupPath): LayerEntry[] {
  const out = new Map<string, LayerEntry>();
  for (const e of entries) {
    if (e.kind !== 'HARDLINK' || !e.linkTarget || byPath.has(e.linkTarget) || out.has(e.linkTarget)) continue;
    const below = visibleBelow(e.linkTarget, byPath, lookup);
    if (below?.kind === 'FILE') out.set(e.linkTarget, { ...below, path: e.linkTarget });
  }
  return [...out.values()];
}
