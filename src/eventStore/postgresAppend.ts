/**
 * A PostgreSQL append through `strata_append` (migration
 * 1764600019003-AppendFunction): the events are hashed against an assumed
 * head and assumed stream versions, and one call takes the append lock,
 * replays a used idempotency key, checks the assumptions, inserts, records the
 * key and notifies, all under the lock (docs/adr/0002-postgres-append-ordering.md,
 * addendum). When an assumption was wrong the call writes nothing and answers
 * the actual head and versions: a stale expected version is then a CONFLICT;
 * otherwise the events are re-hashed against the actual values and sent again.
 * One event to one stream, the commonest append, calls `strata_append_one`
 * (migration 1764900019003) with the row's values as scalars: the same steps
 * and answers without the array parameters' parsing.
 * The call goes to pg directly (AppendCaller); a key's replay reads through `sql`.
 */
import { replayOfKeyRow, type KeyRow } from './appendCore';
import { chainAppend, checkAllExpected, type LogHead, type PreparedAppend } from './appendPlan';
import type { AppendResult, KeyedRequest, Sql, StoredEvent } from './types';

/**
 * The call, as a named prepared statement: each pooled connection parses and
 * plans it once (pg keeps the name per connection), where an unnamed one was
 * parsed and planned on every append.
 */
export const APPEND_CALL = {
  name: 'strata_append',
  text: `SELECT * FROM strata_append($1::BIGINT, $2::TEXT, $3::TEXT[], $4::INTEGER[], $5::TEXT, $6::TEXT, $7::TEXT, $8::TEXT,
  $9::BIGINT[], $10::TEXT[], $11::INTEGER[], $12::TEXT[], $13::INTEGER[], $14::TEXT[], $15::TEXT[], $16::TEXT[], $17::TEXT[], $18::TEXT[])`,
};

/** strata_append_one: the assumed head and version, the key's request, then the event's row (EVENT_COLUMNS order). */
export const APPEND_ONE_CALL = {
  name: 'strata_append_one',
  text: `SELECT * FROM strata_append_one($1::BIGINT, $2::TEXT, $3::INTEGER, $4::TEXT, $5::TEXT, $6::TEXT, $7::TEXT,
  $8::BIGINT, $9::TEXT, $10::INTEGER, $11::TEXT, $12::INTEGER, $13::TEXT, $14::TEXT, $15::TEXT, $16::TEXT, $17::TEXT)`,
};

type Call = typeof APPEND_CALL;
/** Runs a call (APPEND_CALL or APPEND_ONE_CALL) with these values on a pg connection (or pool) and answers its rows. */
export type AppendCaller = (call: Call, values: unknown[]) => Promise<CallRow[]>;

interface NamedQueries { query(q: { name: string; text: string; values: unknown[] }): Promise<{ rows: unknown[] }> }
/** An AppendCaller over anything with pg's `query({ name, text, values })`: a Pool, a PoolClient. */
export const appendCallerOf = (pg: NamedQueries): AppendCaller =>
  async (call, values) => (await pg.query({ name: call.name, text: call.text, values })).rows as CallRow[];

export interface CallRow {
  outcome: 'appended' | 'duplicate' | 'stale';
  head_position: string | number | null;
  head_hash: string | null;
  actual_versions: number[] | null;
  key_first_position: string | number | null;
  key_last_position: string | number | null;
  key_operation: string | null;
  key_input_digest: string | null;
}

/** What one call did: appended (the stored events), found the key used, or found the head or a version not as assumed. */
export type CallOutcome =
  | { kind: 'appended'; events: StoredEvent[]; head: LogHead }
  | { kind: 'duplicate'; key: KeyRow }
  | { kind: 'stale'; head: LogHead; versions: number[] };

/** The head and stream versions an append is hashed against. */
export interface Assumed { head: LogHead; versions: number[] }

/** One round trip: hashes the append against `assumed` and calls strata_append. */
export async function callAppend(
  call: AppendCaller, prepared: PreparedAppend, assumed: Assumed, request: KeyedRequest | null,
): Promise<CallOutcome> {
  const chained = chainAppend(prepared, assumed.head, assumed.versions);
  const keyRequest = [prepared.key, prepared.metadata.recordedAt, request?.operation ?? null, request?.inputDigest ?? null];
  const column = (i: number) => chained.rows.map((r) => r[i]);
  // One stream and one event: a batch may also name streams without events, whose expected versions are checked too.
  const [row] = prepared.streams.length === 1 && chained.rows.length === 1
    ? await call(APPEND_ONE_CALL, [assumed.head.position, assumed.head.hash, assumed.versions[0], ...keyRequest, ...chained.rows[0]!])
    : await call(APPEND_CALL, [
      assumed.head.position, assumed.head.hash, prepared.streams.map((s) => s.stream), assumed.versions, ...keyRequest,
      ...Array.from({ length: 10 }, (_, i) => column(i)),
    ]);
  if (!row) throw new Error('strata_append returned no row');
  if (row.outcome === 'appended') return { kind: 'appended', events: chained.events, head: chained.head };
  if (row.outcome === 'duplicate') {
    return { kind: 'duplicate', key: { first_position: row.key_first_position!, last_position: row.key_last_position!,
      operation: row.key_operation, input_digest: row.key_input_digest } };
  }
  return { kind: 'stale', head: { position: Number(row.head_position), hash: row.head_hash! }, versions: row.actual_versions ?? [] };
}

/**
 * Calls until the append is written, replayed, or refused. A stale answer
 * checks the expected versions against the actual ones (CONFLICT, nothing
 * appended) and re-hashes against them. `maxCalls` bounds the attempts: inside
 * a transaction the first call holds the lock to the end, so its answer is
 * current and the second call cannot be stale; outside one, another instance
 * may append between calls, and the caller falls back to a transaction.
 */
export async function appendByCalls(
  call: AppendCaller, sql: Sql, prepared: PreparedAppend, assumed: Assumed, request: KeyedRequest | null, maxCalls: number,
): Promise<{ result: AppendResult; head: LogHead | null } | { stale: Assumed }> {
  let current = assumed;
  for (let calls = 1; ; calls++) {
    const out = await callAppend(call, prepared, current, request);
    if (out.kind === 'appended') {
      return { result: { events: out.events, duplicate: false, head: out.head.position }, head: out.head };
    }
    if (out.kind === 'duplicate') {
      return { result: await replayOfKeyRow(sql, out.key, request), head: null };
    }
    checkAllExpected(prepared, out.versions);
    current = { head: out.head, versions: out.versions };
    if (calls >= maxCalls) return { stale: current };
  }
}
