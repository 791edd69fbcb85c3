/**
 * Synthetic ImportedImage values for the many-images benchmarks: images
 * share OS and runtime base layers (as real fleets do), some share a deps
 * layer, and each has its own app layer. Recorded through recordImport, like
 * `strata import` would.
 */
import { createHash } from 'node:crypto';
import { recordImport } from '../src/application/importImages';
import type { Strata } from '../src/application/strata';
import { entriesDigestOf } from '../src/domain/entryList';
import type { LayerEntry } from '../src/domain/layerEntry';
import type { ImportedImage, ImportedLayer } from '../src/importers';
import { sha256Hex } from '../src/support/sha256';
import { Rng } from './generate';

const digest = (s: string) => `sha256:${createHash('sha256').update(s).digest('hex')}`;

export function syntheticLayer(name: string, files: number, r: Rng): ImportedLayer {
  const entries: LayerEntry[] = [{ path: `/${name}`, kind: 'DIRECTORY', size: 0, mode: 0o755, uid: 0, gid: 0, linkTarget: null, contentDigest: null }];
  let size = 0;
  for (let k = 0; k < files; k++) {
    const s = 100 + r.int(100_000);
    size += s;
    entries.push({ path: `/${name}/d${k % 10}/f${k}`, kind: 'FILE', size: s, mode: 0o644, uid: 0, gid: 0, linkTarget: null, contentDigest: digest(`${name}/${k}`) });
  }
  // Shared paths every layer writes: overwrites in the merged view.
  entries.push({ path: '/etc/shared.conf', kind: 'FILE', size: 10, mode: 0o644, uid: 0, gid: 0, linkTarget: null, contentDigest: digest(`${name}/conf`) });
  size += 10;
  return {
    digest: digest(`blob/${name}`), diffId: digest(`diff/${name}`), mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip',
    compressedSize: Math.round(size / 3), size, fileCount: entries.length, entries, entriesDigest: entriesDigestOf(entries, sha256Hex), keptFiles: [],
  };
}

export interface FleetOptions { images: number; filesPerLayer?: number; seed?: number; prefix?: string }

/** `images` images over 4 OS layers, 12 runtime layers and 50 deps layers. */
export function syntheticImages(o: FleetOptions): ImportedImage[] {
  const r = new Rng(o.seed ?? 7);
  const files = o.filesPerLayer ?? 20;
  const p = o.prefix ?? 'fleet';
  const cache = new Map<string, ImportedLayer>();
  const layer = (name: string) => {
    let l = cache.get(name);
    if (!l) { l = syntheticLayer(`${p}-${name}`, files, r); cache.set(name, l); }
    return l;
  };
  const out: ImportedImage[] = [];
  for (let i = 0; i < o.images; i++) {
    const runtime = i % 12;
    const layers = [layer(`os${runtime % 4}`), layer(`rt${runtime}`)];
    if (i % 3 === 0) layers.push(layer(`deps${i % 50}`));
    layers.push(syntheticLayer(`${p}-app${i}`, files, r));
    const config = JSON.stringify({
      architecture: 'amd64', os: 'linux', created: new Date(Date.UTC(2024, 0, 1) + i * 60_000).toISOString(),
      rootfs: { type: 'layers', diff_ids: layers.map((l) => l.diffId) },
      history: layers.map((_, k) => ({ created_by: `RUN step ${k}` })),
    });
    out.push({
      imageId: digest(config), config, manifestDigest: digest(`manifest/${config}`), repoTags: [`${p}/app${i}:1`],
      created: null, architecture: 'amd64', os: 'linux', layers, history: layers.map((_, k) => ({ created: null, createdBy: `RUN step ${k}`, comment: null, emptyLayer: false, layerIndex: k })),
      baseName: null, baseDigest: null,
    });
  }
  return out;
}

/** Records images through recordImport, `chunk` images per append. */
export async function recordFleet(app: Strata, images: readonly ImportedImage[], chunk = 100): Promise<void> {
  for (let i = 0; i < images.length; i += chunk) await recordImport(app, images.slice(i, i + chunk));
}
