/**
 * The OCI image manifest Strata writes for an image that has none stored (a
 * docker save archive before Docker 25 has none; commits get theirs here):
 * fixed key order and no whitespace, so the same image always gets the same
 * manifest bytes, hence the same digest.
 */
import { sha256Digest } from '../support/sha256';
import { OCI_CONFIG, OCI_MANIFEST } from './mediaTypes';

export interface Descriptor { mediaType: string; digest: string; size: number; annotations?: Record<string, string> }

export interface ManifestBytes { bytes: Buffer; digest: string; mediaType: string }

const descriptor = (d: Descriptor) => ({ mediaType: d.mediaType, digest: d.digest, size: d.size,
  ...(d.annotations ? { annotations: d.annotations } : {}) });

export function ociManifest(config: { digest: string; size: number }, layers: readonly Descriptor[]): ManifestBytes {
  const doc = {
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    config: descriptor({ mediaType: OCI_CONFIG, digest: config.digest, size: config.size }),
    layers: layers.map(descriptor),
  };
  const bytes = Buffer.from(JSON.stringify(doc), 'utf8');
  return { bytes, digest: sha256Digest(bytes), mediaType: OCI_MANIFEST };
}

/** What a manifest's bytes say about the image, or null when they are not an image manifest. */
export function parseManifest(bytes: Buffer): { mediaType: string; config: string; layers: Descriptor[] } | null {
  try {
    type Parsed = { mediaType?: string; config?: { digest?: string }; layers?: Descriptor[]; manifests?: unknown };
    const m = JSON.parse(bytes.toString('utf8')) as Parsed;
    if (!m.config?.digest || !Array.isArray(m.layers) || m.manifests !== undefined) return null;
    return { mediaType: m.mediaType ?? OCI_MANIFEST, config: m.config.digest, layers: m.layers };
  } catch {
    return null;
  }
}
