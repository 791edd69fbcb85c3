/**
 * The sections of a log export the projections own (src/eventStore/logTransfer.ts):
 *   {"kind":"layerContent","diffId":D,"entriesDigest":E,"entryCount":C,"textBytes":T,"body":base64(gzip)}   (T: inflated size)
 *   {"kind":"keptFile","digest":D,"content":base64} / {"kind":"layerKeptFile","diffId":D,"path":P,"digest":D}
 * On import each is stored only when the verified events vouch for it: an entry
 * list inflates no further than its declared size and matches the digest its
 * LayerCommitted names; a kept file is the one that list holds at its path.
 * Then the projection tables are built from the imported log, in the same transaction.
 */
import { gunzipSync } from 'node:zlib';
import { parseEntries } from '../domain/entryList';
import { KEPT_PATHS } from '../domain/keptFiles';
import { readPositions } from '../eventStore/appendCore';
import type { LogSection } from '../eventStore/logTransfer';
import type { Sql, SqlHandle, StoredEvent } from '../eventStore/types';
import { sha256Digest } from '../support/sha256';
import { replayInto } from './tables';

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

type Write = (record: object) => Promise<void>;

async function exportContents(store: SqlHandle, write: Write): Promise<void> {
  const { sql } = store;
  for (const r of await sql.query<any>('SELECT diff_id, entries_digest, entry_count, body FROM layer_contents ORDER BY diff_id')) {
    await write({ kind: 'layerContent', diffId: r.diff_id, entriesDigest: r.entries_digest, entryCount: Number(r.entry_count),
      body: Buffer.from(r.body).toString('base64') });
  }
  for (const r of await sql.query<any>('SELECT digest, content FROM kept_files ORDER BY digest')) {
    await write({ kind: 'keptFile', digest: r.digest, content: Buffer.from(r.content).toString('base64') });
  }
  for (const r of await sql.query<any>('SELECT diff_id, path, digest FROM layer_kept_files ORDER BY diff_id, path')) {
    await write({ kind: 'layerKeptFile', diffId: r.diff_id, path: r.path, digest: r.digest });
  }
}

/** The content tables (entry lists, kept files): one section, with what the imported events vouch for. */
function contentSection(): LogSection {
  // Each layer's entry list digest (from its verified LayerCommitted); and, from
  // each verified entry list, the content digest of its kept paths.
  const layerDigests = new Map<string, string>();
  const keptDigests = new Map<string, string | null>();
  return {
    kinds: ['layerContent', 'keptFile', 'layerKeptFile'],
    export: exportContents,
    onEvent(e: StoredEvent) {
      if (e.type === 'LayerCommitted') layerDigests.set(e.data.diffId, e.data.entriesDigest);
    },
    async importRecord(tx: Sql, rec: any, bad: (why: string) => Error) {
      switch (rec.kind) {
        case 'layerContent': {
          const limit = inflateLimit(rec);
          if (limit === null || typeof rec.body !== 'string') {
            throw bad('a layerContent line needs entryCount, a body and (when present) a whole textBytes');
          }
          const body = Buffer.from(rec.body, 'base64');
          let text: Buffer;
          try {
            text = gunzipSync(body, { maxOutputLength: Math.max(limit, 1) });
          } catch {
            throw bad(`entry list of ${String(rec.diffId).slice(0, 80)} is not gzip or inflates past its declared ${limit} bytes`);
          }
          if (rec.textBytes !== undefined && text.length !== rec.textBytes) {
            throw bad(`entry list of ${String(rec.diffId).slice(0, 80)} is not its declared ${limit} bytes`);
          }
          const digest = sha256Digest(text);
          if (digest !== rec.entriesDigest) throw bad(`entry list of ${rec.diffId} does not match its digest`);
          if (layerDigests.get(rec.diffId) !== digest) {
            throw bad(`entry list of ${rec.diffId} is not the one its LayerCommitted event names`);
          }
          const entries = parseEntries(text.toString('utf8'));
          if (entries.length !== rec.entryCount) {
            throw bad(`entry list of ${String(rec.diffId).slice(0, 80)} holds ${entries.length} entries, not ${rec.entryCount}`);
          }
          for (const en of entries) {
            if (KEPT_PATHS.has(en.path)) keptDigests.set(`${rec.diffId} ${en.path}`, en.kind === 'FILE' ? en.contentDigest : null);
          }
          await tx.run('INSERT INTO layer_contents (diff_id, entries_digest, entry_count, body) VALUES (?, ?, ?, ?)',
            [rec.diffId, rec.entriesDigest, rec.entryCount, body]);
          return;
        }
        case 'keptFile': {
          const content = Buffer.from(rec.content, 'base64');
          if (sha256Digest(content) !== rec.digest) throw bad('kept file does not match its digest');
          await tx.run('INSERT INTO kept_files (digest, content) VALUES (?, ?)', [rec.digest, content]);
          return;
        }
        default:
          if (!rec.digest || keptDigests.get(`${rec.diffId} ${rec.path}`) !== rec.digest) {
            throw bad(`kept file ${rec.path} of ${rec.diffId} is not the file that layer's entry list holds there`);
          }
          await tx.run('INSERT INTO layer_kept_files (diff_id, path, digest) VALUES (?, ?, ?)', [rec.diffId, rec.path, rec.digest]);
      }
    },
  };
}

/** The projection tables: no records of their own; built from the imported log in the import transaction. */
const projectionSection: LogSection = {
  kinds: [],
  export: async () => {},
  importRecord: async () => {},
  finish: async (tx, head) => { await replayInto(tx, (from, to) => readPositions(tx, from, to), head); },
};

/** The sections an export writes and an import reads, in order (fresh state per import). */
export const logSections = (): LogSection[] => [contentSection(), projectionSection];
