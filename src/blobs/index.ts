/**
 * Opening the blob store for a database (docs/cli.md, Environment):
 * `--blobs`, then `$STRATA_BLOBS`, then `blobs/` next to a SQLite database
 * (./data/blobs for the default ./data/strata.db), or ./data/blobs with
 * PostgreSQL (several instances point STRATA_BLOBS at one shared directory).
 * `--blobs docker://HOST/REPO` keeps them in a registry repository (registryBlobStore.ts).
 * `STRATA_KEEP_BLOBS=0` keeps the ledger metadata-only: imports keep no blobs.
 */
import path from 'node:path';
import { resolveBackend } from '../../ormconfig';
import { badInput } from '../domain/errors';
import type { BlobStore } from './blobStore';
import { FsBlobStore } from './fsBlobStore';
import { isRegistrySource, parseRegistryRef } from '../registry/reference';

export type { BlobInfo, BlobStore, BlobWriter, Expected, IngestSession } from './blobStore';
export { BlobDamagedError } from './blobStore';
export { FsBlobStore } from './fsBlobStore';

export function blobsLocation(db?: string | null, blobs?: string | null): string {
  const given = blobs || process.env.STRATA_BLOBS;
  if (given) return isRegistrySource(given) ? registryStoreRef(given).location : path.resolve(given);
  const backend = resolveBackend(db);
  return backend.kind === 'sqlite' ? path.join(path.dirname(backend.file), 'blobs') : path.resolve('data', 'blobs');
}

export function openBlobStore(db?: string | null, blobs?: string | null): BlobStore {
  const given = blobs || process.env.STRATA_BLOBS;
  if (given && isRegistrySource(given)) {
    const { host, repository, location } = registryStoreRef(given);
    // The registry client and its pull path (~20 ms of modules) load only for a registry store (docs/adr/0010).
    const { RegistryBlobStore } = require('./registryBlobStore') as typeof import('./registryBlobStore');
    const { registryClient } = require('../registry') as typeof import('../registry');
    return new RegistryBlobStore(location, registryClient(host), repository);
  }
  return new FsBlobStore(blobsLocation(db, blobs));
}

/**
 * `docker://HOST/REPO`: a repository, no tag or digest (the store's tags are its own).
 * Credentials come from $REGISTRY_AUTH_FILE, plain HTTP from $STRATA_INSECURE_REGISTRIES.
 */
function registryStoreRef(given: string): { host: string; repository: string; location: string } {
  const ref = parseRegistryRef(given, { repoOptional: true });
  if (ref.repository === '' || ref.digest !== null || ref.tag !== null) {
    throw badInput(`blob store ${given}: give a registry repository, docker://HOST/REPO (no tag or digest)`);
  }
  return { host: ref.host, repository: ref.repository, location: `docker://${ref.host}/${ref.repository}` };
}

/** False when STRATA_KEEP_BLOBS=0: imports record metadata only. */
export const keepBlobs = (): boolean => process.env.STRATA_KEEP_BLOBS !== '0';
