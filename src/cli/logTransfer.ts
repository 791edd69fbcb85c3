/**
 * `strata export-log` / `strata import-log`: the log as JSON lines, so it can be
 * moved between SQLite and PostgreSQL and restored. Lines, in order:
 *   {"kind":"header","format":"strata-log","version":1,"head":N,"headHash":H}
 *   {"kind":"event", ...StoredEvent}                      (every event, by position)
 *   {"kind":"idempotencyKey","key":K,"first":F,"last":L,"operation":O,"inputDigest":D}   (O, D: null for keys from before they were stored)
 *   {"kind":"layerContent","diffId":D,"entriesDigest":E,"entryCount":C,"textBytes":T,"body":base64(gzip)}   (T: inflated size)
 *   {"kind":"keptFile","digest":D,"content":base64} / {"kind":"layerKeptFile","diffId":D,"path":P,"digest":D}
 * import-log refuses a non-empty database; it verifies the chain, checks every
 * event as a decider would have accepted it (src/domain/logCheck.ts), inflates
 * no entry list past its declared size, checks each list's digest, and builds
 * the projections — all in one transaction, so it lands whole or not at all.
 */
import fs from 'node:fs';
import readline from 'node:readline';
import { gunzipSync } from 'node:zlib';
import { sha256Digest, sha256Hex } from '../support/sha256';
import { openEventStore } from '../eventStore';
import { ChainVerifier } from '../eventStore/hashChain';
import { EVENT_COLUMNS, eventToParams } from '../eventStore/rows';
import type { StoredEvent } from '../eventStore/types';
import { verifyChain } from '../application/verify';
import { LogChecker } from '../domain/logCheck';
import { readPositions } from '../eventStore/appendCore';
import { replayInto } from '../projections/tables';
import { DomainError } from '../domain/errors';
import { parseEntries } from '../domain/entryList';
import { KEPT_PATHS } from '../domain/keptFiles';
import { findBadText } from '../domain/text';

const PAGE = 2000;

export async function exportLog(opts: { db?: string; out?: string }): Promise<void> {
  const store = await openEventStore(opts.db);
  const out = opts.out ? fs.createWriteStream(opts.out) : process.stdout;
  const write = (obj: unknown) => new Promise<void>((resolve, reject) => {
    const ok = out.write(`${JSON.stringify(obj)}\n`, (err) => (err ? reject(err) : undefined));
    if (ok) resolve(); else out.once('drain', () => resolve());
  });
  try {
    const chain = await verifyChain(store);
    if (!chain.ok) throw new DomainError('TAMPERED', `the log does not verify at position ${chain.firstBadPosition}: ${chain.reason}`);
    await write({ kind: 'header', format: 'strata-log', version: 1, head: chain.headPosition, headHash: chain.headHash });
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
    for (const r of await store.sql.query<any>('SELECT diff_id, entries_digest, entry_count, body FROM layer_contents ORDER BY diff_id')) {
      await write({ kind: 'layerContent', diffId: r.diff_id, entriesDigest: r.entries_digest, entryCount: Number(r.entry_count),
        body: Buffer.from(r.body).toString('base64') });
    }
    for (const r of await store.sql.query<any>('SELECT digest, content FROM kept_files ORDER BY digest')) {
      await write({ kind: 'keptFile', digest: r.digest, content: Buffer.from(r.content).toString('base64') });
    }
    for (const r of await store.sql.query<any>('SELECT diff_id, path, digest FROM layer_kept_files ORDER BY diff_id, path')) {
      await write({ kind: 'layerKeptFile', diffId: r.diff_id, path: r.path, digest: r.digest });
    }
  } finally {
    if (opts.out) await new Promise<void>((r) => (out as fs.WriteStream).end(() => r()));
    await store.close();
  }
}

