/**
 * The event catalogue: every fact Strata records, named in the past tense.
 * Streams (docs/domain.md §7): one per image (`image:<imageId>`), one per tag
 * (`tag:<name:tag>`), one per layer (`layer:<diffId>`), one per container
 * (`container:<id>`).
 *
 * Events are plain data; `schemaVersion` 1 for every type below. Layer entry
 * lists are NOT in events: they are stored once per DiffID, content-addressed,
 * and LayerCommitted carries their digest.
 */
import type { FileKind } from './layerEntry';

export const streams = {
  image: (imageId: string) => `image:${imageId}`,
  tag: (tag: string) => `tag:${tag}`,
  layer: (diffId: string) => `layer:${diffId}`,
  container: (id: string) => `container:${id}`,
  /** The blob store's housekeeping (gc). */
  blobStore: () => 'blobstore',
  /** A Docker Engine `strata watch docker-daemon:` follows, by the Engine's ID (GET /info). */
  engine: (id: string) => `engine:${id}`,
};

export interface LayerCommittedData {
  diffId: string;
  /** Blob digest as first seen (compressed), null for layers Strata made itself. */
  digest: string | null;
  mediaType: string | null;
  compressedSize: number | null;
  /** Sum of the regular-file sizes (dive's layer size). */
  size: number;
  fileCount: number;
  /** sha256 of the canonical entry list (see entryList.ts). */
  entriesDigest: string;
}

/** One layer of an image, bottom first. */
export interface ImageLayerRef {
  diffId: string;
  digest: string | null;
  mediaType: string | null;
  compressedSize: number | null;
}

/** A config `history` entry mapped to the layer it made (null for empty_layer steps). */
export interface HistoryStep {
  created: string | null;
  createdBy: string | null;
  comment: string | null;
  emptyLayer: boolean;
  layerIndex: number | null;
}

export interface ImageCommittedData {
  imageId: string;
  /** The raw config JSON, exactly the bytes whose sha256 is imageId. */
  config: string;
  manifestDigest: string | null;
  /** Media type of the manifest named by manifestDigest (absent in events written before it was recorded). */
  manifestMediaType?: string | null;
  created: string | null;
  architecture: string | null;
  os: string | null;
  layers: ImageLayerRef[];
  history: HistoryStep[];
  /** OCI base-image annotations when present (org.opencontainers.image.base.*). */
  baseName: string | null;
  baseDigest: string | null;
  /** How it entered: "import" or "commit" (or "upgrade"). */
  source: 'import' | 'commit' | 'upgrade';
  /** For commits: the image the container ran from. */
  parentImageId: string | null;
}

/**
 * A known image arrived under another manifest (another packaging or
 * compression). `mediaType` and `layers` say what that manifest lists, so its
 * compressed figures are its own (issue 14 item 5); events written before they
 * existed lack both, and their manifest's figures are unknown.
 */
export interface ManifestDigestAddedData {
  imageId: string;
  manifestDigest: string;
  mediaType?: string | null;
  /** The manifest's layer blobs as it lists them, bottom first. */
  layers?: ImageLayerRef[];
}
export interface ImageRemovedData { imageId: string }
export interface TagMovedData { tag: string; from: string | null; to: string }
export interface TagRemovedData { tag: string; from: string }

/**
 * An image moved to or from somewhere (a registry, an archive, an engine):
 * where, which manifest, and how many compressed bytes travelled versus were
 * skipped because the other side had them (issue 18, Image.transfers).
 */
export interface ImageTransferredData {
  imageId: string;
  direction: 'PULL' | 'PUSH';
  /** e.g. docker://registry.example:5000/app:1 */
  location: string;
  manifestDigest: string;
  transferredBytes: number;
  skippedBytes: number;
  transferredBlobs: number;
  skippedBlobs: number;
}

export interface ContainerCreatedData { containerId: string; imageId: string; name: string | null }
export interface ContainerFileChangedData {
  containerId: string;
  change: 'ADDED' | 'MODIFIED' | 'DELETED';
  path: string;
  kind: FileKind;
  size: number;
  mode: number | null;
  uid: number | null;
  gid: number | null;
  linkTarget: string | null;
  contentDigest: string | null;
  opaque: boolean;
  /** Bytes a copy-up moved from a lower layer into the read-write layer (0 if none). */
  copiedUpBytes: number;
}
export interface ContainerCommittedData { containerId: string; imageId: string }
export interface ContainerRemovedData { containerId: string }
/** `strata gc` deleted these blobs (no live image or container referenced them); `leftovers`: temp files of dead writers removed. */
export interface BlobsCollectedData { removed: { digest: string; size: number }[]; bytes: number; leftovers: number }

/**
 * One Docker Engine event `strata watch docker-daemon:` has recorded, appended
 * with whatever it changed: the stream's last one is the watch's cursor.
 */
export interface EngineEventObservedData {
  engineId: string;
  /** The Engine's event time, nanoseconds since the epoch, as a decimal string (beyond 2^53). */
  timeNano: string;
  /** image or container. */
  type: string;
  action: string;
  /** The Engine's actor ID: an image ID or name, or a container ID. */
  actorId: string;
  /** "recorded", or why nothing was (e.g. the image was gone before it could be read). */
  outcome: string;
}

export type DomainEvent =
  | { type: 'LayerCommitted'; data: LayerCommittedData }
  | { type: 'ImageCommitted'; data: ImageCommittedData }
  | { type: 'ManifestDigestAdded'; data: ManifestDigestAddedData }
  | { type: 'ImageRemoved'; data: ImageRemovedData }
  | { type: 'TagMoved'; data: TagMovedData }
  | { type: 'TagRemoved'; data: TagRemovedData }
  | { type: 'ImageTransferred'; data: ImageTransferredData }
  | { type: 'ContainerCreated'; data: ContainerCreatedData }
  | { type: 'ContainerFileChanged'; data: ContainerFileChangedData }
  | { type: 'ContainerCommitted'; data: ContainerCommittedData }
  | { type: 'ContainerRemoved'; data: ContainerRemovedData }
  | { type: 'BlobsCollected'; data: BlobsCollectedData }
  | { type: 'EngineEventObserved'; data: EngineEventObservedData };

export type EventType = DomainEvent['type'];
export const EVENT_SCHEMA_VERSION = 1;
