/**
 * One FileChange of the contract (schema.graphql `input FileChange`), checked
 * field by field and turned into the layer entry it writes (docs/domain.md §2).
 *
 * Rules (BAD_USER_INPUT otherwise):
 * - ADDED needs `kind` FILE, DIRECTORY, SYMLINK or HARDLINK (markers and OTHER
 *   cannot be written through the API); MODIFIED without `kind` keeps the lower
 *   entry's kind (a chmod or chown names only what changes); DELETED ignores it.
 * - `size` is a non-negative safe integer and only FILE may have one above 0
 *   (§3: directories, links and whiteouts weigh 0); `contentDigest` (a sha256
 *   digest) only for FILE; `linkTarget` required for SYMLINK and HARDLINK and
 *   refused otherwise; `mode` 0..0o7777, `uid`/`gid` non-negative integers.
 * - `opaque` only on an ADDED/MODIFIED DIRECTORY.
 * - Defaults for ADDED: mode 0644 (FILE, HARDLINK), 0755 (DIRECTORY), 0777
 *   (SYMLINK); uid/gid 0; size 0.
 * - MODIFIED of an entry of the same kind inherits every attribute not given
 *   (a chmod is a copy-up of the whole file, full size, §3); the content digest
 *   is inherited only when neither size nor contentDigest is given.
 */
import { parseDigest } from '../digest';
import { badInput } from '../errors';
import type { FileKind, LayerEntry } from '../layerEntry';
import { normalizeChangePath } from './changePath';

export type ChangeKind = 'ADDED' | 'MODIFIED' | 'DELETED';

/** The contract's FileChange input (optional fields may be null or absent). */
export interface FileChange {
  change: ChangeKind;
  path: string;
  kind?: FileKind | null;
  size?: number | null;
  mode?: number | null;
  uid?: number | null;
  gid?: number | null;
  linkTarget?: string | null;
  contentDigest?: string | null;
  opaque?: boolean | null;
}

/** A change after field validation; `path` normalized; `kind` null only for DELETED. */
export interface CheckedChange {
  change: ChangeKind;
  path: string;
  kind: FileKind | null;
  size: number | null;
  mode: number | null;
  uid: number | null;
  gid: number | null;
  linkTarget: string | null;
  contentDigest: string | null;
  opaque: boolean;
}

const WRITABLE: readonly FileKind[] = ['FILE', 'DIRECTORY', 'SYMLINK', 'HARDLINK'];
const DEFAULT_MODE: Record<string, number> = { FILE: 0o644, HARDLINK: 0o644, DIRECTORY: 0o755, SYMLINK: 0o777 };
const CHANGES: readonly ChangeKind[] = ['ADDED', 'MODIFIED', 'DELETED'];

function intOrNull(v: unknown, what: string, path: string, max = Number.MAX_SAFE_INTEGER): number | null {
  if (v === undefined || v === null) return null;
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0 || v > max) {
    throw badInput(`${path}: ${what} must be an integer between 0 and ${max}`, { path, [what]: v });
  }
  return v;
}

function checkKindFields(c: CheckedChange): void {
  const p = c.path;
  if (c.kind !== 'FILE' && (c.size ?? 0) > 0) throw badInput(`${p}: only a FILE has a size above 0 (got ${c.kind})`, { path: p });
  if (c.kind !== 'FILE' && c.contentDigest !== null) throw badInput(`${p}: only a FILE has a contentDigest`, { path: p });
  const isLink = c.kind === 'SYMLINK' || c.kind === 'HARDLINK';
  if (isLink && !c.linkTarget) throw badInput(`${p}: a ${c.kind} needs a linkTarget`, { path: p });
  if (!isLink && c.linkTarget !== null) throw badInput(`${p}: only links have a linkTarget`, { path: p });
  if (c.opaque && c.kind !== 'DIRECTORY') throw badInput(`${p}: opaque applies to a DIRECTORY only`, { path: p });
}

