/**
 * The part of an append that needs no database: validation, each event's
 * stored JSON text, and — once the head and stream versions are known — the
 * stored events with their hash chain and their rows. Both adapters use it;
 * they differ only in how they learn the head and write the rows
 * (appendCore.ts inside a locked transaction, postgresAppend.ts through one
 * function call, docs/adr/0002-postgres-append-ordering.md).
 *
 * Work per event is done once: JSON.stringify of the data gives the text the
 * row stores, JSON.parse of that text gives the value a reader gets back (what
 * the hash covers), and the canonical metadata is shared by the whole append.
 */
import { badInput, conflict } from '../domain/errors';
import { EVENT_SCHEMA_VERSION } from '../domain/events';
import { findBadText, textProblem, type BadText } from '../domain/text';
import { GENESIS_HASH, chainHash } from './hashChain';
import type { AppendOptions, EventMetadata, ExpectedVersion, StoredEvent, StreamAppend } from './types';

const MAX_KEY_LENGTH = 200;

/** The head an append continues: the last position and its hash (0 and 64 zeros on an empty log). */
export interface LogHead { position: number; hash: string }

export const EMPTY_HEAD: LogHead = { position: 0, hash: GENESIS_HASH };

interface PreparedEvent {
  streamIndex: number;
  type: string;
  schemaVersion: number;
  /** The text the row stores. */
  dataText: string;
  /** JSON.parse(dataText): what a reader gets back and what the hash covers. */
  data: unknown;
}

/** A validated append whose positions, versions and hashes are not assigned yet. */
export interface PreparedAppend {
  streams: ReadonlyArray<{ stream: string; expectedVersion: ExpectedVersion }>;
  events: PreparedEvent[];
  key: string | null;
  metadata: EventMetadata;
  metadataText: string;
  /** canonical(metadata), shared by every event's hash. */
  metadataCanonical: string;
}

/** An append with its positions, versions and hashes: the stored events and the columns of their rows. */
export interface ChainedAppend {
  events: StoredEvent[];
  /** One entry per event, in EVENT_COLUMNS order. */
  rows: unknown[][];
  head: LogHead;
}

/**
 * JSON.stringify writes a NUL as \u0000 and a lone surrogate as \udXXX, so a data
 * text without this pattern holds neither; with it (or a literal backslash-u
 * that merely looks alike) the parsed value is searched for the offending string.
 */
const SUSPECT_ESCAPE = /\\u(?:0000|d[89a-f])/;

/** A string findBadText would name (anything else it passes over). */
const unstorable = (s: unknown): boolean => typeof s === 'string' && textProblem(s) !== null;

function badTextError(bad: BadText) {
  return badInput(`${bad.path} ${bad.problem}; the log stores only valid Unicode text without NUL`);
}

/**
 * Everything but the events' data. Text is checked in the order the first bad
 * part is named: streams, types, then (prepareAppend) data, key, actor.
 */
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
  // Only text every backend stores byte for byte reaches the log (src/domain/text.ts). Each name is
  // checked in place; only when one fails is the object with its path built for the message.
  if (batch.some((b) => unstorable(b.stream) || b.events.some((e) => unstorable(e.type)))) {
    const bad = findBadText({ stream: batch.map((b) => b.stream), type: batch.map((b) => b.events.map((e) => e.type)) });
    if (bad) throw badTextError(bad);
  }
}

/** The JSON text a row stores for an event's data; BAD_INPUT when it holds text the log refuses. */
function dataTextOf(data: unknown, streamIndex: number, index: number): { dataText: string; data: unknown } {
  const dataText = JSON.stringify(data ?? null) ?? 'null';
  const parsed: unknown = JSON.parse(dataText);
  // includes() first: a plain search, cheaper than the expression on the common text without any \u escape.
  if (dataText.includes('\\u') && SUSPECT_ESCAPE.test(dataText)) {
    const bad = findBadText(parsed, `data[${streamIndex}][${index}]`);
    if (bad) throw badTextError(bad);
  }
  return { dataText, data: parsed };
}

/**
 * new Date().toISOString(), formatted once per millisecond (the same text for
 * every append within it): formatting took ~0.65 us, a fourteenth of a single
 * append's validation, serialization and chain (bench/RESULTS.md, "Appends,
 * third pass").
 */
let lastNow = { ms: Number.NaN, text: '' };
function nowText(): string {
  const ms = Date.now();
  if (ms !== lastNow.ms) lastNow = { ms, text: new Date(ms).toISOString() };
  return lastNow.text;
}

