/**
 * `oci-archive:FILE[:TAG]` and `docker-archive:FILE[:NAME:TAG]` as one tar
 * stream into any Writable (a file here; Docker Engine's /images/load body
 * for `docker-daemon:`). Both are OCI image layouts in a tar; the docker
 * format adds manifest.json (RepoTags, Config, Layers: what `docker load`
 * reads) as Docker 25+ `docker save` does, plus the io.containerd.image.name
 * annotation. Blobs stream from the store, verified: a damaged blob aborts
 * the archive with an error naming its digest.
 */
import type { Writable } from 'node:stream';
import type { BlobStore } from '../blobs';
import { digestHex, OCI_LAYOUT_VERSION } from '../blobs/blobStore';
import { TarStreamWriter } from '../tar/stream';
import type { ExportPlan } from './plan';
import { OCI_INDEX, REF_NAME } from './mediaTypes';

export interface ArchiveOptions {
  format: 'oci' | 'docker';
  /** oci: the ref.name annotation (a tag); docker: ignored. */
  ociRef?: string | null;
  /** docker: manifest.json RepoTags ("name:tag", familiar or full). */
  repoTags?: readonly string[];
}

const blobName = (digest: string) => `blobs/sha256/${digestHex(digest)}`;

export async function writeArchive(plan: ExportPlan, blobs: BlobStore, out: Writable, opts: ArchiveOptions): Promise<number> {
  const tar = new TarStreamWriter(out);
  const dir = { type: 'directory' as const, mode: 0o755 };
  await tar.entry({ ...dir, name: 'blobs/' });
  await tar.entry({ ...dir, name: 'blobs/sha256/' });
  await tar.entry({ name: blobName(plan.config.digest), type: 'file', mode: 0o644, size: plan.config.size }, plan.config.bytes);
  const seen = new Set<string>();
  for (const l of plan.layers) {
    if (seen.has(l.digest)) continue;
    seen.add(l.digest);
    await tar.entry({ name: blobName(l.digest), type: 'file', mode: 0o644, size: l.size }, blobs.read(l.digest));
  }
  await tar.entry({ name: blobName(plan.manifest.digest), type: 'file', mode: 0o644, size: plan.manifest.size }, plan.manifest.bytes);
  const annotations: Record<string, string> = {};
  if (opts.format === 'oci' && opts.ociRef) annotations[REF_NAME] = opts.ociRef;
  const first = opts.repoTags?.[0];
  if (opts.format === 'docker' && first) {
    annotations['io.containerd.image.name'] = first;
    annotations[REF_NAME] = first.slice(first.lastIndexOf(':') + 1);
  }
  const index = {
    schemaVersion: 2, mediaType: OCI_INDEX,
    manifests: [{
      mediaType: plan.manifest.mediaType, digest: plan.manifest.digest, size: plan.manifest.size,
      ...(Object.keys(annotations).length ? { annotations } : {}),
    }],
  };
  const text = (v: unknown) => Buffer.from(`${JSON.stringify(v)}\n`, 'utf8');
  const file = async (name: string, bytes: Buffer) => tar.entry({ name, type: 'file', mode: 0o644, size: bytes.length }, bytes);
  await file('index.json', text(index));
  if (opts.format === 'docker') {
    await file('manifest.json', text([{
      Config: blobName(plan.config.digest),
      RepoTags: opts.repoTags ?? [],
      Layers: plan.layers.map((l) => blobName(l.digest)),
    }]));
  }
  await file('oci-layout', text({ imageLayoutVersion: OCI_LAYOUT_VERSION }));
  return tar.finish();
}
