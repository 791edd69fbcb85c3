/**
 * How byte sizes are counted (domain.md §3). CONTENT is the layer tar's
 * regular-file bytes (dive's figures). DOCKER is what Docker Engine reports on
 * overlay2, where a layer's size is the size of its extracted directory walked
 * with lstat: regular-file bytes plus each symbolic link's target length (an
 * lstat of a link gives that), every inode once (hard links share one),
 * directories, whiteouts (0/0 character devices) and opaque markers (an
 * extended attribute) 0. Checked against Docker Engine 20.10 by the
 * docker-engine suite.
 */
import type { LayerEntry } from './layerEntry';
import { parentOf } from './whiteout';

export type SizeAccounting = 'CONTENT' | 'DOCKER';

export const SIZE_ACCOUNTINGS: readonly SizeAccounting[] = ['CONTENT', 'DOCKER'];

/** Bytes of a string encoded as UTF-8 (a link target's length on disk). */
export function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    // A high surrogate followed by a low one is one 4-byte code point. At the end of the string
    // charCodeAt(i + 1) is NaN, and NaN & 0xfc00 is 0: a lone high surrogate needs no length check.
    else if (c >= 0xd800 && c <= 0xdbff && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) { n += 4; i++; }
    else n += 3;
  }
  return n;
}

/** What one entry occupies on disk under DOCKER accounting (its inode's size), before hard-link sharing. */
export function dockerEntrySize(e: Pick<LayerEntry, 'kind' | 'size' | 'linkTarget'>): number {
  if (e.kind === 'FILE') return e.size;
  if (e.kind === 'SYMLINK') return e.linkTarget === null ? 0 : utf8Length(e.linkTarget);
  return 0;
}

/**
 * A layer's DOCKER size: its entries extracted in archive order, as Docker's
 * UnpackLayer does (an existing path is removed, with everything below it, unless
 * it is a directory and the entry one too; a missing parent directory is created),
 * then each surviving inode counted once. So a non-directory replaces a directory
 * whether the layer named it or only implied it as a parent. A hard link shares
 * the inode of the entry it names in the same layer; one naming nothing there
 * counts 0.
 */
export function dockerLayerSize(entries: readonly LayerEntry[]): number {
  type Inode = { size: number };
  // Keyed by path; a hard link without a target looks up null, which is no key.
  const at = new Map<string | null, Inode | null>();
  /** Directory (named or implied) → the paths extracted directly below it. */
  const children = new Map<string, Set<string>>();
  const removeBelow = (dir: string): void => {
    for (const child of children.get(dir) ?? []) {
      at.delete(child);
      removeBelow(child);
    }
    children.delete(dir);
  };
  for (const e of entries) {
    if (e.kind === 'OPAQUE_WHITEOUT') continue; // an attribute on the directory, not a file
    if (e.kind !== 'DIRECTORY') removeBelow(e.path);
    fileUnderParents(children, e.path);
    at.set(e.path, e.kind === 'HARDLINK' ? at.get(e.linkTarget) ?? null : { size: dockerEntrySize(e) });
  }
  const seen = new Set<Inode>();
  let total = 0;
  for (const inode of at.values()) {
    if (inode === null || seen.has(inode)) continue;
    seen.add(inode);
    total += inode.size;
  }
  return total;
}

/** A layer's size under the given accounting; CONTENT is the recorded size. */
export const layerSizeOf = (accounting: SizeAccounting, contentSize: number, entries: () => readonly LayerEntry[]): number =>
  accounting === 'CONTENT' ? contentSize : dockerLayerSize(entries());

/** Files a path under its parent, and each implied parent under its own, up to "/". */
function fileUnderParents(children: Map<string, Set<string>>, path: string): void {
  for (let p = path; p !== '/';) {
    const parent = parentOf(p);
    const set = children.get(parent);
    if (set === undefined) children.set(parent, new Set([p]));
    else if (set.has(p)) return; // filed before, and so was every parent above it
    else set.add(p);
    p = parent;
  }
}