/**
 * JSON.stringify(metadata), which is also its canonical form (keys in code-unit
 * order, values strings or null: test/eventStore/canonicalText.prop.test.ts
 * holds them equal), so one text serves the row and the hash. The last one is
 * kept: appends in the same millisecond by the same actor share it.
 */
let lastMetadata = { actor: null as string | null, recordedAt: '', text: '' };
function metadataTextOf(m: EventMetadata): string {
  if (m.recordedAt !== lastMetadata.recordedAt || m.actor !== lastMetadata.actor) {
    lastMetadata = { actor: m.actor, recordedAt: m.recordedAt, text: JSON.stringify(m) };
  }
  return lastMetadata.text;
}

/** Validates the batch (BAD_INPUT, nothing appended) and serializes each event once. */
export function prepareAppend(batch: StreamAppend[], options: AppendOptions): PreparedAppend {
  validate(batch, options);
  const events: PreparedEvent[] = [];
  batch.forEach((b, streamIndex) => {
    b.events.forEach((e, i) => {
      // The parsed text is what a reader gets back, so it is what the hash covers and what the check inspects.
      const { dataText, data } = dataTextOf(e.data, streamIndex, i);
      events.push({ streamIndex, type: e.type, schemaVersion: e.schemaVersion ?? EVENT_SCHEMA_VERSION, dataText, data });
    });
  });
  const { idempotencyKey, actor } = options;
  if (unstorable(idempotencyKey) || unstorable(actor)) {
    const bad = findBadText({ idempotencyKey: idempotencyKey ?? null, actor: actor ?? null });
    if (bad) throw badTextError(bad);
  }
  const recordedAt = options.recordedAt ? options.recordedAt.toISOString() : nowText();
  const metadata: EventMetadata = { actor: options.actor ?? null, recordedAt };
  const metadataText = metadataTextOf(metadata);
  return {
    streams: batch.map((b) => ({ stream: b.stream, expectedVersion: b.expectedVersion })),
    events,
    key: options.idempotencyKey ?? null,
    metadata,
    metadataText,
    metadataCanonical: metadataText,
  };
}

/** CONFLICT (nothing appended) when a stream's actual version is not the one its append expects. */
export function checkExpected(stream: string, expected: ExpectedVersion, actual: number): void {
  if (expected === 'any') return;
  if (expected === 'no_stream') {
    if (actual !== 0) throw conflict(`stream ${stream} already exists (version ${actual})`, { stream, expected: 0, actual });
    return;
  }
  if (expected !== actual) {
    throw conflict(`stream ${stream} is at version ${actual}, expected ${expected}`, { stream, expected, actual });
  }
}

/** Checks every stream's expected version against its actual one, in batch order (the first mismatch is the error). */
export function checkAllExpected(prepared: PreparedAppend, actual: readonly number[]): void {
  prepared.streams.forEach((s, i) => checkExpected(s.stream, s.expectedVersion, actual[i]!));
}

/** The version each stream is at if the append's expectations hold ('any': unknown, guessed as 0). */
export function expectedVersions(prepared: PreparedAppend): number[] {
  return prepared.streams.map((s) => (typeof s.expectedVersion === 'number' ? s.expectedVersion : 0));
}

/** Assigns positions after `head` and versions after `versions` (one per stream), and chains the hashes. */
export function chainAppend(prepared: PreparedAppend, head: LogHead, versions: readonly number[]): ChainedAppend {
  const { metadata, metadataText, metadataCanonical, key } = prepared;
  const next = [...versions];
  let position = head.position;
  let prevHash = head.hash;
  const events: StoredEvent[] = [];
  const rows: unknown[][] = [];
  for (const e of prepared.events) {
    position += 1;
    const version = (next[e.streamIndex] as number) + 1;
    next[e.streamIndex] = version;
    const stream = prepared.streams[e.streamIndex]!.stream;
    const idempotencyKey = events.length === 0 ? key : null;
    // Each event gets its own metadata object, as each reader's row parse does.
    const event = {
      position, stream, version, type: e.type, schemaVersion: e.schemaVersion, data: e.data,
      metadata: { actor: metadata.actor, recordedAt: metadata.recordedAt }, idempotencyKey, prevHash, hash: '',
    };
    event.hash = chainHash(prevHash, event, metadataCanonical);
    events.push(event);
    rows.push([position, stream, version, e.type, e.schemaVersion, e.dataText, metadataText, idempotencyKey, prevHash, event.hash]);
    prevHash = event.hash;
  }
  return { events, rows, head: { position, hash: prevHash } };
}
