/**
 * Mutation.upgrade over planUpgrade: a new layer on the tag's image, or a
 * rebase `onto` a newer base. The application picks the OLD base: the
 * nearest lineage ancestor (annotations first, docs/domain.md §4) that the tag
 * itself never pointed to — earlier versions of the same tag carry the
 * image's own layers, so they are not the base it was built on.
 */
import { planUpgrade, compareLayers } from '../../domain/image/upgrade';
import { shadowedPaths } from '../../domain/image/shadowedPaths';
import { diffMergedViews } from '../../domain/imageDiff';
import type { LayerEntry } from '../../domain/layerEntry';
import { normalizeTag } from '../../domain/reference';
import type { StoredEvent } from '../../eventStore/types';
import type { ReadModel } from '../../projections/readModel';
import type { ImageRecord } from '../../projections/records';
import type { Strata } from '../strata';
import { keyReused, pinnedVersion, runCommand, type Who } from './append';
import { commandMetadata, commitPorts, imageStateOf, tagStateOf } from './ports';
import { eventOfType, imageRecord, modelAfter } from './result';
import { RealLayers, type RealLayerPorts } from '../realLayers/realLayers';
import type { FileChangeInput } from '../realLayers/content';

export interface UpgradeInput {
  tag: string;
  /** contentBase64 allowed (realLayers/content.ts). */
  changes?: readonly FileChangeInput[] | null;
  onto?: string | null;
  createdBy?: string | null;
  expectedVersion?: number | null;
  idempotencyKey?: string | null;
}

export interface UpgradeResult {
  model: ReadModel;
  previous: ImageRecord;
  image: ImageRecord;
  /** Indexes into image.layers. */
  sharedLayers: number[];
  newLayers: number[];
  shadowedPaths: string[];
  /** The TagMoved that moved the tag to the new version. */
  event: StoredEvent;
}

/** Old base: nearest ancestor the tag never pointed at. */
function oldBaseOf(model: ReadModel, tag: string, current: ImageRecord): ImageRecord | undefined {
  const versions = new Set((model.tags.get(tag)?.history ?? []).map((m) => m.to));
  const id = model.lineage().ancestors(current.imageId).find((a) => !versions.has(a));
  return id ? model.images.get(id) : undefined;
}

/** Paths whose merged entry differs between two layer chains. */
async function changedBetween(app: Strata, a: ImageRecord['layers'], b: ImageRecord['layers']): Promise<string[]> {
  const [va, vb] = await Promise.all([app.views.view(a), app.views.view(b)]);
  return diffMergedViews(va, vb).map((d) => d.path);
}

async function entriesByDiffId(app: Strata, diffIds: readonly string[]): Promise<(d: string) => readonly LayerEntry[]> {
  const m = await app.views.layerEntries(diffIds);
  return (d) => m.get(d) ?? [];
}

async function answer(app: Strata, previousId: string, imageId: string, shadowed: string[], event: StoredEvent): Promise<UpgradeResult> {
  const model = await modelAfter(app);
  const previous = imageRecord(model, previousId);
  const image = imageRecord(model, imageId);
  const cmp = compareLayers(previous.layers, image.layers);
  return {
    model, previous, image, shadowedPaths: shadowed, event,
    sharedLayers: cmp.sharedLayers.map((l) => l.index), newLayers: cmp.newLayers.map((l) => l.index),
  };
}

/**
 * A replay rebuilds the report from the facts the events left: a new layer
 * on top has the previous image as its parent (nothing shadowed); a rebase
 * has the new base as parent, its own layers on top, and the old base is the
 * rest of the previous image's chain.
 */
async function replayed(app: Strata, events: readonly StoredEvent[], key: string | null | undefined): Promise<UpgradeResult> {
  const moved = eventOfType(events, 'TagMoved');
  const from: unknown = moved?.data?.from;
  const to: unknown = moved?.data?.to;
  if (!moved || typeof from !== 'string' || typeof to !== 'string') throw keyReused(key);
  const model = await modelAfter(app);
  const previous = imageRecord(model, from);
  const image = imageRecord(model, to);
  const newBase = image.parentImageId && image.parentImageId !== from ? model.images.get(image.parentImageId) : undefined;
  if (!newBase) return answer(app, from, to, [], moved);
  const own = image.layers.slice(newBase.layers.length);
  const oldChain = previous.layers.slice(0, previous.layers.length - own.length);
  const entriesOf = await entriesByDiffId(app, own.map((l) => l.diffId));
  const shadowed = shadowedPaths(await changedBetween(app, oldChain, newBase.layers), own.map((l) => entriesOf(l.diffId)));
  return answer(app, from, to, shadowed, moved);
}

