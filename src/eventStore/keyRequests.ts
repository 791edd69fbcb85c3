/** What an idempotency key was recorded for (migration 1764500015006-IdempotencyRequest). */
import { replayOfKey } from './appendCore';
import type { KeyedRequest, SqlHandle, StoredEvent } from './types';

/** undefined: the key is unused; null: recorded before requests were stored. */
export async function recordedRequest(store: SqlHandle, key: string): Promise<KeyedRequest | null | undefined> {
  const rows = await store.sql.query<{ operation: string | null; input_digest: string | null }>(
    'SELECT operation, input_digest FROM idempotency_keys WHERE key = ?', [key]);
  const row = rows[0];
  if (!row) return undefined;
  return row.operation !== null && row.input_digest !== null ? { operation: row.operation, inputDigest: row.input_digest } : null;
}

/**
 * The events an idempotency key recorded (its first result), or null when the key is unused. With the request the
 * key now comes with, a key recorded for another request is a CONFLICT (checkKeyRequest), as at the append.
 */
export async function eventsOfKey(store: SqlHandle, key: string, request: KeyedRequest | null = null): Promise<StoredEvent[] | null> {
  return (await replayOfKey(store.sql, key, request))?.events ?? null;
}

/** Every idempotency key with the key the event at its first position carries and whether its last position exists. */
export function keyRecords(store: SqlHandle) {
  type KeyRow = {
    key: string; first_position: unknown; last_position: unknown; carried: string | null; last_exists: unknown;
    operation: string | null; input_digest: string | null;
  };
  return store.sql.query<KeyRow>(
    `SELECT k.key, k.first_position, k.last_position, e.idempotency_key AS carried, k.operation, k.input_digest,
            (SELECT COUNT(*) FROM events l WHERE l.position = k.last_position) AS last_exists
       FROM idempotency_keys k LEFT JOIN events e ON e.position = k.first_position ORDER BY k.first_position`);
}

/** Events that carry an idempotency key the key table does not hold. */
export function keyedEventsWithoutKey(store: SqlHandle) {
  return store.sql.query<{ position: unknown; idempotency_key: string }>(
    `SELECT e.position, e.idempotency_key FROM events e LEFT JOIN idempotency_keys k ON k.key = e.idempotency_key
      WHERE e.idempotency_key IS NOT NULL AND k.key IS NULL ORDER BY e.position`);
}
