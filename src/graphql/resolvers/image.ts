/** Image, ImageLayer and Tag fields: thin over the read model and the merged views. */
import { notFound } from '../../domain/errors';
import { imageHistory } from '../../application/history';
import { distributionOf } from '../../application/distribution';
import { efficiencyOf } from '../../application/efficiency';
import { pathHistoryOf } from '../../application/pathHistory';
import { encodeGlobalId } from '../globalId';
import { isExportable } from '../../export/plan';
import type { Ctx, ImageObj } from './context';
import { imageObj } from './context';
import { connectionOf, decodeCursor, encodeCursor, offsetConnection, pageSize, type Connection } from './connection';
import { leafList, type KeptObjects } from '../leafLists';
import type { GraphQLResolveInfo } from 'graphql';
import { eventNode, imageLayer, imageLayerLayer, mergedFile } from './mappers';
import { readStreamPage } from './events';
import type { ImageRecord, TagMoveRecord, TagRecord } from '../../projections/records';
import type { MergedEntry } from '../../domain/layerEntry';
import type { ReadModel } from '../../projections/readModel';
import { accountingOf, imageSizeOf, layerSize, sharedSizeOf, uniqueSizeOf, type AccountingArgs } from './sizes';

/** File contents (the tar reader) load when a file's content is asked for (start-up of other commands, docs/adr/0010). */
const fileContent = () => require('../../application/fileContent') as typeof import('../../application/fileContent');

/** Sum of the layer blob sizes, null when any is unknown (or the list itself is). */
function manifestLayersSize(layers: readonly { compressedSize: number | null }[] | null): number | null {
  if (!layers || layers.some((l) => l.compressedSize === null)) return null;
  return layers.reduce((s, l) => s + (l.compressedSize ?? 0), 0);
}

/**
 * The image's compressed figure comes from the manifest shown beside it
 * (manifestDigest, the first named), never from another packaging's layers;
 * with no named manifest, from the layers as first stored.
 */
function imageCompressedSize(rec: ImageRecord): number | null {
  const shown = rec.manifestDigests[0];
  const named = shown === undefined ? undefined : rec.manifests.find((m) => m.digest === shown);
  if (named) return manifestLayersSize(named.layers);
  if (shown !== undefined) return null;
  return manifestLayersSize(rec.layers);
}

const related = (o: ImageObj, ids: readonly string[]) =>
  ids.map((id) => o.model.images.get(id)).filter((r) => r !== undefined).map((r) => imageObj(r!, o.model));

/** ImageCommitted.parentImageId while it is live (Docker stops the same way at a parent it cannot get). */
function commitParentOf(rec: ImageRecord, model: ReadModel): ImageObj | null {
  const parent = rec.parentImageId === null ? undefined : model.images.get(rec.parentImageId);
  return model.isLive(parent) ? imageObj(parent, model) : null;
}

/** The commit-parent chain, nearest first; the seen set guards against a cycle a re-commit could make. */
function commitAncestorsOf(o: ImageObj): ImageObj[] {
  const chain: ImageObj[] = [];
  const seen = new Set([o.rec.imageId]);
  for (let p = commitParentOf(o.rec, o.model); p && !seen.has(p.rec.imageId); p = commitParentOf(p.rec, o.model)) {
    seen.add(p.rec.imageId);
    chain.push(p);
  }
  return chain;
}

