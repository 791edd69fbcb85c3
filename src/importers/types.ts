/** The values an import produces (the API of src/importers/index.ts). */
import type { HistoryStep } from '../domain/events';
import type { LayerEntry } from '../domain/layerEntry';
import type { IngestSession } from '../blobs/blobStore';

export interface ImportProgress { bytesDone: number; bytesTotal: number | null; phase: string }

export interface ImportOptions {
  /**
   * "os/arch[/variant]", default linux/amd64 (docs/domain.md §6). With the default,
   * an index holding a single image for another platform yields that image;
   * a platform given explicitly must match.
   */
  platform?: string;
  /** Repository for OCI `ref.name` annotations that hold only a tag. */
  repo?: string;
  /** Cap on decompressed layer bytes of the whole import (default 64 GiB). */
  maxTotalBytes?: number;
  /** Cap on tar entries of the whole import (default 5,000,000). */
  maxEntries?: number;
  onProgress?: (p: ImportProgress) => void;
  /** Told, once per occurrence, about what was read but not used (e.g. a ref.name that is only a tag). */
  onNotice?: (message: string) => void;
  /**
   * Where to keep every file of the archive as distributed (layer blobs,
   * configs, manifests), written while it streams past; absent: metadata only.
   */
  blobs?: IngestSession;
}

export interface ImportedLayer {
  /** sha256 of the blob as stored in the archive (for docker-archive the stored layer.tar or .tar.gz). */
  digest: string | null;
  diffId: string;
  /** Descriptor media type (OCI); null when the archive records none (docker-archive). */
  mediaType: string | null;
  /** Bytes of the blob as stored. */
  compressedSize: number | null;
  /** Sum of regular-file sizes (docs/domain.md §3). */
  size: number;
  /** Number of entries of the layer except whiteout markers (directories, links and others count). */
  fileCount: number;
  /** In archive order (the merged view needs it for duplicates, docs/domain.md §2.4). */
  entries: LayerEntry[];
  /** See src/domain/entryList.ts. */
  entriesDigest: string;
  /** The stored form of `entries` (src/support/entryListBody.ts), when the scan made it. */
  entriesBody?: Buffer;
  /** Whole content of /etc/os-release and /usr/lib/os-release when the layer has them as regular files. */
  keptFiles: { path: string; content: Buffer }[];
}

export interface ImportedImage {
  imageId: string;
  /** Raw config JSON (utf8); sha256 of its bytes is imageId. */
  config: string;
  manifestDigest: string | null;
  /** Media type of that manifest, when there is one. */
  manifestMediaType?: string | null;
  /** Familiar short form, e.g. "app:1". */
  repoTags: string[];
  created: string | null;
  architecture: string | null;
  os: string | null;
  /** Bottom first; the same DiffID may repeat. */
  layers: ImportedLayer[];
  history: HistoryStep[];
  baseName: string | null;
  baseDigest: string | null;
}
