/**
 * Image.repoTags reads the read model's cached tag list without a copy
 * (ReadModel.repoTagsView, issue 19 item 5); ReadModel.repoTags still hands
 * out a copy its callers may change. Changing such a copy must change neither
 * the cache nor any later answer, and the shared empty list cannot be grown.
 */
import { recordImport } from '../../src/application/importImages';
import { openTestApp, type TestApp } from '../helpers/app';
import { DEBIAN_12, fleetImage, fleetLayer } from '../application/fleetImages';

describe('repoTags without a copy', () => {
  let t: TestApp;
  let tagged: string;
  let untagged: string;
  beforeAll(async () => {
    t = await openTestApp('sqlite');
    await recordImport(t.app, [fleetImage('app:2', [fleetLayer('debian', DEBIAN_12)])]);
    await t.gql('mutation { tagImage(image: "app:2", tag: "app:1") { repoTags } }');
    await recordImport(t.app, [fleetImage('lonely:1', [fleetLayer('x')])]);
    await t.gql('mutation { untag(tag: "lonely:1") }');
    const model = await t.app.models.current();
    tagged = model.resolve('app:2')!.imageId;
    untagged = model.liveImages().find((i) => i.imageId !== tagged)!.imageId;
  }, 60_000);
  afterAll(async () => { await t.close(); });

  it('a caller changing the copy from repoTags changes neither the cache nor the answer', async () => {
    const model = await t.app.models.current();
    const copy = model.repoTags(tagged);
    expect(copy).toEqual(['app:1', 'app:2']);
    copy.push('evil:1');
    copy.reverse();
    expect(model.repoTagsView(tagged)).toEqual(['app:1', 'app:2']);
    expect(model.repoTags(tagged)).toEqual(['app:1', 'app:2']);
    const r = await t.gql(`{ image(ref: "${tagged}") { repoTags } }`);
    expect(r.image.repoTags).toEqual(['app:1', 'app:2']);
  });

  it('an untagged image answers an empty list that nobody can grow', async () => {
    const model = await t.app.models.current();
    expect(model.repoTagsView(untagged)).toEqual([]);
    expect(() => (model.repoTagsView(untagged) as string[]).push('x')).toThrow(TypeError);
    const copy = model.repoTags(untagged);
    copy.push('x');
    expect(model.repoTagsView(untagged)).toEqual([]);
    const r = await t.gql(`{ image(ref: "${untagged}") { repoTags } }`);
    expect(r.image.repoTags).toEqual([]);
  });
});

/**
 * The tag index is kept current move by move (readModel.ts moveInTagIndex):
 * a move gives new arrays to the two images it touches and keeps every other
 * image's array, which the storage report's kept rows are keyed by. The
 * expected tags come from the sequence of moves itself, not from the model.
 */
describe('repoTags across tag moves', () => {
  let t: TestApp;
  const ids: string[] = [];
  beforeAll(async () => {
    t = await openTestApp('sqlite');
    for (let i = 0; i < 4; i++) await recordImport(t.app, [fleetImage(`img${i}:base`, [fleetLayer(`own${i}`)])]);
    const model = await t.app.models.current();
    for (let i = 0; i < 4; i++) ids.push(model.resolve(`img${i}:base`)!.imageId);
  }, 60_000);
  afterAll(async () => { await t.close(); });

  it('answers what the moves say, and replaces only the arrays of the images a move touches', async () => {
    // Names chosen so that sorted order is not insertion order (upper case sorts before lower, digits first).
    const names = ['zeta:1', 'Alpha:2', 'app:10', 'app:9', 'b:x', '0day:1'];
    const expected = new Map<string, string>(ids.map((id, i) => [`img${i}:base`, id]));
    const tagsOf = (id: string) => [...expected].filter(([, to]) => to === id).map(([n]) => n).sort();
    let seed = 7;
    const random = (n: number) => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed % n; };
    for (let step = 0; step < 60; step++) {
      const before = await t.app.models.current();
      const arrays = ids.map((id) => before.repoTagsView(id));
      const name = names[random(names.length)]!;
      const from = expected.get(name);
      let to: string | undefined;
      if (from !== undefined && random(3) === 0) {
        await t.gql(`mutation { untag(tag: "${name}") }`);
        expected.delete(name);
      } else {
        to = ids[random(ids.length)]!;
        await t.gql(`mutation { tagImage(image: "${to}", tag: "${name}") { repoTags } }`);
        expected.set(name, to);
      }
      const after = await t.app.models.current();
      for (const [i, id] of ids.entries()) {
        expect([...after.repoTagsView(id)]).toEqual(tagsOf(id));
        if (from === to) expect(after.repoTagsView(id)).toBe(arrays[i]);
        else if (id !== from && id !== to) expect(after.repoTagsView(id)).toBe(arrays[i]);
      }
      // Arrays handed out before the move still read what they read then.
      if (from !== undefined && from !== to) expect(arrays[ids.indexOf(from)]).toContain(name);
    }
    const r = await t.gql(`{ images(first: 10) { edges { node { imageId repoTags } } } }`);
    for (const e of r.images.edges) expect(e.node.repoTags).toEqual(tagsOf(e.node.imageId));
  }, 60_000);
});
