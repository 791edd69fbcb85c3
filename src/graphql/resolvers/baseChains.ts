/** Query.baseChains, Image.baseChain and BaseChain: thin over the read model's BaseChainIndex (docs/domain.md §4). */
import { badInput } from '../../domain/errors';
import type { BaseChainNode } from '../../domain/baseChains';
import type { ReadModel } from '../../projections/readModel';
import type { ImageLayerRecord } from '../../projections/records';
import type { Ctx, ImageObj } from './context';
import { imageObj } from './context';
import { connectionOf, decodeCursor, encodeCursor, offsetConnection, pageSize } from './connection';
import { imageLayer } from './mappers';
import { stackDistribution } from './stackDistribution';
import { layerSize, type AccountingArgs } from './sizes';

/** A shared stack as seen in one read model (nested fields answer at the same asOf). */
export interface BaseChainObj { kind: 'BaseChain'; node: BaseChainNode; model: ReadModel }

const chainObj = (node: BaseChainNode | null, model: ReadModel): BaseChainObj | null => (node ? { kind: 'BaseChain', node, model } : null);

/** The stack's layers, read off any live image that has the stack. */
function stackLayers(o: BaseChainObj): ImageLayerRecord[] {
  const id = o.model.baseChains.someImageWith(o.node.chainId);
  const rec = id ? o.model.images.get(id) : undefined;
  return rec ? rec.layers.slice(0, o.node.depth) : [];
}

function minImagesOf(n: number | null | undefined): number {
  const v = n ?? 2;
  if (!Number.isInteger(v) || v < 2) {
    throw badInput(`minImages must be an integer >= 2 (a base chain is shared by at least two images), got ${v}`);
  }
  return v;
}

export const baseChainQueryResolvers = {
  async baseChains(_: unknown, args: { minImages?: number; first?: number; after?: string; asOf?: number }, ctx: Ctx) {
    const min = minImagesOf(args.minImages);
    const model = await ctx.models.at(args.asOf);
    const conn = offsetConnection(model.baseChains.list(min), args.first, args.after, 'basechain', 50);
    return { ...conn, edges: conn.edges.map((e) => ({ cursor: e.cursor, node: chainObj(e.node, model) })) };
  },
};

export const imageBaseChainResolvers = {
  baseChain: (o: ImageObj) => chainObj(o.model.baseChains.baseChainOf(o.rec.layers.map((l) => l.chainId)), o.model),
};

export const baseChainResolvers = {
  chainId: (o: BaseChainObj) => o.node.chainId,
  depth: (o: BaseChainObj) => o.node.depth,
  layers: (o: BaseChainObj) => stackLayers(o).map((l) => imageLayer(l, o.model)),
  async size(o: BaseChainObj, args: AccountingArgs, ctx: Ctx) {
    const layers = stackLayers(o);
    const sizes = await Promise.all(layers.map((l) => layerSize(ctx, l.diffId, l.size, args)));
    return sizes.reduce((s, n) => s + n, 0);
  },
  image: (o: BaseChainObj) => {
    const id = o.model.baseChains.imagesExactly(o.node.chainId)[0];
    const rec = id ? o.model.images.get(id) : undefined;
    return rec ? imageObj(rec, o.model) : null;
  },
  distribution: (o: BaseChainObj, _args: unknown, ctx: Ctx) => stackDistribution(ctx.app, stackLayers(o), ctx.loaders),
  imageCount: (o: BaseChainObj) => o.node.imageCount,
  images(o: BaseChainObj, args: { first?: number; after?: string }) {
    const first = pageSize(args.first, 50);
    const after = decodeCursor('basechain-image', args.after);
    const start = after === null ? 0 : Number(after) + 1;
    if (!Number.isInteger(start) || start < 0) throw badInput('invalid cursor');
    const page = o.model.baseChains.imagesOnPage(o.node.chainId, start, first);
    const nodes = page.imageIds.map((id, i) => ({ i: start + i, rec: o.model.images.get(id)! }));
    const conn = connectionOf(nodes, (n) => encodeCursor('basechain-image', n.i), page.total, start + first < page.total, start > 0);
    return { ...conn, edges: conn.edges.map((e) => ({ cursor: e.cursor, node: imageObj(e.node.rec, o.model) })) };
  },
  parent: (o: BaseChainObj) => chainObj(o.model.baseChains.parent(o.node.chainId), o.model),
  children: (o: BaseChainObj) => o.model.baseChains.children(o.node.chainId).map((n) => chainObj(n, o.model)),
};
