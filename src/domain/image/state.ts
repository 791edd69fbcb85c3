/**
 * State of one image stream (`image:<imageId>`, docs/domain.md §7), folded from its
 * events. `version` counts the stream's events (expectedVersion on removeImage).
 */
import type { DomainEvent, ImageCommittedData, ImageLayerRef } from '../events';

export interface ImageState {
  status: 'absent' | 'live' | 'removed';
  imageId: string | null;
  /** Raw config JSON. */
  config: string;
  layers: readonly ImageLayerRef[];
  manifestDigests: readonly string[];
  committed: ImageCommittedData | null;
  version: number;
}

export const initialImageState = (): ImageState => ({
  status: 'absent', imageId: null, config: '{}', layers: [], manifestDigests: [], committed: null, version: 0,
});

export function evolveImage(state: ImageState, event: DomainEvent): ImageState {
  const version = state.version + 1;
  switch (event.type) {
    case 'ImageCommitted': {
      const d = event.data;
      return {
        status: 'live', imageId: d.imageId, config: d.config, layers: d.layers, committed: d, version,
        manifestDigests: d.manifestDigest ? [d.manifestDigest] : [],
      };
    }
    case 'ManifestDigestAdded':
      return { ...state, manifestDigests: [...state.manifestDigests, event.data.manifestDigest], version };
    case 'ImageRemoved':
      return { ...state, status: 'removed', version };
    default:
      return { ...state, version };
  }
}

export const foldImage = (events: readonly DomainEvent[]): ImageState => events.reduce(evolveImage, initialImageState());
