/** The event log as connections: by position, filtered by stream and types. */
import { badInput } from '../../domain/errors';
import { EVENT_COLUMNS, rowToEvent, type EventRow } from '../../eventStore/rows';
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
  const where: string[] = [];
  const params: unknown[] = [];
  if (args.stream) { where.push('stream = ?'); params.push(args.stream); }
  if (args.types?.length) { where.push(`type IN (${args.types.map(() => '?').join(',')})`); params.push(...args.types); }
  if (args.asOf != null) { where.push('position <= ?'); params.push(args.asOf); }
  const filter = where.length ? `WHERE ${where.join(' AND ')}` : '';
  const pageWhere = `WHERE ${[...where, 'position > ?'].join(' AND ')}`;
  const sql = ctx.app.store.sql;
  const [rows, count] = await Promise.all([
    sql.query<EventRow>(`SELECT ${EVENT_COLUMNS} FROM events ${pageWhere} ORDER BY position LIMIT ?`, [...params, afterPos, first + 1]),
    sql.query<{ n: number | string }>(`SELECT COUNT(*) AS n FROM events ${filter}`, params),
  ]);
  const events = rows.slice(0, first).map(rowToEvent).map(eventNode);
  return connectionOf(events, (e) => encodeCursor('event', e.position), Number(count[0]?.n ?? 0), rows.length > first, afterPos > 0);
}

export const readStreamPage = (ctx: Ctx, stream: string, first: number | undefined, after: string | undefined, asOf: number) =>
  readEventsPage(ctx, { first, after, stream, asOf });
