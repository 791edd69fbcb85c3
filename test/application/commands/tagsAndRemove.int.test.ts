/**
 * tagImage, untag and removeImage through the real schema on every backend:
 * optimistic concurrency on the tag / image streams, idempotent retries, and
 * Docker's removal semantics (docs/domain.md §3: tags go with the image, layers no
 * other image references are freed, nothing leaves the log).
 */
import { backendNames } from '../../helpers/backends';
import { openTestApp, type TestApp } from '../../helpers/app';
import { removeImage } from '../../../src/application/commands/removeImage';
import { tagImage, untag } from '../../../src/application/commands/tags';
import { BASE1_LAYER, BASE1_SIZE, imageOf, seed } from './seed';

const TAG = 'mutation($i: String!, $t: String!, $v: Int) { tagImage(image: $i, tag: $t, expectedVersion: $v) { imageId repoTags } }';
const UNTAG = 'mutation($t: String!, $v: Int) { untag(tag: $t, expectedVersion: $v) }';
const REMOVE = `mutation($r: String!, $v: Int) { removeImage(ref: $r, expectedVersion: $v) {
  removed { imageId repoTags } freedLayers { diffId size } freedBytes } }`;

describe.each(backendNames())('tags and removal on %s', (backend) => {
  let t: TestApp;
  let baseId: string;
  let appId: string;
  let appLayer: string;
  beforeAll(async () => {
    t = await openTestApp(backend);
    const base = imageOf('base:1', [BASE1_LAYER]);
    baseId = base.imageId;
    await seed(t.app, [base]);
    const { commit } = await t.gql(`mutation { commit(input: { image: "base:1", tag: "app:1",
      changes: [{ change: ADDED, path: "/bin/app", kind: FILE, size: 40 }] }) { image { imageId } layer { diffId } } }`);
    appId = commit.image.imageId;
    appLayer = commit.layer.diffId;
  });
  afterAll(async () => t.close());
  const head = () => t.app.store.head();
  const codes = (r: { errors?: readonly any[] }) => r.errors?.map((e) => e.code);

  it('tags an image, refuses a stale expected version, and moving to the same image appends nothing', async () => {
    expect((await t.gql(TAG, { i: 'base:1', t: 'stable', v: 0 })).tagImage).toEqual({ imageId: baseId, repoTags: ['base:1', 'stable:latest'] });
    const h = await head();
    expect(codes(await t.gqlRaw(TAG, { i: 'app:1', t: 'stable', v: 0 }))).toEqual(['CONFLICT']);
    expect(codes(await t.gqlRaw(TAG, { i: 'nope:9', t: 'stable' }))).toEqual(['NOT_FOUND']);
    expect((await t.gql(TAG, { i: 'base:1', t: 'stable' })).tagImage.imageId).toBe(baseId);
    expect(await head()).toBe(h);
    expect((await t.gql(TAG, { i: 'app:1', t: 'stable', v: 1 })).tagImage).toEqual({ imageId: appId, repoTags: ['app:1', 'stable:latest'] });
    const hist = await t.gql('{ tag(name: "stable") { version history { actor to { imageId } } } }');
    expect(hist.tag).toEqual({ version: 2, history: [{ actor: 'test', to: { imageId: baseId } }, { actor: 'test', to: { imageId: appId } }] });
  });

  it('untags: true when it existed, false after, CONFLICT on a stale version', async () => {
    expect(codes(await t.gqlRaw(UNTAG, { t: 'stable', v: 1 }))).toEqual(['CONFLICT']);
    expect((await t.gql(UNTAG, { t: 'stable', v: 2 })).untag).toBe(true);
    const h = await head();
    expect((await t.gql(UNTAG, { t: 'stable' })).untag).toBe(false);
    expect(await head()).toBe(h);
    expect((await t.gql('{ image(ref: "stable") { imageId } }')).image).toBeNull();
  });

  // The schema's tagImage/untag/removeImage take no idempotencyKey yet: the handlers do (application level).
  it('replays tagImage and untag for a used idempotency key', async () => {
    const who = { actor: 'test' };
    const first = await tagImage(t.app, { image: 'base:1', tag: 'idem:1', expectedVersion: 0, idempotencyKey: 'tag-key' }, who);
    const h = await head();
    const again = await tagImage(t.app, { image: 'base:1', tag: 'idem:1', expectedVersion: 0, idempotencyKey: 'tag-key' }, who);
    expect(again.image.imageId).toBe(first.image.imageId);
    const un = { tag: 'idem:1', expectedVersion: 1, idempotencyKey: 'untag-key' };
    expect(await untag(t.app, un, who)).toBe(true);
    expect(await untag(t.app, un, who)).toBe(true);
    expect(await head()).toBe(h + 1);
    // A key reused for another kind of command is refused, not misread.
    await expect(tagImage(t.app, { image: 'base:1', tag: 'idem:1', idempotencyKey: 'untag-key' }, who)).rejects.toMatchObject({ code: 'CONFLICT' });
  });

  it('refuses to remove an image at a stale version or that does not exist', async () => {
    const h = await head();
    expect(codes(await t.gqlRaw(REMOVE, { r: 'app:1', v: 99 }))).toEqual(['CONFLICT']);
    expect(codes(await t.gqlRaw(REMOVE, { r: 'nope:1' }))).toEqual(['NOT_FOUND']);
    expect(await head()).toBe(h);
  });

  it('removes an image with its tags, freeing the layers only it referenced', async () => {
    const { image } = await t.gql('{ image(ref: "app:1") { version } }');
    const r = (await t.gql(REMOVE, { r: 'app:1', v: image.version })).removeImage;
    expect(r.removed.imageId).toBe(appId);
    expect(r.freedLayers).toEqual([{ diffId: appLayer, size: 40 }]);
    expect(r.freedBytes).toBe(40);
    const d = await t.gql(`{ image(ref: "app:1") { imageId } tag(name: "app:1") { image { imageId } }
      storage(by: DIFF_ID) { logicalSize reclaimableLayerCount reclaimableBytes }
      base: image(ref: "base:1") { sharedSize children { imageId } } }`);
    expect(d.image).toBeNull();
    expect(d.tag.image).toBeNull();
    expect(d.storage).toEqual({ logicalSize: BASE1_SIZE, reclaimableLayerCount: 1, reclaimableBytes: 40 });
    expect(d.base).toEqual({ sharedSize: 0, children: [] });
    expect(codes(await t.gqlRaw(REMOVE, { r: appId }))).toEqual(['NOT_FOUND']);
  });

  it('replays a removal with the figures of the first answer', async () => {
    const { commit } = await t.gql('mutation { commit(input: { image: "base:1", changes: [{ change: ADDED, path: "/tmp.bin", kind: FILE, size: 9 }] }) { image { imageId } } }');
    const input = { ref: commit.image.imageId, idempotencyKey: 'rm-key' };
    const first = await removeImage(t.app, input, { actor: 'test' });
    const h = await head();
    expect(first.freedBytes).toBe(9);
    const again = await removeImage(t.app, input, { actor: 'test' });
    expect({ id: again.removed.imageId, freed: again.freedLayers.map((l) => l.diffId), bytes: again.freedBytes })
      .toEqual({ id: first.removed.imageId, freed: first.freedLayers.map((l) => l.diffId), bytes: 9 });
    expect(await head()).toBe(h);
  });
});
