/** Query.layerDiff through the schema (issue 23), on both backends: pairs, sizes from the built layers, NOT_FOUND. */
import { recordImport } from '../../src/application/importImages';
import { backendNames } from '../helpers/backends';
import { openTestApp, type TestApp } from '../helpers/app';
import { fleetImage, fleetLayer } from '../application/fleetImages';

const D = fleetLayer('base');
const X = fleetLayer('x');
const Y = fleetLayer('yyyy');

describe.each(backendNames())('Query.layerDiff (%s)', (backend) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await openTestApp(backend);
    await recordImport(t.app, [fleetImage('app:1', [D, X]), fleetImage('app:2', [D, Y])]);
  }, 60_000);
  afterAll(async () => { await t.close(); });

  it('pairs the shared base as SAME, the new layer as ADDED and the dropped one as REMOVED', async () => {
    const r = await t.gql(`{ layerDiff(from: "app:1", to: "app:2") { sizeDelta
      layers { status changedPaths sizeDelta from { diffId index } to { diffId index } } } }`);
    expect(r.layerDiff.layers).toEqual([
      { status: 'SAME', changedPaths: 0, sizeDelta: 0, from: { diffId: D.diffId, index: 0 }, to: { diffId: D.diffId, index: 0 } },
      { status: 'ADDED', changedPaths: Y.entries.length, sizeDelta: Y.size, from: null, to: { diffId: Y.diffId, index: 1 } },
      { status: 'REMOVED', changedPaths: X.entries.length, sizeDelta: -X.size, from: { diffId: X.diffId, index: 1 }, to: null },
    ]);
    expect(r.layerDiff.sizeDelta).toBe(Y.size - X.size);
  });

  it('an unknown image is NOT_FOUND', async () => {
    const r = await t.gqlRaw('{ layerDiff(from: "app:1", to: "nope:1") { sizeDelta } }');
    expect(r.errors?.[0]?.code).toBe('NOT_FOUND');
  });
});
