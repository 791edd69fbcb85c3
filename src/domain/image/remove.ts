/**
 * Remove an image (schema.graphql Mutation.removeImage; docs/domain.md §3 Docker
 * semantics): nothing is deleted from the log, an ImageRemoved event records
 * it, the tags pointing at it are removed with it (TagRemoved each, so no tag
 * dangles), and its layers that no other image references become reclaimable.
 * The freed layers are StorageLedger.removalImpact (storage.ts) of the image,
 * computed by the application and passed through.
 *
 * Refusals: missing or already removed image (NOT_FOUND); stale expectedVersion
 * of the image stream (CONFLICT); a container uses the image and `force` is
 * not set (CONFLICT, like docker rmi's "image is being used by container").
 */
import type { Command } from '../command';
import { conflict, notFound } from '../errors';
import type { DomainEvent } from '../events';
import type { RemovalImpact } from '../storage';
import type { ImageState } from './state';

export interface RemovePorts {
  /** Containers (not removed) created from the image. */
  containersUsing: readonly string[];
  /** Tags that point at the image now. */
  tagsPointing: readonly string[];
  /** What removing it frees (StorageLedger.removalImpact). */
  impact: RemovalImpact | null;
}

export type RemoveImage = Command<'RemoveImage', { imageId: string; force?: boolean; expectedVersion?: number | null }>
  & { ports: RemovePorts };

export interface RemoveOutcome { events: DomainEvent[]; freedLayers: RemovalImpact['freedLayers']; freedBytes: number }

export function planRemoval(command: RemoveImage, state: ImageState): RemoveOutcome {
  const { imageId, force, expectedVersion } = command.data;
  if (state.status !== 'live' || state.imageId !== imageId) throw notFound(`image ${imageId} does not exist`, { imageId });
  if (expectedVersion !== undefined && expectedVersion !== null && expectedVersion !== state.version) {
    throw conflict(`image ${imageId} is at version ${state.version}, not ${expectedVersion}`,
      { imageId, expectedVersion, actualVersion: state.version });
  }
  const { containersUsing, tagsPointing, impact } = command.ports;
  if (containersUsing.length > 0 && !force) {
    throw conflict(`image ${imageId} is being used by container ${containersUsing.join(', ')} (force to remove anyway)`,
      { imageId, containers: [...containersUsing] });
  }
  const events: DomainEvent[] = [...tagsPointing].sort().map((tag) => ({ type: 'TagRemoved', data: { tag, from: imageId } }));
  events.push({ type: 'ImageRemoved', data: { imageId } });
  return { events, freedLayers: impact?.freedLayers ?? [], freedBytes: impact?.freedBytes ?? 0 };
}
