/**
 * Query.drift and Image.drift (issue 23, docs/domain.md §4 base drift) on
 * both backends: debian:12 moves from D1 to D2 by an import (as a registry
 * or engine watch records it: recordImport moves the tag), then by a tagImage
 * mutation; images built on D1 directly, through an unnamed base, and one
 * committed after the move, are behind; answers at an earlier asOf are the
 * drift known then.
 */
import { recordImport } from '../../src/application/importImages';
import { backendNames } from '../helpers/backends';
import { openTestApp, type TestApp } from '../helpers/app';
import { DEBIAN_12, fleetImage, fleetLayer } from '../application/fleetImages';

const D1 = fleetLayer('debian-1', DEBIAN_12);
const D2 = fleetLayer('debian-2', DEBIAN_12);
const D3 = fleetLayer('debian-3', DEBIAN_12);
const RUNTIME = fleetLayer('runtime');

const FIELDS = 'tag movesBehind since image { repoTags } builtOn { imageId repoTags } current { imageId repoTags }';

describe.each(backendNames())('base drift over GraphQL (%s)', (backend) => {
  let t: TestApp;
  const ids: Record<string, string> = {};
  let beforeMove = 0;
  let secondMove = 0;
  beforeAll(async () => {
    t = await openTestApp(backend);
    const deb1 = fleetImage('debian:12', [D1]);
    ids.deb1 = deb1.imageId;
    await recordImport(t.app, [deb1]);
    await recordImport(t.app, [fleetImage('app:1', [D1, fleetLayer('app')])]);
    // svc:1 and svc:2 share [D1, runtime], a stack no image is known as.
    await recordImport(t.app, [fleetImage('svc:1', [D1, RUNTIME, fleetLayer('svc-1')]), fleetImage('svc:2', [D1, RUNTIME, fleetLayer('svc-2')])]);
    await recordImport(t.app, [fleetImage('fresh:1', [D2, fleetLayer('fresh')])]);
    beforeMove = (await t.gql('{ head }')).head;
    const deb2 = fleetImage('debian:12', [D2]);
    ids.deb2 = deb2.imageId;
    await recordImport(t.app, [deb2]);
    await recordImport(t.app, [fleetImage('late:1', [D1, fleetLayer('late')])]); // built on the old target after the move
    const deb3 = fleetImage('debian:12.9', [D3]);
    ids.deb3 = deb3.imageId;
    await recordImport(t.app, [deb3]);
    await t.gql(`mutation { tagImage(image: "${ids.deb3}", tag: "debian:12") { imageId } }`);
    secondMove = (await t.gql('{ head }')).head;
  }, 60_000);
  afterAll(async () => { await t.close(); });

  it('lists every image built on an older target, most behind first, with the target it is on and the current one', async () => {
    const r = await t.gql(`{ drift(tag: "debian:12") { totalCount edges { node { ${FIELDS} } } } }`);
    const rows = r.drift.edges.map((e: any) => [e.node.image.repoTags[0], e.node.builtOn.imageId, e.node.current.imageId, e.node.movesBehind]);
    expect(rows).toEqual([
      ['app:1', ids.deb1, ids.deb3, 2], ['svc:1', ids.deb1, ids.deb3, 2], ['svc:2', ids.deb1, ids.deb3, 2], ['late:1', ids.deb1, ids.deb3, 2],
      ['fresh:1', ids.deb2, ids.deb3, 1],
    ]);
    expect(r.drift.totalCount).toBe(5);
    const history = (await t.gql('{ tag(name: "debian:12") { history { position at } } }')).tag.history;
    expect(r.drift.edges[0].node.since).toBe(history[1].at);
    expect(r.drift.edges[4].node.since).toBe(history[2].at);
    expect(r.drift.edges[0].node.tag).toBe('debian:12');
    expect(r.drift.edges[4].node.current.repoTags).toEqual(['debian:12', 'debian:12.9']);
  });

  it('lists all base tags when tag is omitted, and pages', async () => {
    const all = await t.gql(`{ drift(first: 2) { totalCount pageInfo { hasNextPage endCursor } edges { node { image { repoTags } } } } }`);
    expect(all.drift.totalCount).toBe(5);
    expect(all.drift.pageInfo.hasNextPage).toBe(true);
    const next = await t.gql(`{ drift(first: 10, after: "${all.drift.pageInfo.endCursor}") { edges { node { image { repoTags } } } } }`);
    expect(next.drift.edges.map((e: any) => e.node.image.repoTags[0])).toEqual(['svc:2', 'late:1', 'fresh:1']);
  });

  it('Image.drift: the tags an image is behind on; none for the targets and for images on the current one', async () => {
    const r = await t.gql(`{ app: image(ref: "app:1") { drift { ${FIELDS} } } deb: image(ref: "debian:12") { drift { tag } }
      old: image(ref: "${ids.deb1}") { drift { tag } } }`);
    expect(r.app.drift).toHaveLength(1);
    expect(r.app.drift[0]).toMatchObject({ tag: 'debian:12', movesBehind: 2, builtOn: { imageId: ids.deb1, repoTags: [] } });
    expect(r.deb.drift).toEqual([]);
    expect(r.old.drift).toEqual([]);
  });

  it('answers at an earlier asOf with the drift known then', async () => {
    const early = await t.gql(`{ drift(tag: "debian:12", asOf: ${beforeMove}) { totalCount } }`);
    expect(early.drift.totalCount).toBe(0);
    const mid = await t.gql(`{ drift(tag: "debian:12", asOf: ${secondMove - 1}) { edges { node { movesBehind current { imageId } image { repoTags } } } } }`);
    expect(mid.drift.edges.map((e: any) => [e.node.image.repoTags[0], e.node.movesBehind, e.node.current.imageId]))
      .toEqual([['app:1', 1, ids.deb2], ['svc:1', 1, ids.deb2], ['svc:2', 1, ids.deb2], ['late:1', 1, ids.deb2]]);
  });

  it('refuses a malformed tag and says a tag the log never named is not found', async () => {
    const bad = await t.gqlRaw('{ drift(tag: "Debian:12") { totalCount } }');
    expect(bad.errors?.[0]?.code).toBe('BAD_USER_INPUT');
    const unknown = await t.gqlRaw('{ drift(tag: "ubuntu:24.04") { totalCount } }');
    expect(unknown.errors?.[0]).toMatchObject({ code: 'NOT_FOUND', message: expect.stringContaining('ubuntu:24.04') });
    const beforeTag = await t.gqlRaw('{ drift(tag: "debian:12", asOf: 0) { totalCount } }');
    expect(beforeTag.errors?.[0]?.code).toBe('NOT_FOUND');
  });
});
