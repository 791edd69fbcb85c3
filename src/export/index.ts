/**
 * `strata export REF DEST` (contract cli.md; docs/architecture.md "Export"):
 * plan (plan.ts), then write the destination. Archives are written to a temp
 * file beside the target and renamed when complete, so a failed export (a
 * damaged blob, a full disk) leaves no partial archive behind.
 *
 * For other destinations (docker-daemon:, a registry) build on exportPlan and
 * writeArchive / the blob store's verified reads.
 */
import { createWriteStream, promises as fs } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { finished } from 'node:stream/promises';
import { notFound } from '../domain/errors';
import type { Strata } from '../application/strata';
import type { ImageRecord } from '../projections/records';
import { writeArchive } from './archive';
import { parseDestination, type Destination } from './destination';
import { writeOciDir } from './ociDir';
import { loadIntoEngine } from '../engine/load';
import { exportPlan, type ExportPlan } from './plan';

export { exportPlan, isExportable, missingLayer, type ExportPlan } from './plan';
export { writeArchive, type ArchiveOptions } from './archive';
export { writeOciDir } from './ociDir';
export { parseDestination, type Destination } from './destination';

export interface ExportResult { imageId: string; manifestDigest: string; destination: Destination; bytes: number | null }

/** The plan of a live image by reference (NOT_FOUND otherwise). */
export async function planFor(app: Strata, ref: string): Promise<{ rec: ImageRecord; plan: ExportPlan; repoTags: string[] }> {
  const model = await app.models.current();
  const rec = model.resolve(ref);
  if (!rec || rec.removedPosition !== null) throw notFound(`no image "${ref}"`, { ref });
  const plan = await exportPlan(app.blobs, rec, async (d) => (await app.views.layerEntries([d])).get(d) ?? []);
  return { rec, plan, repoTags: model.repoTags(rec.imageId) };
}

async function toFile(
  path: string, write: (out: NodeJS.WritableStream & import('node:stream').Writable) => Promise<number>,
): Promise<number> {
  const tmp = `${path}.${randomBytes(4).toString('hex')}.partial`;
  const out = createWriteStream(tmp, { highWaterMark: 1 << 20 });
  try {
    const failed = new Promise<never>((_, reject) => out.once('error', reject));
    failed.catch(() => undefined);
    const n = await Promise.race([write(out), failed]);
    out.end();
    await finished(out);
    const fh = await fs.open(tmp, 'r+');
    try { await fh.sync(); } finally { await fh.close(); }
    await fs.rename(tmp, path);
    return n;
  } catch (e) {
    out.destroy();
    await fs.rm(tmp, { force: true });
    throw e;
  }
}

export async function exportImage(app: Strata, ref: string, destText: string): Promise<ExportResult> {
  const dest = parseDestination(destText);
  const { rec, plan, repoTags } = await planFor(app, ref);
  let bytes: number | null = null;
  if (dest.kind === 'oci') {
    await writeOciDir(plan, app.blobs, dest.path, dest.tag);
  } else if (dest.kind === 'oci-archive') {
    bytes = await toFile(dest.path, (out) => writeArchive(plan, app.blobs, out, { format: 'oci', ociRef: dest.tag }));
  } else if (dest.kind === 'docker-daemon') {
    bytes = (await loadIntoEngine((out) => writeArchive(plan, app.blobs, out, { format: 'docker', repoTags: [dest.repoTag] }))).bytes;
  } else {
    const tags = dest.repoTag ? [dest.repoTag] : repoTags;
    bytes = await toFile(dest.path, (out) => writeArchive(plan, app.blobs, out, { format: 'docker', repoTags: tags }));
  }
  return { imageId: rec.imageId, manifestDigest: plan.manifest.digest, destination: dest, bytes };
}
