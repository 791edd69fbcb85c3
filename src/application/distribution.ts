/**
 * The distribution of an image's root filesystem, from its os-release as the
 * merged view shows it (/etc/os-release, else /usr/lib/os-release; a symlink
 * is resolved within the image, as os-release(5) describes).
 */
import { parseOsRelease, type OsRelease } from '../domain/osRelease';
import type { MergedTree } from '../domain/mergedView';
import type { ImageRecord } from '../projections/records';
import type { LayerReads } from './layerReads';
import { normalizePath, parentOf } from '../domain/pathUtil';
import { OS_RELEASE_PATHS } from '../domain/keptFiles';

function resolveLink(view: MergedTree, path: string): string | null {
  let p = path;
  for (let hops = 0; hops < 8; hops++) {
    const e = view.lookup(p);
    if (!e) return null;
    if (e.kind !== 'SYMLINK' || !e.linkTarget) return p;
    const t = e.linkTarget;
    p = normalizePath(t.startsWith('/') ? t : `${parentOf(p)}/${t}`);
  }
  return null;
}

export async function distributionOf(rec: Pick<ImageRecord, 'layers'>, reads: LayerReads): Promise<(OsRelease & { path: string }) | null> {
  const view = await reads.viewOf(rec);
  for (const candidate of OS_RELEASE_PATHS) {
    const path = resolveLink(view, candidate);
    const e = path ? view.lookup(path) : null;
    if (!path || !e || e.kind !== 'FILE') continue;
    const files = await reads.keptFilesOf(e.diffId);
    const content = files.get(path);
    if (content) return { ...parseOsRelease(content.toString('utf8')), path };
  }
  return null;
}
