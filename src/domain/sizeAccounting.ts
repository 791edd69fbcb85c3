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

export type SizeAccounting = 'CONTENT' | 'DOCKER';

export const SIZE_ACCOUNTINGS: readonly SizeAccounting[] = ['CONTENT', 'DOCKER'];

/** Bytes of a string encoded as UTF-8 (a link target's length on disk). */
export function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) { n += 4; i++; }
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

const isBelow = (path: string, dir: string): boolean => path.startsWith(dir === '/' ? '/' : `${dir}/`) && path !== dir;

/**
 * A layer's DOCKER size: its entries extracted in archive order (a later entry
 * at a path replaces the earlier one, and a non-directory replacing a directory
 * removes what was below it, as Docker's extraction does), then each surviving
 * inode counted once. A hard link shares the inode of the entry it names in the
 * same layer; one naming nothing there counts 0.
 */
export function dockerLayerSize(entries: readonly LayerEntry[]): number {
  type Inode = { size: number };
  const at = new Map<string, { kind: LayerEntry['kind']; inode: Inode | null }>();
  for (const e of entries) {
    if (e.kind === 'OPAQUE_WHITEOUT') continue; // an attribute on the directory, not a file
    const before = at.get(e.path);
    if (before && before.kind === 'DIRECTORY' && e.kind !== 'DIRECTORY') {
      for (const p of [...at.keys()]) if (isBelow(p, e.path)) at.delete(p);
    }
    if (e.kind === 'HARDLINK') {
      const target = e.linkTarget === null ? undefined : at.get(e.linkTarget);
      at.set(e.path, { kind: 'HARDLINK', inode: target?.inode ?? null });
    } else {
      at.set(e.path, { kind: e.kind, inode: { size: dockerEntrySize(e) } });
    }
  }
  const seen = new Set<Inode>();
  let total = 0;
  for (const { inode } of at.values()) {
    if (inode === null || seen.has(inode)) continue;
    seen.add(inode);
    total += inode.size;
  }
  return total;
}

/** A layer's size under the given accounting; CONTENT is the recorded size. */
export const layerSizeOf = (accounting: SizeAccounting, contentSize: number, entries: () => readonly LayerEntry[]): number =>
  accounting === 'CONTENT' ? contentSize : dockerLayerSize(entries());
