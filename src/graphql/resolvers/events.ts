/** The event log as connections: by position, filtered by stream and types. */
import { badInput } from '../../domain/errors';
import { pageEvents } from '../../eventStore/eventPages';
import type { Ctx } from './context';
import { connectionOf, decodeCursor, encodeCursor, pageSize } from './connection';
import { eventNode } from './mappers';

const MAX_TYPES = 50;

export async function readEventsPage(
  ctx: Ctx, args: { first?: number; after?: string; stream?: string | null; types?: string[] | null; asOf?: number | null },
) {
  const first = pageSize(args.first, 50);
  const a = decodeCursor('event', args.after);
  const afterPos = a === null ? 0 : Number(a);
  if (!Number.isInteger(afterPos)) throw badInput('invalid cursor');
  if (args.types && args.types.length > MAX_TYPES) throw badInput(`at most ${MAX_TYPES} types`);
  const page = await pageEvents(ctx.app.store.sql, args, afterPos, first + 1);
  const events = page.events.slice(0, first).map(eventNode);
  return connectionOf(events, (e) => encodeCursor('event', e.position), page.total, page.events.length > first, afterPos > 0);
}

export const readStreamPage = (ctx: Ctx, stream: string, first: number | undefined, after: string | undefined, asOf: number) =>
  readEventsPage(ctx, { first, after, stream, asOf });
