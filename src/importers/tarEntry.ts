/**
 * One tar header of a layer → the LayerEntry Strata records (docs/domain.md §2.1–§2.3,
 * §2.6, §3): whiteout markers become WHITEOUT/OPAQUE_WHITEOUT entries of the
 * path they hide, hard-link targets are normalized (and must stay local),
 * symlink targets are kept as written, only regular files carry a size.
 */
import type { Header } from 'tar-stream';
import { classifyTarName, normalizeTarPath } from '../domain/whiteout';
import { invalidArchive } from '../domain/errors';
import type { FileKind, LayerEntry } from '../domain/layerEntry';

const KINDS: Partial<Record<string, FileKind>> = {
  file: 'FILE',
  'contiguous-file': 'FILE',
  directory: 'DIRECTORY',
  symlink: 'SYMLINK',
  link: 'HARDLINK',
};

/** Whether this header's data is a regular file's content. */
export const isRegular = (h: Header): boolean => h.type === 'file' || h.type === 'contiguous-file';

const marker = (kind: FileKind, path: string): LayerEntry => ({
  path, kind, size: 0, mode: null, uid: null, gid: null, linkTarget: null, contentDigest: null,
});

/**
 * The owner as Docker extracts it: a PAX `uid`/`gid` record (how tar writes ids past the header field's 2,097,151,
 * or any id) overrides the header field, as in Go's archive/tar. A record that is not a decimal id is refused, as
 * Go refuses it.
 */
function ownerId(h: Header, key: 'uid' | 'gid'): number | null {
  const rec = (h.pax as Record<string, string> | null | undefined)?.[key];
  if (rec === undefined) return typeof h[key] === 'number' ? h[key] : null;
  const id = /^[0-9]{1,16}$/.test(rec) ? Number(rec) : NaN;
  if (!Number.isSafeInteger(id)) throw invalidArchive(`layer entry ${JSON.stringify(h.name)} has a PAX ${key} that is not an id`);
  return id;
}

/**
 * Maps a header; `contentDigest` is the sha256 of a regular file's data.
 * Returns null for names that are not part of the changeset (AUFS `.wh..wh.*`).
 */
export function toLayerEntry(h: Header, contentDigest: string | null): LayerEntry | null {
  const name = classifyTarName(h.name);
  if (name.type === 'ignored') return null;
  if (name.type === 'whiteout') return marker('WHITEOUT', name.path);
  if (name.type === 'opaque') return marker('OPAQUE_WHITEOUT', name.path);
  const kind: FileKind = KINDS[String(h.type)] ?? 'OTHER';
  if (name.path === '/' && kind !== 'DIRECTORY') throw invalidArchive(`layer entry ${JSON.stringify(h.name)} has an empty name`);
  let linkTarget: string | null = null;
  if (kind === 'HARDLINK') {
    if (!(h.linkname as string | null)) throw invalidArchive(`layer hard link ${JSON.stringify(h.name)} has no target`);
    linkTarget = normalizeTarPath(h.linkname, 'hard link target');
    if (linkTarget === '/') throw invalidArchive(`layer hard link ${JSON.stringify(h.name)} points at the root`);
  } else if (kind === 'SYMLINK') {
    linkTarget = (h.linkname as string | null) ?? '';
  }
  return {
    path: name.path,
    kind,
    size: kind === 'FILE' ? (h.size ?? 0) : 0,
    mode: typeof h.mode === 'number' ? h.mode & 0o7777 : null,
    uid: ownerId(h, 'uid'),
    gid: ownerId(h, 'gid'),
    linkTarget,
    contentDigest: kind === 'FILE' ? contentDigest : null,
  };
}
