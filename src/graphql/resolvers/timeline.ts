/**
 * Timelines (schema/timeline.graphql): the tag moves touching one image, and
 * one event by position (the dashboard names the event a time-travel position
 * stands on).
 */
import { badInput } from '../../domain/errors';
import type { Ctx, ImageObj } from './context';
import { eventNode } from './mappers';
import { tagMoveOf } from './image';

export const timelineQueryResolvers = {
  async event(_: unknown, args: { position: number }, ctx: Ctx) {
    if (!Number.isInteger(args.position) || args.position < 0) throw badInput(`position must be >= 0, got ${args.position}`);
    if (args.position === 0) return null;
    const [e] = await ctx.app.store.readRange(args.position, args.position, 1);
    return e ? eventNode(e) : null;
  },
};

export const imageTimelineResolvers = {
  /** Scans the tags' histories (in memory): an image's moves are few, tags are many, so no index is kept for this. */
  tagMoves(o: ImageObj) {
    const id = o.rec.imageId;
    const moves = [];
    for (const t of o.model.tags.values()) {
      for (const m of t.history) if (m.from === id || m.to === id) moves.push(m);
    }
    return moves.sort((a, b) => a.position - b.position).map((m) => tagMoveOf(m, o.model));
  },
};
