/**
 * Tar entry names → layer paths and whiteout markers (docs/domain.md §2.1–§2.3,
 * OCI image-spec layer.md "Whiteouts"). Pure: no I/O.
 */
import { invalidArchive } from './errors';

/** What one tar name means in a layer changeset. */
export type TarName =
  | { type: 'path'; path: string }
  /** `dir/.wh.name`: hides `/dir/name` (and its subtree) in lower layers. */
  | { type: 'whiteout'; path: string }
  /** `dir/.wh..wh..opq`: hides everything below this layer under `/dir`. */
  | { type: 'opaque'; path: string }
  /** Other `.wh..wh.*` names (AUFS metadata): not part of the changeset. */
  | { type: 'ignored' };

export const WHITEOUT_PREFIX = '.wh.';
export const OPAQUE_MARKER = '.wh..wh..opq';
const AUFS_META_PREFIX = '.wh..wh.';

/** A tar name JSON-quoted: a name with a line break still reads as one line in the reason. */
const quoted = (s: string): string => JSON.stringify(s);

/**
 * Normalizes a tar name to an absolute path (docs/domain.md §2.1): strips leading
 * `./` and `/`, drops `.` components and empty components, resolves `..`
 * lexically and rejects any name that would leave the root (not local).
 * Returns "/" for the root itself; throws INVALID_ARCHIVE for an empty name.
 */
export function normalizeTarPath(name: string, what = 'entry name'): string {
  if (name === '') throw invalidArchive(`layer has an ${what} that is empty`);
  if (name.includes('\0')) throw invalidArchive(`layer has an ${what} with a NUL byte: ${quoted(name)}`);
  const parts: string[] = [];
  for (const part of name.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (parts.length === 0) throw invalidArchive(`layer ${what} ${quoted(name)} is not local (it escapes the root with "..")`);
      parts.pop();
      continue;
    }
    parts.push(part);
  }
  return `/${parts.join('/')}`;
}

/** Parent directory of an absolute normalized path ("/" for top-level names). */
export function parentOf(path: string): string {
  const i = path.lastIndexOf('/');
  return i <= 0 ? '/' : path.slice(0, i);
}

const join = (dir: string, base: string): string => (dir === '/' ? `/${base}` : `${dir}/${base}`);

/**
 * Classifies a tar entry name (docs/domain.md §2.1–§2.3): whiteout `dir/.wh.name`
 * hides `/dir/name`; `dir/.wh..wh..opq` is the opaque marker of `/dir`; other
 * `.wh..wh.*` names are ignored; `.wh.` alone, `.wh..` and `.wh...` are
 * rejected (they would hide nothing, the directory itself or its parent).
 */
export function classifyTarName(name: string): TarName {
  const path = normalizeTarPath(name);
  const slash = path.lastIndexOf('/');
  const base = path.slice(slash + 1);
  if (!base.startsWith(WHITEOUT_PREFIX)) return { type: 'path', path };
  const dir = parentOf(path);
  if (base === OPAQUE_MARKER) return { type: 'opaque', path: dir };
  if (base.startsWith(AUFS_META_PREFIX)) return { type: 'ignored' };
  const hidden = base.slice(WHITEOUT_PREFIX.length);
  if (hidden === '' || hidden === '.' || hidden === '..') {
    throw invalidArchive(`layer has an invalid whiteout name ${quoted(name)}`);
  }
  return { type: 'whiteout', path: join(dir, hidden) };
}
