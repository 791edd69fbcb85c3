/**
 * Mutation.upgrade in both modes through the real schema, on every backend.
 * base:1 and base:2 differ at /app/a.txt, /etc/hosts and /etc/passwd; the
 * app's own first layer rewrites /etc/passwd, so a rebase onto base:2 cannot
 * reach it (shadowedPaths), while the other two changes show through.
 */
import { backendNames } from '../../helpers/backends';
import { openTestApp, type TestApp } from '../../helpers/app';
import { upgradeTag } from '../../../src/application/commands/upgrade';
import { BASE1_LAYER, BASE2_LAYER, imageOf, seed } from './seed';

const UPGRADE = `mutation($input: UpgradeInput!) { upgrade(input: $input) {
  previous { imageId } image { imageId parent { imageId } layers { diffId } repoTags }
  sharedLayers { index diffId } newLayers { index diffId } shadowedPaths event { type data } } }`;

describe.each(backendNames())('upgrade on %s', (backend) => {
  let t: TestApp;
  let base1: string;
  let base2: string;
  let v1: string;
  beforeAll(async () => {
    t = await openTestApp(backend);
    const b1 = imageOf('base:1', [BASE1_LAYER]);
    const b2 = imageOf('base:2', [BASE2_LAYER]);
    [base1, base2] = [b1.imageId, b2.imageId];
    await seed(t.app, [b1, b2]);
    const { commit } = await t.gql(`mutation { commit(input: { image: "base:1", tag: "app:latest", expectedVersion: 0, changes: [
      { change: MODIFIED, path: "/etc/passwd", kind: FILE, size: 111 }, { change: ADDED, path: "/app/own.txt", kind: FILE, size: 5 }] }) { image { imageId } } }`);
    v1 = commit.image.imageId;
  });
  afterAll(async () => t.close());
  const head = () => t.app.store.head();
  const codes = (r: { errors?: readonly any[] }) => r.errors?.map((e) => e.code);

  it('adds a layer on top of the tag\'s image: all old layers shared, one new, nothing shadowed', async () => {
    const { upgrade } = await t.gql(UPGRADE, { input: { tag: 'app', expectedVersion: 1, changes: [{ change: 'ADDED', path: '/app/v2.txt', kind: 'FILE', size: 2 }] } });
    expect(upgrade.previous.imageId).toBe(v1);
    expect(upgrade.image.parent.imageId).toBe(v1);
    expect(upgrade.image.repoTags).toEqual(['app:latest']);
    expect(upgrade.sharedLayers.map((l: any) => l.index)).toEqual([0, 1]);
    expect(upgrade.newLayers.map((l: any) => l.index)).toEqual([2]);
    expect(upgrade.shadowedPaths).toEqual([]);
    expect(upgrade.event).toMatchObject({ type: 'TagMoved', data: { tag: 'app:latest', from: v1, to: upgrade.image.imageId } });
  });

  it('rebases the own layers onto a new base, reporting what they shadow', async () => {
    const before = (await t.gql('{ image(ref: "app") { imageId layers { diffId } } }')).image;
    const { upgrade } = await t.gql(UPGRADE, { input: { tag: 'app', onto: 'base:2', createdBy: 'rebase' } });
    expect(upgrade.previous.imageId).toBe(before.imageId);
    // The old base is base:1 (v1 is an earlier version of the tag, not a base): two own layers move.
    expect(upgrade.image.layers.slice(1)).toEqual(before.layers.slice(1));
    expect(upgrade.image.layers[0].diffId).not.toBe(before.layers[0].diffId);
    expect(upgrade.newLayers.map((l: any) => l.index)).toEqual([0]);
    expect(upgrade.sharedLayers.map((l: any) => l.index)).toEqual([1, 2]);
    expect(upgrade.shadowedPaths).toEqual(['/etc/passwd']);
    expect(upgrade.image.parent.imageId).toBe(base2);
    const d = await t.gql(`{ image(ref: "app") { passwd: file(path: "/etc/passwd") { size layerIndex }
      hosts: file(path: "/etc/hosts") { size layerIndex } a: file(path: "/app/a.txt") { size } v2: file(path: "/app/v2.txt") { size layerIndex } } }`);
    expect(d.image).toEqual({ passwd: { size: 111, layerIndex: 1 }, hosts: { size: 7, layerIndex: 0 }, a: { size: 55 }, v2: { size: 2, layerIndex: 2 } });
  });

  it('replays a rebase for a used idempotency key, shadowed paths included', async () => {
    await t.gql('mutation { commit(input: { image: "base:1", tag: "svc:1", changes: [{ change: DELETED, path: "/etc/passwd" }] }) { image { imageId } } }');
    const input = { tag: 'svc:1', onto: base2, idempotencyKey: `rebase-${backend}` };
    const first = (await t.gql(UPGRADE, { input })).upgrade;
    expect(first.shadowedPaths).toEqual(['/etc/passwd']);
    const h = await head();
    expect((await t.gql(UPGRADE, { input })).upgrade).toEqual(first);
    // The application-level answer agrees too (it rebuilds from the events, not from a new decision).
    expect((await upgradeTag(t.app, input, { actor: 'x' })).shadowedPaths).toEqual(['/etc/passwd']);
    expect(await head()).toBe(h);
  });

  it('refuses contradictory or stale upgrades and appends nothing', async () => {
    const h = await head();
    const cases: Array<[unknown, string]> = [
      [{ tag: 'app', onto: 'base:2', changes: [] }, 'BAD_USER_INPUT'],
      [{ tag: 'app' }, 'BAD_USER_INPUT'],
      [{ tag: 'nope:1', onto: 'base:2' }, 'NOT_FOUND'],
      [{ tag: 'app', onto: 'nope:2' }, 'NOT_FOUND'],
      [{ tag: 'app', expectedVersion: 1, changes: [{ change: 'ADDED', path: '/z', kind: 'FILE' }] }, 'CONFLICT'],
      [{ tag: 'app', onto: 'base:2' }, 'BAD_USER_INPUT'], // already based on base:2
      [{ tag: 'app', changes: [{ change: 'ADDED', path: '/etc/passwd/x', kind: 'FILE' }] }, 'BAD_USER_INPUT'],
    ];
    for (const [input, code] of cases) expect([input, codes(await t.gqlRaw(UPGRADE, { input }))]).toEqual([input, [code]]);
    expect(await head()).toBe(h);
    expect(base1).not.toBe(base2);
  });
});
