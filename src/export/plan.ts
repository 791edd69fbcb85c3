/**
 * What exporting one image writes, decided before any byte is written: the
 * config (the ledger's verbatim bytes), the manifest (the stored one, byte for
 * byte, when the blob store has it and it describes exactly this image — so an
 * image imported unchanged exports with its own manifest digest; otherwise a
 * generated OCI manifest, manifest.ts) and each layer blob. An image that
 * cannot be handed back is refused here with the reason: which layer has no
 * blob and, for a commit made without content, which path lacks it.
 */
import { DomainError } from '../domain/errors';
import type { BlobStore } from '../blobs';
import type { ImageRecord } from '../projections/records';
import { ociManifest, parseManifest, type Descriptor, type ManifestBytes } from './manifest';
import { layerMediaTypeOf, ociLayerType, OCI_CONFIG } from './mediaTypes';

export interface ExportPlan {
  imageId: string;
  config: { bytes: Buffer; digest: string; size: number; mediaType: string };
  manifest: ManifestBytes & { size: number };
  /** Bottom first, as the manifest lists them (a DiffID may repeat). */
  layers: (Descriptor & { diffId: string })[];
}

/** Why a layer cannot be exported, or null when its blob is stored. */
export async function missingLayer(
  blobs: BlobStore, rec: ImageRecord, index: number,
  entriesOf?: (diffId: string) => Promise<readonly { path: string; kind: string; size: number }[]>,
): Promise<string | null> {
  const l = rec.layers[index]!;
  const what = `layer ${index + 1}/${rec.layers.length} (${l.diffId})`;
  if (l.digest && (await blobs.stat(l.digest)) !== null) return null;
  if (l.digest) {
    return `${what}: blob ${l.digest} is not in the blob store ${blobs.location} (imported with STRATA_KEEP_BLOBS=0, or collected)`;
  }
  const lacking = entriesOf ? (await entriesOf(l.diffId)).find((e) => e.kind === 'FILE' && e.size > 0) : undefined;
  return lacking
    ? `${what} was committed without content: the bytes of ${lacking.path} are missing `
      + '(commit them with contentBase64 or strata commit --layer)'
    : `${what} has no stored blob`;
}

/** Image.exportable: every layer's blob is stored. */
export async function isExportable(blobs: BlobStore, rec: ImageRecord): Promise<boolean> {
  for (let i = 0; i < rec.layers.length; i++) if (await missingLayer(blobs, rec, i)) return false;
  return true;
}

async function storedManifest(blobs: BlobStore, rec: ImageRecord,
  layers: ExportPlan['layers']): Promise<(ManifestBytes & { size: number }) | null> {
  for (const digest of rec.manifestDigests) {
    if ((await blobs.stat(digest)) === null) continue;
    const bytes = await blobs.readAll(digest, 4 * 1024 * 1024);
    const m = parseManifest(bytes);
    if (!m || m.config !== rec.imageId || m.layers.length !== layers.length) continue;
    if (!m.layers.every((d, i) => d.digest === layers[i]!.digest)) continue;
    // The manifest's own layer media types are the truth for its format (Docker schema 2 or OCI).
    m.layers.forEach((d, i) => { layers[i]!.mediaType = d.mediaType; });
    return { bytes, digest, mediaType: m.mediaType, size: bytes.length };
  }
  return null;
}

export async function exportPlan(
  blobs: BlobStore, rec: ImageRecord, entriesOf: (diffId: string) => Promise<readonly { path: string; kind: string; size: number }[]>,
): Promise<ExportPlan> {
  const layers: ExportPlan['layers'] = [];
  for (let i = 0; i < rec.layers.length; i++) {
    const why = await missingLayer(blobs, rec, i, entriesOf);
    if (why) throw new DomainError('BAD_USER_INPUT', `image ${rec.imageId} cannot be exported: ${why}`, { imageId: rec.imageId });
    const l = rec.layers[i]!;
    const size = (await blobs.stat(l.digest!))!;
    const mediaType = ociLayerType(l.mediaType) ?? layerMediaTypeOf(await blobs.head(l.digest!, 4));
    layers.push({ mediaType, digest: l.digest!, size, diffId: l.diffId });
  }
  const bytes = Buffer.from(rec.config, 'utf8');
  const config = { bytes, digest: rec.imageId, size: bytes.length, mediaType: OCI_CONFIG };
  const manifest = (await storedManifest(blobs, rec, layers)) ?? (() => {
    const m = ociManifest(config, layers.map(({ mediaType, digest, size }) => ({ mediaType, digest, size })));
    return { ...m, size: m.bytes.length };
  })();
  return { imageId: rec.imageId, config, manifest, layers };
}
