/** What an idempotency key was recorded for (migration 1764500015006-IdempotencyRequest). */
import { readPositions } from './appendCore';
import type { KeyedRequest, Sql, StoredEvent } from './types';

/** undefined: the key is unused; null: recorded before requests were stored. */
export async function recordedRequest(sql: Sql, key: string): Promise<KeyedRequest | null | undefined> {
  const rows = await sql.query<{ operation: string | null; input_digest: string | null }>(
    'SELECT operation, input_digest FROM idempotency_keys WHERE key = ?', [key]);
  const row = rows[0];
  if (!row) return undefined;
  return row.operation !== null && row.input_digest !== null ? { operation: row.operation, inputDigest: row.input_digest } : null;
}

/** The events an idempotency key recorded (its first result), or null when the key is unused. */
export async function eventsOfKey(sql: Sql, key: string): Promise<StoredEvent[] | null> {
  const rows = await sql.query<{ first_position: number | string; last_position: number | string }>(
    'SELECT first_position, last_position FROM idempotency_keys WHERE key = ?', [key]);
  const row = rows[0];
  return row ? readPositions(sql, Number(row.first_position), Number(row.last_position)) : null;
}
