/** Query.drift, Image.drift and BaseDrift: thin over the read model's DriftIndex (docs/domain.md §4, base drift). */
import type { BaseDriftEntry } from '../../domain/drift';
import { notFound } from '../../domain/errors';
import { normalizeTag } from '../../domain/reference';
import type { ReadModel } from '../../projections/readModel';
import type { Ctx, ImageObj } from './context';
import { imageObj } from './context';
import { offsetConnection } from './connection';

/** One entry as seen in one read model (nested images answer at the same asOf). */
export interface BaseDriftObj { kind: 'BaseDrift'; entry: BaseDriftEntry; model: ReadModel }

export const driftObj = (entry: BaseDriftEntry, model: ReadModel): BaseDriftObj => ({ kind: 'BaseDrift', entry, model });

/** The tag's key in the read model; a tag the log has never named (at this position) is NOT_FOUND, not an empty answer. */
export function knownTag(model: ReadModel, tag: string): string {
  const key = normalizeTag(tag);
  if (!model.drift.knows(key)) throw notFound(`tag ${key} is not known at log position ${model.position}`, { tag: key });
  return key;
}

/** Old targets may have been removed since: the record stays in the model (the log keeps everything). */
const imageAt = (model: ReadModel, imageId: string) => imageObj(model.images.get(imageId)!, model);

export const driftQueryResolvers = {
  async drift(_: unknown, args: { tag?: string | null; first?: number; after?: string; asOf?: number }, ctx: Ctx) {
    const model = await ctx.models.at(args.asOf);
    const tag = args.tag === undefined || args.tag === null ? null : knownTag(model, args.tag);
    const conn = offsetConnection(model.drift.list(tag), args.first, args.after, 'drift', 50);
    return { ...conn, edges: conn.edges.map((e) => ({ cursor: e.cursor, node: driftObj(e.node, model) })) };
  },
};

export const imageDriftResolvers = {
  drift: (o: ImageObj) => o.model.drift.ofImage(o.rec.imageId).map((e) => driftObj(e, o.model)),
};

export const baseDriftResolvers = {
  image: (o: BaseDriftObj) => imageAt(o.model, o.entry.imageId),
  tag: (o: BaseDriftObj) => o.entry.tag,
  builtOn: (o: BaseDriftObj) => imageAt(o.model, o.entry.builtOn),
  current: (o: BaseDriftObj) => imageAt(o.model, o.entry.current),
  movesBehind: (o: BaseDriftObj) => o.entry.movesBehind,
  since: (o: BaseDriftObj) => o.entry.since,
};
