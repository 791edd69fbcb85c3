/**
 * Mutation.commit: a change set on top of an image becomes a new layer and
 * image (planCommit), optionally tagged. The tag's expectedVersion is the
 * user's pin; every other stream is pinned at the version we read.
 */
import { planCommit, type CommitOutcome } from '../../domain/image/commit';
import type { FileChangeInput } from '../realLayers/content';
import { normalizeTag } from '../../domain/reference';
import { initialTagState } from '../../domain/tag/state';
import { notFound } from '../../domain/errors';
import type { StoredEvent } from '../../eventStore/types';
import type { ReadModel } from '../../projections/readModel';
import type { ImageRecord } from '../../projections/records';
import type { Strata } from '../strata';
import { keyReused, pinnedVersion, runCommand, type Who } from './append';
import { commandMetadata, commitPorts, imageStateOf, tagStateOf } from './ports';
import { eventOfType, imageCommittedEvent, imageRecord, modelAfter } from './result';
import { RealLayers, type RealLayerPorts } from '../realLayers/realLayers';

export interface CommitInput {
  image: string;
  /** contentBase64 allowed (realLayers/content.ts). */
  changes: readonly FileChangeInput[];
  tag?: string | null;
  createdBy?: string | null;
  expectedVersion?: number | null;
  idempotencyKey?: string | null;
}

export interface CommitResult {
  model: ReadModel;
  image: ImageRecord;
  /** Index of the new top layer. */
  layerIndex: number;
  event: StoredEvent;
}

/** The answer for an image this command made (or found already made): its top layer is the committed one. */
export async function commitResult(app: Strata, imageId: string, appended: readonly StoredEvent[]): Promise<CommitResult> {
  const model = await modelAfter(app);
  const image = imageRecord(model, imageId);
  return { model, image, layerIndex: image.layers.length - 1, event: await imageCommittedEvent(app, imageId, appended) };
}

/** A replayed commit: the image it recorded, or (identical image known before) the one its TagMoved points at. */
export function replayedImageId(events: readonly StoredEvent[], key: string | null | undefined): string {
  const id = eventOfType(events, 'ImageCommitted')?.data?.imageId ?? eventOfType(events, 'TagMoved')?.data?.to;
  if (typeof id !== 'string') throw keyReused(key);
  return id;
}

/** Decides a commit on `model` (shared with container commit's ports); `real`: the real-layer ports of a second decision. */
export async function decideCommitOn(
  app: Strata, model: ReadModel, input: CommitInput, actor: string | null, now?: string, real?: RealLayerPorts,
): Promise<CommitOutcome> {
  const parent = model.resolve(input.image);
  if (!parent) throw notFound(`no image "${input.image}"`, { ref: input.image });
  const tag = input.tag ? normalizeTag(input.tag) : null;
  const metadata = commandMetadata(actor);
  return planCommit({
    type: 'CommitImage',
    data: { changes: input.changes, tag, createdBy: input.createdBy ?? null, expectedVersion: input.expectedVersion ?? null },
    metadata: { ...metadata, now: now ?? metadata.now },
    ports: { ...(await commitPorts(app, model, parent.layers)), ...real },
  }, { parent: imageStateOf(model, parent.imageId), tag: tag ? tagStateOf(model, tag) : initialTagState() });
}

/** Decides once for the entries, writes the real layer, decides again with it (realLayers.ts). */
async function decideRealCommit(app: Strata, model: ReadModel, input: CommitInput, actor: string | null,
  real: RealLayers): Promise<CommitOutcome> {
  const now = new Date().toISOString();
  const first = await decideCommitOn(app, model, input, actor, now);
  const parent = model.resolve(input.image)!;
  const ports = await real.portsFor(first.entries, parent.layers, parent.layers, now);
  // No layer blob (a file's bytes unknown): both ports answer null, as they did in the first decision.
  if (real.missingPath !== null) return first;
  const out = await decideCommitOn(app, model, input, actor, now, ports);
  await real.finish();
  return out;
}

export async function commitImage(app: Strata, input: CommitInput, who: Who): Promise<CommitResult> {
  let real: RealLayers;
  let changes: CommitInput['changes'];
  return runCommand(app, { ...who, idempotencyKey: input.idempotencyKey }, {
    pinned: pinnedVersion(input.expectedVersion),
    // The change set's contents are stored once, before the first decision (a replay needs none).
    around: (body) => RealLayers.using(app, async (r) => {
      real = r;
      changes = await real.contents(input.changes);
      return body();
    }),
    async decide(model) {
      const out = await decideRealCommit(app, model, { ...input, changes }, who.actor, real);
      return { ...out, contents: [{ diffId: out.layer.diffId, entries: out.entries, entriesDigest: out.layer.entriesDigest }] };
    },
    answer: (d, appended) => commitResult(app, d.imageId, appended),
    replay: (events) => commitResult(app, replayedImageId(events, input.idempotencyKey), events),
  });
}