export const imageResolvers = {
  id: (o: ImageObj) => encodeGlobalId('Image', o.rec.imageId),
  imageId: (o: ImageObj) => o.rec.imageId,
  manifestDigest: (o: ImageObj) => o.rec.manifestDigests[0] ?? null,
  manifestDigests: (o: ImageObj) => o.rec.manifestDigests,
  // Without a copy: graphql-jit builds the answer's own list from it.
  repoTags: (o: ImageObj) => o.model.repoTagsView(o.rec.imageId),
  created: (o: ImageObj) => o.rec.created,
  architecture: (o: ImageObj) => o.rec.architecture,
  os: (o: ImageObj) => o.rec.os,
  config: (o: ImageObj) => JSON.parse(o.rec.config),
  layers: (o: ImageObj) => o.rec.layers.map((l) => imageLayer(l, o.model)),
  size: (o: ImageObj, args: AccountingArgs, ctx: Ctx) => imageSizeOf(ctx, o.rec, args),
  compressedSize: (o: ImageObj) => imageCompressedSize(o.rec),
  manifests: (o: ImageObj) => o.rec.manifests.map((m) => {
    const layers = manifestLayersSize(m.layers);
    return { digest: m.digest, mediaType: m.mediaType, compressedSize: layers === null ? null : m.configSize + layers };
  }),
  sharedSize: (o: ImageObj, args: AccountingArgs, ctx: Ctx) => sharedSizeOf(ctx, o.rec, o.model, args),
  uniqueSize: (o: ImageObj, args: AccountingArgs, ctx: Ctx) => uniqueSizeOf(ctx, o.rec, o.model, args),
  parent: (o: ImageObj) => related(o, [o.model.lineage().parent(o.rec.imageId) ?? ''])[0] ?? null,
  lineageSource: (o: ImageObj) => o.model.lineage().lineageSource(o.rec.imageId),
  commitParent: (o: ImageObj) => commitParentOf(o.rec, o.model),
  commitAncestors: (o: ImageObj) => commitAncestorsOf(o),
  base: (o: ImageObj) => related(o, [o.model.lineage().base(o.rec.imageId) ?? ''])[0] ?? null,
  ancestors: (o: ImageObj) => related(o, o.model.lineage().ancestors(o.rec.imageId)),
  children: (o: ImageObj) => related(o, o.model.lineage().children(o.rec.imageId)),
  descendants: (o: ImageObj) => related(o, o.model.lineage().descendants(o.rec.imageId)),
  history: (o: ImageObj) => imageHistory(o.rec),
  exportable: (o: ImageObj, _a: unknown, ctx: Ctx) => isExportable(ctx.app.blobs, o.rec),
  transfers: (o: ImageObj) => o.model.transfers.get(o.rec.imageId) ?? [],
  async file(o: ImageObj, args: { path: string }, ctx: Ctx) {
    const view = await ctx.loaders.view.load(o.rec);
    const e = view.lookup(args.path);
    return e ? mergedFile(e, o.rec) : null;
  },
  async files(o: ImageObj, args: { path: string; recursive?: boolean; first?: number; after?: string }, ctx: Ctx) {
    const first = pageSize(args.first, 100);
    const after = decodeCursor('file', args.after);
    const view = await ctx.loaders.view.load(o.rec);
    const page = view.list(args.path ?? '/', { recursive: !!args.recursive, after, first });
    const nodes = page.entries.map((e) => mergedFile(e, o.rec));
    return connectionOf(nodes, (e) => encodeCursor('file', e.path), page.totalCount, page.hasNextPage,
      after !== null);
  },
  async pathHistory(o: ImageObj, args: { path: string }, ctx: Ctx) {
    return (await pathHistoryOf(ctx.app, o.rec, args.path, ctx.loaders)).map((h) => ({ ...h, entry: h.after }));
  },
  async efficiency(o: ImageObj, _args: unknown, ctx: Ctx) {
    return efficiencyOf(o.rec, ctx.loaders);
  },
  async distribution(o: ImageObj, _args: unknown, ctx: Ctx) {
    return distributionOf(o.rec, ctx.loaders);
  },
  async events(o: ImageObj, args: { first?: number; after?: string }, ctx: Ctx) {
    return readStreamPage(ctx, `image:${o.rec.imageId}`, args.first, args.after, o.model.position);
  },
  version: (o: ImageObj) => o.model.streamVersions.get(`image:${o.rec.imageId}`) ?? 0,
  removedAt: (o: ImageObj) => o.rec.removedPosition,
};

/**
 * What an Image node's listed fields (leafLists.ts) read, for its kept text:
 * id, imageId, created, architecture, os, size and layers (every ImageLayer
 * field listed: getters of the layer records, frozen; size CONTENT's `l.size`)
 * read the image's record, whose fields they read are never reassigned (a
 * record made live again is another object; readModel.ts); repoTags reads
 * `repoTagsView`, whose arrays are never changed (a tag move replaces the
 * arrays of the two images it touches: readModel.ts moveInTagIndex);
 * sharedSize and uniqueSize read the record's layers and the CHAIN_ID ledger's
 * shared figure for the image, which changes when an image sharing a layer
 * comes or goes (resolvers/sizes.ts, under the default CONTENT; DOCKER, a
 * loader promise, abandons the text). A field added to LEAF_LIST_FIELDS is
 * kept only once it is named here with what it reads.
 */
const IMAGE_NODE_READS: KeptObjects = {
  type: 'Image',
  reads: {
    fields: new Set([
      'Image.id', 'Image.imageId', 'Image.repoTags', 'Image.created', 'Image.architecture', 'Image.os',
      'Image.size', 'Image.sharedSize', 'Image.uniqueSize', 'Image.layers',
      'ImageLayer.index', 'ImageLayer.diffId', 'ImageLayer.chainId', 'ImageLayer.digest', 'ImageLayer.mediaType',
      'ImageLayer.size', 'ImageLayer.createdBy',
    ]),
    of: (node: unknown) => {
      const { rec, model } = node as ImageObj;
      return [rec, model.repoTagsView(rec.imageId), model.ledger('CHAIN_ID').sharedSizeOf(rec.imageId)];
    },
  },
};