async function decideOn(app: Strata, model: ReadModel, input: UpgradeInput, actor: string | null, now?: string, real?: RealLayerPorts) {
  const tag = normalizeTag(input.tag);
  const tagState = tagStateOf(model, tag);
  const current = tagState.imageId ? model.images.get(tagState.imageId) : undefined;
  const oldBase = input.onto != null && current ? oldBaseOf(model, tag, current) : undefined;
  const newBase = input.onto != null ? model.resolve(input.onto) ?? undefined : undefined;
  const changed = oldBase && newBase ? await changedBetween(app, oldBase.layers, newBase.layers) : [];
  const own = current && oldBase ? current.layers.slice(oldBase.layers.length).map((l) => l.diffId) : [];
  const ports = await commitPorts(app, model, current?.layers ?? []);
  return planUpgrade({
    type: 'UpgradeImage',
    data: { tag, changes: input.changes ?? null, onto: input.onto ?? null, createdBy: input.createdBy ?? null,
      expectedVersion: input.expectedVersion ?? null },
    metadata: { ...commandMetadata(actor), ...(now ? { now } : {}) },
    ports: { ...ports, ...real, changedBetweenBases: () => changed, entriesOf: await entriesByDiffId(app, own) },
  }, {
    tag: tagState,
    current: imageStateOf(model, tagState.imageId),
    oldBase: oldBase ? imageStateOf(model, oldBase.imageId) : undefined,
    newBase: newBase ? imageStateOf(model, newBase.imageId) : undefined,
  });
}

/**
 * Decides for the entries, writes the real layer (changes) or only the new
 * manifest (a rebase reuses the tag's own layer blobs), decides again (realLayers.ts).
 */
async function decideReal(app: Strata, model: ReadModel, input: UpgradeInput, actor: string | null, real: RealLayers) {
  const now = new Date().toISOString();
  const first = await decideOn(app, model, input, actor, now);
  const tagged = model.tags.get(normalizeTag(input.tag))?.imageId;
  const current = tagged ? model.images.get(tagged) : undefined;
  const newBase = input.onto != null ? model.resolve(input.onto) : null;
  const lower = current?.layers ?? [];
  const ports = await real.portsFor(input.changes != null ? first.entries : null, lower, [...lower, ...(newBase?.layers ?? [])], now);
  const out = await decideOn(app, model, input, actor, now, ports);
  await real.finish();
  return out;
}

export async function upgradeTag(app: Strata, input: UpgradeInput, who: Who): Promise<UpgradeResult> {
  let real: RealLayers;
  let changes: UpgradeInput['changes'];
  return runCommand(app, { ...who, idempotencyKey: input.idempotencyKey }, {
    pinned: pinnedVersion(input.expectedVersion),
    // The change set's contents are stored once, before the first decision (a replay needs none).
    around: (body) => RealLayers.using(app, async (r) => {
      real = r;
      changes = input.changes != null ? await real.contents(input.changes) : input.changes;
      return body();
    }),
    async decide(model) {
      const out = await decideReal(app, model, { ...input, changes }, who.actor, real);
      const top = out.image.layers[out.image.layers.length - 1];
      // A new layer on top stores its entries; a rebase only re-uses stored layers.
      return { ...out, contents: input.changes != null && top ? [{ diffId: top.diffId, entries: out.entries }] : [] };
    },
    answer(d, appended) {
      const moved = eventOfType(appended, 'TagMoved');
      if (!moved) throw keyReused(input.idempotencyKey);
      return answer(app, d.previousImageId, d.imageId, d.shadowedPaths, moved);
    },
    replay: (events) => replayed(app, events, input.idempotencyKey),
  });
}
