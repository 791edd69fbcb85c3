/**
 * The verified log as JSON lines (`strata export-log` / `strata import-log`), so
 * it can be moved between SQLite and PostgreSQL and restored. Lines, in order:
 *   {"kind":"header","format":"strata-log","version":1,"head":N,"headHash":H}
 *   {"kind":"event", ...StoredEvent}                      (every event, by position)
 *   {"kind":"idempotencyKey","key":K,"first":F,"last":L,"operation":O,"inputDigest":D}   (O, D: null for keys from before they were stored)
 * then the records of each section the caller composes in (the content tables
 * of src/projections/logSections.ts). The store writes and reads the events and
 * keys; a section its own records; the SQL of each stays in its module.
 *
 * Import refuses a non-empty database; it verifies the chain, checks every
 * event as a decider would have accepted it (src/domain/logCheck.ts), and runs
 * all of it, sections included, in one transaction: it lands whole or not at all.
 */
import { DomainError } from '../domain/errors';
import { LogChecker } from '../domain/logCheck';
import { findBadText } from '../domain/text';
import { sha256Hex } from '../support/sha256';
import { ChainVerifier } from './hashChain';
import { EVENT_COLUMNS, eventToParams } from './rows';
import type { EventStore, Sql, SqlHandle, StoredEvent } from './types';

const PAGE = 2000;

/** Writes one record as a line. */
export type RecordWriter = (record: object) => Promise<void>;

/** Records of the export beyond the log itself, and how an import checks and stores them. */
export interface LogSection {
  /** The record kinds this section owns. */
  readonly kinds: readonly string[];
  /** Writes the section's records after the events and keys. */
  export(store: SqlHandle, write: RecordWriter): Promise<void>;
  /** Told every (verified, checked) event as the import reads it, before it is stored. */
  onEvent?(event: StoredEvent): void;
  /** Checks one record (throwing `bad(why)` on a line it refuses) and stores it inside the import transaction. */
  importRecord(tx: Sql, record: any, bad: (why: string) => DomainError): Promise<void>;
  /** After the last line, in the same transaction (e.g. build the projections). */
  finish?(tx: Sql, head: number): Promise<void>;
}

/** The chain's head, as verified by the caller (verifyChain) before the export starts. */
export interface VerifiedHead { headPosition: number; headHash: string }

/** Writes the whole log: header, events by position, idempotency keys, then each section. */
export async function exportLog(
  store: EventStore, head: VerifiedHead, write: RecordWriter, sections: readonly LogSection[],
): Promise<void> {
  await write({ kind: 'header', format: 'strata-log', version: 1, head: head.headPosition, headHash: head.headHash });
  for (let next = 1; ;) {
    const batch = await store.readRange(next, undefined, PAGE);
    for (const e of batch) await write({ kind: 'event', ...e });
    if (batch.length < PAGE) break;
    next = batch[batch.length - 1]!.position + 1;
  }
  const keys = await store.sql.query<any>(
    'SELECT key, first_position, last_position, operation, input_digest FROM idempotency_keys ORDER BY first_position');
  for (const r of keys) {
    await write({ kind: 'idempotencyKey', key: r.key, first: Number(r.first_position), last: Number(r.last_position),
      operation: r.operation ?? null, inputDigest: r.input_digest ?? null });
  }
  for (const s of sections) await s.export(store, write);
}

/** A key's request: both parts or neither (keys from before requests were stored). */
export const wellFormedRequest = (operation: unknown, inputDigest: unknown): boolean =>
  (operation === null && inputDigest === null)
  || (typeof operation === 'string' && /^[A-Za-z][A-Za-z0-9_]{0,99}$/.test(operation) && typeof inputDigest === 'string'
    && /^sha256:[0-9a-f]{64}$/.test(inputDigest));

const badLine = (line: number, why: string) => new DomainError('BAD_USER_INPUT', `line ${line}: ${why}`);

/** Imports an export into an empty store, in one transaction; the number of events imported. */
export async function importLog(store: EventStore, lines: AsyncIterable<string>, sections: readonly LogSection[]): Promise<number> {
  if ((await store.head()) !== 0) throw new DomainError('CONFLICT', 'import-log needs an empty database (its log already has events)');
  const byKind = new Map<string, LogSection>();
  for (const s of sections) for (const k of s.kinds) byKind.set(k, s);
  return store.writeTransaction(async (tx) => {
    const verifier = new ChainVerifier();
    // The chain proves the lines were not edited after export; the checker that a decider would have accepted them.
    const checker = new LogChecker(sha256Hex);
    const keyedPositions = new Map<string, number>();
    let lineNo = 0;
    let header: { head: number; headHash: string } | null = null;
    for await (const line of lines) {
      lineNo += 1;
      if (!line.trim()) continue;
      let rec: any;
      try { rec = JSON.parse(line); } catch { throw badLine(lineNo, 'not JSON'); }
      const badText = findBadText(rec);
      if (badText) throw badLine(lineNo, `${badText.path} ${badText.problem} (the log stores only valid Unicode text without NUL)`);
      if (lineNo === 1) {
        if (rec.kind !== 'header' || rec.format !== 'strata-log') throw badLine(lineNo, 'not a strata-log export (no header)');
        header = rec;
        continue;
      }
      if (rec.kind === 'event') {
        const { kind: _k, ...e } = rec as StoredEvent & { kind: string };
        verifier.feed(e);
        const r = verifier.result();
        if (!r.ok) throw badLine(lineNo, `the chain breaks at position ${r.firstBadPosition}: ${r.reason}`);
        const refused = checker.check(e);
        if (refused) throw badLine(lineNo, refused);
        for (const s of sections) s.onEvent?.(e);
        if (e.idempotencyKey) keyedPositions.set(e.idempotencyKey, e.position);
        await tx.run(`INSERT INTO events (${EVENT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, eventToParams(e));
      } else if (rec.kind === 'idempotencyKey') {
        // The first event of a keyed append carries its key (hashed in the chain).
        if (keyedPositions.get(rec.key) !== rec.first || !Number.isSafeInteger(rec.last) || rec.last < rec.first
          || rec.last > verifier.result().checked) {
          throw badLine(lineNo, `idempotency key ${JSON.stringify(String(rec.key).slice(0, 80))} does not match the events that carry it`);
        }
        if (!wellFormedRequest(rec.operation ?? null, rec.inputDigest ?? null)) {
          throw badLine(lineNo, 'an idempotency key line needs both operation and inputDigest (sha256:<hex>) or neither');
        }
        await tx.run(`INSERT INTO idempotency_keys (key, first_position, last_position, recorded_at, operation, input_digest)
          VALUES (?, ?, ?, ?, ?, ?)`,
        [rec.key, rec.first, rec.last, new Date().toISOString(), rec.operation ?? null, rec.inputDigest ?? null]);
      } else {
        const section = typeof rec.kind === 'string' ? byKind.get(rec.kind) : undefined;
        if (!section) throw badLine(lineNo, `unknown record kind ${JSON.stringify(rec.kind)}`);
        const at = lineNo;
        await section.importRecord(tx, rec, (why) => badLine(at, why));
      }
    }
    const r = verifier.result();
    if (!header) throw badLine(1, 'empty file');
    if (r.checked !== header.head || r.headHash !== header.headHash) {
      throw new DomainError('BAD_USER_INPUT', `the export is incomplete: its header says head ${header.head} ${header.headHash}, `
        + `the events end at ${r.checked} ${r.headHash}`);
    }
    for (const s of sections) await s.finish?.(tx, r.checked);
    return r.checked;
  });
}
