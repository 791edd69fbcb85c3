/** The read model's records: what a replay of the log knows about each thing. */
import type { ContainerFileChangedData, HistoryStep } from '../domain/events';

export interface LayerRecord {
  diffId: string;
  size: number;
  fileCount: number;
  entriesDigest: string;
  digest: string | null;
  mediaType: string | null;
  compressedSize: number | null;
  committedPosition: number;
}

export interface ImageLayerRecord {
  index: number;
  diffId: string;
  chainId: string;
  digest: string | null;
  mediaType: string | null;
  compressedSize: number | null;
  size: number;
  createdBy: string | null;
}

/** One manifest an image is known under, with the blobs it lists (issue 14 item 5). */
export interface ManifestRecord {
  digest: string;
  /** Null when the event that named it predates media types being recorded. */
  mediaType: string | null;
  /** Bytes of the config blob (the config as stored; its sha256 is the image ID). */
  configSize: number;
  /** Its layer blobs as it lists them; null when the event that named it predates them. */
  layers: readonly { digest: string | null; mediaType: string | null; compressedSize: number | null }[] | null;
}

export interface ImageRecord {
  imageId: string;
  config: string;
  manifestDigests: string[];
  /** The named manifests, in the order they became known (manifestDigests, with what each lists). */
  manifests: ManifestRecord[];
  created: string | null;
  architecture: string | null;
  os: string | null;
  layers: ImageLayerRecord[];
  history: HistoryStep[];
  baseName: string | null;
  baseDigest: string | null;
  source: string;
  parentImageId: string | null;
  /** Position of the ImageCommitted that (last) made it live: the commit order. */
  committedPosition: number;
  /** Position of the first ImageCommitted ever: the stable order of `images`. */
  firstPosition: number;
  removedPosition: number | null;
  /** Version of the image's stream. */
  version: number;
  size: number;
}

export interface TagMoveRecord {
  position: number;
  tag: string;
  from: string | null;
  to: string | null;
  at: string;
  actor: string | null;
}

export interface TagRecord {
  name: string;
  imageId: string | null;
  version: number;
  history: TagMoveRecord[];
}

export interface ContainerChangeRecord {
  change: 'ADDED' | 'MODIFIED' | 'DELETED';
  path: string;
  position: number;
  data: ContainerFileChangedData;
}

export interface ContainerRecord {
  containerId: string;
  imageId: string;
  name: string | null;
  version: number;
  createdPosition: number;
  removedPosition: number | null;
  /** Every file change in order (the RW layer is derived from it). */
  changes: ContainerChangeRecord[];
  copiedUpBytes: number;
}

/** One pull or push of an image (ImageTransferred). */
export interface TransferRecord {
  direction: 'PULL' | 'PUSH';
  location: string;
  manifestDigest: string;
  transferredBytes: number;
  skippedBytes: number;
  at: string;
  actor: string | null;
  position: number;
}
