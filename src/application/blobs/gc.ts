/**
 * `strata gc [--dry-run]`: deletes blobs no live image (or live container)
 * references and records what it deleted as a BlobsCollected event. Blobs a
 * concurrent import or commit is writing are never deleted (its session
 * protects them, fsBlobStore.ts); temp files left by a killed writer go.
 * It also refreshes the store's index.json (tags → stored manifests).
 */
import { streams, type BlobsCollectedData } from '../../domain/events';
import type { Strata } from '../strata';
import { liveBlobs } from './references';
import { parseManifest } from '../../export/manifest';

/** The store's own index (an OCI layout's index.json): every live tag whose manifest is stored, so skopeo can open it by tag. */
async function publishTags(app: Strata): Promise<void> {
  if (!app.blobs.publishIndex) return;
  const model = await app.models.current();
  const out: { mediaType: string; digest: string; size: number; refName: string }[] = [];
  for (const tag of [...model.tags.values()].sort((a, b) => a.name.localeCompare(b.name))) {
    const rec = tag.imageId ? model.images.get(tag.imageId) : undefined;
    if (!rec || rec.removedPosition !== null) continue;
    for (const digest of rec.manifestDigests) {
      const size = await app.blobs.stat(digest);
      if (size === null) continue;
      const m = parseManifest(await app.blobs.readAll(digest, 4 * 1024 * 1024));
      if (m?.config === rec.imageId) { out.push({ mediaType: m.mediaType, digest, size, refName: tag.name }); break; }
    }
  }
  await app.blobs.publishIndex(out);
}

export interface GcResult extends BlobsCollectedData { dryRun: boolean; position: number | null }

export async function collectGarbage(app: Strata, options: { dryRun?: boolean; actor?: string | null } = {}): Promise<GcResult> {
  const { removed, leftovers } = await app.blobs.collect(async () => liveBlobs(await app.models.current()), { dryRun: options.dryRun });
  if (!options.dryRun) await publishTags(app);
  const data: BlobsCollectedData = { removed, bytes: removed.reduce((s, b) => s + b.size, 0), leftovers };
  if (options.dryRun || (removed.length === 0 && leftovers === 0)) return { ...data, dryRun: !!options.dryRun, position: null };
  const model = await app.models.current();
  const stream = streams.blobStore();
  const batch = [{ stream, expectedVersion: model.streamVersions.get(stream) ?? 0, events: [{ type: 'BlobsCollected', data }] }];
  const r = await app.append(batch, { actor: options.actor ?? null });
  return { ...data, dryRun: false, position: r.events[0]?.position ?? null };
}
