/**
 * What every command handler reads before deciding: domain states rebuilt from
 * the read model (the deciders never see tables), and the ports the deciders
 * take, built from the real components (merged-view cache, content digests).
 * States come from ONE read model, so the versions used as expected versions
 * at append time are the versions the decision was made on.
 */
import { streams } from '../../domain/events';
import type { CommitPorts } from '../../domain/image/commit';
import { initialImageState, type ImageState } from '../../domain/image/state';
import { initialTagState, type TagState } from '../../domain/tag/state';
import { evolveContainer, initialContainerState, type ContainerState } from '../../domain/container/state';
import type { ChainLayer } from '../../projections/mergedViews';
import { entriesDigest } from '../../projections/layerContents';
import type { ReadModel } from '../../projections/readModel';
import { sha256Hex } from '../../support/sha256';
import type { ContainerRecord } from '../../projections/records';
import type { Strata } from '../strata';

export const streamVersion = (model: ReadModel, stream: string): number => model.streamVersions.get(stream) ?? 0;

/** The image stream's state; `absent` for an unknown ID. */
export function imageStateOf(model: ReadModel, imageId: string | null): ImageState {
  const rec = imageId ? model.images.get(imageId) : undefined;
  if (!rec) return initialImageState();
  return {
    status: rec.removedPosition === null ? 'live' : 'removed',
    imageId: rec.imageId,
    config: rec.config,
    layers: rec.layers.map((l) => ({ diffId: l.diffId, digest: l.digest, mediaType: l.mediaType, compressedSize: l.compressedSize })),
    manifestDigests: rec.manifestDigests,
    committed: null,
    version: streamVersion(model, streams.image(rec.imageId)),
  };
}

/** The tag stream's state (`tag` already normalized). */
export function tagStateOf(model: ReadModel, tag: string): TagState {
  const rec = model.tags.get(tag);
  return rec ? { tag: rec.name, imageId: rec.imageId, version: streamVersion(model, streams.tag(tag)) } : initialTagState();
}

/** The container stream's state, re-folded from the changes the read model kept (same evolve as the decider's). */
export function containerStateOf(model: ReadModel, rec: ContainerRecord | undefined): ContainerState {
  if (!rec) return initialContainerState();
  let s = evolveContainer(initialContainerState(), {
    type: 'ContainerCreated', data: { containerId: rec.containerId, imageId: rec.imageId, name: rec.name },
  });
  for (const c of rec.changes) s = evolveContainer(s, { type: 'ContainerFileChanged', data: c.data });
  if (rec.removedPosition !== null) s = evolveContainer(s, { type: 'ContainerRemoved', data: { containerId: rec.containerId } });
  // ContainerCommitted events bump the stream without changing the RW layer: take the stream's own version.
  return { ...s, version: streamVersion(model, streams.container(rec.containerId)) };
}

/**
 * CommitPorts over the parent's merged view (its layer chain; empty when there is no parent). isImageKnown is "live": a
 * removed image with the same config must be committed again to come back.
 */
export async function commitPorts(app: Strata, model: ReadModel, parentChain: readonly ChainLayer[]): Promise<CommitPorts> {
  const view = await app.views.view(parentChain);
  return {
    lookup: (path) => view.lookup(path),
    isLayerKnown: (diffId) => model.layers.has(diffId),
    isImageKnown: (imageId) => model.isLive(model.images.get(imageId)),
    entriesDigest,
    sha256Hex,
  };
}

/** The command clock: deciders never read one themselves (command.ts). */
export const commandMetadata = (actor: string | null) => ({ now: new Date().toISOString(), actor });
