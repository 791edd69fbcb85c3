/**
 * `strata export REF docker://…` and Mutation.pushImage (issue 18, "Push"):
 * the export plan (src/export/plan.ts) sent to a registry — each blob HEADed
 * first, mounted from another repository of the same registry when the log
 * says one holds it (a recorded pull or push there), uploaded only when
 * missing — then the manifest PUT with its bytes unchanged, so an image
 * imported unchanged keeps its digest. Local destinations (oci:,
 * oci-archive:, docker-archive:) go through src/export. Either way the push is
 * recorded as an ImageTransferred on the image's stream.
 */
import { Readable } from 'node:stream';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { DomainEvent } from '../domain/events';
import { badInput } from '../domain/errors';
import type { StoredEvent } from '../eventStore/types';
import { exportImage, parseDestination, planFor } from '../export';
import { mapLimit } from '../importers/assemble';
import { digestHex } from '../blobs/blobStore';
import { formatRegistryRef, isRegistrySource, parseRegistryRef, registryClient, type RegistryAccess } from '../registry';
import type { ReadModel } from '../projections/readModel';
import { appendDecision, withRetries, type Who } from './commands/append';
import type { Strata } from './strata';

export interface PushResult {
  imageId: string;
  destination: string;
  manifestDigest: string;
  uploadedBlobs: number;
  uploadedBytes: number;
  skippedBlobs: number;
  skippedBytes: number;
  /** Blobs mounted from another repository (counted in skipped). */
  mountedBlobs: number;
  event: StoredEvent | null;
}

/** Repositories of `host` that the log says hold each blob (images pulled from or pushed there). */
function knownHolders(model: ReadModel, host: string): Map<string, Set<string>> {
  const holders = new Map<string, Set<string>>();
  for (const [imageId, list] of model.transfers) {
    const img = model.images.get(imageId);
    if (!img) continue;
    for (const t of list) {
      if (!isRegistrySource(t.location)) continue;
      let r;
      try { r = parseRegistryRef(t.location); } catch { continue; }
      if (r.host !== host) continue;
      for (const d of [imageId, ...img.layers.map((l) => l.digest).filter((x): x is string => !!x)]) {
        const s = holders.get(d) ?? new Set<string>();
        s.add(r.repository);
        holders.set(d, s);
      }
    }
  }
  return holders;
}

export async function pushImage(app: Strata, ref: string, destination: string, who: Who & RegistryAccess): Promise<PushResult> {
  const { rec, plan } = await planFor(app, ref);
  const blobs = [{ digest: plan.config.digest, size: plan.config.size, open: () => Readable.from([plan.config.bytes]) }];
  const seen = new Set<string>([plan.config.digest]);
  for (const l of plan.layers) {
    if (seen.has(l.digest)) continue;
    seen.add(l.digest);
    blobs.push({ digest: l.digest, size: l.size, open: () => app.blobs.read(l.digest) });
  }
  const counts = { uploadedBlobs: 0, uploadedBytes: 0, skippedBlobs: 0, skippedBytes: 0, mountedBlobs: 0 };
  let location = destination;
  let manifestDigest = plan.manifest.digest;
  if (isRegistrySource(destination)) {
    const dest = parseRegistryRef(destination);
    if (dest.digest && dest.digest !== plan.manifest.digest) {
      throw badInput(`${destination}: the image's manifest is ${plan.manifest.digest}; push it by tag or by that digest`);
    }
    location = formatRegistryRef(dest);
    const client = registryClient(dest.host, who);
    const holders = knownHolders(await app.models.current(), dest.host);
    const outcomes = await mapLimit(blobs, 3, (b) =>
      client.pushBlob(dest.repository, b.digest, b.size, b.open, [...(holders.get(b.digest) ?? [])]));
    outcomes.forEach((o, i) => {
      const size = blobs[i]!.size;
      if (o === 'uploaded') { counts.uploadedBlobs++; counts.uploadedBytes += size; } else {
        counts.skippedBlobs++; counts.skippedBytes += size;
        if (o === 'mounted') counts.mountedBlobs++;
      }
    });
    manifestDigest = await client.putManifest(dest.repository, dest.digest ?? dest.tag!, plan.manifest);
  } else {
    const dest = parseDestination(destination);
    const existing = new Set<string>();
    if (dest.kind === 'oci') {
      for (const b of blobs) {
        const st = await fs.stat(path.join(dest.path, 'blobs', 'sha256', digestHex(b.digest))).catch(() => null);
        if (st?.isFile() && st.size === b.size) existing.add(b.digest);
      }
    }
    await exportImage(app, ref, destination);
    for (const b of blobs) {
      if (existing.has(b.digest)) { counts.skippedBlobs++; counts.skippedBytes += b.size; } else {
        counts.uploadedBlobs++; counts.uploadedBytes += b.size;
      }
    }
  }
  const event: DomainEvent = { type: 'ImageTransferred', data: {
    imageId: rec.imageId, direction: 'PUSH', location, manifestDigest,
    transferredBytes: counts.uploadedBytes, skippedBytes: counts.skippedBytes,
    transferredBlobs: counts.uploadedBlobs, skippedBlobs: counts.skippedBlobs,
  } };
  const appended = await withRetries(false, async () => appendDecision(app, await app.models.current(), [event], who));
  return { imageId: rec.imageId, destination: location, manifestDigest, ...counts, event: appended.events[0] ?? null };
}
