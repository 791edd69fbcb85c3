/** Query root: every `asOf` picks the read model at that log position. */
import { badInput, notFound } from '../../domain/errors';
import { planPull } from '../../domain/pullPlan';
import { diffMergedViews } from '../../domain/imageDiff';
import { matchLayers } from '../../domain/layerDiff';
import { sharedVerification } from '../../application/sharedVerification';
import { distributionOf } from '../../application/distribution';
import type { ShareKey } from '../../domain/storage';
import type { SizeAccounting } from '../../domain/sizeAccounting';
import { dockerStorage } from '../../application/sizes';
import type { Ctx } from './context';
import { imageObj, layerObj } from './context';
import { decodeGlobalId } from '../globalId';
import { offsetConnection, connectionOf, decodeCursor, encodeCursor, pageSize } from './connection';
import { imageLayer, mergedFile, eventNode } from './mappers';
import { readEventsPage, readPositionAt, type EventsArgs } from './events';
import { storageReportOf } from './storage';
import { requireImage, type TagObj } from './image';

export const queryResolvers = {
  async layerDiff(_: unknown, args: { from: string; to: string }, ctx: Ctx) {
    const model = await ctx.models.at(undefined);
    const recs = [args.from, args.to].map((ref) => {
      const r = model.resolve(ref);
      if (!r) throw notFound(`no image "${ref}"`);
      return r;
    });
    const [a, b] = await Promise.all(recs.map(async (r) => Promise.all(r.layers.map(async (l) => ({
      diffId: l.diffId, size: l.size, entries: await ctx.loaders.entries.load(l.diffId),
    })))));
    const layers = matchLayers(a!, b!).map((p) => ({
      ...p,
      from: p.from === null ? null : imageLayer(recs[0]!.layers[p.from]!, model),
      to: p.to === null ? null : imageLayer(recs[1]!.layers[p.to]!, model),
    }));
    const total = (r: typeof recs[0]) => r.layers.reduce((s, l) => s + l.size, 0);
    return { from: imageObj(recs[0]!, model), to: imageObj(recs[1]!, model), layers, sizeDelta: total(recs[1]!) - total(recs[0]!) };
  },
  head: (_: unknown, __: unknown, ctx: Ctx) => ctx.app.store.head(),
  async node(_: unknown, args: { id: string }, ctx: Ctx) {
    const g = decodeGlobalId(args.id);
    if (!g) return null;
    const model = await ctx.models.current();
    if (g.type === 'Image') { const r = model.images.get(g.key); return r && r.removedPosition === null ? imageObj(r, model) : null; }
    if (g.type === 'Layer') { const r = model.layers.get(g.key); return r ? layerObj(r, model) : null; }
    if (g.type === 'Event') {
      const p = Number(g.key);
      const [e] = Number.isInteger(p) ? await ctx.app.store.readRange(p, p, 1) : [];
      return e ? eventNode(e) : null;
    }
    return null;
  },
  async image(_: unknown, args: { ref: string; asOf?: number }, ctx: Ctx) {
    const model = await ctx.models.at(args.asOf);
    const rec = model.resolve(args.ref);
    return rec ? imageObj(rec, model) : null;
  },
  async images(_: unknown, args: { first?: number; after?: string; asOf?: number; search?: string }, ctx: Ctx) {
    const model = await ctx.models.at(args.asOf);
    let list = model.liveImages();
    if (args.search) {
      const q = args.search.toLowerCase();
      list = list.filter((i) => i.imageId.includes(q) || model.repoTagsView(i.imageId).some((t) => t.toLowerCase().includes(q)));
    }
    return offsetConnection(list, args.first, args.after, 'image', 50, (rec) => imageObj(rec, model));
  },
  async layer(_: unknown, args: { diffId: string; asOf?: number }, ctx: Ctx) {
    const model = await ctx.models.at(args.asOf);
    const rec = model.layers.get(args.diffId.trim().toLowerCase());
    return rec ? layerObj(rec, model) : null;
  },
  async storage(_: unknown, args: { by?: ShareKey; asOf?: number; accounting?: SizeAccounting }, ctx: Ctx) {
    const model = await ctx.models.at(args.asOf);
    const by = args.by ?? 'CHAIN_ID';
    if ((args.accounting ?? 'CONTENT') === 'DOCKER') return storageReportOf(model, by, await dockerStorage(ctx.app, model, by));
    return storageReportOf(model, by);
  },
  async diff(_: unknown, args: { from: string; to: string; first?: number; after?: string }, ctx: Ctx) {
    const first = pageSize(args.first, 100);
    const model = await ctx.models.current();
    const a = requireImage(model, args.from);
    const b = requireImage(model, args.to);
    const [va, vb] = await ctx.loaders.view.loadMany([a, b]);
    if (va instanceof Error) throw va;
    if (vb instanceof Error) throw vb;
    const all = diffMergedViews(va!, vb!);
    const after = decodeCursor('diff', args.after);
    const start = after === null ? 0 : all.findIndex((d) => d.path > after);
    const from = start < 0 ? all.length : start;
    const page = all.slice(from, from + first).map((d) => ({
      path: d.path, change: d.change, before: d.before ? mergedFile(d.before) : null, after: d.after ? mergedFile(d.after) : null,
    }));
    return connectionOf(page, (d) => encodeCursor('diff', d.path), all.length, from + first < all.length, from > 0);
  },
  async pullPlan(_: unknown, args: { image: string; have: string[] }, ctx: Ctx) {
    const model = await ctx.models.current();
    const img = requireImage(model, args.image);
    // Each image once, however often it is named (its layers are what the plan walks).
    const images = new Set([...new Set(args.have ?? [])].map((ref) => requireImage(model, ref)));
    const held = [...images].map((r) => r.layers);
    const plan = planPull(img.layers, held);
    return {
      image: imageObj(img, model),
      fetch: plan.fetch.map((l) => imageLayer(l, model)),
      reuse: plan.reuse.map((l) => imageLayer(l, model)),
      fetchBytes: plan.fetchBytes,
      reuseBytes: plan.reuseBytes,
    };
  },
  events: (_: unknown, args: EventsArgs, ctx: Ctx) => readEventsPage(ctx, args),
  positionAt: (_: unknown, args: { at: string }, ctx: Ctx) => readPositionAt(ctx, args.at),
  async tag(_: unknown, args: { name: string; asOf?: number }, ctx: Ctx): Promise<TagObj | null> {
    const model = await ctx.models.at(args.asOf);
    const rec = model.tag(args.name);
    return rec && rec.history.length > 0 ? { rec, model } : null;
  },
  async tags(_: unknown, args: { asOf?: number }, ctx: Ctx): Promise<TagObj[]> {
    const model = await ctx.models.at(args.asOf);
    return [...model.tags.values()].filter((t) => t.imageId).sort((a, b) => (a.name < b.name ? -1 : 1)).map((rec) => ({ rec, model }));
  },
  async verifyLog(_: unknown, args: { expectHead?: string }, ctx: Ctx) {
    const r = await sharedVerification(ctx.app.store).verify(args.expectHead);
    return { ok: r.ok, checked: r.checked, firstBadPosition: r.firstBadPosition, reason: r.reason, headHash: r.headHash,
      headPosition: r.headPosition };
  },
  async distributions(_: unknown, args: { asOf?: number }, ctx: Ctx) {
    const model = await ctx.models.at(args.asOf);
    type Group = { id: string | null; versionId: string | null; prettyName: string | null; images: ReturnType<typeof imageObj>[] };
    const groups = new Map<string, Group>();
    for (const rec of model.liveImages()) {
      const d = await distributionOf(rec, ctx.loaders);
      if (!d) continue;
      const key = `${d.id ?? ''}\u0000${d.versionId ?? ''}`;
      let g = groups.get(key);
      if (!g) {
        g = { id: d.id ?? null, versionId: d.versionId ?? null, prettyName: d.prettyName ?? null, images: [] };
        groups.set(key, g);
      }
      g.images.push(imageObj(rec, model));
    }
    return [...groups.values()];
  },
};

export { badInput, notFound };
