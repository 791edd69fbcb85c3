/** Size fields under a SizeAccounting argument (domain/sizeAccounting.ts): CONTENT from the read model, DOCKER from the loaders. */
import type { SizeAccounting } from '../../domain/sizeAccounting';
import type { ImageRecord } from '../../projections/records';
import type { ReadModel } from '../../projections/readModel';
import type { Ctx } from './context';

export interface AccountingArgs { accounting?: SizeAccounting | null }

export const accountingOf = (args: AccountingArgs | undefined): SizeAccounting => args?.accounting ?? 'CONTENT';

export async function layerSize(ctx: Ctx, diffId: string, contentSize: number, args: AccountingArgs | undefined): Promise<number> {
  return accountingOf(args) === 'CONTENT' ? contentSize : ctx.loaders.dockerSize.load(diffId);
}

async function layerSizes(ctx: Ctx, rec: ImageRecord, args: AccountingArgs | undefined): Promise<number[]> {
  if (accountingOf(args) === 'CONTENT') return rec.layers.map((l) => l.size);
  return ctx.loaders.dockerSize.loadMany(rec.layers.map((l) => l.diffId)) as Promise<number[]>;
}

export async function imageSizeOf(ctx: Ctx, rec: ImageRecord, args: AccountingArgs | undefined): Promise<number> {
  return (await layerSizes(ctx, rec, args)).reduce((s, n) => s + n, 0);
}

/** Bytes of the image's layers whose ChainID another live image references (sharing does not depend on the accounting). */
export async function sharedSizeOf(ctx: Ctx, rec: ImageRecord, model: ReadModel, args: AccountingArgs | undefined): Promise<number> {
  if (accountingOf(args) === 'CONTENT') return model.ledger('CHAIN_ID').imageFigures(rec.imageId)?.sharedSize ?? 0;
  if (!model.ledger('CHAIN_ID').hasImage(rec.imageId)) return 0;
  const sizes = await layerSizes(ctx, rec, args);
  return rec.layers.reduce((s, l, i) => s + ((model.ledger('CHAIN_ID').layerUsage(l.chainId)?.imageCount ?? 0) >= 2 ? sizes[i]! : 0), 0);
}
