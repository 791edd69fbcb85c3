/**
 * State of one tag stream (`tag:<name:tag>`, docs/domain.md §7). `version` counts
 * the stream's events: expectedVersion 0 means "the tag was never written".
 */
import type { DomainEvent } from '../events';

export interface TagState {
  tag: string | null;
  /** The image it points to now; null before the first move and after untag. */
  imageId: string | null;
  version: number;
}

export const initialTagState = (): TagState => ({ tag: null, imageId: null, version: 0 });

export function evolveTag(state: TagState, event: DomainEvent): TagState {
  switch (event.type) {
    case 'TagMoved':
      return { tag: event.data.tag, imageId: event.data.to, version: state.version + 1 };
    case 'TagRemoved':
      return { tag: event.data.tag, imageId: null, version: state.version + 1 };
    default:
      return { ...state, version: state.version + 1 };
  }
}

export const foldTag = (events: readonly DomainEvent[]): TagState => events.reduce(evolveTag, initialTagState());
