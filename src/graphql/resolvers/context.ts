/** What every resolver gets: the application, who is asking, and per-request loaders. */
import type { Strata } from '../../application/strata';
import type { ReadModel } from '../../projections/readModel';
import type { ImageRecord, LayerRecord } from '../../projections/records';
import { createLoaders, type Loaders } from './loaders';
import type { KeyedRequest } from '../../eventStore/types';

export interface Ctx {
  app: Strata;
  actor: string | null;
  canWrite: boolean;
  loaders: Loaders;
  /** The mutation being resolved, as its idempotency key records it (set per field by src/graphql/mutationGuard.ts). */
  request?: KeyedRequest | null;
}

/** An image as seen in one read model (so nested fields answer at the same asOf). */
export interface ImageObj { kind: 'Image'; rec: ImageRecord; model: ReadModel }
export interface LayerObj { kind: 'Layer'; rec: LayerRecord; model: ReadModel }

export const imageObj = (rec: ImageRecord, model: ReadModel): ImageObj => ({ kind: 'Image', rec, model });
export const layerObj = (rec: LayerRecord, model: ReadModel): LayerObj => ({ kind: 'Layer', rec, model });

export function createContext(app: Strata, auth: { actor: string | null; canWrite: boolean }): Ctx {
  return { app, actor: auth.actor, canWrite: auth.canWrite, loaders: createLoaders(app) };
}
