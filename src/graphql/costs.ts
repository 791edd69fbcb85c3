/**
 * The cost model's view of the data (limits.ts, CostModel): how long the lists
 * the contract leaves unpaged are now, and what the fields whose work grows
 * with the log cost (docs/reliability.md, cases 15.2 and 15.7). Lengths are
 * upper bounds over every image ever committed, so an `asOf` model is never
 * costed below its real size.
 */
import type { Strata } from '../application/strata';
import { sharedVerification } from '../application/sharedVerification';
import type { ReadModel } from '../projections/readModel';
import type { CostModel } from './limits';

/** Log events replayed or verified per unit of cost (one unit is one resolved field). */
export const EVENTS_PER_COST = 4;

interface Stats {
  images: number;
  layers: number;
  tags: number;
  containers: number;
  maxLayers: number;
  maxHistory: number;
  maxTagMoves: number;
  maxTagsPerImage: number;
  maxManifests: number;
  maxImagesPerLayer: number;
  maxChanges: number;
}

/** O(1): the read model keeps these as events arrive (projections/readModelStats.ts). */
function statsOf(model: ReadModel): Stats {
  const s = model.stats;
  return {
    images: model.images.size, layers: model.layers.size, tags: model.tags.size, containers: model.containers.size,
    maxLayers: s.maxLayers, maxHistory: s.maxHistory, maxTagMoves: s.maxTagMoves, maxManifests: s.maxManifests, maxChanges: s.maxChanges,
    maxTagsPerImage: s.maxTagsPerImage, maxImagesPerLayer: s.maxImagesPerLayer,
  };
}

/**
 * Real lengths of the unpaged lists that grow with the log, by `Type.field`
 * (`Image.children` is asked of the model only when a request selects it: costModelFor).
 * Lists bounded by one image (its layers, history, ancestors: Docker caps an
 * image at 127 layers) keep the default length.
 */
function listSizes(s: Stats): Record<string, number> {
  return {
    'Query.tags': s.tags, 'Query.containers': s.containers, 'Query.distributions': s.images,
    'DistributionGroup.images': s.images, 'Container.changes': s.maxChanges,
    'Image.repoTags': s.maxTagsPerImage, 'Image.manifestDigests': s.maxManifests, 'Image.manifests': s.maxManifests,
    'Image.descendants': s.images, 'Layer.images': s.maxImagesPerLayer,
    'Tag.history': s.maxTagMoves,
    'StorageReport.images': s.images, 'StorageReport.layers': s.layers, 'StorageReport.reclaimableLayers': s.layers,
    'BaseChain.children': s.images,
  };
}

/** The sizes of one model at one position: they change only when events are folded (the model object stays the same). */
let sized: { model: ReadModel; position: number; stats: Stats; sizes: Record<string, number> } | null = null;

function sizesOf(model: ReadModel): { stats: Stats; sizes: Record<string, number> } {
  if (sized?.model !== model || sized.position !== model.position) {
    const stats = statsOf(model);
    sized = { model, position: model.position, stats, sizes: listSizes(stats) };
  }
  return sized;
}

/**
 * The cost model for the next request: sizes from the current read model, work from the log's length.
 * `models`: the request's own view of the model (context.ts RequestModels: a query asks for the head once).
 */
export async function costModelFor(app: Strata, models: { current(): Promise<ReadModel> } = app.models): Promise<CostModel> {
  const model = await models.current();
  const { stats: s, sizes } = sizesOf(model);
  const head = model.position;
  const events = (n: number) => Math.ceil(n / EVENTS_PER_COST);
  return {
    // The widest family may take a lineage rebuild, O(every live image's layers) every few dozen writes
    // (ReadModel.maxChildren): only a request that selects Image.children pays for it, not every commit.
    listSize: (type, field) => (type === 'Image' && field === 'children' ? model.maxChildren() : sizes[`${type}.${field}`]),
    work(type, field, arg) {
      if (type === 'Query' && field === 'verifyLog') {
        const anchor = arg('expectHead');
        return sharedVerification(app.store).isShared(head, typeof anchor === 'string' ? anchor : null) ? 0 : events(head);
      }
      if (type === 'Query' && field === 'pullPlan') {
        const have = arg('have');
        const held = Array.isArray(have) ? new Set(have).size : 0;
        return held * Math.max(1, s.maxLayers);
      }
      // Any field read `asOf` a past position folds the log up to there (unless a model is kept).
      const asOf = arg('asOf');
      if (typeof asOf === 'number' && Number.isInteger(asOf) && asOf >= 0 && !app.models.isCheap(asOf)) return events(Math.min(asOf, head));
      return 0;
    },
  };
}
