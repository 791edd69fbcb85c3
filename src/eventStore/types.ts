/**
 * The event store: one interface, two adapters (SQLite, PostgreSQL).
 * Guarantees (each shown by a test on both backends):
 * - positions start at 1 and have no gaps; stream versions start at 1;
 * - an expected-version mismatch is a CONFLICT and appends nothing;
 * - an idempotency key, once used, returns the first result for ever — to the
 *   same request; another operation or input with that key is a CONFLICT;
 * - hash = sha256(prevHash + canonical(immutable fields)); the first prevHash is 64 zeros.
 */
import type { DomainEvent } from '../domain/events';

export type ExpectedVersion = number | 'any' | 'no_stream';

export interface NewEvent {
  type: string;
  data: unknown;
  schemaVersion?: number;
}

export interface StreamAppend {
  stream: string;
  /** number: the stream's current version must equal it (0 = empty stream). */
  expectedVersion: ExpectedVersion;
  events: NewEvent[];
}

export interface EventMetadata {
  actor: string | null;
  /** RFC 3339. */
  recordedAt: string;
  [key: string]: unknown;
}

export interface StoredEvent {
  position: number;
  stream: string;
  version: number;
  type: string;
  schemaVersion: number;
  data: any;
  metadata: EventMetadata;
  idempotencyKey: string | null;
  prevHash: string;
  hash: string;
}

/** What an idempotency key was first used for: the operation and a digest of its input. */
export interface KeyedRequest {
  operation: string;
  /** "sha256:" + hex of the request's canonical input (without the key). */
  inputDigest: string;
}

export interface AppendOptions {
  actor?: string | null;
  /** Clock injection for tests; default now. */
  recordedAt?: Date;
  /** Retrying with the same key returns the first result and appends nothing. */
  idempotencyKey?: string | null;
  /** Stored with the key; a later append with the same key and another request is a CONFLICT. */
  request?: KeyedRequest | null;
}

export interface AppendResult {
  events: StoredEvent[];
  /** True when the idempotency key was seen before and nothing was appended. */
  duplicate: boolean;
  /** Position of the last event this append wrote; for a duplicate, of the first result's last event. */
  head: number;
}

/**
 * Work done inside the append transaction (projections, content stores).
 * Receives the stored events; runs on the same connection, so it commits or
 * rolls back with them. Written by src/projections (`appendWork`), never by the
 * application: the transaction handle is SQL.
 */
export type WithinAppend = (tx: Sql, events: StoredEvent[]) => Promise<void>;

/**
 * Minimal SQL access: `?` placeholders on both backends. Internal to
 * src/eventStore and src/projections (eslint.config.mjs): no other layer
 * imports this type, reads `.sql` or opens a `writeTransaction`.
 */
export interface Sql {
  readonly dialect: 'sqlite' | 'postgres';
  query<T = any>(sql: string, params?: unknown[]): Promise<T[]>;
  run(sql: string, params?: unknown[]): Promise<void>;
}

/**
 * The log's port: typed operations only, no SQL (docs/architecture.md "The
 * event store's operations"). The other typed operations (a page of events by
 * filter, the position at an instant, an idempotency key's events and request,
 * applied migrations, export and import of the verified log) are functions of
 * src/eventStore that take the store, as the projections' tables are functions
 * of src/projections that take it: the SQL they run stays inside those two modules.
 */
export interface EventLog {
  readonly dialect: 'sqlite' | 'postgres';
  /** Appends to one or more streams atomically; `within` comes from src/projections (appendWork). */
  append(batch: StreamAppend[], options?: AppendOptions, within?: WithinAppend): Promise<AppendResult>;
  /** Events with from <= position <= to (to: head), oldest first, at most limit. */
  readRange(from: number, to?: number, limit?: number): Promise<StoredEvent[]>;
  readStream(stream: string, fromVersion?: number, limit?: number): Promise<StoredEvent[]>;
  streamVersion(stream: string): Promise<number>;
  head(): Promise<number>;
  /**
   * A number that changes whenever anyone may have appended since it was last
   * read (SQLite: the reader connection's `PRAGMA data_version`, which moves on
   * every commit of another connection, this process's writer included). Read
   * before head(), an unchanged value proves the head unchanged. Absent where
   * no such counter is exact across instances (PostgreSQL: a notification can
   * arrive after another instance's append has returned).
   */
  changeCounter?(): number;
  /** Calls onEvents with every event at position >= from, in order, as they are appended (by anyone). */
  follow(from: number, onEvents: (events: StoredEvent[]) => Promise<void> | void): { stop(): void };
  /**
   * Why a write would fail now (read-only database, full disk, or the storage
   * fault the last write hit), or null; reported by /healthz. Optional: test stores.
   */
  writeProblem?(): Promise<string | null>;
  close(): Promise<void>;
}

/**
 * What the store's own functions and the projections reach behind the port:
 * the SQL handle (read-only use outside a transaction). Passed as the store
 * object itself, so a caller outside those two modules never holds it.
 */
export interface SqlHandle {
  readonly sql: Sql;
}

/**
 * An opened store (the adapters, what openEventStore returns): the port and
 * its SQL handle. Outside src/eventStore and src/projections only the port is
 * used; the lint rules forbid `.sql` and `.writeTransaction` there.
 */
export interface EventStore extends EventLog, SqlHandle {
  /** Runs fn in one write transaction (SQLite: BEGIN IMMEDIATE under the process-wide queue). */
  writeTransaction<T>(fn: (tx: Sql) => Promise<T>): Promise<T>;
}

/** A stored event read as one of the domain's events: its `type` narrows its `data` (docs/domain.md §7). */
export type StoredDomainEvent = Omit<StoredEvent, 'type' | 'data'> & DomainEvent;

/**
 * The domain's view of a stored event. Rows are parsed once when read
 * (rows.ts), and only the domain's deciders write events, so the log holds
 * DomainEvents; projections switch on `type` and get typed `data`.
 */
export const asDomainEvent = (e: StoredEvent): StoredDomainEvent => e as StoredDomainEvent;
