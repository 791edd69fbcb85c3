/**
 * Mutation root: thin over the application's command handlers
 * (src/application/commands). Each resolver turns the command's result —
 * records from the read model after the append — into the contract's shapes.
 * The server refuses mutations without the write token before any resolver
 * runs; the check here keeps other transports (a context built elsewhere) honest.
 */
import { DomainError } from '../../domain/errors';
import { commitImage, type CommitInput, type CommitResult } from '../../application/commands/commit';
import { removeImage } from '../../application/commands/removeImage';
import { tagImage, untag } from '../../application/commands/tags';
import { upgradeTag, type UpgradeInput } from '../../application/commands/upgrade';
import {
  changeFiles, commitContainer, createContainer, removeContainer, type ContainerCommitInput,
} from '../../application/commands/containers';
import type { FileChange } from '../../domain/image/fileChange';
import { toGraphQLEvent } from '../subscriptions';
import { pullFromRegistry } from '../../application/registryPull';
import { pushImage } from '../../application/registryPush';
import { isRegistrySource } from '../../registry';
import type { Ctx } from './context';
import { imageObj, layerObj } from './context';
import { imageLayer } from './mappers';
import { containerPayload } from './containers';

// Query.container(s) moved to containers.ts; kept importable from here for existing callers.
export { containerQueryResolvers } from './containers';

function writer(ctx: Ctx, idempotencyKey?: string | null) {
  if (!ctx.canWrite) throw new DomainError('UNAUTHENTICATED', 'Mutations need Authorization: Bearer <write token>');
  return { actor: ctx.actor, idempotencyKey: idempotencyKey ?? null, request: ctx.request ?? null };
}

export function commitPayload(r: CommitResult) {
  const layer = r.image.layers[r.layerIndex];
  if (!layer) throw new DomainError('INTERNAL_SERVER_ERROR', `image ${r.image.imageId} has no layer ${r.layerIndex}`);
  return { image: imageObj(r.image, r.model), layer: imageLayer(layer, r.model), event: toGraphQLEvent(r.event) };
}

export const mutationResolvers: Record<string, (...args: any[]) => unknown> = {
  async pullImage(_: unknown, args: { source: string; platform?: string | null; idempotencyKey?: string | null }, ctx: Ctx) {
    const who = writer(ctx, args.idempotencyKey);
    if (!isRegistrySource(args.source)) {
      throw new DomainError('BAD_USER_INPUT', `pullImage takes docker://HOST/REPO[:TAG|@DIGEST]; "${args.source}" is not one `
        + '(archives and engines: strata import)');
    }
    const started = process.hrtime.bigint();
    const r = await pullFromRegistry(ctx.app, args.source, { platform: args.platform, ...who });
    ctx.app.onTransfer?.('pull', r.fetchedBytes, Number(process.hrtime.bigint() - started) / 1e9);
    const model = await ctx.app.models.current();
    const images = r.imageIds.map((id) => model.images.get(id)).filter((i) => model.isLive(i)).map((i) => imageObj(i!, model));
    const event = r.transferEvents[0] ?? r.summary.events?.[0] ?? null;
    return { images, fetchedBlobs: r.fetchedBlobs, fetchedBytes: r.fetchedBytes, reusedBlobs: r.reusedBlobs, reusedBytes: r.reusedBytes,
      event: event ? toGraphQLEvent(event) : null };
  },
  async pushImage(_: unknown, args: { image: string; destination: string; idempotencyKey?: string | null }, ctx: Ctx) {
    const started = process.hrtime.bigint();
    const r = await pushImage(ctx.app, args.image, args.destination, writer(ctx, args.idempotencyKey));
    ctx.app.onTransfer?.('push', r.uploadedBytes, Number(process.hrtime.bigint() - started) / 1e9);
    if (!r.event) throw new DomainError('CONFLICT', `idempotency key "${args.idempotencyKey}" was already used`);
    return { ...r, event: toGraphQLEvent(r.event) };
  },
  async commit(_: unknown, args: { input: CommitInput }, ctx: Ctx) {
    return commitPayload(await commitImage(ctx.app, args.input, writer(ctx)));
  },
  async createContainer(_: unknown, args: { image: string; name?: string | null; idempotencyKey?: string | null }, ctx: Ctx) {
    return containerPayload(ctx, await createContainer(ctx.app, args, writer(ctx, args.idempotencyKey)));
  },
  async writeFile(_: unknown, args: { container: string; change: FileChange; idempotencyKey?: string | null }, ctx: Ctx) {
    return containerPayload(ctx, await changeFiles(ctx.app, { container: args.container, changes: [args.change] },
      writer(ctx, args.idempotencyKey)));
  },
  async changeFiles(_: unknown, args: { container: string; changes: FileChange[]; idempotencyKey?: string | null }, ctx: Ctx) {
    return containerPayload(ctx, await changeFiles(ctx.app, args, writer(ctx, args.idempotencyKey)));
  },
  async commitContainer(_: unknown, args: ContainerCommitInput & { idempotencyKey?: string | null }, ctx: Ctx) {
    return commitPayload(await commitContainer(ctx.app, args, writer(ctx, args.idempotencyKey)));
  },
  async removeContainer(_: unknown, args: { container: string }, ctx: Ctx) {
    return containerPayload(ctx, await removeContainer(ctx.app, args, writer(ctx)));
  },
  async tagImage(
    _: unknown, args: { image: string; tag: string; expectedVersion?: number | null; idempotencyKey?: string | null }, ctx: Ctx,
  ) {
    const r = await tagImage(ctx.app, args, writer(ctx));
    return imageObj(r.image, r.model);
  },
  async untag(_: unknown, args: { tag: string; expectedVersion?: number | null; idempotencyKey?: string | null }, ctx: Ctx) {
    return untag(ctx.app, args, writer(ctx));
  },
  async removeImage(
    _: unknown, args: { ref: string; expectedVersion?: number | null; force?: boolean | null; idempotencyKey?: string | null }, ctx: Ctx,
  ) {
    const r = await removeImage(ctx.app, args, writer(ctx));
    return { removed: imageObj(r.removed, r.model), freedLayers: r.freedLayers.map((l) => layerObj(l, r.model)), freedBytes: r.freedBytes };
  },
  async upgrade(_: unknown, args: { input: UpgradeInput }, ctx: Ctx) {
    const r = await upgradeTag(ctx.app, args.input, writer(ctx));
    const layers = (indexes: number[]) => indexes.map((i) => r.image.layers[i]).filter((l) => l !== undefined).map((l) =>
      imageLayer(l, r.model));
    return {
      previous: imageObj(r.previous, r.model), image: imageObj(r.image, r.model),
      sharedLayers: layers(r.sharedLayers), newLayers: layers(r.newLayers), shadowedPaths: r.shadowedPaths, event: toGraphQLEvent(r.event),
    };
  },
};
