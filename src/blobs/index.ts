/**
 * Opening the blob store for a database (contract cli.md "Blob store"):
 * `--blobs`, then `$STRATA_BLOBS`, then `blobs/` next to a SQLite database
 * (./data/blobs for the default ./data/strata.db), or ./data/blobs with
 * PostgreSQL (several instances point STRATA_BLOBS at one shared directory).
 * `STRATA_KEEP_BLOBS=0` keeps the ledger metadata-only: imports keep no blobs.
 */
import path from 'node:path';
import { resolveBackend } from '../../ormconfig';
import { badInput } from '../domain/errors';
import type { BlobStore } from './blobStore';
import { FsBlobStore } from './fsBlobStore';

export type { BlobInfo, BlobStore, BlobWriter, Expected, IngestSession } from './blobStore';
export { BlobDamagedError } from './blobStore';
export { FsBlobStore } from './fsBlobStore';

export function blobsLocation(db?: string | null, blobs?: string | null): string {
  const given = blobs || process.env.STRATA_BLOBS;
  if (given) {
    if (/^docker:\/\//.test(given)) throw badInput(`a registry-backed blob store (${given}) is not supported yet; give a directory`);
    return path.resolve(given);
  }
  const backend = resolveBackend(db);
  return backend.kind === 'sqlite' ? path.join(path.dirname(backend.file), 'blobs') : path.resolve('data', 'blobs');
}

export function openBlobStore(db?: string | null, blobs?: string | null): BlobStore {
  return new FsBlobStore(blobsLocation(db, blobs));
}

/** False when STRATA_KEEP_BLOBS=0: imports record metadata only. */
export const keepBlobs = (): boolean => process.env.STRATA_KEEP_BLOBS !== '0';
