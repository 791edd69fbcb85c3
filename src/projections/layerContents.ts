/**
 * The content-addressed store of layer entry lists (docs/domain.md §7): one row per
 * DiffID holding the gzip of the canonical serialization (entryList.ts), whose
 * sha256 is the `entriesDigest` LayerCommitted carries. Immutable, so not a
 * projection; verify re-hashes every list against its event.
 */
import { gunzipSync } from 'node:zlib';
import { entriesDigestOf, parseEntries, serializeEntries } from '../domain/entryList';
import type { LayerEntry } from '../domain/layerEntry';
import { DomainError } from '../domain/errors';
import type { Sql, SqlHandle } from '../eventStore/types';
import { sha256Hex } from '../support/sha256';
import { entryListBodySync } from '../support/entryListBody';

export const entriesDigest = (entries: readonly LayerEntry[]) => entriesDigestOf(entries, sha256Hex);

/**
 * Stores a layer's entries unless its DiffID is already there. Runs inside the append transaction.
 * `body`: the stored form the layer scan already made of these entries (entryListBody), given with
 * their `digest`; without it the list is serialized and compressed here.
 */
export async function saveLayerEntries(tx: Sql, diffId: string, entries: readonly LayerEntry[], digest?: string,
  body?: Buffer): Promise<void> {
  const existing = await tx.query('SELECT diff_id FROM layer_contents WHERE diff_id = ?', [diffId]);
  if (existing.length > 0) return;
  let stored = digest !== undefined ? body : undefined;
  let d = digest;
  if (!stored) {
    const text = serializeEntries(entries);
    d ??= `sha256:${sha256Hex(text)}`;
    stored = entryListBodySync(text);
  }
  await tx.run('INSERT INTO layer_contents (diff_id, entries_digest, entry_count, body) VALUES (?, ?, ?, ?)',
    [diffId, d, entries.length, stored]);
}

/** Stores small identifying files (os-release) by content digest, and which layer has them at which path. */
export async function saveKeptFiles(tx: Sql, diffId: string, files: readonly { path: string; content: Buffer }[]): Promise<void> {
  for (const f of files) {
    const digest = `sha256:${sha256Hex(f.content)}`;
    const have = await tx.query('SELECT digest FROM kept_files WHERE digest = ?', [digest]);
    if (have.length === 0) await tx.run('INSERT INTO kept_files (digest, content) VALUES (?, ?)', [digest, f.content]);
    const link = await tx.query('SELECT digest FROM layer_kept_files WHERE diff_id = ? AND path = ?', [diffId, f.path]);
    if (link.length === 0) await tx.run('INSERT INTO layer_kept_files (diff_id, path, digest) VALUES (?, ?, ?)', [diffId, f.path, digest]);
  }
}

export interface StoredLayerContent { diffId: string; entriesDigest: string; entries: LayerEntry[] }

/** Loads entry lists for several DiffIDs in one round trip, verifying each against its digest. */
export async function loadLayerEntries(store: SqlHandle, diffIds: readonly string[]): Promise<Map<string, StoredLayerContent>> {
  const out = new Map<string, StoredLayerContent>();
  const unique = [...new Set(diffIds)];
  for (let i = 0; i < unique.length; i += 200) {
    const chunk = unique.slice(i, i + 200);
    const rows = await store.sql.query<{ diff_id: string; entries_digest: string; body: Buffer | Uint8Array }>(
      `SELECT diff_id, entries_digest, body FROM layer_contents WHERE diff_id IN (${chunk.map(() => '?').join(',')})`, chunk);
    for (const r of rows) {
      const text = gunzipSync(Buffer.from(r.body)).toString('utf8');
      if (`sha256:${sha256Hex(text)}` !== r.entries_digest) {
        throw new DomainError('TAMPERED', `the stored entry list of layer ${r.diff_id} does not match its digest`, { diffId: r.diff_id });
      }
      out.set(r.diff_id, { diffId: r.diff_id, entriesDigest: r.entries_digest, entries: parseEntries(text) });
    }
  }
  return out;
}

/** Kept files (e.g. /etc/os-release) of the given layers: diffId → path → content. */
export async function loadKeptFiles(store: SqlHandle, diffIds: readonly string[]): Promise<Map<string, Map<string, Buffer>>> {
  const out = new Map<string, Map<string, Buffer>>();
  const unique = [...new Set(diffIds)];
  if (unique.length === 0) return out;
  for (let i = 0; i < unique.length; i += 200) {
    const chunk = unique.slice(i, i + 200);
    const rows = await store.sql.query<{ diff_id: string; path: string; content: Buffer | Uint8Array }>(
      `SELECT l.diff_id, l.path, k.content FROM layer_kept_files l JOIN kept_files k ON k.digest = l.digest
        WHERE l.diff_id IN (${chunk.map(() => '?').join(',')})`, chunk);
    for (const r of rows) {
      let m = out.get(r.diff_id);
      if (!m) { m = new Map(); out.set(r.diff_id, m); }
      m.set(r.path, Buffer.from(r.content));
    }
  }
  return out;
}

/** Every (layer, path) → kept file link, with the content when the file is stored (null when it is not). */
export function keptFileLinks(store: SqlHandle) {
  return store.sql.query<{ diff_id: string; path: string; digest: string; content: Buffer | Uint8Array | null }>(
    `SELECT l.diff_id, l.path, l.digest, k.content FROM layer_kept_files l LEFT JOIN kept_files k ON k.digest = l.digest
      ORDER BY l.diff_id, l.path`);
}
