/**
 * The storage report the read model keeps incrementally (a ledger updated per
 * event, its lists cached until the next change) equals the report computed
 * from scratch (domain/storage.ts storageReport) over the same prefix of the
 * log: at the head after every write (so a cached list never outlives a
 * change), and at random `asOf` positions (a model folded from the start).
 * The from-scratch side folds the log's events itself, independently of
 * ReadModel. Images share layers at random, some are removed and re-imported,
 * and one repeats a layer (a DiffID twice in one image).
 */
import fc from 'fast-check';
import { createHash } from 'node:crypto';
import { recordImport } from '../../src/application/importImages';
import { chainIdsOf } from '../../src/domain/digest';
import { storageReport, type KnownLayer, type ShareKey, type StorageFigures, type StorageImage } from '../../src/domain/storage';
import type { StoredEvent } from '../../src/eventStore/types';
import { backendNames } from '../helpers/backends';
import { openTestApp, type TestApp } from '../helpers/app';
import { file, image, layer } from '../helpers/synthetic';

const hex = (s: string | Uint8Array) => createHash('sha256').update(s).digest('hex');

const REPORT = `query($by: ShareKey, $p: Int) { storage(by: $by, asOf: $p) {
  by logicalSize physicalSize savedBytes savingsRatio imageCount layerCount sharedLayerCount reclaimableLayerCount reclaimableBytes
  images { image { imageId } size sharedSize uniqueSize }
  layers { key diffId size imageCount } reclaimableLayers { key diffId size imageCount } } }`;

/** The report as GraphQL returns it, from a from-scratch StorageFigures. */
function asAnswer(f: StorageFigures) {
  const { images, layers, reclaimable, ...totals } = f;
  return {
    ...totals,
    images: images.map((i) => ({ image: { imageId: i.imageId }, size: i.size, sharedSize: i.sharedSize, uniqueSize: i.uniqueSize })),
    layers, reclaimableLayers: reclaimable,
  };
}

/** Folds the first `upTo` events into the inputs of storageReport, without ReadModel. */
function fromScratch(events: readonly StoredEvent[], upTo: number, by: ShareKey): StorageFigures {
  const sizes = new Map<string, number>();
  const known: KnownLayer[] = [];
  let live: StorageImage[] = [];
  for (const e of events.slice(0, upTo)) {
    const d = e.data as any;
    if (e.type === 'LayerCommitted' && !sizes.has(d.diffId)) {
      sizes.set(d.diffId, d.size);
      known.push({ diffId: d.diffId, chainId: null, size: d.size });
    }
    if (e.type === 'ImageCommitted' && !live.some((i) => i.imageId === d.imageId)) {
      const diffIds = (d.layers as { diffId: string }[]).map((l) => l.diffId);
      const chainIds = chainIdsOf(diffIds, hex);
      const img = { imageId: d.imageId as string, layers: diffIds.map((diffId, i) => ({ diffId, chainId: chainIds[i]!, size: sizes.get(diffId) ?? 0 })) };
      live.push(img);
      known.push(...img.layers);
    }
    if (e.type === 'ImageRemoved') live = live.filter((i) => i.imageId !== d.imageId);
  }
  return storageReport(by, live, known);
}

describe.each(backendNames())('storage report: incremental = recomputed, on %s', (backend) => {
  let t: TestApp;
  let events: StoredEvent[] = [];
  const headChecks: { position: number; by: ShareKey; answer: unknown }[] = [];

  beforeAll(async () => {
    t = await openTestApp(backend);
    // Deterministic history: 8 layers, 14 images drawing 1–4 of them, removals and re-imports.
    let seed = 19;
    const next = (n: number) => { seed = (seed * 1103515245 + 12345) % 2 ** 31; return seed % n; };
    const pool = Array.from({ length: 8 }, (_, k) => layer([file(`/l${k}/f`, 100 * (k + 1) + k)]));
    const images = Array.from({ length: 14 }, (_, k) => image(Array.from({ length: 1 + next(4) }, () => pool[next(pool.length)]!), [], `i${k}`));
    images.push(image([pool[0]!, pool[1]!, pool[0]!], [], 'repeat'));
    const check = async () => {
      const head = (await t.app.store.head());
      for (const by of ['CHAIN_ID', 'DIFF_ID'] as const) headChecks.push({ position: head, by, answer: (await t.gql(REPORT, { by })).storage });
    };
    for (let step = 0; step < 40; step++) {
      const img = images[next(images.length)]!;
      const model = await t.app.models.current();
      const rec = model.images.get(img.imageId);
      if (rec && rec.removedPosition === null && next(2) === 0) {
        await t.app.append([{ stream: `image:${img.imageId}`, expectedVersion: rec.version,
          events: [{ type: 'ImageRemoved', data: { imageId: img.imageId } }] }]);
      } else {
        await recordImport(t.app, [img]);
      }
      await check();
    }
    events = await t.app.store.readRange(1, await t.app.store.head(), 100000);
  }, 120_000);
  afterAll(async () => t.close());

  it('the history removes and re-imports images', () => {
    const types = events.map((e) => e.type);
    expect(types.filter((x) => x === 'ImageRemoved').length).toBeGreaterThan(2);
    expect(headChecks.length).toBe(80);
  });

  it('at the head after every write, by ChainID and by DiffID', () => {
    for (const c of headChecks) expect({ ...c, answer: c.answer }).toEqual({ ...c, answer: asAnswer(fromScratch(events, c.position, c.by)) });
  });

  it('Layer.imageCount at random asOf positions = live images holding the DiffID', async () => {
    const diffIds = [...new Set(events.filter((e) => e.type === 'LayerCommitted').map((e) => (e.data as { diffId: string }).diffId))];
    await fc.assert(fc.asyncProperty(fc.integer({ min: 1, max: events.length }), fc.constantFrom(...diffIds), async (p, diffId) => {
      const got = (await t.gql('query($d: String!, $p: Int) { layer(diffId: $d, asOf: $p) { imageCount } }', { d: diffId, p })).layer;
      const live = fromScratch(events, p, 'DIFF_ID').layers.find((l) => l.key === diffId);
      const committed = events.slice(0, p).some((e) => e.type === 'LayerCommitted' && (e.data as { diffId: string }).diffId === diffId);
      expect(got).toEqual(committed ? { imageCount: live?.imageCount ?? 0 } : null);
    }), { numRuns: 30, seed: 8 });
  }, 120_000);

  it('at random asOf positions', async () => {
    await fc.assert(fc.asyncProperty(fc.integer({ min: 0, max: events.length }), fc.constantFrom<ShareKey>('CHAIN_ID', 'DIFF_ID'),
      async (p, by) => {
        const got = (await t.gql(REPORT, { by, p })).storage;
        expect(got).toEqual(asAnswer(fromScratch(events, p, by)));
      }), { numRuns: 30, seed: 6 });
  }, 120_000);
});
