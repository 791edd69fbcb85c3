/**
 * Mutation.tagImage / untag over decideTag. Moving a tag to where it already
 * points appends nothing (and records no idempotency key: a retry decides the
 * same no-op). untag answers false for a tag that points nowhere, as the
 * schema says ("true when it existed"), rather than the decider's NOT_FOUND;
 * a stale expectedVersion is still a CONFLICT.
 */
import { decideTag } from '../../domain/tag/decide';
import { DomainError, notFound } from '../../domain/errors';
import { normalizeTag } from '../../domain/reference';
import type { ReadModel } from '../../projections/readModel';
import type { ImageRecord } from '../../projections/records';
import type { Strata } from '../strata';
import { keyReused, pinnedVersion, runCommand, type Who } from './append';
import { commandMetadata, imageStateOf, tagStateOf } from './ports';
import { eventOfType, imageRecord, modelAfter } from './result';

export interface TagInput { image: string; tag: string; expectedVersion?: number | null; idempotencyKey?: string | null }
export interface UntagInput { tag: string; expectedVersion?: number | null; idempotencyKey?: string | null }

export async function tagImage(app: Strata, input: TagInput, who: Who): Promise<{ model: ReadModel; image: ImageRecord }> {
  const answer = async (imageId: string) => {
    const model = await modelAfter(app);
    return { model, image: imageRecord(model, imageId) };
  };
  return runCommand(app, { ...who, idempotencyKey: input.idempotencyKey }, {
    pinned: pinnedVersion(input.expectedVersion),
    async decide(model) {
      const target = model.resolve(input.image);
      if (!target) throw notFound(`no image "${input.image}"`, { ref: input.image });
      const tag = normalizeTag(input.tag);
      const events = decideTag(
        { type: 'TagImage', data: { tag, imageId: target.imageId, expectedVersion: input.expectedVersion ?? null },
          metadata: commandMetadata(who.actor) },
        { tag: tagStateOf(model, tag), image: imageStateOf(model, target.imageId) },
      );
      return { events, imageId: target.imageId };
    },
    answer: (d) => answer(d.imageId),
    replay(events) {
      const to = eventOfType(events, 'TagMoved')?.data?.to;
      if (typeof to !== 'string') throw keyReused(input.idempotencyKey);
      return answer(to);
    },
  });
}

export async function untag(app: Strata, input: UntagInput, who: Who): Promise<boolean> {
  return runCommand(app, { ...who, idempotencyKey: input.idempotencyKey }, {
    pinned: pinnedVersion(input.expectedVersion),
    async decide(model) {
      const tag = normalizeTag(input.tag);
      try {
        const events = decideTag(
          { type: 'Untag', data: { tag, expectedVersion: input.expectedVersion ?? null }, metadata: commandMetadata(who.actor) },
          { tag: tagStateOf(model, tag) },
        );
        return { events, removed: true };
      } catch (e) {
        // No such tag: nothing to append, and the answer is false.
        if (e instanceof DomainError && e.code === 'NOT_FOUND') return { events: [], removed: false };
        throw e;
      }
    },
    answer: async (d) => d.removed,
    async replay(events) {
      if (!eventOfType(events, 'TagRemoved')) throw keyReused(input.idempotencyKey);
      return true;
    },
  });
}
