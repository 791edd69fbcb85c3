/**
 * State of one container stream (`container:<id>`): the image it runs from and
 * its read-write layer, folded from ContainerFileChanged events. The RW layer
 * maps a path to the entry written there or to a whiteout.
 *
 * evolve rules (the decider already checked the change against the current view):
 * - DELETED: drops every RW record at or below the path and records a whiteout
 *   (harmless when nothing lower exists: a whiteout of nothing is a no-op, §2.3);
 * - ADDED/MODIFIED of a non-directory, or of an opaque directory: drops the RW
 *   records strictly below (the subtree is replaced), then records the entry.
 */
import type { DomainEvent } from '../events';
import type { LayerEntry } from '../layerEntry';
import { isAtOrBelow } from '../image/changePath';

export type RwRecord = { kind: 'whiteout' } | { kind: 'entry'; entry: LayerEntry; opaque: boolean };

export interface ContainerState {
  status: 'absent' | 'live' | 'removed';
  containerId: string | null;
  imageId: string | null;
  name: string | null;
  rw: ReadonlyMap<string, RwRecord>;
  /** Bytes copy-ups moved from the image into the RW layer, in total. */
  copiedUpBytes: number;
  version: number;
}

export const initialContainerState = (): ContainerState => ({
  status: 'absent', containerId: null, imageId: null, name: null, rw: new Map(), copiedUpBytes: 0, version: 0,
});

function without(rw: ReadonlyMap<string, RwRecord>, keep: (path: string) => boolean): Map<string, RwRecord> {
  return new Map([...rw].filter(([p]) => keep(p)));
}

export function evolveContainer(state: ContainerState, event: DomainEvent): ContainerState {
  const version = state.version + 1;
  switch (event.type) {
    case 'ContainerCreated':
      return { ...initialContainerState(), status: 'live', containerId: event.data.containerId, imageId: event.data.imageId,
        name: event.data.name, version };
    case 'ContainerFileChanged': {
      const c = event.data;
      if (c.change === 'DELETED') {
        const rw = without(state.rw, (p) => !isAtOrBelow(p, c.path));
        rw.set(c.path, { kind: 'whiteout' });
        return { ...state, rw, version };
      }
      const replaces = c.kind !== 'DIRECTORY' || c.opaque;
      const rw = replaces ? without(state.rw, (p) => p === c.path || !isAtOrBelow(p, c.path)) : new Map(state.rw);
      const entry: LayerEntry = { path: c.path, kind: c.kind, size: c.size, mode: c.mode, uid: c.uid, gid: c.gid, linkTarget: c.linkTarget,
        contentDigest: c.contentDigest };
      rw.set(c.path, { kind: 'entry', entry, opaque: c.opaque });
      return { ...state, rw, copiedUpBytes: state.copiedUpBytes + c.copiedUpBytes, version };
    }
    case 'ContainerCommitted':
      return { ...state, version };
    case 'ContainerRemoved':
      return { ...state, status: 'removed', version };
    default:
      return { ...state, version };
  }
}

export const foldContainer = (events: readonly DomainEvent[]): ContainerState => events.reduce(evolveContainer, initialContainerState());
