/** The reads both adapters share: by position range, by stream, the head. */
import { EVENT_COLUMNS, rowToEvent, type EventRow } from './rows';
import type { Sql, StoredEvent } from './types';

export async function readRangeSql(sql: Sql, from: number, to: number | undefined, limit: number): Promise<StoredEvent[]> {
  const rows = await sql.query<EventRow>(
    `SELECT ${EVENT_COLUMNS} FROM events WHERE position >= ? AND position <= ? ORDER BY position LIMIT ?`,
    [from, to ?? Number.MAX_SAFE_INTEGER, limit]);
  return rows.map(rowToEvent);
}

export async function readStreamSql(sql: Sql, stream: string, fromVersion: number, limit: number): Promise<StoredEvent[]> {
  const rows = await sql.query<EventRow>(
    `SELECT ${EVENT_COLUMNS} FROM events WHERE stream = ? AND version >= ? ORDER BY version LIMIT ?`, [stream, fromVersion, limit]);
  return rows.map(rowToEvent);
}

export async function headSql(sql: Sql): Promise<number> {
  const rows = await sql.query<{ p: string | number | null }>('SELECT MAX(position) AS p FROM events');
  return Number(rows[0]?.p ?? 0);
}
