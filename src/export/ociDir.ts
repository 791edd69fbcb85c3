/**
 * `oci:DIR[:TAG]`: adds the image to an OCI image layout directory, created
 * when absent (image-spec image-layout.md), as skopeo does: blobs the
 * directory has already are not copied again; every blob is copied from the
 * store verified, into a temp file renamed into place, so a damaged blob
 * never lands; index.json is replaced atomically, an entry with the same
 * ref.name replaced.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createWriteStream } from 'node:fs';
import { randomBytes } from 'node:crypto';
import type { BlobStore } from '../blobs';
import { digestHex, OCI_LAYOUT_VERSION } from '../blobs/blobStore';
import type { ExportPlan } from './plan';
import { OCI_INDEX, REF_NAME } from './mediaTypes';
import type { Descriptor } from './manifest';

const COPY_CONCURRENCY = 3;

async function exists(file: string, size: number): Promise<boolean> {
  const st = await fs.stat(file).catch(() => null);
  return !!st && st.isFile() && st.size === size;
}

async function atomicWrite(file: string, bytes: Buffer | string): Promise<void> {
  const tmp = `${file}.${randomBytes(4).toString('hex')}.tmp`;
  const fh = await fs.open(tmp, 'w');
  try { await fh.writeFile(bytes); await fh.sync(); } finally { await fh.close(); }
  await fs.rename(tmp, file);
}

async function copyBlob(blobs: BlobStore, digest: string, size: number, dir: string): Promise<void> {
  const file = path.join(dir, 'blobs', 'sha256', digestHex(digest));
  if (await exists(file, size)) return;
  const tmp = `${file}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await pipeline(blobs.read(digest), createWriteStream(tmp, { highWaterMark: 1 << 20 }));
    await fs.rename(tmp, file);
  } catch (e) {
    await fs.rm(tmp, { force: true });
    throw e;
  }
}

export async function writeOciDir(plan: ExportPlan, blobs: BlobStore, dir: string, tag: string | null): Promise<Descriptor> {
  await fs.mkdir(path.join(dir, 'blobs', 'sha256'), { recursive: true });
  const layoutFile = path.join(dir, 'oci-layout');
  if (!(await fs.stat(layoutFile).catch(() => null))) await atomicWrite(layoutFile,
    JSON.stringify({ imageLayoutVersion: OCI_LAYOUT_VERSION }));
  // A few blobs at a time, as skopeo does: reading, hashing and writing overlap across layers.
  const unique = [...new Map(plan.layers.map((l) => [l.digest, l])).values()];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < unique.length) {
      const l = unique[next++]!;
      await copyBlob(blobs, l.digest, l.size, dir);
    }
  };
  await Promise.all(Array.from({ length: Math.min(COPY_CONCURRENCY, unique.length) }, worker));
  for (const doc of [plan.config, plan.manifest]) {
    const file = path.join(dir, 'blobs', 'sha256', digestHex(doc.digest));
    if (!(await exists(file, doc.size))) await atomicWrite(file, doc.bytes);
  }
  const desc: Descriptor = {
    mediaType: plan.manifest.mediaType, digest: plan.manifest.digest, size: plan.manifest.size,
    ...(tag ? { annotations: { [REF_NAME]: tag } } : {}),
  };
  const indexFile = path.join(dir, 'index.json');
  let index: { schemaVersion: number; mediaType?: string; manifests: Descriptor[] } = { schemaVersion: 2, mediaType: OCI_INDEX,
    manifests: [] };
  const old = await fs.readFile(indexFile, 'utf8').catch(() => null);
  if (old !== null) {
    try { index = JSON.parse(old); } catch { throw new Error(`${indexFile} is not valid JSON; not overwriting it`); }
    if (!Array.isArray(index.manifests)) index.manifests = [];
  }
  index.manifests = index.manifests.filter((d) => tag
    ? d.annotations?.[REF_NAME] !== tag
    : !(d.digest === desc.digest && !d.annotations?.[REF_NAME]));
  index.manifests.push(desc);
  await atomicWrite(indexFile, JSON.stringify(index));
  return desc;
}
