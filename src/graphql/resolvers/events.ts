/** The event log as connections: by position, filtered by stream, types, actor and recording time. */
import { badInput } from '../../domain/errors';
import { pageEvents, positionAt } from '../../eventStore/eventPages';
import type { Ctx } from './context';
import { connectionOf, decodeCursor, encodeCursor, pageSize } from './connection';
import { eventNode } from './mappers';

const MAX_TYPES = 50;

export interface EventsArgs {
  first?: number; after?: string; stream?: string | null; types?: string[] | null; asOf?: number | null;
  actor?: string | null; since?: string | null; until?: string | null;
}

/** A DateTime argument in the form the log stores (toISOString), so text comparison is time comparison. */
export function instant(v: string | null | undefined, name: string): string | null {
  if (v === null || v === undefined) return null;
  const t = Date.parse(v);
  if (Number.isNaN(t)) throw badInput(`${name} must be an RFC 3339 date-time, got "${v}"`);
  return new Date(t).toISOString();
}

export async function readEventsPage(ctx: Ctx, args: EventsArgs) {
  const first = pageSize(args.first, 50);
  const a = decodeCursor('event', args.after);
  const afterPos = a === null ? 0 : Number(a);
  if (!Number.isInteger(afterPos)) throw badInput('invalid cursor');
  if (args.types && args.types.length > MAX_TYPES) throw badInput(`at most ${MAX_TYPES} types`);
  if (args.asOf != null && (!Number.isInteger(args.asOf) || args.asOf < 0)) {
    throw badInput(`asOf must be a log position >= 0, got ${args.asOf}`);
  }
  const since = instant(args.since, 'since');
  const until = instant(args.until, 'until');
  if (since && until && since > until) throw badInput(`since (${since}) is after until (${until})`);
  const page = await pageEvents(ctx.app.store, { ...args, since, until }, afterPos, first + 1);
  const events = page.events.slice(0, first).map(eventNode);
  return connectionOf(events, (e) => encodeCursor('event', e.position), page.total, page.events.length > first, afterPos > 0);
}

export const readStreamPage = (ctx: Ctx, stream: string, first: number | undefined, after: string | undefined, asOf: number) =>
  readEventsPage(ctx, { first, after, stream, asOf });

/** Query.positionAt: the newest position recorded at or before a date-time (0: none yet). */
export const readPositionAt = (ctx: Ctx, at: string) => positionAt(ctx.app.store, instant(at, 'at')!);
