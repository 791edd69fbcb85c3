/** Layer fields: the layer's own entries (whiteouts included) and the images using it. */
import { compareCodePoints } from '../../domain/pathUtil';
import type { LayerEntry } from '../../domain/layerEntry';
import { encodeGlobalId } from '../globalId';
import type { Ctx, LayerObj } from './context';
import { imageObj } from './context';
import { offsetConnection } from './connection';
import { layerSize, type AccountingArgs } from './sizes';

const sortedCache = new WeakMap<readonly LayerEntry[], LayerEntry[]>();

function sortedEntries(entries: readonly LayerEntry[]): LayerEntry[] {
  let s = sortedCache.get(entries);
  if (!s) {
    s = [...entries].sort((a, b) => compareCodePoints(a.path, b.path));
    sortedCache.set(entries, s);
  }
  return s;
}

export const layerResolvers = {
  id: (o: LayerObj) => encodeGlobalId('Layer', o.rec.diffId),
  diffId: (o: LayerObj) => o.rec.diffId,
  size: (o: LayerObj, args: AccountingArgs, ctx: Ctx) => layerSize(ctx, o.rec.diffId, o.rec.size, args),
  fileCount: (o: LayerObj) => o.rec.fileCount,
  digest: (o: LayerObj) => o.rec.digest,
  mediaType: (o: LayerObj) => o.rec.mediaType,
  compressedSize: (o: LayerObj) => o.rec.compressedSize,
  entriesDigest: (o: LayerObj) => o.rec.entriesDigest,
  images: (o: LayerObj) => o.model.imagesUsingLayer(o.rec.diffId).map((r) => imageObj(r, o.model)),
  imageCount: (o: LayerObj) => o.model.layerImageCount(o.rec.diffId),
  async entries(o: LayerObj, args: { first?: number; after?: string }, ctx: Ctx) {
    const entries = await ctx.loaders.entries.load(o.rec.diffId);
    return offsetConnection(sortedEntries(entries), args.first, args.after, 'entry', 100);
  },
};
