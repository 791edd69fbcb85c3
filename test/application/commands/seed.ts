/**
 * Seeds images through the real import path (recordImport) from entry lists,
 * so command tests start from images exactly as an archive would leave them.
 * Digests are computed here with node:crypto; the DiffID of a seeded layer is
 * a label's sha256 (no tar exists), which is all the read side keys on.
 */
import { createHash } from 'node:crypto';
import { recordImport } from '../../../src/application/importImages';
import type { Strata } from '../../../src/application/strata';
import type { LayerEntry } from '../../../src/domain/layerEntry';
import { entriesDigestOf } from '../../../src/domain/entryList';
import type { ImportedImage } from '../../../src/importers';

const hex = (s: string | Uint8Array) => createHash('sha256').update(s).digest('hex');
export const digestOf = (label: string) => `sha256:${hex(label)}`;

const base: Omit<LayerEntry, 'path' | 'kind'> = { size: 0, mode: 0o755, uid: 0, gid: 0, linkTarget: null, contentDigest: null };
export const dir = (path: string): LayerEntry => ({ ...base, path, kind: 'DIRECTORY' });
export const file = (path: string, size: number): LayerEntry => ({ ...base, path, kind: 'FILE', size, mode: 0o644, contentDigest: digestOf(`${path}:${size}`) });
export const whiteout = (path: string): LayerEntry => ({ ...base, path, kind: 'WHITEOUT', mode: null, uid: null, gid: null });

export interface SeedLayer { label: string; entries: LayerEntry[] }

export function imageOf(tag: string, layers: readonly SeedLayer[]): ImportedImage {
  const imported = layers.map((l) => ({
    digest: null, diffId: digestOf(l.label), mediaType: null, compressedSize: null,
    size: l.entries.reduce((s, e) => s + (e.kind === 'FILE' ? e.size : 0), 0),
    fileCount: l.entries.filter((e) => e.kind !== 'WHITEOUT' && e.kind !== 'OPAQUE_WHITEOUT').length,
    entries: l.entries, entriesDigest: entriesDigestOf(l.entries, hex), keptFiles: [],
  }));
  const config = JSON.stringify({
    architecture: 'amd64', os: 'linux', created: '2024-01-01T00:00:00Z', config: { Cmd: ['sh'] },
    rootfs: { type: 'layers', diff_ids: imported.map((l) => l.diffId) },
    history: layers.map((l) => ({ created: '2024-01-01T00:00:00Z', created_by: `ADD ${l.label}` })),
  });
  return {
    imageId: digestOf(config), config, manifestDigest: null, repoTags: [tag], created: '2024-01-01T00:00:00Z',
    architecture: 'amd64', os: 'linux', layers: imported,
    history: layers.map((l, i) => ({ created: '2024-01-01T00:00:00Z', createdBy: `ADD ${l.label}`, comment: null, emptyLayer: false, layerIndex: i })),
    baseName: null, baseDigest: null,
  };
}

/** base:1 — one layer: /etc/passwd (100 bytes), /app/a.txt (50), /app/sub/b.txt (200), /app/sub/c.txt (300). */
export const BASE1_LAYER: SeedLayer = {
  label: 'base1-layer',
  entries: [dir('/app'), file('/app/a.txt', 50), dir('/app/sub'), file('/app/sub/b.txt', 200), file('/app/sub/c.txt', 300), dir('/etc'), file('/etc/passwd', 100)],
};
export const BASE1_SIZE = 650;

/** base:2 — base:1's content with /etc/passwd grown, /etc/hosts new and /app/a.txt changed. */
export const BASE2_LAYER: SeedLayer = {
  label: 'base2-layer',
  entries: [dir('/app'), file('/app/a.txt', 55), dir('/app/sub'), file('/app/sub/b.txt', 200), file('/app/sub/c.txt', 300), dir('/etc'), file('/etc/hosts', 7), file('/etc/passwd', 120)],
};

export async function seed(app: Strata, images: readonly ImportedImage[]): Promise<void> {
  await recordImport(app, images, { actor: 'seed' });
}
