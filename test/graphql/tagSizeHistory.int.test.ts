/**
 * Tag.sizeHistory (issue 23): the tag's image size at each move, with the
 * change against the previous move, under both accountings. Expected figures
 * come from the layers the test builds (fleetLayer sizes; DOCKER adds the
 * length of the /etc/localtime symlink target the Debian layer carries).
 */
import { recordImport } from '../../src/application/importImages';
import { backendNames } from '../helpers/backends';
import { openTestApp, type TestApp } from '../helpers/app';
import { DEBIAN_12, fleetImage, fleetLayer } from '../application/fleetImages';

const LINK = '/usr/share/zoneinfo/Etc/UTC'.length;
const D = fleetLayer('debian', DEBIAN_12);
const X = fleetLayer('x');
const Y = fleetLayer('yy');
const Z = fleetLayer('zzz');

describe.each(backendNames())('Tag.sizeHistory (%s)', (backend) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await openTestApp(backend);
    await recordImport(t.app, [fleetImage('app:latest', [D])]);
    await recordImport(t.app, [fleetImage('app:latest', [D, X])]);
    await recordImport(t.app, [fleetImage('app:latest', [D, Y, Z])]);
    await t.gql('mutation { untag(tag: "app:latest") }');
  }, 60_000);
  afterAll(async () => { await t.close(); });

  it('gives one point per move, oldest first, with CONTENT and DOCKER sizes and the CONTENT delta', async () => {
    const r = await t.gql(`{ tag(name: "app:latest") { history { position }
      sizeHistory { position at image { repoTags } content: size docker: size(accounting: DOCKER) delta } } }`);
    const pts = r.tag.sizeHistory;
    expect(pts.map((p: any) => p.position)).toEqual(r.tag.history.map((h: any) => h.position));
    const content = [D.size, D.size + X.size, D.size + Y.size + Z.size, 0];
    expect(pts.map((p: any) => p.content)).toEqual(content);
    expect(pts.map((p: any) => p.docker)).toEqual([content[0]! + LINK, content[1]! + LINK, content[2]! + LINK, 0]);
    expect(pts.map((p: any) => p.delta)).toEqual([D.size, X.size, Y.size + Z.size - X.size, -(D.size + Y.size + Z.size)]);
    expect(pts[3].image).toBeNull();
    expect(pts.every((p: any) => !Number.isNaN(Date.parse(p.at)))).toBe(true);
  });

  it('answers at an earlier asOf with the moves known then', async () => {
    const r = await t.gql('{ tag(name: "app:latest") { history { position } } }');
    const second = r.tag.history[1].position;
    const early = await t.gql(`{ tag(name: "app:latest", asOf: ${second}) { sizeHistory { size delta } } }`);
    expect(early.tag.sizeHistory).toEqual([{ size: D.size, delta: D.size }, { size: D.size + X.size, delta: X.size }]);
  });
});
