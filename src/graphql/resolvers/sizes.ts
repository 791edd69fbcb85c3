/**
 * Size fields under a SizeAccounting argument (domain/sizeAccounting.ts): CONTENT from the read model, DOCKER from the loaders.
 * CONTENT figures are returned as plain numbers, not promises: graphql-js then
 * completes the object without a promise per field (the dashboard asks three
 * sizes of each of 100 images; issue 19 item 5).
 */
import type { SizeAccounting } from '../../domain/sizeAccounting';
import type { ImageRecord } from '../../projections/records';
import type { ReadModel } from '../../projections/readModel';
import type { Ctx } from './context';

export interface AccountingArgs { accounting?: SizeAccounting | null }

export const accountingOf = (args: AccountingArgs | undefined): SizeAccounting => args?.accounting ?? 'CONTENT';

/** A number now (CONTENT) or later (DOCKER, through a loader). */
export type Size = number | Promise<number>;

export function layerSize(ctx: Ctx, diffId: string, contentSize: number, args: AccountingArgs | undefined): Size {
  return accountingOf(args) === 'CONTENT' ? contentSize : ctx.loaders.dockerSize.load(diffId);
}

const dockerSizes = (ctx: Ctx, rec: ImageRecord): Promise<number[]> =>
  ctx.loaders.dockerSize.loadMany(rec.layers.map((l) => l.diffId)) as Promise<number[]>;

const sum = (xs: readonly number[]) => xs.reduce((s, n) => s + n, 0);

/** The image's CONTENT size: a loop, no array (asked of every image on a dashboard page, twice with uniqueSize). */
function contentSizeOf(rec: ImageRecord): number {
  let total = 0;
  for (const l of rec.layers) total += l.size;
  return total;
}

export function imageSizeOf(ctx: Ctx, rec: ImageRecord, args: AccountingArgs | undefined): Size {
  if (accountingOf(args) === 'CONTENT') return contentSizeOf(rec);
  return dockerSizes(ctx, rec).then(sum);
}

/** Bytes of the image's layers whose ChainID another live image references (sharing does not depend on the accounting). */
export function sharedSizeOf(ctx: Ctx, rec: ImageRecord, model: ReadModel, args: AccountingArgs | undefined): Size {
  if (accountingOf(args) === 'CONTENT') return model.ledger('CHAIN_ID').sharedSizeOf(rec.imageId) ?? 0;
  if (!model.ledger('CHAIN_ID').hasImage(rec.imageId)) return 0;
  return dockerSizes(ctx, rec).then((sizes) =>
    rec.layers.reduce((s, l, i) => s + ((model.ledger('CHAIN_ID').layerUsage(l.chainId)?.imageCount ?? 0) >= 2 ? sizes[i]! : 0), 0));
}

/** size − sharedSize, synchronous when both are. */
export function uniqueSizeOf(ctx: Ctx, rec: ImageRecord, model: ReadModel, args: AccountingArgs | undefined): Size {
  const size = imageSizeOf(ctx, rec, args);
  const shared = sharedSizeOf(ctx, rec, model, args);
  if (typeof size === 'number' && typeof shared === 'number') return size - shared;
  return Promise.all([size, shared]).then(([a, b]) => a - b);
}
