/**
 * Container decisions: create (an empty RW layer on an image), change files in
 * the RW layer (copy-on-write, docs/domain.md §2 with the RW layer on top), commit
 * (the RW layer's net changes become a layer, exactly as Mutation.commit), remove.
 *
 * File changes are checked against the container's CURRENT view (RW over image):
 * ADDED needs the path absent, MODIFIED and DELETED need it present, parents must
 * be directories; missing parents are created first (one ADDED DIRECTORY event
 * each, 0755 root). A MODIFIED of an image FILE not yet in the RW layer copies it
 * up whole: `copiedUpBytes` = the lower file's size. Re-creating a directory
 * where the RW layer has a whiteout makes it opaque (the old contents stay hidden).
 * Refusals: BAD_USER_INPUT (fileChange.ts rules, presence, parents), NOT_FOUND
 * (unknown image or container), CONFLICT (container id taken; tag expectedVersion).
 */
import type { Command } from '../command';
import { badInput, conflict, notFound } from '../errors';
import type { ContainerFileChangedData, DomainEvent } from '../events';
import type { LayerEntry } from '../layerEntry';
import { ancestorsOf } from '../image/changePath';
import type { LookupPath } from '../image/changeSet';
import { CommitPorts, CommitState, planCommit } from '../image/commit';
import { CheckedChange, checkChange, entryOf, FileChange, impliedDirectory, inheritKind } from '../image/fileChange';
import type { ImageState } from '../image/state';
import type { TagState } from '../tag/state';
import { ContainerState, evolveContainer } from './state';
import { containerLookup, netChanges } from './view';

export type CreateContainer = Command<'CreateContainer', { containerId: string; imageId: string; name?: string | null }>;
export type ChangeContainerFile = Command<'ChangeContainerFile', { containerId: string; change: FileChange }>
  & { ports: { lookup: LookupPath } };
export type CommitContainer = Command<'CommitContainer', {
  containerId: string; tag?: string | null; createdBy?: string | null; comment?: string | null; expectedVersion?: number | null;
}> & { ports: CommitPorts };
export type RemoveContainer = Command<'RemoveContainer', { containerId: string }>;

const requireLive = (s: ContainerState, id: string) => {
  if (s.status !== 'live' || s.containerId !== id) throw notFound(`container ${id} does not exist`, { containerId: id });
};

export function decideCreate(command: CreateContainer, state: { container: ContainerState; image: ImageState }): DomainEvent[] {
  const { containerId, imageId, name } = command.data;
  if (state.container.status !== 'absent') throw conflict(`container ${containerId} already exists`, { containerId });
  if (state.image.status !== 'live' || state.image.imageId !== imageId) throw notFound(`image ${imageId} does not exist`, { imageId });
  return [{ type: 'ContainerCreated', data: { containerId, imageId, name: name ?? null } }];
}

const changed = (containerId: string, change: ContainerFileChangedData['change'], e: LayerEntry, opaque: boolean,
  copiedUpBytes: number): DomainEvent => ({
  type: 'ContainerFileChanged',
  data: { containerId, change, path: e.path, kind: e.kind, size: e.size, mode: e.mode, uid: e.uid, gid: e.gid, linkTarget: e.linkTarget,
    contentDigest: e.contentDigest, opaque, copiedUpBytes },
});

/** Creates missing parents (events applied to a working state as they go). */
function parentEvents(c: CheckedChange, state: ContainerState, lookup: LookupPath,
  id: string): { events: DomainEvent[]; state: ContainerState } {
  const events: DomainEvent[] = [];
  let s = state;
  for (const a of ancestorsOf(c.path)) {
    const v = containerLookup(s, a, lookup);
    if (v && v.entry.kind !== 'DIRECTORY') throw badInput(`${c.path}: its parent ${a} is a ${v.entry.kind}, not a directory`,
      { path: c.path });
    if (v) continue;
    const e = changed(id, 'ADDED', impliedDirectory(a), s.rw.get(a)?.kind === 'whiteout', 0);
    events.push(e);
    s = evolveContainer(s, e);
  }
  return { events, state: s };
}

function resolveHardLink(c: CheckedChange, s: ContainerState, lookup: LookupPath): void {
  const t = containerLookup(s, c.linkTarget as string, lookup)?.entry;
  if (t?.kind === 'HARDLINK' && t.linkTarget) c.linkTarget = t.linkTarget;
  else if (t?.kind !== 'FILE') throw badInput(`${c.path}: hard link target ${c.linkTarget} is not a FILE`, { path: c.path });
}

export function decideFileChange(command: ChangeContainerFile, container: ContainerState): DomainEvent[] {
  const { containerId } = command.data;
  const { lookup } = command.ports;
  requireLive(container, containerId);
  const c = checkChange(command.data.change);
  const parents = parentEvents(c, container, lookup, containerId);
  const s = parents.state;
  const cur = containerLookup(s, c.path, lookup);
  if (c.change === 'ADDED' && cur) throw badInput(`${c.path} already exists in the container: use MODIFIED`, { path: c.path });
  if (c.change !== 'ADDED' && !cur) throw badInput(`${c.path} does not exist in the container`, { path: c.path });
  if (c.change === 'DELETED') {
    const gone = cur as { entry: LayerEntry };
    return [...parents.events, changed(containerId, 'DELETED',
      { ...gone.entry, size: 0, contentDigest: null, linkTarget: null, mode: null, uid: null, gid: null }, false, 0)];
  }
  inheritKind(c, cur?.entry ?? null);
  if (c.kind === 'HARDLINK') resolveHardLink(c, s, lookup);
  const entry = entryOf(c, cur?.entry ?? null);
  const copiedUp = cur && !cur.inRw && cur.entry.kind === 'FILE' ? cur.entry.size : 0;
  const opaque = c.opaque || (c.kind === 'DIRECTORY' && s.rw.get(c.path)?.kind === 'whiteout');
  return [...parents.events, changed(containerId, c.change, entry, opaque, copiedUp)];
}

/** docker commit: the RW layer's net changes as a commit on the container's image. */
export function planContainerCommit(command: CommitContainer, state: { container: ContainerState; image: ImageState; tag: TagState }) {
  const { containerId, ...rest } = command.data;
  requireLive(state.container, containerId);
  if (state.image.imageId !== state.container.imageId) throw notFound(`image ${state.container.imageId} does not exist`);
  const commitState: CommitState = { parent: state.image, tag: state.tag };
  const changes = netChanges(state.container, command.ports.lookup);
  const out = planCommit({ type: 'CommitImage', data: { ...rest, changes }, metadata: command.metadata, ports: command.ports },
    commitState);
  const events: DomainEvent[] = [...out.events, { type: 'ContainerCommitted', data: { containerId, imageId: out.imageId } }];
  return { ...out, events };
}

export function decideRemoveContainer(command: RemoveContainer, container: ContainerState): DomainEvent[] {
  requireLive(container, command.data.containerId);
  return [{ type: 'ContainerRemoved', data: { containerId: command.data.containerId } }];
}
