/**
 * `docker ps -s` under DOCKER accounting (domain.md §3, sizeAccounting.ts): the
 * RW layer is overlay2's upper directory, so its size counts every regular file
 * written or copied up (a chmod copies the whole file up), symbolic links by
 * their target's length, each inode once. Linking to an image file copies that
 * file up first (overlayfs needs it in the upper layer), so the link then
 * costs the file's size once, shared with any other link to it.
 */
import type { LookupPath } from '../image/changeSet';
import { dockerEntrySize } from '../sizeAccounting';
import type { ContainerState } from './state';

export function dockerRwSize(state: ContainerState, lookup: LookupPath): number {
  const counted = new Set<string>();
  let total = 0;
  const count = (inode: string, size: number) => {
    if (counted.has(inode)) return;
    counted.add(inode);
    total += size;
  };
  for (const [path, r] of state.rw) {
    if (r.kind !== 'entry') continue;
    const e = r.entry;
    if (e.kind !== 'HARDLINK') { count(path, dockerEntrySize(e)); continue; }
    if (e.linkTarget === null) continue;
    const own = state.rw.get(e.linkTarget);
    const size = own?.kind === 'entry' ? dockerEntrySize(own.entry) : lookup(e.linkTarget)?.size ?? 0;
    count(e.linkTarget, size);
  }
  return total;
}