/** Field-level validation of one change (no knowledge of the parent image). */
export function checkChange(raw: FileChange): CheckedChange {
  if (!CHANGES.includes(raw.change)) throw badInput(`change must be ADDED, MODIFIED or DELETED (got ${String(raw.change)})`);
  const path = normalizeChangePath(raw.path);
  if (raw.change === 'DELETED') {
    if (raw.opaque) throw badInput(`${path}: opaque does not apply to DELETED (a deletion hides the whole subtree already)`, { path });
    return { change: 'DELETED', path, kind: null, size: null, mode: null, uid: null, gid: null, linkTarget: null, contentDigest: null,
      opaque: false };
  }
  const inherits = raw.change === 'MODIFIED' && (raw.kind === undefined || raw.kind === null);
  if (!inherits && (!raw.kind || !WRITABLE.includes(raw.kind))) {
    throw badInput(`${path}: ${raw.change} needs kind FILE, DIRECTORY, SYMLINK or HARDLINK (got ${raw.kind ?? 'none'})`, { path });
  }
  const c: CheckedChange = {
    change: raw.change,
    path,
    kind: raw.kind ?? null,
    size: intOrNull(raw.size, 'size', path),
    mode: intOrNull(raw.mode, 'mode', path, 0o7777),
    uid: intOrNull(raw.uid, 'uid', path),
    gid: intOrNull(raw.gid, 'gid', path),
    linkTarget: raw.linkTarget ?? null,
    contentDigest: raw.contentDigest == null ? null : parseDigest(raw.contentDigest, `${path}: contentDigest`),
    opaque: raw.opaque === true,
  };
  if (c.kind === 'HARDLINK' && c.linkTarget) c.linkTarget = normalizeChangePath(c.linkTarget, 'linkTarget');
  if (c.kind !== null) checkKindFields(c);
  return c;
}

/**
 * A MODIFIED change without `kind` takes the kind (and a link's target) of the
 * entry it replaces, then gets the same field checks as any other change.
 */
export function inheritKind(c: CheckedChange, lower: LayerEntry | null): void {
  if (c.change !== 'MODIFIED' || c.kind !== null || !lower) return;
  if (!WRITABLE.includes(lower.kind)) {
    throw badInput(`${c.path}: the existing entry is a ${lower.kind}; name the kind to write over it`, { path: c.path });
  }
  c.kind = lower.kind;
  if ((c.kind === 'SYMLINK' || c.kind === 'HARDLINK') && c.linkTarget === null) c.linkTarget = lower.linkTarget;
  checkKindFields(c);
}

/** The entry an ADDED/MODIFIED change writes; `lower` is the entry it replaces (MODIFIED). */
export function entryOf(c: CheckedChange, lower: LayerEntry | null): LayerEntry {
  const kind = c.kind as FileKind;
  const inherit = lower !== null && lower.kind === kind ? lower : null;
  const sizeGiven = c.size !== null;
  return {
    path: c.path,
    kind,
    size: kind === 'FILE' ? c.size ?? inherit?.size ?? 0 : 0,
    mode: c.mode ?? inherit?.mode ?? DEFAULT_MODE[kind] ?? null,
    uid: c.uid ?? inherit?.uid ?? 0,
    gid: c.gid ?? inherit?.gid ?? 0,
    linkTarget: c.linkTarget ?? null,
    contentDigest: kind === 'FILE' ? c.contentDigest ?? (sizeGiven ? null : inherit?.contentDigest ?? null) : null,
  };
}

export const whiteoutEntry = (path: string, kind: 'WHITEOUT' | 'OPAQUE_WHITEOUT'): LayerEntry => ({
  path, kind, size: 0, mode: null, uid: null, gid: null, linkTarget: null, contentDigest: null,
});

/** A parent directory a layer implies but does not list (docs/domain.md §2.5: mode 0755, root). */
export const impliedDirectory = (path: string): LayerEntry => ({
  path, kind: 'DIRECTORY', size: 0, mode: 0o755, uid: 0, gid: 0, linkTarget: null, contentDigest: null,
});
