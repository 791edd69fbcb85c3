/**
 * Mutation.commit through the real schema, application and store, on every
 * backend. Expected figures follow docs/domain.md: a MODIFIED lower file is copied
 * up whole (§3), a whiteout hides the whole subtree (§2.3), the committed
 * image's parent is the image it was committed on (§4), size = Σ layers.
 */
import { backendNames } from '../../helpers/backends';
import { openTestApp, type TestApp } from '../../helpers/app';
import { BASE1_LAYER, BASE1_SIZE, imageOf, seed } from './seed';

const COMMIT = `mutation($input: CommitInput!) { commit(input: $input) {
  image { imageId size sharedSize uniqueSize repoTags parent { imageId } base { imageId } layers { index size } }
  layer { index diffId size layer { fileCount } }
  event { type stream position actor data } } }`;

const changes = [
  { change: 'ADDED', path: '/app/new.txt', kind: 'FILE', size: 10 },
  { change: 'MODIFIED', path: '/etc/passwd', kind: 'FILE', mode: 0o600 },
  { change: 'DELETED', path: '/app/sub' },
];

describe.each(backendNames())('commit on %s', (backend) => {
  let t: TestApp;
  let baseId: string;
  beforeAll(async () => {
    t = await openTestApp(backend);
    const base = imageOf('base:1', [BASE1_LAYER]);
    baseId = base.imageId;
    await seed(t.app, [base]);
  });
  afterAll(async () => t.close());

  const head = () => t.app.store.head();

  it('makes a layer and image whose merged view, lineage and sizes follow the domain rules', async () => {
    const { commit } = await t.gql(COMMIT, { input: { image: 'base:1', changes, tag: 'app:1', expectedVersion: 0, createdBy: 'edit files' } });
    // copy-up: the chmod'ed /etc/passwd is stored whole (100) besides the new 10 bytes.
    expect(commit.layer).toMatchObject({ index: 1, size: 110 });
    expect(commit.image.size).toBe(BASE1_SIZE + 110);
    expect(commit.image.parent.imageId).toBe(baseId);
    expect(commit.image.base.imageId).toBe(baseId);
    expect(commit.image.repoTags).toEqual(['app:1']);
    // The base layer is shared with base:1 (CHAIN_ID), the new one is not.
    expect(commit.image).toMatchObject({ sharedSize: BASE1_SIZE, uniqueSize: 110 });
    expect(commit.event).toMatchObject({ type: 'ImageCommitted', stream: `image:${commit.image.imageId}`, actor: 'test' });
    expect(commit.event.data.parentImageId).toBe(baseId);

    const d = await t.gql(`{ image(ref: "app:1") {
      passwd: file(path: "/etc/passwd") { size mode layerIndex }
      sub: file(path: "/app/sub") { path } b: file(path: "/app/sub/b.txt") { path }
      kept: file(path: "/app/a.txt") { layerIndex } added: file(path: "/app/new.txt") { size layerIndex }
      files(path: "/app") { edges { node { path } } } }
      base: image(ref: "base:1") { sharedSize uniqueSize children { imageId } file(path: "/app/sub/b.txt") { size } }
      storage { logicalSize physicalSize savedBytes } }`);
    expect(d.image.passwd).toEqual({ size: 100, mode: 0o600, layerIndex: 1 });
    expect(d.image.sub).toBeNull();
    expect(d.image.b).toBeNull();
    expect(d.image.kept).toEqual({ layerIndex: 0 });
    expect(d.image.added).toEqual({ size: 10, layerIndex: 1 });
    expect(d.image.files.edges.map((e: any) => e.node.path)).toEqual(['/app/a.txt', '/app/new.txt']);
    expect(d.base).toMatchObject({ sharedSize: BASE1_SIZE, uniqueSize: 0, children: [{ imageId: commit.image.imageId }] });
    expect(d.base.file).toEqual({ size: 200 }); // the parent is untouched
    expect(d.storage).toEqual({ logicalSize: 2 * BASE1_SIZE + 110, physicalSize: BASE1_SIZE + 110, savedBytes: BASE1_SIZE });
  });

  it('answers a retry with the same idempotency key with the first result and appends nothing', async () => {
    const input = { image: 'base:1', changes: [{ change: 'ADDED', path: '/once.txt', kind: 'FILE', size: 3 }], tag: 'once:1', expectedVersion: 0, idempotencyKey: `k-${backend}` };
    const first = (await t.gql(COMMIT, { input })).commit;
    const h = await head();
    // The tag is at version 1 now, so a fresh decision would CONFLICT: the key answers before deciding.
    const again = (await t.gql(COMMIT, { input })).commit;
    expect(again).toEqual(first);
    expect(await head()).toBe(h);
  });

  it('appends nothing for a rejected commit', async () => {
    const h = await head();
    const cases: Array<[unknown, string]> = [
      [{ image: 'nope:1', changes }, 'NOT_FOUND'],
      [{ image: 'base:1', changes, tag: 'app:1', expectedVersion: 0 }, 'CONFLICT'],
      [{ image: 'base:1', changes: [{ change: 'ADDED', path: 'relative', kind: 'FILE' }] }, 'BAD_USER_INPUT'],
      [{ image: 'base:1', changes: [{ change: 'ADDED', path: '/a/../b', kind: 'FILE' }] }, 'BAD_USER_INPUT'],
      [{ image: 'base:1', changes: [{ change: 'ADDED', path: '/x', kind: 'WHITEOUT' }] }, 'BAD_USER_INPUT'],
      [{ image: 'base:1', changes: [{ change: 'DELETED', path: '/app' }, { change: 'ADDED', path: '/app/z', kind: 'FILE' }] }, 'BAD_USER_INPUT'],
      [{ image: 'base:1', changes: [{ change: 'MODIFIED', path: '/missing', kind: 'FILE' }] }, 'BAD_USER_INPUT'],
    ];
    for (const [input, code] of cases) {
      const r = await t.gqlRaw(COMMIT, { input });
      expect(r.errors?.map((e) => e.code)).toEqual([code]);
    }
    expect(await head()).toBe(h);
  });

  it('lets exactly one of two writers pinned to the same tag version win', async () => {
    const tag = await t.gql('{ tag(name: "app:1") { version } }');
    const h = await head();
    const attempt = (path: string) => t.gqlRaw(COMMIT, {
      input: { image: 'app:1', changes: [{ change: 'ADDED', path, kind: 'FILE', size: 1 }], tag: 'app:1', expectedVersion: tag.tag.version },
    });
    const results = await Promise.all([attempt('/w1'), attempt('/w2')]);
    const won = results.filter((r) => !r.errors);
    const lost = results.filter((r) => r.errors);
    expect(won).toHaveLength(1);
    expect(lost.map((r) => r.errors?.map((e) => e.code))).toEqual([['CONFLICT']]);
    // The winner's layer, image and tag move: three events, nothing from the loser.
    expect(await head()).toBe(h + 3);
    expect((await t.gql('{ tag(name: "app:1") { version } }')).tag.version).toBe(tag.tag.version + 1);
  });

  it('retries unpinned writers that race on a tag: both land', async () => {
    const h = await head();
    const attempt = (path: string) => t.gql(COMMIT, { input: { image: 'base:1', changes: [{ change: 'ADDED', path, kind: 'FILE', size: 1 }], tag: 'race:1' } });
    await Promise.all([attempt('/r1'), attempt('/r2')]);
    expect((await t.gql('{ tag(name: "race:1") { version history { to { imageId } } } }')).tag.version).toBe(2);
    expect(await head()).toBe(h + 6);
  });
});
