/**
 * A deliberately naive reference of docs/domain.md §2 for the property tests: one
 * flat Map per view, copied whole for every layer, subtrees found by scanning.
 */
import type { LayerEntry, MergedEntry } from '../../src/domain/layerEntry';

export type NaiveView = Map<string, MergedEntry>;

const below = (p: string, d: string): boolean => (d === '/' ? p !== '/' : p.startsWith(`${d}/`));
const implied = (path: string, layerIndex: number, diffId: string): MergedEntry => ({
  path, kind: 'DIRECTORY', size: 0, mode: 0o755, uid: 0, gid: 0, linkTarget: null, contentDigest: null, layerIndex, diffId,
});

function removeBelow(m: NaiveView, dir: string): void {
  for (const k of [...m.keys()]) if (below(k, dir)) m.delete(k);
}

function ancestors(path: string): string[] {
  const parts = path.split('/').slice(1, -1);
  return parts.map((_, i) => `/${parts.slice(0, i + 1).join('/')}`);
}

export function naiveApply(lower: NaiveView, entries: readonly LayerEntry[], layerIndex: number, diffId: string): NaiveView {
  const m = new Map(lower);
  if (!m.has('/')) m.set('/', implied('/', layerIndex, diffId));
  for (const e of entries) {
    if (e.kind === 'OPAQUE_WHITEOUT' && m.get(e.path)?.kind === 'DIRECTORY') removeBelow(m, e.path);
    if (e.kind === 'WHITEOUT' && e.path !== '/' && m.has(e.path)) {
      m.delete(e.path);
      removeBelow(m, e.path);
    }
  }
  for (const e of entries) {
    if (e.kind === 'WHITEOUT' || e.kind === 'OPAQUE_WHITEOUT') continue;
    let merged: MergedEntry = { ...e, layerIndex, diffId };
    if (e.kind === 'HARDLINK' && e.linkTarget) {
      const t = m.get(e.linkTarget);
      if (t && (t.kind === 'FILE' || t.kind === 'HARDLINK')) merged = { ...merged, size: t.size, contentDigest: t.contentDigest };
    }
    if (e.path === '/') {
      if (e.kind === 'DIRECTORY') m.set('/', merged);
      continue;
    }
    for (const a of ancestors(e.path)) {
      if (m.get(a)?.kind !== 'DIRECTORY') {
        removeBelow(m, a);
        m.set(a, implied(a, layerIndex, diffId));
      }
    }
    if (!(m.get(e.path)?.kind === 'DIRECTORY' && e.kind === 'DIRECTORY')) removeBelow(m, e.path);
    m.set(e.path, merged);
  }
  return m;
}

/** Visible entries but "/", sorted by code-point order of the path. */
export function naiveEntries(m: NaiveView): MergedEntry[] {
  const cp = (s: string) => [...s].map((c) => c.codePointAt(0) as number);
  const cmp = (a: string, b: string) => {
    const x = cp(a);
    const y = cp(b);
    for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return (x[i] as number) - (y[i] as number);
    return x.length - y.length;
  };
  return [...m.values()].filter((e) => e.path !== '/').sort((a, b) => cmp(a.path, b.path));
}
