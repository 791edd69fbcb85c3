/**
 * One entry of a layer tar as Strata records it (docs/domain.md §2).
 * Paths are absolute and normalized ("/etc/passwd"); for a whiteout the path is
 * the path it hides, for an opaque whiteout the directory whose lower contents
 * it hides.
 */
export type FileKind =
  | 'FILE'
  | 'DIRECTORY'
  | 'SYMLINK'
  | 'HARDLINK'
  | 'WHITEOUT'
  | 'OPAQUE_WHITEOUT'
  | 'OTHER';

export const FILE_KINDS: readonly FileKind[] = [
  'FILE', 'DIRECTORY', 'SYMLINK', 'HARDLINK', 'WHITEOUT', 'OPAQUE_WHITEOUT', 'OTHER',
];

export interface LayerEntry {
  path: string;
  kind: FileKind;
  /** Bytes of content for FILE; 0 for everything else as recorded in the tar. */
  size: number;
  mode: number | null;
  uid: number | null;
  gid: number | null;
  /** Symlink or hard-link target (hard links: absolute normalized path). */
  linkTarget: string | null;
  /** "sha256:<hex>" of the content, for regular files. */
  contentDigest: string | null;
}

/** A merged-view entry: a LayerEntry plus the layer that provides it. */
export interface MergedEntry extends LayerEntry {
  layerIndex: number;
  diffId: string;
}

export const isMarker = (kind: FileKind): boolean => kind === 'WHITEOUT' || kind === 'OPAQUE_WHITEOUT';