/** A key's request: both parts or neither (keys from before requests were stored). */
export const wellFormedRequest = (operation: unknown, inputDigest: unknown): boolean =>
  (operation === null && inputDigest === null)
  || (typeof operation === 'string' && /^[A-Za-z][A-Za-z0-9_]{0,99}$/.test(operation) && typeof inputDigest === 'string'
    && /^sha256:[0-9a-f]{64}$/.test(inputDigest));

/**
 * The most an entry list line may inflate to: its declared textBytes, or for
 * exports from before that field, a generous 64 KiB per declared entry; never
 * more than 2 GiB. A body that inflates further is refused before its digest
 * is even computed (a 6.3 MB log once reached 4.4 GB).
 */
const MAX_TEXT_BYTES = 2 ** 31 - 1;
function inflateLimit(rec: { textBytes?: unknown; entryCount?: unknown }): number | null {
  const count = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;
  if (!count(rec.entryCount)) return null;
  if (rec.textBytes !== undefined) return count(rec.textBytes) ? Math.min(rec.textBytes, MAX_TEXT_BYTES) : null;
  return Math.min(rec.entryCount * 65536 + 1024, MAX_TEXT_BYTES);
}

const bad = (line: number, why: string) => new DomainError('BAD_USER_INPUT', `line ${line}: ${why}`);

