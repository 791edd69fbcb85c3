/**
 * Containers as the schema shows them: Query.container / Query.containers and
 * the Container type's resolvers. The container mutations (mutations.ts)
 * answer with the same shape.
 */
import { accountingOf, type AccountingArgs } from './sizes';
import type { ContainerResult } from '../../application/commands/containers';
import type { Strata } from '../../application/strata';
import type { ReadModel } from '../../projections/readModel';
import type { ContainerRecord } from '../../projections/records';
import type { Ctx } from './context';
import { imageObj } from './context';

/** The container commands and deciders load when a container is asked for (start-up of other commands, docs/adr/0010). */
const commands = () => require('../../application/commands/containers') as typeof import('../../application/commands/containers');

/**
 * A Container as the schema shows it, computed at once (docker diff and sizes
 * need the image's merged view). Plain values; only size and virtualSize,
 * which take an accounting argument, have resolvers (containerResolvers).
 */
export async function containerObj(app: Strata, model: ReadModel, rec: ContainerRecord) {
  const v = await commands().containerView(app, model, rec);
  const image = model.images.get(rec.imageId);
  return {
    id: rec.containerId, imageId: rec.imageId, name: rec.name, image: model.isLive(image) ? imageObj(image, model) : null,
    changes: v.changes, size: v.size, virtualSize: v.virtualSize, dockerSize: v.dockerSize, dockerVirtualSize: v.dockerVirtualSize,
    copiedUpBytes: rec.copiedUpBytes,
    version: model.streamVersions.get(`container:${rec.containerId}`) ?? rec.version, removed: rec.removedPosition !== null,
  };
}

/** Container.size and virtualSize under the accounting asked for (docker ps -s SizeRw and SizeRootFs under DOCKER). */
export const containerResolvers = {
  size: (c: { size: number; dockerSize: number }, args: AccountingArgs) => (accountingOf(args) === 'DOCKER' ? c.dockerSize : c.size),
  virtualSize: (c: { virtualSize: number; dockerVirtualSize: number }, args: AccountingArgs) =>
    (accountingOf(args) === 'DOCKER' ? c.dockerVirtualSize : c.virtualSize),
};

/** A container command's result as the mutation payload. */
export const containerPayload = (ctx: Ctx, r: ContainerResult) => containerObj(ctx.app, r.model, r.container);

/** Query.container / Query.containers (to be spread into the Query resolver map). */
export const containerQueryResolvers = {
  async container(_: unknown, args: { id: string }, ctx: Ctx) {
    const model = await ctx.models.current();
    const rec = commands().findContainer(model, args.id);
    return rec ? containerObj(ctx.app, model, rec) : null;
  },
  async containers(_: unknown, __: unknown, ctx: Ctx) {
    const model = await ctx.models.current();
    const live = [...model.containers.values()].filter((c) => c.removedPosition === null).sort((a, b) =>
      a.createdPosition - b.createdPosition);
    return Promise.all(live.map((c) => containerObj(ctx.app, model, c)));
  },
};
