/**
 * The append algorithm shared by both adapters. It runs inside the adapter's
 * write transaction, which guarantees it is the only appender (SQLite: BEGIN
 * IMMEDIATE under a process-wide queue; PostgreSQL: a transaction-scoped
 * advisory lock), so reading the head and writing head+1.. cannot race.
 */
import { conflict, badInput, type DomainError } from '../domain/errors';
import { EVENT_SCHEMA_VERSION } from '../domain/events';
import { findBadText } from '../domain/text';
import { GENESIS_HASH, eventHash } from './hashChain';
import { EVENT_COLUMNS, eventToParams, rowToEvent, storedForm, type EventRow } from './rows';
import type { AppendOptions, AppendResult, KeyedRequest, Sql, StoredEvent, StreamAppend, WithinAppend } from './types';

const MAX_KEY_LENGTH = 200;

export async function streamVersionIn(tx: Sql, stream: string): Promise<number> {
  const rows = await tx.query<{ v: number | string | null }>('SELECT MAX(version) AS v FROM events WHERE stream = ?', [stream]);
  return Number(rows[0]?.v ?? 0);
}

export async function readPositions(tx: Sql, from: number, to: number): Promise<StoredEvent[]> {
  const rows = await tx.query<EventRow>(`SELECT ${EVENT_COLUMNS} FROM events WHERE position >= ? AND position <= ? ORDER BY position`,
    [from, to]);
  return rows.map(rowToEvent);
}

/** The same key with another request: a CONFLICT the caller must not retry (details.reason says so). */
export const KEY_REUSED = 'IDEMPOTENCY_KEY_REUSED';

export function keyUsedForAnotherRequest(operation: string | null): DomainError {
  return conflict(`idempotency key was already used for another request${operation ? ` (${operation} with other input)`
    : ''}; use a new key`,
    { reason: KEY_REUSED, operation });
}

async function replayOfKey(tx: Sql, key: string, request: KeyedRequest | null): Promise<AppendResult | null> {
  type KeyRow = { first_position: number | string; last_position: number | string; operation: string | null; input_digest: string | null };
  const rows = await tx.query<KeyRow>(
    'SELECT first_position, last_position, operation, input_digest FROM idempotency_keys WHERE key = ?', [key]);
  const row = rows[0];
  if (!row) return null;
  // Keys recorded before requests were stored (NULLs) are checked by their callers by event type.
  if (request && row.operation !== null && (row.operation !== request.operation || row.input_digest !== request.inputDigest)) {
    throw keyUsedForAnotherRequest(row.operation);
  }
  const events = await readPositions(tx, Number(row.first_position), Number(row.last_position));
  return { events, duplicate: true, head: Number(row.last_position) };
}

function validate(batch: StreamAppend[], options: AppendOptions): void {
  if (batch.length === 0 || batch.every((b) => b.events.length === 0)) throw badInput('an append needs at least one event');
  const key = options.idempotencyKey;
  if (key != null && (key.length === 0 || key.length > MAX_KEY_LENGTH)) {
    throw badInput(`an idempotency key must be 1 to ${MAX_KEY_LENGTH} characters`);
  }
  const seen = new Set<string>();
  for (const b of batch) {
    if (!b.stream) throw badInput('stream name must not be empty');
    if (seen.has(b.stream)) throw badInput(`stream ${b.stream} appears twice in one append`);
    seen.add(b.stream);
  }
  // Only text every backend stores byte for byte reaches the log (src/domain/text.ts).
  const bad = findBadText({
    stream: batch.map((b) => b.stream), type: batch.map((b) => b.events.map((e) => e.type)),
    data: batch.map((b) => b.events.map((e) => e.data ?? null)), idempotencyKey: key ?? null, actor: options.actor ?? null,
  });
  if (bad) throw badInput(`${bad.path} ${bad.problem}; the log stores only valid Unicode text without NUL`);
}

function checkExpected(stream: string, expected: StreamAppend['expectedVersion'], actual: number): void {
  if (expected === 'any') return;
  if (expected === 'no_stream') {
    if (actual !== 0) throw conflict(`stream ${stream} already exists (version ${actual})`, { stream, expected: 0, actual });
    return;
  }
  if (expected !== actual) {
    throw conflict(`stream ${stream} is at version ${actual}, expected ${expected}`, { stream, expected, actual });
  }
}

/** Appends the batch inside an open write transaction; `within` runs on the same transaction. */
export async function appendWithin(
  tx: Sql, batch: StreamAppend[], options: AppendOptions, within?: WithinAppend,
): Promise<AppendResult> {
  validate(batch, options);
  const key = options.idempotencyKey ?? null;
  if (key) {
    const replay = await replayOfKey(tx, key, options.request ?? null);
    if (replay) return replay;
  }
  const last = (await tx.query<{ position: number | string; hash: string }>(
    'SELECT position, hash FROM events ORDER BY position DESC LIMIT 1'))[0];
  let position = last ? Number(last.position) : 0;
  let prevHash = last ? last.hash : GENESIS_HASH;
  const metadata = { actor: options.actor ?? null, recordedAt: (options.recordedAt ?? new Date()).toISOString() };
  const stored: StoredEvent[] = [];
  for (const b of batch) {
    let version = await streamVersionIn(tx, b.stream);
    checkExpected(b.stream, b.expectedVersion, version);
    for (const e of b.events) {
      position += 1;
      version += 1;
      // The hash covers the event exactly as a reader will get it back from its row.
      const base = storedForm({
        position, stream: b.stream, version, type: e.type,
        schemaVersion: e.schemaVersion ?? EVENT_SCHEMA_VERSION,
        data: e.data ?? null,
        metadata, idempotencyKey: stored.length === 0 ? key : null,
      });
      const hash = eventHash(prevHash, base);
      const event: StoredEvent = { ...base, prevHash, hash };
      stored.push(event);
      prevHash = hash;
    }
  }
  for (const e of stored) {
    await tx.run(`INSERT INTO events (${EVENT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, eventToParams(e));
  }
  const first = stored[0]!;
  if (key) {
    await tx.run(`INSERT INTO idempotency_keys (key, first_position, last_position, recorded_at, operation, input_digest)
      VALUES (?, ?, ?, ?, ?, ?)`,
      [key, first.position, position, metadata.recordedAt, options.request?.operation ?? null, options.request?.inputDigest ?? null]);
  }
  if (within) await within(tx, stored);
  return { events: stored, duplicate: false, head: position };
}
