/**
 * Subscription.drift (docs/domain.md §4, base drift): each TagMoved appended
 * from now on, as one message per image behind on that tag right after the
 * move. Built on the log feed (followEvents), so moves made by another
 * process (an import, a registry or engine watch) arrive too. The entries are
 * the ones the read model computed at the move (modelAtMove).
 */
import type { Strata } from '../application/strata';
import { normalizeTag } from '../domain/reference';
import { asDomainEvent, type EventStore, type StoredEvent } from '../eventStore/types';
import { modelAtMove } from '../application/driftAtMove';
import { driftObj, type BaseDriftObj } from './resolvers/drift';
import { followEvents, type SubscriptionContext } from './subscriptions';

async function* driftMessages(app: Strata, feed: AsyncIterableIterator<StoredEvent>, tag: string | null): AsyncGenerator<BaseDriftObj> {
  try {
    for await (const e of feed) {
      const d = asDomainEvent(e);
      // The feed carries TagMoved only (followEvents types).
      if (d.type !== 'TagMoved') continue;
      const moved = d.data.tag;
      if (tag !== null && moved !== tag) continue;
      const model = await modelAtMove(app, e.position, moved);
      for (const entry of model.drift.list(moved)) yield driftObj(entry, model);
    }
  } finally {
    await feed.return?.();
  }
}

export function driftSubscription(store: EventStore) {
  return {
    async subscribe(_root: unknown, args: { tag?: string | null }, ctx: { app: Strata; subscription?: SubscriptionContext }) {
      const tag = args.tag === undefined || args.tag === null ? null : normalizeTag(args.tag);
      const feed = await followEvents(store, { types: ['TagMoved'], ...ctx.subscription });
      return driftMessages(ctx.app, feed, tag);
    },
    resolve: (o: BaseDriftObj) => o,
  };
}
