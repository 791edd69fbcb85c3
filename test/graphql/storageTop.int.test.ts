/**
 * StorageReport.largestImages and topSharedLayers (schema/storage-top.graphql,
 * issue 20): each must be the top of the report's full lists, ordered as
 * documented, under both sharing rules and accountings; sizes come from the
 * layers the test builds (fleetLayer: 100 + label length bytes).
 */
import { recordImport } from '../../src/application/importImages';
import { backendNames } from '../helpers/backends';
import { openTestApp, type TestApp } from '../helpers/app';
import { DEBIAN_12, fleetImage, fleetLayer } from '../application/fleetImages';

const D = fleetLayer('top-debian', DEBIAN_12);
const R = fleetLayer('top-runtime-layer');
const imgs = [
  fleetImage('t1:1', [D, R, fleetLayer('t1')]), fleetImage('t2:1', [D, R, fleetLayer('t2-longer')]),
  fleetImage('t3:1', [D, fleetLayer('t3')]), fleetImage('t4:1', [fleetLayer('t4-alone-and-large-label')]),
  fleetImage('t5:1', [D, fleetLayer('t5')]),
];

describe.each(backendNames())('storage top lists (%s)', (backend) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await openTestApp(backend);
    await recordImport(t.app, imgs);
  }, 60_000);
  afterAll(async () => { await t.close(); });

  it.each([['CHAIN_ID', 'CONTENT'], ['DIFF_ID', 'DOCKER']])('are the top of the full lists (by %s, %s)', async (by, acct) => {
    const r = (await t.gql(`{ storage(by: ${by}, accounting: ${acct}) {
      images { image { imageId } size } layers { key size imageCount }
      largestImages(first: 3) { image { imageId } size } topSharedLayers(first: 5) { key size imageCount }
      all: largestImages(first: 1000) { image { imageId } } } }`)).storage;
    const order = r.images.map((i: any) => i.image.imageId);
    const expectedImages = [...r.images].sort((a: any, b: any) => b.size - a.size || order.indexOf(a.image.imageId) - order.indexOf(b.image.imageId));
    expect(r.largestImages).toEqual(expectedImages.slice(0, 3));
    expect(r.all).toHaveLength(imgs.length);
    const saved = (l: any) => l.size * (l.imageCount - 1);
    const shared = r.layers.filter((l: any) => l.imageCount > 1).sort((a: any, b: any) => saved(b) - saved(a) || (a.key < b.key ? -1 : 1));
    expect(r.topSharedLayers).toEqual(shared.slice(0, 5));
    // D is under four images, R under two: D saves the most.
    expect(r.topSharedLayers.map((l: any) => l.imageCount)).toEqual([4, 2]);
    expect(r.topSharedLayers[0].size * 3).toBeGreaterThan(r.topSharedLayers[1].size);
  });

  it('refuses first outside 0..1000 with BAD_USER_INPUT', async () => {
    const bad = await t.gqlRaw('{ storage { largestImages(first: 1001) { size } } }');
    expect(bad.errors?.[0]).toMatchObject({ code: 'BAD_USER_INPUT', message: expect.stringContaining('first must be an integer from 0 to 1000') });
    const neg = await t.gqlRaw('{ storage { topSharedLayers(first: -1) { size } } }');
    expect(neg.errors?.[0]?.code).toBe('BAD_USER_INPUT');
  });
});
