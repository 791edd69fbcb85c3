/**
 * Time travel: every query root that takes asOf answers as the service would
 * have at that position. Expectations are hand-computed for a small history:
 *   p1 LayerCommitted base, p2 ImageCommitted A, p3 TagMoved app:1→A,
 *   p4 LayerCommitted top, p5 ImageCommitted B (A + top), p6 TagMoved app:1 A→B,
 *   p7 ImageRemoved A.
 */
import { recordImport } from '../../src/application/importImages';
import { backendNames } from '../helpers/backends';
import { openTestApp, type TestApp } from '../helpers/app';
import { file, image, layer } from '../helpers/synthetic';

describe.each(backendNames())('asOf on %s', (backend) => {
  let t: TestApp;
  const osRelease = Buffer.from('ID=debian\nVERSION_ID=12\n'.padEnd(100, '#'));
  const base = layer([file('/etc/os-release', 100, osRelease.toString()), file('/bin/sh', 900)], [{ path: '/etc/os-release', content: osRelease }]);
  const top = layer([file('/app/run', 50)]);
  const A = image([base], [], 'a');
  const B = image([base, top], [], 'b');

  beforeAll(async () => {
    t = await openTestApp(backend);
    await recordImport(t.app, [A], { extraTags: ['app:1'] });
    await recordImport(t.app, [B], { extraTags: ['app:1'] });
    await t.app.append([{ stream: `image:${A.imageId}`, expectedVersion: 1, events: [{ type: 'ImageRemoved', data: { imageId: A.imageId } }] }]);
  });
  afterAll(async () => t.close());

  const at = (p: number) => t.gql(`query($p: Int) {
    images(asOf: $p) { totalCount edges { node { imageId } } }
    tag(name: "app:1", asOf: $p) { image { imageId } version history { position } }
    storage(asOf: $p) { logicalSize physicalSize savedBytes imageCount reclaimableBytes }
    a: image(ref: "${A.imageId}", asOf: $p) { imageId children { imageId } }
    b: image(ref: "${B.imageId}", asOf: $p) { parent { imageId } sharedSize uniqueSize } }`, { p });

  it('the log has the hand-counted positions', async () => {
    const d = await t.gql('{ head events(first: 10) { edges { node { position type } } } }');
    expect(d.head).toBe(7);
    expect(d.events.edges.map((e: any) => e.node.type)).toEqual(
      ['LayerCommitted', 'ImageCommitted', 'TagMoved', 'LayerCommitted', 'ImageCommitted', 'TagMoved', 'ImageRemoved']);
  });

  it('answers at 0 as an empty service', async () => {
    const d = await at(0);
    expect(d.images.totalCount).toBe(0);
    expect(d.tag).toBeNull();
    expect(d.storage).toEqual({ logicalSize: 0, physicalSize: 0, savedBytes: 0, imageCount: 0, reclaimableBytes: 0 });
  });

  it('answers at 1: a layer no image uses yet is reclaimable from a content store, not a host layer store', async () => {
    const d = await at(1);
    expect(d.images.totalCount).toBe(0);
    // By ChainID a layer exists only in position (in an image); by DiffID it is a stored blob.
    expect(d.storage.reclaimableBytes).toBe(0);
    const byDiff = await t.gql('{ storage(by: DIFF_ID, asOf: 1) { reclaimableBytes reclaimableLayerCount } }');
    expect(byDiff.storage).toEqual({ reclaimableBytes: 1000, reclaimableLayerCount: 1 });
  });

  it('answers at 3: A tagged app:1', async () => {
    const d = await at(3);
    expect(d.images.edges.map((e: any) => e.node.imageId)).toEqual([A.imageId]);
    expect(d.tag).toEqual({ image: { imageId: A.imageId }, version: 1, history: [{ position: 3 }] });
    expect(d.storage).toEqual({ logicalSize: 1000, physicalSize: 1000, savedBytes: 0, imageCount: 1, reclaimableBytes: 0 });
    expect(d.b).toBeNull();
  });

  it('answers at 5: B shares A\'s base; A is B\'s parent', async () => {
    const d = await at(5);
    expect(d.images.totalCount).toBe(2);
    expect(d.tag.image.imageId).toBe(A.imageId);
    expect(d.storage).toEqual({ logicalSize: 2050, physicalSize: 1050, savedBytes: 1000, imageCount: 2, reclaimableBytes: 0 });
    expect(d.a.children).toEqual([{ imageId: B.imageId }]);
    expect(d.b).toEqual({ parent: { imageId: A.imageId }, sharedSize: 1000, uniqueSize: 50 });
  });

  it('answers at 6: the tag moved to B', async () => {
    const d = await at(6);
    expect(d.tag).toEqual({ image: { imageId: B.imageId }, version: 2, history: [{ position: 3 }, { position: 6 }] });
  });

  it('answers at 7 (and the head): A removed, nothing reclaimable since B still uses the base', async () => {
    for (const p of [7, null]) {
      const d = await at(p as number);
      expect(d.images.edges.map((e: any) => e.node.imageId)).toEqual([B.imageId]);
      expect(d.a).toBeNull();
      expect(d.b).toEqual({ parent: null, sharedSize: 0, uniqueSize: 1050 });
      expect(d.storage).toEqual({ logicalSize: 1050, physicalSize: 1050, savedBytes: 0, imageCount: 1, reclaimableBytes: 0 });
    }
  });

  it('refuses an asOf beyond the head or negative', async () => {
    for (const p of [8, -1]) {
      const r = await t.gqlRaw('query($p: Int) { images(asOf: $p) { totalCount } }', { p });
      expect(r.errors?.[0]?.code).toBe('BAD_USER_INPUT');
    }
  });

  it('says which distribution the root filesystem is', async () => {
    const d = await t.gql(`{ image(ref: "${B.imageId}") { distribution { id versionId path } } distributions { id versionId images { imageId } } }`);
    expect(d.image.distribution).toEqual({ id: 'debian', versionId: '12', path: '/etc/os-release' });
    expect(d.distributions).toEqual([{ id: 'debian', versionId: '12', images: [{ imageId: B.imageId }] }]);
  });
});
