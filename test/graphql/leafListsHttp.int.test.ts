/**
 * The storage report's lists over HTTP on a real ledger (src/graphql/leafLists.ts):
 * the server's body is byte for byte `JSON.stringify({ data })` of plain
 * graphql-js's execution of the same query at the same position, with the
 * lists answered as text (default serializer) and by graphql-jit (Apollo's
 * serializer, which turns the text lists off), under both sharing rules, a
 * past position, and with reclaimable layers; and the lists' kept text
 * (answered again while nothing changed) follows every kind of change.
 */
import { execute, getOperationAST, parse } from 'graphql';
import { createExecutor } from '../../src/graphql/executor';
import { bodyBytes, JsonListText, stringifyResult } from '../../src/graphql/responseBody';
import { recordImport } from '../../src/application/importImages';
import { commitImage } from '../../src/application/commands/commit';
import { removeImage } from '../../src/application/commands/removeImage';
import { tagImage, untag } from '../../src/application/commands/tags';
import { buildExecutableSchema } from '../../src/graphql/buildSchema';
import { createContext } from '../../src/graphql/resolvers/context';
import { backendNames } from '../helpers/backends';
import { openTestApp, type TestApp } from '../helpers/app';
import { startSerializerServers, type SerializerServers } from '../helpers/serializerServers';
import { DEBIAN_12, fleetImage, fleetLayer } from '../application/fleetImages';

const D = fleetLayer('ll-debian', DEBIAN_12);
const R = fleetLayer('ll-runtime');
const imgs = Array.from({ length: 40 }, (_, i) => fleetImage(`ll${i}:1`, i % 5 === 0 ? [fleetLayer(`ll${i}-alone`)]
  : [D, ...(i % 2 ? [R] : []), fleetLayer(`ll${i}-own`)]));

const QUERIES = [
  `{ storage(by: CHAIN_ID) { logicalSize physicalSize savedBytes savingsRatio imageCount layerCount sharedLayerCount
    images { image { imageId repoTags } size sharedSize uniqueSize } layers { key diffId size imageCount } } }`,
  `{ storage(by: DIFF_ID) { imageCount reclaimableLayers { key size imageCount __typename } images { __typename sharedSize img: image { id os architecture created } } } }`,
  `{ storage(by: CHAIN_ID, asOf: AS_OF) { layers { ...L } images { size image { repoTags } } } } fragment L on LayerUsage { imageCount key diffId }`,
  `{ storage(by: CHAIN_ID) { layers { key layer { diffId } } } }`,
  // The dashboard's page (bench/queryBench.ts DASHBOARD), and its edges' text path with aliases, fragments, __typename, null fields.
  `{ images(first: 100) { totalCount pageInfo { hasNextPage endCursor }
    edges { node { imageId repoTags created size sharedSize uniqueSize layers { index } } } } }`,
  `{ a: images(first: 7, after: "${Buffer.from('image:2').toString('base64')}") { edges { __typename c: cursor n: node { ...I __typename
    layers { __typename i: index diffId chainId digest mediaType size createdBy } } } } }
   fragment I on Image { id u: uniqueSize s: sharedSize size created architecture os ... on Image { imageId repoTags } }`,
  `{ images(first: 100, asOf: AS_OF) { edges { node { imageId repoTags size sharedSize uniqueSize layers { index } } } } }`,
  `{ images(search: "ll1") { edges { node { imageId size(accounting: CONTENT) } } } }`,
  `{ images { edges { node { imageId manifestDigest parent { imageId } layers { index } } } } }`,
  // The report's pages (bench/queryBench.ts STORAGE_PAGE): their edges take the same text path.
  `{ storage(by: CHAIN_ID) { imagesPage(first: 1000) { totalCount pageInfo { hasNextPage endCursor }
    edges { node { image { imageId repoTags } size sharedSize uniqueSize } } } } }`,
  `{ storage(by: DIFF_ID) { layersPage(first: 5, after: "${Buffer.from('LayerUsage:1').toString('base64')}") {
    edges { cursor __typename n: node { ...U } } } imagesPage { edges { node { __typename image { id os } } } }
    reclaimableLayersPage { edges { node { key size } } } } }
   fragment U on LayerUsage { key diffId size imageCount }`,
  `{ storage(by: CHAIN_ID) { layersPage { edges { node { key layer { diffId } } } } } }`,
];

