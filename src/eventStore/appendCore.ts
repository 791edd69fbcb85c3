/**
 * The append as statements inside a write transaction that makes it the only
 * appender (SQLite: BEGIN IMMEDIATE under a process-wide queue), so reading
 * the head and writing head+1.. cannot race. PostgreSQL does the same steps in
 * one function call (postgresAppend.ts); the key replay and the reads here
 * serve both.
 */
import { conflict, type DomainError } from '../domain/errors';
import {
  EMPTY_HEAD, chainAppend, checkAllExpected, prepareAppend, type ChainedAppend, type LogHead,
} from './appendPlan';
import { EVENT_COLUMNS, rowToEvent, type EventRow } from './rows';
import type { AppendOptions, AppendResult, KeyedRequest, Sql, StoredEvent, StreamAppend, WithinAppend } from './types';

/** The statements of an append, shared with the SQLite adapter's synchronous path (sqlite.ts). */
export const STREAM_VERSION_SQL = 'SELECT MAX(version) AS v FROM events WHERE stream = ?';
export const POSITIONS_SQL = `SELECT ${EVENT_COLUMNS} FROM events WHERE position >= ? AND position <= ? ORDER BY position`;
export const KEY_ROW_SQL = 'SELECT first_position, last_position, operation, input_digest FROM idempotency_keys WHERE key = ?';
export const HEAD_SQL = 'SELECT position, hash FROM events ORDER BY position DESC LIMIT 1';

export async function streamVersionIn(tx: Sql, stream: string): Promise<number> {
  const rows = await tx.query<{ v: number | string | null }>(STREAM_VERSION_SQL, [stream]);
  return Number(rows[0]?.v ?? 0);
}

export async function readPositions(tx: Sql, from: number, to: number): Promise<StoredEvent[]> {
  const rows = await tx.query<EventRow>(POSITIONS_SQL, [from, to]);
  return rows.map(rowToEvent);
}

/** The same key with another request: a CONFLICT the caller must not retry (details.reason says so). */
export const KEY_REUSED = 'IDEMPOTENCY_KEY_REUSED';

export function keyUsedForAnotherRequest(operation: string | null): DomainError {
  return conflict(`idempotency key was already used for another request${operation ? ` (${operation} with other input)`
    : ''}; use a new key`,
    { reason: KEY_REUSED, operation });
}

/** What an idempotency key recorded: the positions of its first result and the request it was used for. */
export interface KeyRow {
  first_position: number | string; last_position: number | string; operation: string | null; input_digest: string | null;
}

/** CONFLICT when the key's row records another request than this one. */
export function checkKeyRequest(row: KeyRow, request: KeyedRequest | null): void {
  // Keys recorded before requests were stored (NULLs) are checked by their callers by event type.
  if (request && row.operation !== null && (row.operation !== request.operation || row.input_digest !== request.inputDigest)) {
    throw keyUsedForAnotherRequest(row.operation);
  }
}

/**
 * The first result of a used key, read from its row; CONFLICT when the key
 * was used for another request (nothing appended either way).
 */
export async function replayOfKeyRow(tx: Sql, row: KeyRow, request: KeyedRequest | null): Promise<AppendResult> {
  checkKeyRequest(row, request);
  const events = await readPositions(tx, Number(row.first_position), Number(row.last_position));
  return { events, duplicate: true, head: Number(row.last_position) };
}

/** The replay of a used key's first result (CONFLICT when recorded for another request), or null when the key is unused. */
export async function replayOfKey(tx: Sql, key: string, request: KeyedRequest | null): Promise<AppendResult | null> {
  const rows = await tx.query<KeyRow>(KEY_ROW_SQL, [key]);
  return rows[0] ? replayOfKeyRow(tx, rows[0], request) : null;
}

/** Rows per INSERT statement: 10 columns each, well under SQLite's 32,766 bound parameters. */
export const ROWS_PER_INSERT = 100;
const insertSqlByRows = new Map<number, string>();
export function insertSql(rows: number): string {
  let sql = insertSqlByRows.get(rows);
  if (!sql) {
    sql = `INSERT INTO events (${EVENT_COLUMNS}) VALUES ${Array.from({ length: rows }, () => '(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)').join(', ')}`;
    insertSqlByRows.set(rows, sql);
  }
  return sql;
}

/** Inserts the rows with as few statements as possible (one per ROWS_PER_INSERT rows). */
async function insertRows(tx: Sql, rows: unknown[][]): Promise<void> {
  for (let start = 0; start < rows.length; start += ROWS_PER_INSERT) {
    const end = Math.min(rows.length, start + ROWS_PER_INSERT);
    const params: unknown[] = [];
    for (let i = start; i < end; i++) params.push(...rows[i]!);
    await tx.run(insertSql(end - start), params);
  }
}

export async function logHeadIn(tx: Sql): Promise<LogHead> {
  const last = (await tx.query<{ position: number | string; hash: string }>(HEAD_SQL))[0];
  return last ? { position: Number(last.position), hash: last.hash } : EMPTY_HEAD;
}

/** Appends the batch inside an open write transaction; `within` runs on the same transaction. */
export async function appendWithin(
  tx: Sql, batch: StreamAppend[], options: AppendOptions, within?: WithinAppend,
): Promise<AppendResult> {
  const prepared = prepareAppend(batch, options);
  const key = prepared.key;
  if (key) {
    const replay = await replayOfKey(tx, key, options.request ?? null);
    if (replay) return replay;
  }
  const head = await logHeadIn(tx);
  const versions: number[] = [];
  for (const s of prepared.streams) versions.push(await streamVersionIn(tx, s.stream));
  checkAllExpected(prepared, versions);
  const chained = chainAppend(prepared, head, versions);
  await insertRows(tx, chained.rows);
  if (key) await recordKey(tx, key, chained, prepared.metadata.recordedAt, options.request ?? null);
  if (within) await within(tx, chained.events);
  return { events: chained.events, duplicate: false, head: chained.head.position };
}

export const RECORD_KEY_SQL = `INSERT INTO idempotency_keys (key, first_position, last_position, recorded_at, operation, input_digest)
    VALUES (?, ?, ?, ?, ?, ?)`;

export const keyParams = (key: string, chained: ChainedAppend, recordedAt: string, request: KeyedRequest | null) =>
  [key, chained.events[0]!.position, chained.head.position, recordedAt, request?.operation ?? null, request?.inputDigest ?? null];

async function recordKey(tx: Sql, key: string, chained: ChainedAppend, recordedAt: string, request: KeyedRequest | null) {
  await tx.run(RECORD_KEY_SQL, keyParams(key, chained, recordedAt, request));
}
