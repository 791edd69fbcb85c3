/**
 * One image from a Docker Engine into the ledger (`docker-daemon:`): the
 * Engine's `docker save` stream read in one pass by the archive importer,
 * its blobs kept under an ingest session, then recorded like any import
 * (layers already held add nothing).
 */
import { keepBlobs } from '../blobs';
import { readImages } from '../importers';
import type { Engine } from '../engine/client';
import { openDaemonImage } from '../engine/source';
import { recordImport, type ImportRecordOptions, type ImportSummary } from './importImages';
import type { Strata } from './strata';

export async function importFromEngine(
  app: Strata, name: string, opts: ImportRecordOptions & { engine?: Engine } = {},
): Promise<ImportSummary> {
  const session = keepBlobs() ? await app.blobs.session() : null;
  try {
    const { stream } = await openDaemonImage(name, opts.engine);
    const images = await readImages(stream, { blobs: session ?? undefined });
    return await recordImport(app, images, opts);
  } finally {
    await session?.close();
  }
}
