/**
 * Building a command's answer from the log and the read model AFTER the
 * append, so a fresh result and an idempotent replay read the same facts.
 */
import { notFound } from '../../domain/errors';
import { streams } from '../../domain/events';
import type { StoredEvent } from '../../eventStore/types';
import type { ReadModel } from '../../projections/readModel';
import type { ImageRecord } from '../../projections/records';
import type { Strata } from '../strata';

/** The read model caught up with the head (so it includes what we just appended). */
export const modelAfter = (app: Strata): Promise<ReadModel> => app.models.current();

/** An image record as the model knows it (live or removed). */
export function imageRecord(model: ReadModel, imageId: string): ImageRecord {
  const rec = model.images.get(imageId);
  if (!rec) throw notFound(`image ${imageId} does not exist`);
  return rec;
}

/**
 * The ImageCommitted that recorded an image: among `appended` when this command
 * wrote it, otherwise the newest in the image's stream (an identical image was
 * committed before, so this command recorded nothing new about it).
 */
export async function imageCommittedEvent(app: Strata, imageId: string, appended: readonly StoredEvent[]): Promise<StoredEvent> {
  const own = appended.find((e) => e.type === 'ImageCommitted' && e.data?.imageId === imageId);
  if (own) return own;
  const stream = await app.store.readStream(streams.image(imageId));
  const found = [...stream].reverse().find((e) => e.type === 'ImageCommitted');
  if (!found) throw notFound(`image ${imageId} has no ImageCommitted event`);
  return found;
}

export const eventOfType = (events: readonly StoredEvent[], type: string): StoredEvent | undefined =>
  events.find((e) => e.type === type);
