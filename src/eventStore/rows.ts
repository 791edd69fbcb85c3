/** Mapping between `events` rows and StoredEvent (both backends store JSON as text). */
import { DomainError } from '../domain/errors';
import type { StoredEvent } from './types';

/** A column's JSON, or a TAMPERED error naming the row's position (never a bare SyntaxError). */
function parseColumn(r: EventRow, column: 'data' | 'metadata'): any {
  try {
    return JSON.parse(r[column]);
  } catch {
    const position = Number(r.position);
    throw new DomainError('TAMPERED', `the event at position ${position} has ${column} that is not valid JSON (the row was edited)`,
      { position });
  }
}

export const EVENT_COLUMNS =
  'position, stream, version, type, schema_version, data, metadata, idempotency_key, prev_hash, hash';

export interface EventRow {
  position: number | string;
  stream: string;
  version: number | string;
  type: string;
  schema_version: number | string;
  data: string;
  metadata: string;
  idempotency_key: string | null;
  prev_hash: string;
  hash: string;
}

export function rowToEvent(r: EventRow): StoredEvent {
  return {
    position: Number(r.position),
    stream: r.stream,
    version: Number(r.version),
    type: r.type,
    schemaVersion: Number(r.schema_version),
    data: parseColumn(r, 'data'),
    metadata: parseColumn(r, 'metadata'),
    idempotencyKey: r.idempotency_key,
    prevHash: r.prev_hash,
    hash: r.hash,
  };
}

export function eventToParams(e: StoredEvent): unknown[] {
  return [
    e.position, e.stream, e.version, e.type, e.schemaVersion,
    JSON.stringify(e.data), JSON.stringify(e.metadata), e.idempotencyKey, e.prevHash, e.hash,
  ];
}
