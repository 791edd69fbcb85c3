/**
 * The log paged by a filter (Query.events, Image.events, Tag.history): events
 * after a position, optionally of one stream, of some types, up to an asOf
 * position, with the total the filter matches.
 */
import { EVENT_COLUMNS, rowToEvent, type EventRow } from './rows';
import type { Sql, StoredEvent } from './types';

export interface EventFilter {
  stream?: string | null;
  types?: readonly string[] | null;
  /** Only events at positions <= asOf. */
  asOf?: number | null;
}

/** Up to `limit` events after position `after` that match the filter, and how many match in all. */
export async function pageEvents(
  sql: Sql, filter: EventFilter, after: number, limit: number,
): Promise<{ events: StoredEvent[]; total: number }> {
  const where: string[] = [];
  const params: unknown[] = [];
  if (filter.stream) { where.push('stream = ?'); params.push(filter.stream); }
  if (filter.types?.length) { where.push(`type IN (${filter.types.map(() => '?').join(',')})`); params.push(...filter.types); }
  if (filter.asOf != null) { where.push('position <= ?'); params.push(filter.asOf); }
  const matching = where.length ? `WHERE ${where.join(' AND ')}` : '';
  const page = `WHERE ${[...where, 'position > ?'].join(' AND ')}`;
  const [rows, count] = await Promise.all([
    sql.query<EventRow>(`SELECT ${EVENT_COLUMNS} FROM events ${page} ORDER BY position LIMIT ?`, [...params, after, limit]),
    sql.query<{ n: number | string }>(`SELECT COUNT(*) AS n FROM events ${matching}`, params),
  ]);
  return { events: rows.map(rowToEvent), total: Number(count[0]?.n ?? 0) };
}
