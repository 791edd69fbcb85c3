/**
 * Storage report (docker system df -v by ChainID; a registry's view by DiffID).
 * The totals come from the read model's ledger in O(1); the lists are thunks,
 * which their resolvers (storageReportResolvers) call only when the query
 * selects them, so `storage { savedBytes }` never walks 100,000 images.
 */
import type { ImageStorageFigures, LayerUsage, ShareKey, StorageFigures } from '../../domain/storage';
import { edgesAsText, offsetConnection } from './connection';
import type { ReadModel } from '../../projections/readModel';
import { imageObj, layerObj } from './context';
import { leafList } from '../leafLists';
import type { GraphQLResolveInfo } from 'graphql';

/**
 * A LayerUsage row: the ledger's figures read through, its Layer object built
 * only when a query asks for it (the report lists every layer; issue 19 item 5).
 */
class LayerUsageRow {
  constructor(private readonly u: LayerUsage, private readonly model: ReadModel) {}
  get key() { return this.u.key; }
  get diffId() { return this.u.diffId; }
  get size() { return this.u.size; }
  get imageCount() { return this.u.imageCount; }
  get layer() {
    const layer = this.model.layers.get(this.u.diffId);
    return layer ? layerObj(layer, this.model) : null;
  }
}

/**
 * An ImageStorage row: the ledger's figures read through (no copy of them
 * for each of the report's images), its Image object built when a query reads
 * it (issue 19 item 5, third pass).
 */
class ImageStorageRow {
  constructor(private readonly f: ImageStorageFigures, private readonly model: ReadModel) {}
  get image() { return imageObj(this.model.images.get(this.f.imageId)!, this.model); }
  get size() { return this.f.size; }
  get sharedSize() { return this.f.sharedSize; }
  get uniqueSize() { return this.f.uniqueSize; }
}

/**
 * What an image row's Image fields read (leafLists.ts's RowReads): Image.id,
 * imageId, created, architecture and os read the image's record, whose fields
 * are never reassigned (a record replaced is another object); repoTags reads
 * `repoTagsView`, whose arrays are made anew when any tag moves and never
 * changed after (image.ts, readModel.ts).
 */
const IMAGE_READS: ReadonlySet<string> = new Set([
  'ImageStorage.image', 'Image.id', 'Image.imageId', 'Image.repoTags', 'Image.created', 'Image.architecture', 'Image.os',
]);

/** Per ledger, the objects naming its lists across their arrays (leafLists.ts's per-row text). */
const slotsOf = new WeakMap<object, { images: object; layers: object; reclaimable: object }>();
function listSlots(ledger: object) {
  let s = slotsOf.get(ledger);
  if (!s) slotsOf.set(ledger, s = { images: {}, layers: {}, reclaimable: {} });
  return s;
}

export function storageReportOf(model: ReadModel, by: ShareKey, figures?: StorageFigures) {
  const ledger = model.ledger(by);
  const usage = (u: LayerUsage) => new LayerUsageRow(u, model);
  const imageStorage = (f: ImageStorageFigures) => new ImageStorageRow(f, model);
  const imageReads = {
    fields: IMAGE_READS,
    of: (f: unknown) => {
      const id = (f as ImageStorageFigures).imageId;
      return [model.images.get(id), model.repoTagsView(id)];
    },
  };
  // The ledger's lists are built once per change and kept; a page maps only its own rows.
  const rows = {
    images: () => figures?.images ?? ledger.imageList(),
    layers: () => figures?.layers ?? ledger.layerList(),
    reclaimable: () => figures?.reclaimable ?? ledger.reclaimableList(),
  };
  return {
    ...(figures ?? ledger.summary()),
    images: () => rows.images().map(imageStorage),
    layers: () => rows.layers().map(usage),
    reclaimableLayers: () => rows.reclaimable().map(usage),
    pages: { rows, imageStorage, usage },
    // The ledger's own lists (not an as-of or DOCKER figure's, made per request) may keep their text (leafLists.ts).
    // Their rows are kept across a change when unchanged (storageLedger.ts): a row-only selection serializes only new rows.
    kept: figures ? null : {
      images: () => ({ list: ledger.imageList(), model,
        rows: { slot: listSlots(ledger).images, row: (f: unknown) => imageStorage(f as ImageStorageFigures), reads: imageReads } }),
      layers: () => ({ list: ledger.layerList(), model,
        rows: { slot: listSlots(ledger).layers, row: (u: unknown) => usage(u as LayerUsage) } }),
      reclaimable: () => ({ list: ledger.reclaimableList(), model,
        rows: { slot: listSlots(ledger).reclaimable, row: (u: unknown) => usage(u as LayerUsage) } }),
    },
  };
}

type Report = ReturnType<typeof storageReportOf>;
type PageArgs = { first?: number | null; after?: string | null };

function page<T, U>(all: readonly T[], args: PageArgs, kind: string, map: (row: T) => U) {
  return offsetConnection(all, args.first, args.after, kind, 100, map);
}

/**
 * The lists' resolvers: the compiled executor (executor.ts) reads a field that
 * has no resolver as a plain property and never calls a function-valued one.
 * The pages (schema/storage-pages.graphql) slice the kept lists by offset.
 */
export const storageReportResolvers = {
  // Answered as JSON text when the executor asks for it and the selection allows (leafLists.ts).
  images: (r: Report, _a: unknown, ctx: unknown, info?: GraphQLResolveInfo) => leafList(r.images, ctx, info, r.kept?.images()),
  layers: (r: Report, _a: unknown, ctx: unknown, info?: GraphQLResolveInfo) => leafList(r.layers, ctx, info, r.kept?.layers()),
  reclaimableLayers: (r: Report, _a: unknown, ctx: unknown, info?: GraphQLResolveInfo) =>
    leafList(r.reclaimableLayers, ctx, info, r.kept?.reclaimable()),
  imagesPage: (r: Report, args: PageArgs) => page(r.pages.rows.images(), args, 'ImageStorage', r.pages.imageStorage),
  layersPage: (r: Report, args: PageArgs) => page(r.pages.rows.layers(), args, 'LayerUsage', r.pages.usage),
  reclaimableLayersPage: (r: Report, args: PageArgs) => page(r.pages.rows.reclaimable(), args, 'ReclaimableLayer', r.pages.usage),
};

/** The pages' edges as text, as the whole lists are: a page of 1,000 rows is the same work. */
export const storagePageResolvers = { ImageStorageConnection: { edges: edgesAsText }, LayerUsageConnection: { edges: edgesAsText } };
