/**
 * dive's fixtures imported through the application and read back through the
 * GraphQL schema, on every backend. Expected figures are dive's own
 * (../shared/fixtures/dive/README.md), not outputs of this code.
 */
import { readImages } from '../../src/importers';
import { recordImport } from '../../src/application/importImages';
import { backendNames } from '../helpers/backends';
import { openTestApp, type TestApp } from '../helpers/app';
import { describeWithDive, dive } from '../helpers/fixtures';

const DIVE_LAYER_SIZES = [1154361, 6405, 0, 6405, 6405, 6405, 6405, 6405, 6405, 0, 2187, 6405, 6405, 6405];

describeWithDive.each(backendNames())('importing dive fixtures on %s', (backend) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await openTestApp(backend);
    await recordImport(t.app, await readImages(dive('test-docker-image.tar')), { actor: 'alice' });
  });
  afterAll(async () => t.close());

  it('answers dive\'s layer sizes, total size and efficiency figures', async () => {
    const d = await t.gql(`{ image(ref: "dive-test:latest") {
      size layers { index size } efficiency { score wastedBytes userWastedPercent inefficientFiles { path count wastedBytes } } } }`);
    expect(d.image.size).toBe(1220598);
    expect(d.image.layers.map((l: any) => l.size)).toEqual(DIVE_LAYER_SIZES);
    expect(d.image.efficiency.score).toBe(0.9844212134184309);
    expect(d.image.efficiency.wastedBytes).toBe(32025);
    expect(d.image.efficiency.userWastedPercent).toBe(0.4834911001404049);
    expect(d.image.efficiency.inefficientFiles).toEqual([
      { path: '/root/saved.txt', count: 2, wastedBytes: 12810 },
      { path: '/root/example/somefile1.txt', count: 2, wastedBytes: 12810 },
      { path: '/root/example/somefile3.txt', count: 2, wastedBytes: 6405 },
    ]);
  });

  it('resolves the image by every familiar form of its reference and by ID', async () => {
    const { image } = await t.gql('{ image(ref: "dive-test") { imageId repoTags } }');
    expect(image.repoTags).toEqual(['dive-test:latest']);
    for (const ref of ['docker.io/library/dive-test:latest', 'library/dive-test:latest', image.imageId, image.imageId.slice(7)]) {
      expect((await t.gql('query($r: String!) { image(ref: $r) { imageId } }', { r: ref })).image.imageId).toBe(image.imageId);
    }
    expect((await t.gql('{ image(ref: "nope:1") { imageId } }')).image).toBeNull();
  });

  it('re-importing the same archive appends nothing', async () => {
    const head = await t.app.store.head();
    const again = await recordImport(t.app, await readImages(dive('test-docker-image.tar')));
    expect(again.appended).toBe(0);
    expect(await t.app.store.head()).toBe(head);
  });

  it('looks paths up from the top layer down, naming the providing layer', async () => {
    const d = await t.gql(`{ image(ref: "dive-test") {
      saved: file(path: "/root/saved.txt") { kind size layerIndex }
      gone: file(path: "/root/example/somefile1.txt") { path }
      hist: pathHistory(path: "/root/saved.txt") { layerIndex action } } }`);
    // Layer 7 moved somefile3 to /root/saved.txt; layer 13 chmod +x copied it up again.
    expect(d.image.saved).toEqual({ kind: 'FILE', size: 6405, layerIndex: 13 });
    expect(d.image.gone).toBeNull();
    expect(d.image.hist).toEqual([{ layerIndex: 7, action: 'ADDED' }, { layerIndex: 13, action: 'MODIFIED' }]);
  });

  it('records the import as events with the actor and a verifiable chain', async () => {
    const d = await t.gql('{ head verifyLog { ok checked firstBadPosition } events(first: 100) { totalCount edges { node { type actor stream version } } } }');
    expect(d.verifyLog).toEqual({ ok: true, checked: d.head, firstBadPosition: null });
    const types = d.events.edges.map((e: any) => e.node.type);
    expect(types.filter((x: string) => x === 'LayerCommitted')).toHaveLength(14);
    expect(types.slice(-2)).toEqual(['ImageCommitted', 'TagMoved']);
    expect(d.events.edges.every((e: any) => e.node.actor === 'alice')).toBe(true);
  });
});

describeWithDive.each(backendNames())('the same image in other compressions on %s', (backend) => {
  let t: TestApp;
  beforeAll(async () => { t = await openTestApp(backend); });
  afterAll(async () => t.close());

  it('adds at most a new manifest digest', async () => {
    const first = await recordImport(t.app, await readImages(dive('test-oci-gzip-image.tar')));
    expect(first.images[0]!.status).toBe('imported');
    const head = await t.app.store.head();
    const plain = await recordImport(t.app, await readImages(dive('test-oci-uncompressed-image.tar')));
    const zstd = await recordImport(t.app, await readImages(dive('test-oci-zstd-image.tar')));
    expect(plain.appended + zstd.appended).toBeLessThanOrEqual(2);
    expect(await t.app.store.head()).toBe(head + plain.appended + zstd.appended);
    const d = await t.gql(`query($id: String!) { image(ref: $id) { manifestDigests layers { size } file(path: "/README.md") { size } } }`, { id: first.images[0]!.imageId });
    expect(d.image.layers).toEqual([{ size: 11189 }]);
    expect(d.image.file.size).toBe(11189);
    expect(new Set(d.image.manifestDigests).size).toBe(1 + plain.appended + zstd.appended);
  });
});