export async function importLog(file: string, opts: { db?: string }): Promise<void> {
  const input = file === '-' ? process.stdin : fs.createReadStream(file);
  const store = await openEventStore(opts.db);
  try {
    if ((await store.head()) !== 0) throw new DomainError('CONFLICT', 'import-log needs an empty database (its log already has events)');
    const n = await store.writeTransaction(async (tx) => {
      const verifier = new ChainVerifier();
      // The chain proves the lines were not edited after export; the checker that a decider would have accepted them.
      const checker = new LogChecker(sha256Hex);
      // What the (verified) events vouch for: each layer's entry list digest; and,
      // from each verified entry list, the content digest of its kept paths.
      const layerDigests = new Map<string, string>();
      const keptDigests = new Map<string, string | null>();
      const keyedPositions = new Map<string, number>();
      let lineNo = 0;
      let header: { head: number; headHash: string } | null = null;
      for await (const line of readline.createInterface({ input, crlfDelay: Infinity })) {
        lineNo += 1;
        if (!line.trim()) continue;
        let rec: any;
        try { rec = JSON.parse(line); } catch { throw bad(lineNo, 'not JSON'); }
        const badText = findBadText(rec);
        if (badText) throw bad(lineNo, `${badText.path} ${badText.problem} (the log stores only valid Unicode text without NUL)`);
        if (lineNo === 1) {
          if (rec.kind !== 'header' || rec.format !== 'strata-log') throw bad(lineNo, 'not a strata-log export (no header)');
          header = rec;
          continue;
        }
        switch (rec.kind) {
          case 'event': {
            const { kind: _k, ...e } = rec as StoredEvent & { kind: string };
            verifier.feed(e);
            const r = verifier.result();
            if (!r.ok) throw bad(lineNo, `the chain breaks at position ${r.firstBadPosition}: ${r.reason}`);
            const refused = checker.check(e);
            if (refused) throw bad(lineNo, refused);
            if (e.type === 'LayerCommitted') layerDigests.set(e.data.diffId, e.data.entriesDigest);
            if (e.idempotencyKey) keyedPositions.set(e.idempotencyKey, e.position);
            await tx.run(`INSERT INTO events (${EVENT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, eventToParams(e));
            break;
          }
          case 'idempotencyKey':
            // The first event of a keyed append carries its key (hashed in the chain).
            if (keyedPositions.get(rec.key) !== rec.first || !Number.isSafeInteger(rec.last) || rec.last < rec.first
              || rec.last > verifier.result().checked) {
              throw bad(lineNo, `idempotency key ${JSON.stringify(String(rec.key).slice(0, 80))} does not match the events that carry it`);
            }
            if (!wellFormedRequest(rec.operation ?? null, rec.inputDigest ?? null)) {
              throw bad(lineNo, 'an idempotency key line needs both operation and inputDigest (sha256:<hex>) or neither');
            }
            await tx.run(`INSERT INTO idempotency_keys (key, first_position, last_position, recorded_at, operation, input_digest)
              VALUES (?, ?, ?, ?, ?, ?)`,
              [rec.key, rec.first, rec.last, new Date().toISOString(), rec.operation ?? null, rec.inputDigest ?? null]);
            break;
          case 'layerContent': {
            const limit = inflateLimit(rec);
            if (limit === null || typeof rec.body !== 'string') {
              throw bad(lineNo, 'a layerContent line needs entryCount, a body and (when present) a whole textBytes');
            }
            const body = Buffer.from(rec.body, 'base64');
            let text: Buffer;
            try {
              text = gunzipSync(body, { maxOutputLength: Math.max(limit, 1) });
            } catch {
              throw bad(lineNo, `entry list of ${String(rec.diffId).slice(0, 80)} is not gzip or inflates past its declared `
                + `${limit} bytes`);
            }
            if (rec.textBytes !== undefined && text.length !== rec.textBytes) {
              throw bad(lineNo, `entry list of ${String(rec.diffId).slice(0, 80)} is not its declared ${limit} bytes`);
            }
            const digest = sha256Digest(text);
            if (digest !== rec.entriesDigest) throw bad(lineNo, `entry list of ${rec.diffId} does not match its digest`);
            if (layerDigests.get(rec.diffId) !== digest) throw bad(lineNo,
              `entry list of ${rec.diffId} is not the one its LayerCommitted event names`);
            const entries = parseEntries(text.toString('utf8'));
            if (entries.length !== rec.entryCount) {
              throw bad(lineNo, `entry list of ${String(rec.diffId).slice(0, 80)} holds ${entries.length} entries, not ${rec.entryCount}`);
            }
            for (const en of entries) {
              if (KEPT_PATHS.has(en.path)) keptDigests.set(`${rec.diffId} ${en.path}`, en.kind === 'FILE' ? en.contentDigest : null);
            }
            await tx.run('INSERT INTO layer_contents (diff_id, entries_digest, entry_count, body) VALUES (?, ?, ?, ?)',
              [rec.diffId, rec.entriesDigest, rec.entryCount, body]);
            break;
          }
          case 'keptFile': {
            const content = Buffer.from(rec.content, 'base64');
            if (sha256Digest(content) !== rec.digest) throw bad(lineNo,
              'kept file does not match its digest');
            await tx.run('INSERT INTO kept_files (digest, content) VALUES (?, ?)', [rec.digest, content]);
            break;
          }
          case 'layerKeptFile':
            if (!rec.digest || keptDigests.get(`${rec.diffId} ${rec.path}`) !== rec.digest) {
              throw bad(lineNo, `kept file ${rec.path} of ${rec.diffId} is not the file that layer's entry list holds there`);
            }
            await tx.run('INSERT INTO layer_kept_files (diff_id, path, digest) VALUES (?, ?, ?)', [rec.diffId, rec.path, rec.digest]);
            break;
          default: throw bad(lineNo, `unknown record kind ${JSON.stringify(rec.kind)}`);
        }
      }
      const r = verifier.result();
      if (!header) throw bad(1, 'empty file');
      if (r.checked !== header.head || r.headHash !== header.headHash) {
        throw new DomainError('BAD_USER_INPUT', `the export is incomplete: its header says head ${header.head} ${header.headHash}, `
          + `the events end at ${r.checked} ${r.headHash}`);
      }
      // Projections in the same transaction: the import lands whole or not at all.
      await replayInto(tx, (from, to) => readPositions(tx, from, to), r.checked);
      return r.checked;
    });
    const check = await verifyChain(store);
    process.stdout.write(`imported ${n} events; head ${check.headPosition} ${check.headHash}\n`);
  } finally {
    await store.close();
  }
}
