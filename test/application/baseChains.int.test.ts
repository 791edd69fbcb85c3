/**
 * Unnamed bases through the real schema on every backend, on a hand-built
 * fleet whose answers are drawn below (docs/domain.md §4):
 *
 *   D  debian layer (os-release: Debian 12), never imported as an image
 *   P  python runtime layer, N node runtime layer (runtimes, never imported)
 *   alpine:3 = [A] (Alpine 3.19), alpine:3.20 = [A2] (Alpine 3.20): known bases
 *
 *   svc1 [D, P, s1]   svc2 [D, P, s2]   web [D, N, w]   cron [D, c]
 *   app:1 [A, x]      tool [A, t]       job [A2, j]
 *
 * ChainIDs are computed here as the OCI image spec defines them
 * (ChainID(L0|…|Ln) = sha256(ChainID(L0|…|Ln-1) + " " + DiffID(Ln))).
 */
import { createHash } from 'node:crypto';
import { recordImport } from '../../src/application/importImages';
import { backendNames } from '../helpers/backends';
import { openTestApp, type TestApp } from '../helpers/app';
import { ALPINE_319, ALPINE_320, DEBIAN_12, fleetImage, fleetLayer } from './fleetImages';

const chainOf = (a: string, b: string) => `sha256:${createHash('sha256').update(`${a} ${b}`).digest('hex')}`;

const D = fleetLayer('debian', DEBIAN_12);
const P = fleetLayer('python');
const N = fleetLayer('node');
const A = fleetLayer('alpine319', ALPINE_319);
const A2 = fleetLayer('alpine320', ALPINE_320);
const DP = chainOf(D.diffId, P.diffId);

const images = {
  alpine3: fleetImage('alpine:3', [A]),
  alpine320: fleetImage('alpine:3.20', [A2]),
  svc1: fleetImage('svc1:1', [D, P, fleetLayer('s1')]),
  svc2: fleetImage('svc2:1', [D, P, fleetLayer('s2')]),
  web: fleetImage('web:1', [D, N, fleetLayer('w')]),
  cron: fleetImage('cron:1', [D, fleetLayer('c')]),
  app: fleetImage('app:1', [A, fleetLayer('x')]),
  tool: fleetImage('tool:1', [A, fleetLayer('t')]),
  job: fleetImage('job:1', [A2, fleetLayer('j')]),
};

const CHAINS = `query($min: Int, $asOf: Int) { baseChains(minImages: $min, asOf: $asOf) { totalCount edges { node {
  chainId depth size distribution imageCount image { repoTags } parent { chainId } children { chainId }
  layers { diffId } images { totalCount edges { node { repoTags } } } } } } }`;
const BASE_OF = `query($ref: String!, $asOf: Int) { image(ref: $ref, asOf: $asOf) { baseChain { chainId depth distribution imageCount image { repoTags } } } }`;

const tagsOf = (conn: any) => conn.edges.map((e: any) => e.node.repoTags[0]);

