/**
 * Synthetic imported images for application tests: real digests computed here
 * with node:crypto (config sha256 = image ID, entry-list digests), no archive.
 */
import { createHash } from 'node:crypto';
import type { ImportedImage, ImportedLayer } from '../../src/importers';
import type { LayerEntry } from '../../src/domain/layerEntry';
import { serializeEntries } from '../../src/domain/entryList';

const sha = (s: string) => createHash('sha256').update(s).digest('hex');

export const file = (path: string, size: number, content = `${path}:${size}`): LayerEntry => ({
  path, kind: 'FILE', size, mode: 0o644, uid: 0, gid: 0, linkTarget: null, contentDigest: `sha256:${sha(content)}`,
});
export const dir = (path: string): LayerEntry => ({ path, kind: 'DIRECTORY', size: 0, mode: 0o755, uid: 0, gid: 0, linkTarget: null, contentDigest: null });
export const whiteout = (path: string): LayerEntry => ({ path, kind: 'WHITEOUT', size: 0, mode: null, uid: null, gid: null, linkTarget: null, contentDigest: null });

/** A layer whose DiffID is derived from its entries (stable across calls). */
export function layer(entries: LayerEntry[], keptFiles: { path: string; content: Buffer }[] = []): ImportedLayer {
  const text = serializeEntries(entries);
  return {
    digest: null, diffId: `sha256:${sha(`layer\n${text}`)}`, mediaType: 'application/vnd.oci.image.layer.v1.tar',
    compressedSize: null, size: entries.reduce((s, e) => s + (e.kind === 'FILE' ? e.size : 0), 0),
    fileCount: entries.filter((e) => e.kind !== 'WHITEOUT' && e.kind !== 'OPAQUE_WHITEOUT').length,
    entries, entriesDigest: `sha256:${sha(text)}`, keptFiles,
  };
}

export function image(layers: ImportedLayer[], tags: string[] = [], salt = ''): ImportedImage {
  const config = JSON.stringify({
    architecture: 'amd64', os: 'linux', created: '2026-01-01T00:00:00Z', salt,
    rootfs: { type: 'layers', diff_ids: layers.map((l) => l.diffId) },
    history: layers.map((_, i) => ({ created_by: `step ${i}` })),
  });
  return {
    imageId: `sha256:${sha(config)}`, config, manifestDigest: null, repoTags: tags, created: '2026-01-01T00:00:00Z',
    architecture: 'amd64', os: 'linux', layers,
    history: layers.map((_, i) => ({ created: '2026-01-01T00:00:00Z', createdBy: `step ${i}`, comment: null, emptyLayer: false, layerIndex: i })),
    baseName: null, baseDigest: null,
  };
}
