/**
 * Upgrade a tag (schema.graphql Mutation.upgrade): either (a) a new layer on
 * top of the tag's current image, exactly like commit, or (b) a rebase `onto`
 * a newer base: the image's own layers (those above its old base, whose layers
 * must be a prefix of the image's) on top of the new base's layers, as
 * go-containerregistry mutate.Rebase does. The old base is chosen by the
 * application (by default the image's lineage parent, annotations first,
 * docs/domain.md §4).
 *
 * Report: sharedLayers / newLayers compare the new image's layers with the
 * previous image's BY DIFFID (what a host holding the previous version reuses,
 * docs/domain.md §3); a rebase keeps the own layers' DiffIDs while their ChainIDs
 * change. shadowedPaths: see shadowedPaths.ts.
 *
 * Checks: exactly one of changes / onto (BAD_USER_INPUT); the tag points at a
 * live image, the bases are live (NOT_FOUND); expectedVersion (CONFLICT); the
 * old base is a base of the image and differs from the new one (BAD_USER_INPUT).
 */
import type { Command } from '../command';
import type { Sha256Hex } from '../digest';
import { badInput, notFound } from '../errors';
import type { DomainEvent, ImageCommittedData, ImageLayerRef } from '../events';
import { historyOf } from '../history';
import type { LayerEntry } from '../layerEntry';
import { normalizeTag } from '../reference';
import { checkExpectedVersion, moveTag } from '../tag/decide';
import type { TagState } from '../tag/state';
import { CommitPorts, planCommit, requireLive } from './commit';
import type { FileChange } from './fileChange';
import { rebasedConfig } from './imageConfig';
import { shadowedPaths } from './shadowedPaths';
import type { ImageState } from './state';

export interface UpgradeData {
  tag: string;
  changes?: readonly FileChange[] | null;
  /** The new base as the user named it (recorded as the base.name annotation). */
  onto?: string | null;
  createdBy?: string | null;
  expectedVersion?: number | null;
}

export interface UpgradePorts extends CommitPorts {
  /** Paths whose merged-view entry differs between the old and the new base (mergedView diff). */
  changedBetweenBases: () => Iterable<string>;
  /** A layer's own entries (content store). */
  entriesOf: (diffId: string) => readonly LayerEntry[];
}

export type UpgradeImage = Command<'UpgradeImage', UpgradeData> & { ports: UpgradePorts };

export interface UpgradeState {
  tag: TagState;
  /** The image the tag points at now. */
  current: ImageState;
  /** For a rebase: the image's old base and the new one. */
  oldBase?: ImageState;
  newBase?: ImageState;
}

export interface IndexedLayer { index: number; diffId: string }

export interface UpgradeOutcome {
  events: DomainEvent[];
  previousImageId: string;
  imageId: string;
  image: ImageCommittedData;
  sharedLayers: IndexedLayer[];
  newLayers: IndexedLayer[];
  shadowedPaths: string[];
  /** Entries of a new layer to store (option a); empty for a rebase. */
  entries: LayerEntry[];
}

/** Splits the new image's layers into those the previous image has (by DiffID) and the rest. */
export function compareLayers(previous: readonly ImageLayerRef[], next: readonly ImageLayerRef[]) {
  const had = new Set(previous.map((l) => l.diffId));
  const sharedLayers: IndexedLayer[] = [];
  const newLayers: IndexedLayer[] = [];
  next.forEach((l, index) => (had.has(l.diffId) ? sharedLayers : newLayers).push({ index, diffId: l.diffId }));
  return { sharedLayers, newLayers };
}

function rebasedImage(
  current: ImageState & { imageId: string },
  oldBase: ImageState & { imageId: string },
  newBase: ImageState & { imageId: string },
  data: UpgradeData,
  now: string,
  sha256Hex: Sha256Hex,
  manifestOf?: CommitPorts['manifestOf'],
): ImageCommittedData {
  const n = oldBase.layers.length;
  const isPrefix = n <= current.layers.length && oldBase.layers.every((l, i) => current.layers[i]?.diffId === l.diffId);
  if (!isPrefix) throw badInput(`image ${current.imageId} is not built on ${oldBase.imageId}: its layers do not start with the old base's`);
  if (oldBase.imageId === newBase.imageId) throw badInput(`the image is already based on ${newBase.imageId}`);
  const own = current.layers.slice(n);
  const cfg = rebasedConfig({
    image: current.config, oldBase: oldBase.config, newBase: newBase.config,
    ownDiffIds: own.map((l) => l.diffId), created: now, createdBy: data.createdBy ?? null,
  }, sha256Hex);
  const str = (v: unknown) => (typeof v === 'string' ? v : null);
  // The tag's own layer blobs are reused as they are, on the new base's (as crane rebase does).
  const layers = [...newBase.layers, ...own];
  return {
    imageId: cfg.imageId, config: cfg.config, manifestDigest: manifestOf?.(cfg.config, layers) ?? null, created: now,
    architecture: str(cfg.parsed.architecture), os: str(cfg.parsed.os),
    layers, history: historyOf(cfg.parsed),
    baseName: data.onto ?? null, baseDigest: newBase.manifestDigests[0] ?? null,
    source: 'upgrade', parentImageId: newBase.imageId,
  };
}

function planRebase(command: UpgradeImage, state: UpgradeState, tag: string, current: ImageState & { imageId: string }): UpgradeOutcome {
  const { oldBase, newBase } = state;
  if (!oldBase || oldBase.status !== 'live' || oldBase.imageId === null) throw notFound('the old base image does not exist');
  if (!newBase || newBase.status !== 'live'
    || newBase.imageId === null) throw notFound(`the new base ${command.data.onto ?? ''} does not exist`);
  const image = rebasedImage(current, oldBase as typeof current, newBase as typeof current, command.data, command.metadata.now,
    command.ports.sha256Hex, command.ports.manifestOf);
  const own = current.layers.slice(oldBase.layers.length).map((l) => command.ports.entriesOf(l.diffId));
  const events: DomainEvent[] = [];
  if (!command.ports.isImageKnown(image.imageId)) events.push({ type: 'ImageCommitted', data: image });
  events.push(...moveTag(tag, state.tag, image.imageId));
  return {
    events, previousImageId: current.imageId, imageId: image.imageId, image,
    ...compareLayers(current.layers, image.layers),
    shadowedPaths: shadowedPaths(command.ports.changedBetweenBases(), own),
    entries: [],
  };
}

export function planUpgrade(command: UpgradeImage, state: UpgradeState): UpgradeOutcome {
  const { data } = command;
  const hasChanges = data.changes !== undefined && data.changes !== null;
  const hasOnto = data.onto !== undefined && data.onto !== null;
  if (hasChanges === hasOnto) throw badInput('upgrade needs exactly one of changes (a new layer) or onto (a new base)');
  const tag = normalizeTag(data.tag);
  if (state.tag.imageId === null) throw notFound(`tag ${tag} does not exist`, { tag });
  checkExpectedVersion(tag, state.tag, data.expectedVersion);
  const current = state.current;
  requireLive(current, `the image of tag ${tag}`);
  if (hasOnto) return planRebase(command, state, tag, current);
  const commit = planCommit({
    type: 'CommitImage', metadata: command.metadata, ports: command.ports,
    data: { changes: data.changes ?? [], tag, createdBy: data.createdBy ?? null },
  }, { parent: current, tag: state.tag }, 'upgrade');
  return {
    events: commit.events, previousImageId: current.imageId, imageId: commit.imageId, image: commit.image,
    ...compareLayers(current.layers, commit.image.layers), shadowedPaths: [], entries: commit.entries,
  };
}
