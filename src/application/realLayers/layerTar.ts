/**
 * The tar of a layer Strata writes, written the way Docker and the OCI spec
 * do (image-spec layer.md "Whiteouts"): a deletion is an empty `.wh.NAME`
 * beside the name it hides, an opaque directory gets `.wh..wh..opq` as the
 * first entry inside it, whiteouts come before their siblings; directories
 * end in "/", names have no leading "/". Deterministic: entries sorted
 * component by component (a directory before its contents), every mtime the
 * commit's recorded time, uid/gid/mode as recorded. Hard links come last, so
 * their targets precede them.
 */
import type { LayerEntry } from '../../domain/layerEntry';
import type { TarHeader } from '../../tar/header';

export interface TarRecord { header: TarHeader; contentDigest: string | null }

const OPQ = '.wh..wh..opq';
const rank = (c: string) => (c === OPQ ? 0 : c.startsWith('.wh.') ? 1 : 2);

function compareNames(a: string, b: string): number {
  const x = a.replace(/\/$/, '').split('/');
  const y = b.replace(/\/$/, '').split('/');
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    if (x[i] === y[i]) continue;
    return rank(x[i]!) - rank(y[i]!) || Buffer.compare(Buffer.from(x[i]!), Buffer.from(y[i]!));
  }
  return x.length - y.length;
}

function recordOf(e: LayerEntry, mtime: number): TarRecord | null {
  const rel = e.path.replace(/^\/+/, '');
  const slash = rel.lastIndexOf('/');
  const dir = slash < 0 ? '' : `${rel.slice(0, slash)}/`;
  const base = rel.slice(slash + 1);
  const owner = { uid: e.uid ?? 0, gid: e.gid ?? 0, mtime };
  switch (e.kind) {
    case 'DIRECTORY': return { header: { name: `${rel}/`, type: 'directory', mode: e.mode ?? 0o755, ...owner }, contentDigest: null };
    case 'FILE': return { header: { name: rel, type: 'file', size: e.size, mode: e.mode ?? 0o644, ...owner },
      contentDigest: e.size > 0 ? e.contentDigest : null };
    case 'SYMLINK': return { header: { name: rel, type: 'symlink', linkname: e.linkTarget ?? '', mode: e.mode ?? 0o777, ...owner },
      contentDigest: null };
    case 'HARDLINK': {
      const linkname = (e.linkTarget ?? '').replace(/^\/+/, '');
      return { header: { name: rel, type: 'link', linkname, mode: e.mode ?? 0o644, ...owner }, contentDigest: null };
    }
    case 'WHITEOUT': return { header: { name: `${dir}.wh.${base}`, type: 'file', size: 0, mode: 0o644, uid: 0, gid: 0, mtime },
      contentDigest: null };
    case 'OPAQUE_WHITEOUT': return { header: { name: `${rel}/${OPQ}`, type: 'file', size: 0, mode: 0o644, uid: 0, gid: 0, mtime },
      contentDigest: null };
    default: return null;
  }
}

/** The records of a layer's tar, in the order they are written. */
export function tarRecords(entries: readonly LayerEntry[], mtime: number): TarRecord[] {
  const recs = entries.map((e) => recordOf(e, mtime)).filter((r): r is TarRecord => r !== null);
  const links = recs.filter((r) => r.header.type === 'link').sort((a, b) => compareNames(a.header.name, b.header.name));
  const rest = recs.filter((r) => r.header.type !== 'link').sort((a, b) => compareNames(a.header.name, b.header.name));
  return [...rest, ...links];
}

/** Paths of FILE entries whose bytes the tar needs (size > 0), by content digest. */
export function neededContent(entries: readonly LayerEntry[]): Map<string, string> {
  const need = new Map<string, string>();
  for (const e of entries) {
    if (e.kind === 'FILE' && e.size > 0 && e.contentDigest && !need.has(e.contentDigest)) need.set(e.contentDigest, e.path);
  }
  return need;
}
