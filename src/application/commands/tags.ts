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
import { appendDecision, keyReused, pinnedVersion, priorEvents, withRetries, type Who } from './append';
import { commandMetadata, imageStateOf, tagStateOf } from './ports';
import { eventOfType, imageRecord, modelAfter } from './result';

export interface TagInput { image: string; tag: string; expectedVersion?: number | null; idempotencyKey?: string | null }
export interface UntagInput { tag: string; expectedVersion?: number | null; idempotencyKey?: string | null }

export async function tagImage(app: Strata, input: TagInput, who: Who): Promise<{ model: ReadModel; image: ImageRecord }> {
  const answer = async (imageId: string) => {
    const model = await modelAfter(app);
    return { model, image: imageRecord(model, imageId) };
  };
  const prior = await priorEvents(app, input.idempotencyKey);
  if (prior) {
    const to = eventOfType(prior, 'TagMoved')?.data?.to;
    if (typeof to !== 'string') throw keyReused(input.idempotencyKey);
    return answer(to);
  }
  return withRetries(pinnedVersion(input.expectedVersion), async () => {
    const model = await app.models.current();
    const target = model.resolve(input.image);
    if (!target) throw notFound(`no image "${input.image}"`, { ref: input.image });
    const tag = normalizeTag(input.tag);
    const events = decideTag(
      { type: 'TagImage', data: { tag, imageId: target.imageId, expectedVersion: input.expectedVersion ?? null },
        metadata: commandMetadata(who.actor) },
      { tag: tagStateOf(model, tag), image: imageStateOf(model, target.imageId) },
    );
    const r = await appendDecision(app, model, events, { ...who, idempotencyKey: input.idempotencyKey });
    const to = r.duplicate ? eventOfType(r.events, 'TagMoved')?.data?.to : target.imageId;
    if (typeof to !== 'string') throw keyReused(input.idempotencyKey);
    return answer(to);
  });
}

export async function untag(app: Strata, input: UntagInput, who: Who): Promise<boolean> {
  const prior = await priorEvents(app, input.idempotencyKey);
  if (prior) {
    if (!eventOfType(prior, 'TagRemoved')) throw keyReused(input.idempotencyKey);
    return true;
  }
  return withRetries(pinnedVersion(input.expectedVersion), async () => {
    const model = await app.models.current();
    const tag = normalizeTag(input.tag);
    let events;
    try {
      events = decideTag(
        { type: 'Untag', data: { tag, expectedVersion: input.expectedVersion ?? null }, metadata: commandMetadata(who.actor) },
        { tag: tagStateOf(model, tag) },
      );
    } catch (e) {
      if (e instanceof DomainError && e.code === 'NOT_FOUND') return false;
      throw e;
    }
    const r = await appendDecision(app, model, events, { ...who, idempotencyKey: input.idempotencyKey });
    if (r.duplicate && !eventOfType(r.events, 'TagRemoved')) throw keyReused(input.idempotencyKey);
    return true;
  });
}
