/**
 * Tag decisions (schema.graphql tagImage / untag; docs/domain.md §7 optimistic
 * concurrency): a stale expectedVersion is a CONFLICT; tagging a missing or
 * removed image is NOT_FOUND; moving a tag to where it already points appends
 * nothing; untagging a tag that points nowhere is NOT_FOUND.
 */
import type { Command } from '../command';
import { conflict, notFound } from '../errors';
import type { DomainEvent } from '../events';
import { normalizeTag } from '../reference';
import type { ImageState } from '../image/state';
import type { TagState } from './state';

export type TagImage = Command<'TagImage', { tag: string; imageId: string; expectedVersion?: number | null }>;
export type Untag = Command<'Untag', { tag: string; expectedVersion?: number | null }>;
export type TagCommand = TagImage | Untag;

export function checkExpectedVersion(tag: string, state: TagState, expected: number | null | undefined): void {
  if (expected === undefined || expected === null || expected === state.version) return;
  throw conflict(`tag ${tag} is at version ${state.version}, not ${expected}`,
    { tag, expectedVersion: expected, actualVersion: state.version });
}

/** The TagMoved that points `tag` at `to`, or nothing when it already does. */
export function moveTag(tag: string, state: TagState, to: string): DomainEvent[] {
  return state.imageId === to ? [] : [{ type: 'TagMoved', data: { tag, from: state.imageId, to } }];
}

export function decideTag(command: TagCommand, state: { tag: TagState; image?: ImageState }): DomainEvent[] {
  const tag = normalizeTag(command.data.tag);
  checkExpectedVersion(tag, state.tag, command.data.expectedVersion);
  if (command.type === 'Untag') {
    const from = state.tag.imageId;
    if (from === null) throw notFound(`tag ${tag} does not exist`, { tag });
    return [{ type: 'TagRemoved', data: { tag, from } }];
  }
  if (state.image?.status !== 'live' || state.image.imageId !== command.data.imageId) {
    throw notFound(`image ${command.data.imageId} does not exist`, { imageId: command.data.imageId });
  }
  return moveTag(tag, state.tag, command.data.imageId);
}
