/**
 * The canonical serialization of one layer's entry list, and its digest
 * (docs/domain.md §7: entry lists are stored once per DiffID, content-addressed,
 * and LayerCommitted carries `entriesDigest`). Pure: hashing is injected like
 * in digest.ts.
 *
 * Format (version 1): one line per entry, in archive order, each line the JSON
 * array `[path, kind, size, mode, uid, gid, linkTarget, contentDigest]`
 * followed by "\n". JSON.stringify of strings, integers and null is
 * deterministic, so equal lists give equal bytes; the empty list is "".
 */
import { invalidArchive } from './errors';
import type { Sha256Hex } from './digest';
import { FILE_KINDS, type FileKind, type LayerEntry } from './layerEntry';

type Row = [string, FileKind, number, number | null, number | null, number | null, string | null, string | null];

const toRow = (e: LayerEntry): Row => [e.path, e.kind, e.size, e.mode, e.uid, e.gid, e.linkTarget, e.contentDigest];

/** Serializes entries, archive order kept (§2.4 needs it for duplicates). */
export function serializeEntries(entries: readonly LayerEntry[]): string {
  let out = '';
  for (const e of entries) out += `${JSON.stringify(toRow(e))}\n`;
  return out;
}

/** "sha256:<hex>" of serializeEntries(entries). */
export function entriesDigestOf(entries: readonly LayerEntry[], sha256Hex: Sha256Hex): string {
  return `sha256:${sha256Hex(serializeEntries(entries))}`;
}

const isIntOrNull = (v: unknown): v is number | null => v === null || Number.isSafeInteger(v);
const isStrOrNull = (v: unknown): v is string | null => v === null || typeof v === 'string';

/** Inverse of serializeEntries; throws INVALID_ARCHIVE on a malformed line. */
export function parseEntries(text: string): LayerEntry[] {
  const out: LayerEntry[] = [];
  if (text === '') return out;
  if (!text.endsWith('\n')) throw invalidArchive('entry list is not newline-terminated');
  const lines = text.slice(0, -1).split('\n');
  lines.forEach((line, i) => {
    let row: unknown;
    try {
      row = JSON.parse(line);
    } catch {
      throw invalidArchive(`entry list line ${i + 1} is not JSON`);
    }
    if (!Array.isArray(row) || row.length !== 8) throw invalidArchive(`entry list line ${i + 1} is not an 8-field array`);
    const [path, kind, size, mode, uid, gid, linkTarget, contentDigest] = row as unknown[];
    if (typeof path !== 'string' || !FILE_KINDS.includes(kind as FileKind)
      || typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0
      || !isIntOrNull(mode) || !isIntOrNull(uid) || !isIntOrNull(gid) || !isStrOrNull(linkTarget) || !isStrOrNull(contentDigest)) {
      throw invalidArchive(`entry list line ${i + 1} has a field of the wrong type`);
    }
    out.push({ path, kind: kind as FileKind, size, mode, uid, gid, linkTarget, contentDigest });
  });
  return out;
}