describe.each(backendNames())('unnamed bases on %s', (backend) => {
  let t: TestApp;
  const baseOf = async (ref: string, asOf?: number) => (await t.gql(BASE_OF, { ref, asOf })).image.baseChain;
  const chains = async (min?: number, asOf?: number) => (await t.gql(CHAINS, { min, asOf })).baseChains;
  beforeAll(async () => {
    t = await openTestApp(backend);
    await recordImport(t.app, Object.values(images), { actor: 'seed' });
  });
  afterAll(async () => t.close());

  it('lists the shared stacks, named or not, as a tree with distributions, sizes, layers and images', async () => {
    const bc = await chains();
    expect(bc.totalCount).toBe(4);
    // Roots most shared first, each followed by its tree: D (4) with D+P (2), A (3), A2 (2).
    expect(bc.edges.map((e: any) => e.node.chainId)).toEqual([D.diffId, DP, A.diffId, A2.diffId]);
    const [d, dp, a, a2] = bc.edges.map((e: any) => e.node);
    expect(d).toMatchObject({
      depth: 1, size: D.size, distribution: 'Debian GNU/Linux 12 (bookworm)', imageCount: 4, image: null, parent: null,
      children: [{ chainId: DP }], layers: [{ diffId: D.diffId }],
    });
    expect(tagsOf(d.images)).toEqual(['svc1:1', 'svc2:1', 'web:1', 'cron:1']);
    expect(dp).toMatchObject({
      depth: 2, size: D.size + P.size, distribution: 'Debian GNU/Linux 12 (bookworm)', imageCount: 2, image: null,
      parent: { chainId: D.diffId }, children: [], layers: [{ diffId: D.diffId }, { diffId: P.diffId }],
    });
    expect(tagsOf(dp.images)).toEqual(['svc1:1', 'svc2:1']);
    // A base known as an image: it shares the stack, but is not built on it.
    expect(a).toMatchObject({ depth: 1, distribution: 'Alpine Linux v3.19', imageCount: 2, image: { repoTags: ['alpine:3'] } });
    expect(tagsOf(a.images)).toEqual(['app:1', 'tool:1']);
    expect(a2).toMatchObject({ imageCount: 1, image: { repoTags: ['alpine:3.20'] }, distribution: 'Alpine Linux v3.20' });
    expect((await chains(3)).edges.map((e: any) => e.node.chainId)).toEqual([D.diffId, A.diffId]);
  });

  it('sizes a stack under both accountings (a symbolic link counts its target under DOCKER)', async () => {
    const q = `{ baseChains { edges { node { chainId content: size docker: size(accounting: DOCKER) } } } }`;
    const sizes = new Map((await t.gql(q)).baseChains.edges.map((e: any) => [e.node.chainId, e.node]));
    const link = '/usr/share/zoneinfo/Etc/UTC'.length;
    expect(sizes.get(D.diffId)).toMatchObject({ content: D.size, docker: D.size + link });
    expect(sizes.get(DP)).toMatchObject({ content: D.size + P.size, docker: D.size + link + P.size });
  });

  it('names each image\'s base stack: two images sharing a base but not a runtime', async () => {
    expect(await baseOf('svc1:1')).toMatchObject({ chainId: DP, depth: 2, image: null, distribution: 'Debian GNU/Linux 12 (bookworm)' });
    expect(await baseOf('web:1')).toMatchObject({ chainId: D.diffId, depth: 1, imageCount: 4 });
    expect(await baseOf('app:1')).toMatchObject({ chainId: A.diffId, image: { repoTags: ['alpine:3'] } });
    expect(await baseOf('alpine:3')).toBeNull(); // a one-layer image has no proper prefix
  });

  it('pages a stack\'s images and refuses bad arguments with codes', async () => {
    const q = `query($after: String) { baseChains(first: 1) { edges { node { images(first: 2, after: $after) {
      totalCount pageInfo { hasNextPage endCursor } edges { node { repoTags } } } } } } }`;
    const p1 = (await t.gql(q)).baseChains.edges[0].node.images;
    expect(tagsOf(p1)).toEqual(['svc1:1', 'svc2:1']);
    expect(p1.pageInfo.hasNextPage).toBe(true);
    const p2 = (await t.gql(q, { after: p1.pageInfo.endCursor })).baseChains.edges[0].node.images;
    expect(tagsOf(p2)).toEqual(['web:1', 'cron:1']);
    expect(p2.pageInfo.hasNextPage).toBe(false);
    const outer = await t.gql('{ baseChains(first: 2) { pageInfo { hasNextPage endCursor } } }');
    const rest = await t.gql(`{ baseChains(first: 10, after: "${outer.baseChains.pageInfo.endCursor}") { edges { node { chainId } } } }`);
    expect(rest.baseChains.edges.map((e: any) => e.node.chainId)).toEqual([A.diffId, A2.diffId]);
    const head = await t.app.store.head();
    for (const bad of ['{ baseChains(minImages: 1) { totalCount } }', '{ baseChains(after: "nope") { totalCount } }', '{ baseChains(first: -1) { totalCount } }']) {
      const r = await t.gqlRaw(bad);
      expect(r.errors?.map((e) => e.code)).toEqual(['BAD_USER_INPUT']);
    }
    expect(await t.app.store.head()).toBe(head);
  });

  it('follows commits, a rebase and removals, and answers asOf any earlier position', async () => {
    const before = await t.app.store.head();
    // A commit on tool: the new image sits on tool's whole chain, now a shared stack named tool:1.
    await t.gql(`mutation { commit(input: { image: "tool:1", tag: "tool:2", changes: [{ change: ADDED, path: "/more", kind: FILE, size: 3 }] }) { image { imageId } } }`);
    expect(await baseOf('tool:2')).toMatchObject({ depth: 2, image: { repoTags: ['tool:1'] }, imageCount: 1, distribution: 'Alpine Linux v3.19' });
    expect((await baseOf('tool:1'))?.imageCount).toBe(3); // A: app, tool, and the commit

    // Rebase app:1 from alpine:3 onto alpine:3.20, then remove the old version: app moves from A to A2.
    const old = (await t.gql('{ image(ref: "app:1") { imageId } }')).image.imageId;
    await t.gql('mutation { upgrade(input: { tag: "app:1", onto: "alpine:3.20" }) { image { imageId } } }');
    expect(await baseOf('app:1')).toMatchObject({ chainId: A2.diffId, image: { repoTags: ['alpine:3.20'] }, distribution: 'Alpine Linux v3.20' });
    await t.gql(`mutation { removeImage(ref: "${old}") { removed { imageId } } }`);
    const after = await chains();
    const byId = new Map(after.edges.map((e: any) => [e.node.chainId, e.node]));
    expect(tagsOf((byId.get(A2.diffId) as any).images)).toEqual(['job:1', 'app:1']);
    expect((byId.get(A.diffId) as any).imageCount).toBe(2); // tool:1 and tool:2

    // Removing svc2 leaves D+P to svc1 alone: it is no longer a shared stack.
    await t.gql(`mutation { removeImage(ref: "svc2:1") { removed { imageId } } }`);
    const now = await chains();
    expect(now.edges.map((e: any) => e.node.chainId)).not.toContain(DP);
    expect(await baseOf('svc1:1')).toMatchObject({ chainId: D.diffId, imageCount: 3 });
    expect(now.edges.find((e: any) => e.node.chainId === D.diffId).node.children).toEqual([]);

    // asOf: the fleet as it was before any of it.
    const then = await chains(undefined, before);
    expect(then.edges.map((e: any) => e.node.chainId)).toEqual([D.diffId, DP, A.diffId, A2.diffId]);
    expect(tagsOf(then.edges[1].node.images)).toEqual(['svc1:1', 'svc2:1']);
    expect(await baseOf(old, before)).toMatchObject({ chainId: A.diffId });
    expect(await baseOf('svc1:1', before)).toMatchObject({ chainId: DP });
  });
});
