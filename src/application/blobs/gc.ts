/**
 * `strata gc [--dry-run]`: deletes blobs no live image (or live container)
 * references and records what it deleted as a BlobsCollected event. Blobs a
 * concurrent import or commit is writing are never deleted (its session
 * protects them, fsBlobStore.ts); temp files left by a killed writer go.
 */
import { streams, type BlobsCollectedData } from '../../domain/events';
import type { Strata } from '../strata';
import { liveBlobs } from './references';

export interface GcResult extends BlobsCollectedData { dryRun: boolean; position: number | null }

export async function collectGarbage(app: Strata, options: { dryRun?: boolean; actor?: string | null } = {}): Promise<GcResult> {
  const { removed, leftovers } = await app.blobs.collect(async () => liveBlobs(await app.models.current()), { dryRun: options.dryRun });
  const data: BlobsCollectedData = { removed, bytes: removed.reduce((s, b) => s + b.size, 0), leftovers };
  if (options.dryRun || (removed.length === 0 && leftovers === 0)) return { ...data, dryRun: !!options.dryRun, position: null };
  const model = await app.models.current();
  const stream = streams.blobStore();
  const batch = [{ stream, expectedVersion: model.streamVersions.get(stream) ?? 0, events: [{ type: 'BlobsCollected', data }] }];
  const r = await app.append(batch, { actor: options.actor ?? null });
  return { ...data, dryRun: false, position: r.events[0]?.position ?? null };
}
