/** What every resolver gets: the application, who is asking, and per-request loaders. */
import type { Strata } from '../../application/strata';
import type { ReadModel } from '../../projections/readModel';
import type { ImageRecord, LayerRecord } from '../../projections/records';
import { createLoaders, type Loaders } from './loaders';
import type { KeyedRequest } from '../../eventStore/types';
import type { ReadModelSource } from '../../projections/readModelSource';

export interface Ctx {
  app: Strata;
  actor: string | null;
  canWrite: boolean;
  loaders: Loaders;
  /** The read model as this request sees it: resolvers read it here, not through app.models. */
  models: RequestModels;
  /** The mutation being resolved, as its idempotency key records it (set per field by src/graphql/mutationGuard.ts). */
  request?: KeyedRequest | null;
}

/** An image as seen in one read model (so nested fields answer at the same asOf). */
export interface ImageObj { kind: 'Image'; rec: ImageRecord; model: ReadModel }
export interface LayerObj { kind: 'Layer'; rec: LayerRecord; model: ReadModel }

export const imageObj = (rec: ImageRecord, model: ReadModel): ImageObj => ({ kind: 'Image', rec, model });
export const layerObj = (rec: LayerRecord, model: ReadModel): LayerObj => ({ kind: 'Layer', rec, model });

/**
 * The read model for one request. Once pinned (a query: the strata plugin pins it
 * when the operation is known, before the cost model), the head model is caught up
 * once and shared by the cost model, the response cache's key and every root field,
 * where each asked for it: on PostgreSQL a head query per ask (docs/reliability.md),
 * on SQLite a `PRAGMA data_version`. The first ask comes after the request arrived,
 * so a client still reads every write that returned before it sent the request.
 * A mutation never pins: its payload must read the write it made.
 */
export class RequestModels {
  private pinned = false;
  private head: Promise<ReadModel> | null = null;
  constructor(private readonly source: ReadModelSource) {}

  pin(): void { this.pinned = true; }

  current(): Promise<ReadModel> {
    if (!this.pinned) return this.source.current();
    if (!this.head) {
      const p = this.source.current();
      this.head = p;
      // A failed catch-up (the store is down) is not kept: a later field asks again, as before.
      p.catch(() => { if (this.head === p) this.head = null; });
    }
    return this.head;
  }

  /** The model as of a log position; null/undefined: the head (pinned as above). */
  at(asOf?: number | null): Promise<ReadModel> {
    return asOf === undefined || asOf === null ? this.current() : this.source.at(asOf);
  }
}

export function createContext(app: Strata, auth: { actor: string | null; canWrite: boolean }): Ctx {
  return { app, actor: auth.actor, canWrite: auth.canWrite, loaders: createLoaders(app), models: new RequestModels(app.models) };
}

/** The request's models when the context is a resolvers' context (createContext), else undefined. */
export function requestModelsOf(context: unknown): RequestModels | undefined {
  const m = (context as Partial<Ctx> | null | undefined)?.models;
  return m instanceof RequestModels ? m : undefined;
}
