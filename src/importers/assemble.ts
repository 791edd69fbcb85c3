/**
 * Turns one image's manifest facts into a verified ImportedImage (docs/domain.md
 * §6, Verification): config digest = image ID, len(layers) == len(rootfs.diff_ids),
 * each layer's DiffID == its diff_id, non-empty history ≤ layers.
 */
import { invalidArchive } from '../domain/errors';
import type { ArchiveFiles, Expected } from './archiveFiles';
import { mapHistory, parseImageConfig } from './imageConfig';
import type { LayerScan } from './layerScan';
import { sha256Digest } from '../support/sha256';
import type { ImportedImage, ImportedLayer } from './types';

export interface LayerRef { path: string; expect?: Expected; mediaType: string | null }

export interface ImagePlan {
  /** For messages: "image dive-test:latest" or "manifest sha256:…". */
  label: string;
  configPath: string;
  configExpect?: Expected;
  /** A digest the archive names the config by (file name), checked against its bytes. */
  configNamedDigest?: string;
  layers: LayerRef[];
  manifestDigest: string | null;
  manifestMediaType?: string | null;
  repoTags: string[];
  baseName: string | null;
  baseDigest: string | null;
}

/** Runs tasks with at most `limit` in flight, keeping order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (t: T, i: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i] as T, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

const toLayer = (scan: LayerScan, mediaType: string | null): ImportedLayer => ({
  digest: scan.digest,
  diffId: scan.diffId,
  mediaType,
  compressedSize: scan.compressedSize,
  size: scan.size,
  fileCount: scan.fileCount,
  entries: scan.entries,
  entriesDigest: scan.entriesDigest,
  ...(scan.entriesBody ? { entriesBody: scan.entriesBody } : {}),
  keptFiles: scan.keptFiles,
});

export async function assembleImage(files: ArchiveFiles, plan: ImagePlan, concurrency = 2): Promise<ImportedImage> {
  const what = `${plan.label} config`;
  const raw = await files.readJson(plan.configPath, what, plan.configExpect);
  const imageId = sha256Digest(raw);
  if (plan.configNamedDigest && plan.configNamedDigest !== imageId) {
    throw invalidArchive(`${what}: its digest ${imageId} does not match the name ${plan.configNamedDigest} (image ID)`);
  }
  const config = parseImageConfig(raw, what);
  const text = raw.toString('utf8');
  if (!Buffer.from(text, 'utf8').equals(raw)) throw invalidArchive(`${what} is not valid UTF-8`);
  if (config.diffIds.length !== plan.layers.length) {
    throw invalidArchive(
      `${plan.label}: the manifest lists ${plan.layers.length} layers but the config has ${config.diffIds.length} diff_ids`);
  }
  const history = mapHistory(config.history, plan.layers.length, what);
  const layers = await mapLimit(plan.layers, concurrency, async (ref, i) => {
    const lw = `${plan.label} layer ${i + 1}/${plan.layers.length}`;
    const scan = await files.layer(ref.path, lw, ref.expect);
    const want = config.diffIds[i];
    if (scan.diffId !== want) throw invalidArchive(`${lw}: DiffID ${scan.diffId} does not match the config diff_id ${want}`);
    return toLayer(scan, ref.mediaType);
  });
  return {
    imageId,
    config: text,
    manifestDigest: plan.manifestDigest,
    manifestMediaType: plan.manifestMediaType ?? null,
    repoTags: plan.repoTags,
    created: config.created,
    architecture: config.architecture,
    os: config.os,
    layers,
    history,
    baseName: plan.baseName,
    baseDigest: plan.baseDigest,
  };
}
