/**
 * The cost model's list lengths, kept event by event (projections/readModelStats.ts),
 * equal a from-scratch scan of the model at every position of a history with
 * shared layers, moving tags, removals and re-imports; the widest lineage
 * family is an upper bound, exact once the lineage has been built.
 */
import { recordImport } from '../../src/application/importImages';
import type { ReadModel } from '../../src/projections/readModel';
import { backendNames } from '../helpers/backends';
import { openTestApp, type TestApp } from '../helpers/app';
import { file, image, layer } from '../helpers/synthetic';

/** What src/graphql/costs.ts computed per position before the stats were incremental. */
function scan(model: ReadModel) {
  const perLayer = new Map<string, number>();
  const perImageTags = new Map<string, number>();
  let maxLayers = 0, maxHistory = 0, maxManifests = 0, maxTagMoves = 0;
  for (const img of model.images.values()) {
    maxLayers = Math.max(maxLayers, img.layers.length);
    maxHistory = Math.max(maxHistory, img.history.length);
    maxManifests = Math.max(maxManifests, img.manifestDigests.length);
    for (const l of new Set(img.layers.map((x) => x.diffId))) perLayer.set(l, (perLayer.get(l) ?? 0) + 1);
  }
  for (const t of model.tags.values()) {
    maxTagMoves = Math.max(maxTagMoves, t.history.length);
    if (t.imageId) perImageTags.set(t.imageId, (perImageTags.get(t.imageId) ?? 0) + 1);
  }
  const lineage = model.lineage();
  let maxChildren = 0;
  for (const img of model.liveImages()) maxChildren = Math.max(maxChildren, lineage.children(img.imageId).length);
  return { maxLayers, maxHistory, maxManifests, maxTagMoves, maxTagsPerImage: Math.max(0, ...perImageTags.values()),
    maxImagesPerLayer: Math.max(0, ...perLayer.values()), maxChildren };
}

describe.each(backendNames())('read model stats = a scan, on %s', (backend) => {
  let t: TestApp;
  beforeAll(async () => { t = await openTestApp(backend); });
  afterAll(async () => t.close());

  it('at every position', async () => {
    let seed = 5;
    const next = (n: number) => { seed = (seed * 1103515245 + 12345) % 2 ** 31; return seed % n; };
    const pool = Array.from({ length: 6 }, (_, k) => layer([file(`/s${k}/f`, 10 + k)]));
    // Stacks that extend each other, so lineage has families.
    const images = Array.from({ length: 12 }, (_, k) => image(pool.slice(0, 1 + (k % 5)).concat(k % 3 ? [pool[5]!] : []), [], `s${k}`));
    for (let step = 0; step < 30; step++) {
      const img = images[next(images.length)]!;
      const model = await t.app.models.current();
      const rec = model.images.get(img.imageId);
      if (rec && rec.removedPosition === null && next(3) === 0) {
        await t.app.append([{ stream: `image:${img.imageId}`, expectedVersion: rec.version, events: [{ type: 'ImageRemoved', data: { imageId: img.imageId } }] }]);
      } else {
        await recordImport(t.app, [img], { extraTags: [`t${next(4)}:1`, `t${next(4)}:2`] });
      }
      const now = await t.app.models.current();
      const bound = now.maxChildren();
      const { stats } = now;
      const got = { maxLayers: stats.maxLayers, maxHistory: stats.maxHistory, maxManifests: stats.maxManifests, maxTagMoves: stats.maxTagMoves,
        maxTagsPerImage: stats.maxTagsPerImage, maxImagesPerLayer: stats.maxImagesPerLayer };
      const { maxChildren, ...want } = scan(now);
      expect(bound).toBeGreaterThanOrEqual(maxChildren);
      expect(got).toEqual(want);
      // With the lineage built (scan built it), the bound is exact.
      expect(now.maxChildren()).toBe(maxChildren);
    }
    for (let p = 0; p <= now(); p += 7) {
      const m = await t.app.models.at(p);
      const want = scan(m);
      expect(m.maxChildren()).toBe(want.maxChildren);
      expect(m.stats.maxImagesPerLayer).toBe(want.maxImagesPerLayer);
      expect(m.stats.maxTagsPerImage).toBe(want.maxTagsPerImage);
    }
    function now() { return t.app.models.position; }
  }, 120_000);
});
