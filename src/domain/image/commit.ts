/**
 * Commit: a change set on top of a parent image becomes one new layer and a
 * new image (schema.graphql Mutation.commit; docs/domain.md §2 for the layer, §1 for
 * identities). Checks in order: parent live (NOT_FOUND), tag expectedVersion
 * (CONFLICT), the change set (BAD_USER_INPUT, changeSet.ts).
 *
 * Events: LayerCommitted (unless the DiffID is already known), ImageCommitted
 * (unless an identical config was committed before), TagMoved (when a tag is
 * given and does not point there yet). The entry list is returned beside the
 * events: it is stored once per DiffID, content-addressed, never in an event (§7).
 */
import type { Command } from '../command';
import type { Sha256Hex } from '../digest';
import { notFound } from '../errors';
import type { DomainEvent, ImageCommittedData, ImageLayerRef, LayerCommittedData } from '../events';
import { historyOf } from '../history';
import type { LayerEntry } from '../layerEntry';
import { normalizeTag } from '../reference';
import { checkExpectedVersion, moveTag } from '../tag/decide';
import type { TagState } from '../tag/state';
import { layerEntriesOf, LookupPath } from './changeSet';
import { committedLayer, type BuiltLayer, EntriesDigest } from './committedLayer';
import type { FileChange } from './fileChange';
import { configWithLayer } from './imageConfig';
import type { ImageState } from './state';

/** Read-side facts and pure functions the application supplies. */
export interface CommitPorts {
  /** The parent image's merged view (mergedView.ts). */
  lookup: LookupPath;
  isLayerKnown: (diffId: string) => boolean;
  isImageKnown: (imageId: string) => boolean;
  entriesDigest: EntriesDigest;
  sha256Hex: Sha256Hex;
  /** The real tar written for exactly these entries, or null (then the DiffID is the entry list's digest). */
  builtLayer?: (entries: readonly LayerEntry[]) => BuiltLayer | null;
  /** The manifest digest of the new image, when the application could write one for it (every layer blob stored). */
  manifestOf?: (config: string, layers: readonly ImageLayerRef[]) => string | null;
}

export interface CommitData {
  changes: readonly FileChange[];
  tag?: string | null;
  createdBy?: string | null;
  comment?: string | null;
  /** Of the tag's stream, when tag is given (0: the tag must not exist yet). */
  expectedVersion?: number | null;
}

export type CommitImage = Command<'CommitImage', CommitData> & { ports: CommitPorts };

export interface CommitState {
  parent: ImageState;
  /** The tag's stream state (initialTagState() when no tag is given). */
  tag: TagState;
}

export interface CommitOutcome {
  events: DomainEvent[];
  imageId: string;
  image: ImageCommittedData;
  layer: LayerCommittedData;
  /** The new layer's entries, to store under layer.entriesDigest. */
  entries: LayerEntry[];
  layerIndex: number;
}

export function requireLive(state: ImageState, what: string): asserts state is ImageState & { imageId: string } {
  if (state.status !== 'live' || state.imageId === null) throw notFound(`${what} does not exist`);
}

/** Builds the new image from explicit entries (shared by commit, upgrade and container commit). */
export function commitEntries(
  parent: ImageState & { imageId: string },
  entries: LayerEntry[],
  data: { createdBy?: string | null; comment?: string | null },
  source: ImageCommittedData['source'],
  now: string,
  ports: Pick<CommitPorts, 'entriesDigest' | 'sha256Hex' | 'builtLayer' | 'manifestOf'>,
): Omit<CommitOutcome, 'events'> {
  const layer = committedLayer(entries, ports.entriesDigest, ports.builtLayer?.(entries) ?? null);
  const step = { created: now, createdBy: data.createdBy ?? null, comment: data.comment ?? null };
  const cfg = configWithLayer(parent.config, layer.diffId, step, ports.sha256Hex);
  const str = (v: unknown) => (typeof v === 'string' ? v : null);
  const layers: ImageLayerRef[] = [...parent.layers,
    { diffId: layer.diffId, digest: layer.digest, mediaType: layer.mediaType, compressedSize: layer.compressedSize }];
  const image: ImageCommittedData = {
    imageId: cfg.imageId,
    config: cfg.config,
    manifestDigest: ports.manifestOf?.(cfg.config, layers) ?? null,
    created: now,
    architecture: str(cfg.parsed.architecture),
    os: str(cfg.parsed.os),
    layers,
    history: historyOf(cfg.parsed),
    baseName: null,
    baseDigest: null,
    source,
    parentImageId: parent.imageId,
  };
  return { imageId: cfg.imageId, image, layer, entries, layerIndex: parent.layers.length };
}

/** The events of a commit, skipping facts already recorded. */
export function commitEvents(
  out: Omit<CommitOutcome, 'events'>,
  tag: string | null,
  tagState: TagState,
  ports: Pick<CommitPorts, 'isLayerKnown' | 'isImageKnown'>,
): DomainEvent[] {
  const events: DomainEvent[] = [];
  if (!ports.isLayerKnown(out.layer.diffId)) events.push({ type: 'LayerCommitted', data: out.layer });
  if (!ports.isImageKnown(out.imageId)) events.push({ type: 'ImageCommitted', data: out.image });
  if (tag !== null) events.push(...moveTag(tag, tagState, out.imageId));
  return events;
}

export function planCommit(command: CommitImage, state: CommitState, source: ImageCommittedData['source'] = 'commit'): CommitOutcome {
  const { data, ports, metadata } = command;
  requireLive(state.parent, 'the parent image');
  const tag = data.tag ? normalizeTag(data.tag) : null;
  if (tag !== null) checkExpectedVersion(tag, state.tag, data.expectedVersion);
  const entries = layerEntriesOf(data.changes, ports.lookup);
  const out = commitEntries(state.parent, entries, data, source, metadata.now, ports);
  return { ...out, events: commitEvents(out, tag, state.tag, ports) };
}

export const decideCommit = (command: CommitImage, state: CommitState): DomainEvent[] => planCommit(command, state).events;
