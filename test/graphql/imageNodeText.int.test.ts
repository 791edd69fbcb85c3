/**
 * The dashboard's image nodes answered from kept text (src/graphql/leafLists.ts
 * KeptObjects, resolvers/image.ts IMAGE_NODE_READS): a node's text is made
 * once and answered again while the image's record, its repoTags array and its
 * CHAIN_ID shared figure are the same. Every answer here, after each kind of
 * change that alters what a node says (a commit, a tag move, an untag, the
 * removal of an image sharing a layer, which changes another's sharedSize, the
 * image made live again), is held byte for byte against graphql-js's execution
 * of the same query at that moment, on both backends; and the nodes made
 * (Image.layers resolver calls) show that only what changed is made again.
 */
import type { GraphQLField, GraphQLObjectType } from 'graphql';
import { recordImport } from '../../src/application/importImages';
import { commitImage } from '../../src/application/commands/commit';
import { removeImage } from '../../src/application/commands/removeImage';
import { tagImage, untag } from '../../src/application/commands/tags';
import { buildExecutableSchema } from '../../src/graphql/buildSchema';
import { backendNames } from '../helpers/backends';
import { openTestApp, type TestApp } from '../helpers/app';
import { startSerializerServers, type SerializerServers } from '../helpers/serializerServers';
import { DEBIAN_12, fleetImage, fleetLayer } from '../application/fleetImages';

const D = fleetLayer('nt-debian', DEBIAN_12);
const imgs = Array.from({ length: 12 }, (_, i) => fleetImage(`nt${i}:1`, i % 4 === 0 ? [fleetLayer(`nt${i}-alone`)]
  : [D, fleetLayer(`nt${i}-own`)]));

/** The dashboard (bench/queryBench.ts DASHBOARD). */
const DASHBOARD = `{ images(first: 100) { totalCount pageInfo { hasNextPage endCursor }
  edges { cursor node { imageId repoTags created size sharedSize uniqueSize layers { index } } } } }`;
/** Every field IMAGE_NODE_READS covers, aliased, through fragments. */
const EVERY_FIELD = `{ images(first: 100) { edges { n: node { ...I __typename
  layers { __typename i: index diffId chainId digest mediaType size createdBy } } c: cursor } } }
  fragment I on Image { id u: uniqueSize s: sharedSize size created architecture os ... on Image { imageId repoTags } }`;
/** A past position's nodes: another model's tags and figures for the same images. */
const PAST = `{ images(first: 100, asOf: AS_OF) { edges { node { imageId repoTags size sharedSize uniqueSize layers { index } } } } }`;

