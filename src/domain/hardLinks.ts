/**
 * Which hard links a layer can hold (docs/domain.md §2.6): Docker extracts a
 * layer on its own (overlay2 unpacks each layer into its own directory) and
 * calls link(2) for each hard link as it meets it, so the target must be an
 * earlier entry of the same layer that is not a directory. A link to itself,
 * a cycle, a link to a later entry, to a lower layer's file or to nothing
 * fails there with ENOENT, and one to a directory with EPERM. A link to a
 * whiteout would make the link a whiteout too; Strata refuses that as well.
 */
import type { LayerEntry } from './layerEntry';

export class LayerLinkCheck {
  /** The kind of the latest entry at each path so far, in tar order. */
  private readonly kinds = new Map<string, LayerEntry['kind']>();

  /** Why `entry` (the next one in tar order) cannot be extracted, or null; records it either way. */
  next(entry: LayerEntry): string | null {
    const problem = entry.kind === 'HARDLINK' ? this.linkProblem(entry) : null;
    // An opaque marker says something about the directory's lower contents, not an entry at its path.
    if (entry.kind !== 'OPAQUE_WHITEOUT') this.kinds.set(entry.path, entry.kind);
    return problem;
  }

  private linkProblem(entry: LayerEntry): string | null {
    const target = entry.linkTarget;
    if (target === null) return 'has no target';
    if (target === entry.path) return 'points at itself';
    const kind = this.kinds.get(target);
    if (kind === undefined) {
      return `points at ${target}, which is not an earlier entry of the same layer (missing, later, in a lower layer, or in a cycle)`;
    }
    if (kind === 'DIRECTORY') return `points at ${target}, a directory`;
    if (kind === 'WHITEOUT') return `points at ${target}, a whiteout`;
    return null;
  }
}
