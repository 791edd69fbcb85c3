/**
 * `strata commit IMAGE --layer FILE.tar[.gz|.zst]` (as `crane append`): a
 * prebuilt layer tar on top of an image. The file is read once: kept in the
 * blob store as given (its digest verified), scanned for its entries and
 * DiffID like an imported layer, then committed with a real config and
 * manifest. An invalid tar is refused (INVALID_ARCHIVE), nothing appended.
 */
import { createReadStream, promises as fs } from 'node:fs';
import path from 'node:path';
import { badInput, notFound } from '../../domain/errors';
import { commitEntries, commitEvents, requireLive } from '../../domain/image/commit';
import type { BuiltLayer } from '../../domain/image/committedLayer';
import { normalizeTag } from '../../domain/reference';
import { initialTagState } from '../../domain/tag/state';
import { scanLayer, type LayerScan } from '../../importers/layerScan';
import { Budget } from '../../importers/limits';
import { OCI_LAYER, OCI_LAYER_GZIP, OCI_LAYER_ZSTD } from '../../export/mediaTypes';
import type { Strata } from '../strata';
import { appendDecision, withRetries, type Who } from '../commands/append';
import { commitResult, type CommitResult } from '../commands/commit';
import { commandMetadata, commitPorts, imageStateOf, tagStateOf } from '../commands/ports';
import { RealLayers } from './realLayers';
import type { IngestSession } from '../../blobs';

export interface AppendLayerInput { image: string; file: string; tag?: string | null; message?: string | null }

const MEDIA: Record<LayerScan['compression'], string> = { none: OCI_LAYER, gzip: OCI_LAYER_GZIP, zstd: OCI_LAYER_ZSTD };

/** Scans a layer file while keeping it in the store; returns the scan and the stored layer. */
export async function storeLayerFile(session: IngestSession, file: string): Promise<{ scan: LayerScan; built: BuiltLayer }> {
  const st = await fs.stat(file).catch(() => null);
  if (!st?.isFile()) throw badInput(`cannot read layer "${file}": no such file`);
  const w = await session.writer();
  try {
    async function* kept(): AsyncGenerator<Buffer> {
      for await (const c of createReadStream(file, { highWaterMark: 1 << 20 })) { await w.write(c as Buffer); yield c as Buffer; }
    }
    const scan = await scanLayer(kept(), new Budget(), `layer ${path.basename(file)}`);
    await w.commit({ digest: scan.digest });
    const built = { diffId: scan.diffId, digest: scan.digest, mediaType: MEDIA[scan.compression], compressedSize: scan.compressedSize };
    return { scan, built };
  } finally {
    await w.abort();
  }
}

export async function appendLayerFile(app: Strata, input: AppendLayerInput, who: Who): Promise<CommitResult> {
  return RealLayers.using(app, async (real) => {
    const { scan, built } = await storeLayerFile(real.session, input.file);
    const tag = input.tag ? normalizeTag(input.tag) : null;
    return withRetries(false, async () => {
      const model = await app.models.current();
      const parent = model.resolve(input.image);
      if (!parent) throw notFound(`no image "${input.image}"`, { ref: input.image });
      const state = imageStateOf(model, parent.imageId);
      requireLive(state, 'the parent image');
      const now = commandMetadata(who.actor).now;
      const real2 = await real.portsFor(null, parent.layers, parent.layers, now, built);
      const ports = { ...(await commitPorts(app, model, parent.layers)), ...real2 };
      const createdBy = input.message ?? `strata commit --layer ${path.basename(input.file)}`;
      const out = commitEntries(state, scan.entries, { createdBy }, 'commit', now, ports);
      const events = commitEvents(out, tag, tag ? tagStateOf(model, tag) : initialTagState(), ports);
      await real.finish();
      const r = await appendDecision(app, model, events, who,
        [{ diffId: out.layer.diffId, entries: out.entries, entriesDigest: out.layer.entriesDigest, keptFiles: scan.keptFiles }]);
      return commitResult(app, out.imageId, r.events);
    });
  });
}
