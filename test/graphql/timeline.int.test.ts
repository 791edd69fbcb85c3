/**
 * Image.tagMoves, TagMove.tag and Query.event (schema/timeline.graphql, issue
 * 20): the moves expected are the ones the test makes through the API.
 */
import { recordImport } from '../../src/application/importImages';
import { backendNames } from '../helpers/backends';
import { openTestApp, type TestApp } from '../helpers/app';
import { fleetImage, fleetLayer } from '../application/fleetImages';

const A = fleetImage('tl-a:1', [fleetLayer('tl-a')]);
const B = fleetImage('tl-b:1', [fleetLayer('tl-b')]);

describe.each(backendNames())('timelines (%s)', (backend) => {
  let t: TestApp;
  const moved: number[] = [];
  const head = async () => (await t.gql('{ head }')).head as number;
  beforeAll(async () => {
    t = await openTestApp(backend);
    await recordImport(t.app, [A, B], { actor: 'importer' });
    await t.gql(`mutation { tagImage(image: "${A.imageId}", tag: "app:1") { imageId } }`, {}, 'alice');
    moved.push(await head());
    await t.gql(`mutation { tagImage(image: "${B.imageId}", tag: "app:1") { imageId } }`, {}, 'bob');
    moved.push(await head());
    await t.gql('mutation { untag(tag: "tl-a:1") }', {}, 'carol');
    moved.push(await head());
  }, 60_000);
  afterAll(async () => { await t.close(); });

  it('Image.tagMoves lists every move to or from the image, oldest first, with the tag, actor and both IDs', async () => {
    const r = await t.gql(`{ image(ref: "${A.imageId}") { tagMoves { position tag actor fromImageId toImageId to { imageId } } } }`);
    const moves = r.image.tagMoves;
    expect(moves.map((m: any) => m.tag)).toEqual(['tl-a:1', 'app:1', 'app:1', 'tl-a:1']);
    expect(moves.slice(1).map((m: any) => m.position)).toEqual(moved);
    expect(moves.map((m: any) => m.actor)).toEqual(['importer', 'alice', 'bob', 'carol']);
    expect(moves[2]).toMatchObject({ fromImageId: A.imageId, toImageId: B.imageId, to: { imageId: B.imageId } });
    expect(moves[3]).toMatchObject({ fromImageId: A.imageId, toImageId: null, to: null });
    const positions = moves.map((m: any) => m.position);
    expect([...positions].sort((x, y) => x - y)).toEqual(positions);
  });

  it('at an earlier asOf lists only the moves made by then', async () => {
    const r = await t.gql(`{ image(ref: "${A.imageId}", asOf: ${moved[0]}) { tagMoves { tag position } } }`);
    expect(r.image.tagMoves.map((m: any) => m.tag)).toEqual(['tl-a:1', 'app:1']);
  });

  it('Tag.history names its tag; Query.event returns the event at a position, null beyond the head', async () => {
    const r = await t.gql('{ tag(name: "app:1") { history { tag position } } }');
    expect(r.tag.history).toEqual(moved.slice(0, 2).map((position) => ({ tag: 'app:1', position })));
    const e = await t.gql(`{ event(position: ${moved[1]}) { position type stream actor data } }`);
    expect(e.event).toMatchObject({ position: moved[1], type: 'TagMoved', stream: 'tag:app:1', actor: 'bob', data: { tag: 'app:1', from: A.imageId, to: B.imageId } });
    expect((await t.gql(`{ event(position: ${(await head()) + 1}) { position } }`)).event).toBeNull();
    expect((await t.gql('{ event(position: 0) { position } }')).event).toBeNull();
    const bad = await t.gqlRaw('{ event(position: -2) { position } }');
    expect(bad.errors?.[0]).toMatchObject({ code: 'BAD_USER_INPUT', message: expect.stringContaining('position must be >= 0') });
  });
});
