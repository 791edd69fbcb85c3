/**
 * Identity and facts of a layer Strata makes itself from a change set.
 *
 * When the application could write the layer's tar (every file's bytes known),
 * it passes the BuiltLayer and that is the layer's identity. Otherwise no tar
 * exists for such a layer, so its DiffID (docs/domain.md §1, normally the
 * sha256 of the uncompressed tar) is DEFINED as the injected `entriesDigest` of
 * its canonical entry list (entryList.ts serialization): the same change set on
 * the same parent gives the same entries, hence the same DiffID. The one
 * exception is a layer with no entries, which IS the empty tar and takes its
 * well-known DiffID (EMPTY_LAYER_DIFF_ID), as `docker commit` of an unchanged
 * container does.
 * size = Σ FILE sizes (§3); fileCount = entries that are not whiteout markers.
 */
import { EMPTY_LAYER_DIFF_ID } from '../digest';
import type { LayerCommittedData } from '../events';
import { isMarker, type LayerEntry } from '../layerEntry';

/** "sha256:<hex>" of the canonical serialization of an entry list. */
export type EntriesDigest = (entries: readonly LayerEntry[]) => string;

/**
 * The real tar the application wrote for these entries (docs/architecture.md
 * "Real layers"): its DiffID is the sha256 of the tar, its blob is stored.
 */
export interface BuiltLayer { diffId: string; digest: string; mediaType: string; compressedSize: number }

export function committedLayer(entries: readonly LayerEntry[], entriesDigest: EntriesDigest,
  built: BuiltLayer | null = null): LayerCommittedData {
  const digest = entriesDigest(entries);
  return {
    diffId: built?.diffId ?? (entries.length === 0 ? EMPTY_LAYER_DIFF_ID : digest),
    digest: built?.digest ?? null,
    mediaType: built?.mediaType ?? null,
    compressedSize: built?.compressedSize ?? null,
    size: entries.reduce((s, e) => s + (e.kind === 'FILE' ? e.size : 0), 0),
    fileCount: entries.filter((e) => !isMarker(e.kind)).length,
    entriesDigest: digest,
  };
}
