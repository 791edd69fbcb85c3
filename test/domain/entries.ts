/** Terse LayerEntry builders for table-driven tests. */
import type { LayerEntry } from '../../src/domain/layerEntry';

const base = { size: 0, mode: 0o644, uid: 0, gid: 0, linkTarget: null, contentDigest: null };
export const file = (path: string, size = 1, digest: string | null = `sha256:${path}`, extra: Partial<LayerEntry> = {}): LayerEntry =>
  ({ ...base, path, kind: 'FILE', size, contentDigest: digest, ...extra });
export const dir = (path: string, extra: Partial<LayerEntry> = {}): LayerEntry => ({ ...base, path, kind: 'DIRECTORY', mode: 0o755, ...extra });
export const symlink = (path: string, target: string): LayerEntry => ({ ...base, path, kind: 'SYMLINK', mode: 0o777, linkTarget: target });
export const hardlink = (path: string, target: string): LayerEntry => ({ ...base, path, kind: 'HARDLINK', linkTarget: target });
export const wh = (path: string): LayerEntry => ({ ...base, path, kind: 'WHITEOUT', mode: null });
export const opq = (path: string): LayerEntry => ({ ...base, path, kind: 'OPAQUE_WHITEOUT', mode: null });
export const layers = (...ls: LayerEntry[][]) => ls.map((entries, i) => ({ diffId: `sha256:L${i}`, entries }));
