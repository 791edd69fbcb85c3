/**
 * The log paged by a filter (Query.events, Image.events, Tag.history): events
 * after a position, optionally of one stream, of some types, up to an asOf
 * position, by actor or recording time, with the total the filter matches.
 */
import { EVENT_COLUMNS, rowToEvent, type EventRow } from './rows';
import type { Sql, SqlHandle, StoredEvent } from './types';

export interface EventFilter {
  stream?: string | null;
  types?: readonly string[] | null;
  /** Only events at positions <= asOf. */
  asOf?: number | null;
  /** Only events whose metadata names this actor. */
  actor?: string | null;
  /** Only events recorded at or after / at or before these instants (ISO 8601, UTC, as toISOString writes them). */
  since?: string | null;
  until?: string | null;
}

/** A metadata field as text: both backends store metadata as JSON text. */
const metadataField = (sql: Sql, field: 'actor' | 'recordedAt') =>
  (sql.dialect === 'postgres' ? `(metadata::jsonb ->> '${field}')` : `json_extract(metadata, '$.${field}')`);

/** Up to `limit` events after position `after` that match the filter, and how many match in all. */
export async function pageEvents(
  store: SqlHandle, filter: EventFilter, after: number, limit: number,
): Promise<{ events: StoredEvent[]; total: number }> {
  const sql = store.sql;
  const where: string[] = [];
  const params: unknown[] = [];
  if (filter.stream) { where.push('stream = ?'); params.push(filter.stream); }
  if (filter.types?.length) { where.push(`type IN (${filter.types.map(() => '?').join(',')})`); params.push(...filter.types); }
  if (filter.asOf != null) { where.push('position <= ?'); params.push(filter.asOf); }
  if (filter.actor) { where.push(`${metadataField(sql, 'actor')} = ?`); params.push(filter.actor); }
  // recordedAt is written by toISOString (fixed width, UTC), so text order is time order.
  if (filter.since) { where.push(`${metadataField(sql, 'recordedAt')} >= ?`); params.push(filter.since); }
  if (filter.until) { where.push(`${metadataField(sql, 'recordedAt')} <= ?`); params.push(filter.until); }
  const matching = where.length ? `WHERE ${where.join(' AND ')}` : '';
  const page = `WHERE ${[...where, 'position > ?'].join(' AND ')}`;
  const [rows, count] = await Promise.all([
    sql.query<EventRow>(`SELECT ${EVENT_COLUMNS} FROM events ${page} ORDER BY position LIMIT ?`, [...params, after, limit]),
    sql.query<{ n: number | string }>(`SELECT COUNT(*) AS n FROM events ${matching}`, params),
  ]);
  return { events: rows.map(rowToEvent), total: Number(count[0]?.n ?? 0) };
}

/** The newest position recorded at or before `at` (ISO 8601 UTC), 0 when none: a date mapped to the log. */
export async function positionAt(store: SqlHandle, at: string): Promise<number> {
  const sql = store.sql;
  const rows = await sql.query<{ p: number | string | null }>(
    `SELECT MAX(position) AS p FROM events WHERE ${metadataField(sql, 'recordedAt')} <= ?`, [at]);
  return Number(rows[0]?.p ?? 0);
}
