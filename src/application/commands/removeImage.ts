/**
 * Mutation.removeImage: planRemoval with the facts it needs from the read
 * model — live containers using the image (refused without force), tags
 * pointing at it (removed with it), and what the removal frees by DiffID (a
 * content store frees a blob when no image references it, docs/domain.md §3).
 */
import { planRemoval } from '../../domain/image/remove';
import { notFound } from '../../domain/errors';
import type { RemovalImpact } from '../../domain/storage';
import type { StoredEvent } from '../../eventStore/types';
import type { ReadModel } from '../../projections/readModel';
import type { ImageRecord, LayerRecord } from '../../projections/records';
import type { Strata } from '../strata';
import { keyReused, pinnedVersion, runCommand, type Who } from './append';
import { commandMetadata, imageStateOf } from './ports';
import { eventOfType, imageRecord, modelAfter } from './result';

export interface RemoveInput { ref: string; expectedVersion?: number | null; force?: boolean | null; idempotencyKey?: string | null }

export interface RemoveResult { model: ReadModel; removed: ImageRecord; freedLayers: LayerRecord[]; freedBytes: number }

async function removeResult(app: Strata, imageId: string, impact: RemovalImpact | null): Promise<RemoveResult> {
  const model = await modelAfter(app);
  const freedLayers = (impact?.freedLayers ?? []).map((l) => model.layers.get(l.diffId)).filter((l): l is LayerRecord => l !== undefined);
  return { model, removed: imageRecord(model, imageId), freedLayers, freedBytes: impact?.freedBytes ?? 0 };
}

/** A replay recomputes the impact on the model just before the ImageRemoved: exactly what was freed then. */
async function replayed(app: Strata, events: readonly StoredEvent[], key: string | null | undefined): Promise<RemoveResult> {
  const imageId: unknown = eventOfType(events, 'ImageRemoved')?.data?.imageId;
  const first = events[0];
  if (typeof imageId !== 'string' || !first) throw keyReused(key);
  const before = await app.models.at(first.position - 1);
  return removeResult(app, imageId, before.ledger('DIFF_ID').removalImpact(imageId));
}

export async function removeImage(app: Strata, input: RemoveInput, who: Who): Promise<RemoveResult> {
  return runCommand(app, { ...who, idempotencyKey: input.idempotencyKey }, {
    pinned: pinnedVersion(input.expectedVersion),
    async decide(model) {
      const rec = model.resolve(input.ref);
      if (!rec) throw notFound(`no image "${input.ref}"`, { ref: input.ref });
      const impact = model.ledger('DIFF_ID').removalImpact(rec.imageId);
      const out = planRemoval({
        type: 'RemoveImage',
        data: { imageId: rec.imageId, force: input.force === true, expectedVersion: input.expectedVersion ?? null },
        metadata: commandMetadata(who.actor),
        ports: {
          containersUsing: model.liveContainersOf(rec.imageId).map((c) => c.containerId),
          tagsPointing: model.repoTags(rec.imageId),
          impact,
        },
      }, imageStateOf(model, rec.imageId));
      return { events: out.events, imageId: rec.imageId, impact };
    },
    answer: (d) => removeResult(app, d.imageId, d.impact),
    replay: (events) => replayed(app, events, input.idempotencyKey),
  });
}
