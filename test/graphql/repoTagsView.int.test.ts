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
