/**
 * `strata cat IMAGE PATH [--as-of N]`: a file of an image, as the merged view
 * shows it at that log position, streamed from the blob store to standard
 * output (hard links followed). Images imported without their blobs are
 * refused with one line naming the missing layer.
 */
import { once } from 'node:events';
import { Strata } from '../application/strata';
import { locateContent, streamContent } from '../application/fileContent';
import { badInput, notFound } from '../domain/errors';

export interface CatCliOptions { db?: string; blobs?: string; asOf?: string }

export async function catCommand(ref: string, path: string, opts: CatCliOptions): Promise<void> {
  let asOf: number | undefined;
  if (opts.asOf !== undefined) {
    asOf = Number(opts.asOf);
    if (!/^\d+$/.test(opts.asOf) || !Number.isSafeInteger(asOf)) {
      throw badInput(`--as-of must be a log position (a non-negative integer), not "${opts.asOf}"`);
    }
  }
  const app = await Strata.open(opts.db, { blobs: opts.blobs });
  try {
    const model = await app.models.at(asOf);
    const rec = model.resolve(ref);
    if (!rec) throw notFound(`no image "${ref}"${asOf === undefined ? '' : ` at position ${asOf}`}`);
    const view = await app.views.view(rec.layers);
    const at = await locateContent(rec, path, {
      blobs: app.blobs, view,
      entriesOf: async (d) => (await app.views.layerEntries([d])).get(d) ?? [],
    });
    await streamContent(app.blobs, at, 0, at.size, async (c) => {
      if (!process.stdout.write(c)) await once(process.stdout, 'drain');
    });
  } finally {
    await app.close();
  }
}
