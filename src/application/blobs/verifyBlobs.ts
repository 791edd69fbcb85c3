/**
 * `strata verify --blobs`: re-hashes every stored blob and names each one
 * whose bytes no longer match its digest, with the images it breaks.
 */
import type { BlobStore } from '../../blobs';
import type { ReadModel } from '../../projections/readModel';
import { referencesOf } from './references';

export interface DamagedBlob { digest: string; actual: string; images: string[] }

export async function verifyBlobs(blobs: BlobStore, model: ReadModel): Promise<{ checked: number; bytes: number; damaged: DamagedBlob[] }> {
  const refs = referencesOf(model);
  const damaged: DamagedBlob[] = [];
  let checked = 0;
  let bytes = 0;
  for await (const b of blobs.list()) {
    checked += 1;
    bytes += b.size;
    const actual = await blobs.verify(b.digest);
    if (actual !== null) damaged.push({ digest: b.digest, actual, images: refs.get(b.digest) ?? [] });
  }
  return { checked, bytes, damaged };
}
