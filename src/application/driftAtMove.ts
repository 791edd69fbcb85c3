/**
 * The drift of a tag right after one of its moves (docs/domain.md §4, base
 * drift), for readers that follow the log (Subscription.drift): the read
 * model computed it at the move, so the current model answers when nothing
 * has changed that tag's drift since; otherwise a fold of the log up to the
 * move does (exact, and rare: the tag moved again, or an image on one of its
 * old targets came or went, meanwhile).
 */
import type { ReadModel } from '../projections/readModel';
import type { Strata } from './strata';

export async function modelAtMove(app: Strata, position: number, tag: string): Promise<ReadModel> {
  const now = await app.models.current();
  if (now.position >= position && now.drift.changedAt(tag) <= position) return now;
  return app.models.at(position);
}