describe.each(backendNames())('image nodes as kept text (%s)', (backend) => {
  let t: TestApp;
  let asOf: number;
  let servers: SerializerServers;
  /** Image.layers resolver calls of the text-answering server: one per node made. */
  let made = 0;
  beforeAll(async () => {
    t = await openTestApp(backend);
    await recordImport(t.app, imgs);
    asOf = await t.app.store.head();
    await tagImage(t.app, { image: 'nt3:1', tag: 'nt-past:1' }, { actor: 'test' });
    servers = await startSerializerServers(t.app, (serializer) => {
      const schema = buildExecutableSchema(t.app.store);
      if (serializer === 'pieces') {
        const layers = (schema.getType('Image') as GraphQLObjectType).getFields().layers as GraphQLField<unknown, unknown>;
        const resolve = layers.resolve!;
        layers.resolve = (...args) => { made++; return resolve(...args); };
      }
      return schema;
    });
  }, 60_000);
  afterAll(async () => {
    await servers.close();
    await t.close();
  });

  /** graphql-js's answer now, and each server's body. */
  const bodies = (raw: string) => servers.bodies(raw.replace('AS_OF', String(asOf)));

  /** The nodes the dashboard makes when asked now (layers resolver calls), its body checked as above. */
  const dashboardMakes = async () => {
    const before = made;
    const { expected, got } = await bodies(DASHBOARD);
    for (const body of got) expect(body).toBe(expected);
    return made - before;
  };
  const own = (label: string) => ({ change: 'ADDED' as const, path: `/srv/${label}`, kind: 'FILE' as const, size: 100, mode: 420, uid: 0,
    gid: 0, contentDigest: `sha256:${'fe'.repeat(32)}` });

  // One selection alone (its kept texts from before each change are there to be answered stale), and all three
  // interleaved (each evicting the others' texts of the same images).
  it.each([['the dashboard', [DASHBOARD]], ['every field', [EVERY_FIELD]], ['three selections', [DASHBOARD, EVERY_FIELD, PAST]]])(
    '%s: after a commit, a tag move, an untag, a removal changing a sharedSize and a re-import, every answer is graphql-js\'s',
    async (name, queries) => {
      const p = `nt-${(name as string).replace(/ /g, '-')}`;
      const P = fleetLayer(`${p}-pair`);
      const pair = [fleetImage(`${p}-p1:1`, [P, fleetLayer(`${p}-p1-own`)]), fleetImage(`${p}-p2:1`, [P, fleetLayer(`${p}-p2-own`)])];
      await recordImport(t.app, [fleetImage(`${p}-a:1`, [D, fleetLayer(`${p}-a-own`)]), fleetImage(`${p}-b:1`, [fleetLayer(`${p}-b-own`)]),
        ...pair]);
      const seen = new Set<string>();
      const check = async () => {
        for (const query of queries as string[]) {
          // Twice: the second answer from the kept texts.
          for (let i = 0; i < 2; i++) {
            const { expected, got } = await bodies(query);
            for (const body of got) expect(body).toBe(expected);
            if (query !== PAST) seen.add(expected);
          }
        }
      };
      await check();
      // A commit on p1: the new image shares all of p1's layers, so p1's sharedSize grows.
      await commitImage(t.app, { image: `${p}-p1:1`, createdBy: 'node text', changes: [own(p)] }, { actor: 'test' });
      await check();
      await tagImage(t.app, { image: `${p}-a:1`, tag: `${p}-moved:1` }, { actor: 'test' });
      await check();
      // The tag moves from a to b: both images' repoTags change.
      await tagImage(t.app, { image: `${p}-b:1`, tag: `${p}-moved:1` }, { actor: 'test' });
      await check();
      await untag(t.app, { tag: `${p}-a:1` }, { actor: 'test' });
      await check();
      // p2 held P with p1 (and the commit): p1's sharedSize falls.
      await removeImage(t.app, { ref: `${p}-p2:1`, force: true }, { actor: 'test' });
      await check();
      // Made live again: another record for the same image ID, and p1's sharedSize back.
      await recordImport(t.app, [pair[1]!]);
      await check();
      // Each change but the last changed the answers (a stale node would have repeated one); the re-import gives
      // back the answer before the removal.
      expect(seen.size).toBe(6 * (queries as string[]).filter((q) => q !== PAST).length);
    });

  it('a node is made again exactly when what it reads changed', async () => {
    // A new image sharing D, and its tag: the other holders of D were already shared and their tags are the same
    // (their repoTags arrays are handed out again, readModel.ts), so only the new node is made.
    await dashboardMakes();
    expect(await dashboardMakes()).toBe(0);
    await recordImport(t.app, [fleetImage('nt-new:1', [D, fleetLayer('nt-new-own')])]);
    expect(await dashboardMakes()).toBe(1);
    expect(await dashboardMakes()).toBe(0);
    // A commit on nt1 (D + own): the new image, and nt1 whose own layer becomes shared.
    await commitImage(t.app, { image: 'nt1:1', createdBy: 'node text 2', changes: [own('nt1')] }, { actor: 'test' });
    expect(await dashboardMakes()).toBe(2);
    // Removing that commit makes nt1's own layer its own again: nt1 alone.
    const committed = (await t.app.models.current()).liveImages().at(-1)!.imageId;
    await removeImage(t.app, { ref: committed, force: true }, { actor: 'test' });
    expect(await dashboardMakes()).toBe(1);
    // A tag added to nt2, then moved to nt3: the images whose tags changed.
    await tagImage(t.app, { image: 'nt2:1', tag: 'nt-moved:2' }, { actor: 'test' });
    expect(await dashboardMakes()).toBe(1);
    await tagImage(t.app, { image: 'nt3:1', tag: 'nt-moved:2' }, { actor: 'test' });
    expect(await dashboardMakes()).toBe(2);
    await untag(t.app, { tag: 'nt3:1' }, { actor: 'test' });
    expect(await dashboardMakes()).toBe(1);
    expect(await dashboardMakes()).toBe(0);
  });
});