/** Those the text path answers (the others are handed back to graphql-jit): the real resolvers of every field asked. */
const AS_TEXT = [QUERIES[0]!, QUERIES[1]!, QUERIES[2]!, QUERIES[4]!, QUERIES[5]!, QUERIES[6]!, QUERIES[9]!, QUERIES[10]!];

/** Every JsonListText in a result (the lists the text path answered). */
function texts(v: unknown, out: JsonListText[] = []): JsonListText[] {
  if (v instanceof JsonListText) out.push(v);
  else if (Array.isArray(v)) v.forEach((x) => texts(x, out));
  else if (v && typeof v === 'object') Object.values(v).forEach((x) => texts(x, out));
  return out;
}

describe.each(backendNames())('storage report lists over HTTP (%s)', (backend) => {
  let t: TestApp;
  let asOf: number;
  let servers: SerializerServers;
  beforeAll(async () => {
    t = await openTestApp(backend);
    await recordImport(t.app, imgs);
    asOf = await t.app.store.head();
    await removeImage(t.app, { ref: 'll5:1', force: true }, { actor: 'test' });
    await removeImage(t.app, { ref: 'll6:1', force: true }, { actor: 'test' });
    servers = await startSerializerServers(t.app);
  }, 60_000);
  afterAll(async () => {
    await servers.close();
    await t.close();
  });

  const bodies = (query: string) => servers.bodies(query);

  it('kept list text follows a tag move, an untag, a new image, a commit and a removal: each answer is graphql-js\'s at its position',
    async () => {
    // The full report, and a row-only one (its rows' text kept across changes: only changed rows are made again).
    const queries = [QUERIES[0]!, `{ storage(by: CHAIN_ID) { layers { key diffId size imageCount } images { size sharedSize uniqueSize }
      reclaimableLayers { key size imageCount } } }`];
    const seen = queries.map(() => new Set<string>());
    const check = async () => {
      // Twice: the second answer is the kept text's.
      for (let i = 0; i < 2; i++) {
        for (const [q, query] of queries.entries()) {
          const { expected, got } = await bodies(query);
          for (const body of got) expect(body).toBe(expected);
          seen[q]!.add(expected);
        }
      }
    };
    await check();
    await tagImage(t.app, { image: 'll7:1', tag: 'll-kept:moved' }, { actor: 'test' });
    await check();
    await untag(t.app, { tag: 'll7:1' }, { actor: 'test' });
    await check();
    await recordImport(t.app, [fleetImage('ll-kept:new', [D, fleetLayer('ll-kept-own')])]);
    await check();
    // A commit on an image sharing D and R: the new image's rows, and D's and R's imageCount, change; the rest are kept.
    await commitImage(t.app, { image: 'll9:1', createdBy: 'kept rows', changes: [{ change: 'ADDED', path: '/srv/kept', kind: 'FILE', size: 100,
      mode: 420, uid: 0, gid: 0, contentDigest: `sha256:${'fe'.repeat(32)}` }] }, { actor: 'test' });
    await check();
    await removeImage(t.app, { ref: 'll8:1', force: true }, { actor: 'test' });
    await check();
    // Each change changed the full answer (a stale kept text would have repeated one); the row-only one changes
    // with every change but the tag move and untag.
    expect(seen[0]!.size).toBe(6);
    expect(seen[1]!.size).toBe(4);
  });

  it.each(QUERIES.map((q, i) => [i, q]))('query %d: the executor answers it as text where it should, the same bytes as graphql-js',
    async (_i, raw) => {
      const query = (raw as string).replace('AS_OF', String(asOf));
      const schema = buildExecutableSchema(t.app.store);
      const document = parse(query);
      const ctx = () => createContext(t.app, { actor: null, canWrite: false });
      const js = await execute({ schema, document, contextValue: ctx() });
      const ours = await createExecutor(schema, { engine: 'jit', leafLists: true })({ document, source: query,
        operation: getOperationAST(document)!, operationName: null, variables: {}, contextValue: ctx() });
      expect(bodyBytes(stringifyResult(ours)).toString('utf8')).toBe(`${JSON.stringify(js)}\n`);
      expect(texts(ours.data).length > 0).toBe(AS_TEXT.includes(raw as string));
    });

  it.each(QUERIES.map((q, i) => [i, q]))('query %d: the body is graphql-js\'s answer, byte for byte, with and without text lists', async (_i, raw) => {
    const { expected, got } = await bodies((raw as string).replace('AS_OF', String(asOf)));
    for (const body of got) expect(body).toBe(expected);
  });
});