/**
 * ImageConnection.edges as text: the dashboard asks a page of 100 images with
 * their sizes and layers (issue 19 item 5); each node's text is kept across
 * requests by what it reads (IMAGE_NODE_READS), the edge's cursor written anew.
 */
export const imageConnectionResolvers = {
  edges: (c: Connection<ImageObj>, _a: unknown, ctx: unknown, info?: GraphQLResolveInfo) =>
    leafList(c.edges, ctx, info, undefined, IMAGE_NODE_READS),
};

/** MergedFile.content: read from the blob store for files reached through an image (file, files). */
export const mergedFileResolvers = {
  async content(f: MergedEntry & { image?: ImageRecord }, args: { offset?: number; length?: number },
    ctx: Ctx) {
    if (!f.image) return null;
    const view = await ctx.loaders.view.load(f.image);
    const c = await fileContent().readFileContent(f.image, f.path, {
      blobs: ctx.app.blobs, view, entriesOf: (d) => ctx.loaders.entries.load(d),
    }, args);
    return { base64: c.bytes.toString('base64'), size: c.size, truncated: c.truncated };
  },
};

export interface TagObj { rec: TagRecord; model: ReadModel }

/** A TagMove object: the images as of the model (null once removed), their IDs always. */
export const tagMoveOf = (m: TagMoveRecord, model: ReadModel) => ({
  position: m.position, at: m.at, actor: m.actor, tag: m.tag,
  from: m.from && model.images.get(m.from) ? imageObj(model.images.get(m.from)!, model) : null,
  to: m.to && model.images.get(m.to) ? imageObj(model.images.get(m.to)!, model) : null,
  fromImageId: m.from, toImageId: m.to,
});

export const tagResolvers = {
  name: (t: TagObj) => t.rec.name,
  image: (t: TagObj) => {
    const img = t.rec.imageId ? t.model.images.get(t.rec.imageId) : undefined;
    return img && img.removedPosition === null ? imageObj(img, t.model) : null;
  },
  version: (t: TagObj) => t.rec.version,
  history: (t: TagObj) => t.rec.history.map((m) => tagMoveOf(m, t.model)),
  /** One point per move; an untag is a point of size 0 (the tag holds nothing). */
  sizeHistory: (t: TagObj): TagSizePoint[] => t.rec.history.map((m, i) => {
    const rec = m.to ? t.model.images.get(m.to) ?? null : null;
    const prevId = i > 0 ? t.rec.history[i - 1]!.to : null;
    const prev = prevId ? t.model.images.get(prevId) ?? null : null;
    return { position: m.position, at: m.at, rec, prev, model: t.model };
  }),
};

interface TagSizePoint { position: number; at: string; rec: ImageRecord | null; prev: ImageRecord | null; model: ReadModel }
const contentSize = (r: ImageRecord | null) => (r ? r.layers.reduce((s, l) => s + l.size, 0) : 0);

/**
 * TagSizePoint: size under the accounting asked for; delta has no accounting
 * argument in the contract, so it is the CONTENT (default) size change.
 */
export const tagSizePointResolvers = {
  image: (p: TagSizePoint) => (p.rec ? imageObj(p.rec, p.model) : null),
  size: (p: TagSizePoint, args: AccountingArgs, ctx: Ctx) => (p.rec ? imageSizeOf(ctx, p.rec, args) : 0),
  delta: (p: TagSizePoint) => contentSize(p.rec) - contentSize(p.prev),
};

/** ImageLayer.size and HistoryStep.size: the layer's size under the accounting asked for; ImageLayer.layer when asked for. */
export const imageLayerResolvers = {
  layer: imageLayerLayer,
  size: (l: { diffId: string; size: number }, args: AccountingArgs, ctx: Ctx) => layerSize(ctx, l.diffId, l.size, args),
};
export const historyStepResolvers = {
  size: (h: { diffId: string | null; size: number }, args: AccountingArgs, ctx: Ctx) =>
    h.diffId === null ? 0 : layerSize(ctx, h.diffId, h.size, args),
};
export { accountingOf };

export function requireImage(model: ReadModel, ref: string) {
  const rec = model.resolve(ref);
  if (!rec) throw notFound(`no image "${ref}"`);
  return rec;
}

export { offsetConnection, eventNode };
