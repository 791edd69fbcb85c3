/**
 * Queries over HTTP against Strata's real server, with the big image and
 * 2,000 fleet images recorded. Each figure's floor is the same request
 * answered by a replay server with the recorded bytes (HTTP + transfer, no
 * work); the load test's ceiling is a bare Apollo Server 5 answering a
 * constant, both driven by autocannon in a child process.
 */
import { readImages } from '../src/importers';
import { recordImport } from '../src/application/importImages';
import { Strata } from '../src/application/strata';
import { BIG, ensureImage, Rng } from './generate';
import { Client, startBareApollo, startReplay, startStrata, WRITE_TOKEN } from './http';
import { loadTest, loadTestCycling } from './load';
import { DEFAULT_RESPONSE_CACHE_BYTES } from '../src/graphql/responseCache';
import { recordFleet, syntheticImages } from './synthetic';
import { compare, type Row } from './table';
import { engineRows } from './queryEngines';
import { log, median, percentile, scratch, timed, type BenchOptions } from './util';

export const FILES = `query Files($ref: String!, $after: String) { image(ref: $ref) { files(path: "/", recursive: true, first: 1000, after: $after) {
  totalCount pageInfo { hasNextPage endCursor } edges { node { path kind size mode uid gid linkTarget contentDigest layerIndex diffId } } } } }`;
const FILE = 'query File($ref: String!, $path: String!) { image(ref: $ref) { file(path: $path) { path kind size mode contentDigest layerIndex diffId } } }';
export const STORAGE = `query Storage { storage(by: CHAIN_ID) { by logicalSize physicalSize savedBytes savingsRatio imageCount layerCount sharedLayerCount
  reclaimableLayerCount reclaimableBytes images { image { imageId repoTags } size sharedSize uniqueSize } layers { key diffId size imageCount } } }`;
/** The same report a page at a time (schema/storage-pages.graphql): what a fleet past the cost limit's reach asks for. */
const STORAGE_PAGE = `query StoragePage($after: String) { storage(by: CHAIN_ID) { by logicalSize physicalSize savedBytes savingsRatio imageCount
  layerCount sharedLayerCount reclaimableLayerCount reclaimableBytes imagesPage(first: 1000, after: $after) { totalCount
  pageInfo { hasNextPage endCursor } edges { node { image { imageId repoTags } size sharedSize uniqueSize } } } } }`;
export const DASHBOARD = `query Images($first: Int!, $after: String) { images(first: $first, after: $after) { totalCount pageInfo { hasNextPage endCursor }
  edges { node { imageId repoTags created size sharedSize uniqueSize layers { index } } } } }`;
const COMMIT = 'mutation Commit($input: CommitInput!) { commit(input: $input) { image { imageId } layer { index diffId } event { position } } }';

type Send = (c: Client) => Promise<unknown>;

/** CPU milliseconds (user + system) this process spends in fn: server and client share it, so the figure is robust to other load. */
async function cpuOf<T>(fn: () => Promise<T>): Promise<{ cpuMs: number; value: T }> {
  const c = process.cpuUsage();
  const value = await fn();
  const d = process.cpuUsage(c);
  return { cpuMs: (d.user + d.system) / 1000, value };
}

/** Times `sends` on Strata, then the same requests on the replay floor; also the CPU each side cost. */
async function againstFloor(strata: Client, sends: Send[]): Promise<{ strata: number[]; floor: number[]; strataCpu: number; floorCpu: number }> {
  const s: number[] = [];
  const sc = await cpuOf(async () => { for (const send of sends) s.push((await timed(() => send(strata))).ms); });
  const replay = await startReplay(strata.recorded);
  const floorClient = new Client(replay.url);
  const f: number[] = [];
  let fc = { cpuMs: NaN };
  try { fc = await cpuOf(async () => { for (const send of sends) f.push((await timed(() => send(floorClient))).ms); }); } finally { await replay.close(); }
  return { strata: s, floor: f, strataCpu: sc.cpuMs, floorCpu: fc.cpuMs };
}

async function pageAll(c: Client, ref: string): Promise<string[]> {
  const paths: string[] = [];
  let after: string | null = null;
  for (;;) {
    const d: any = await c.gql(FILES, { ref, after });
    const conn = d.image.files;
    for (const e of conn.edges) paths.push(e.node.path);
    if (!conn.pageInfo.hasNextPage) return paths;
    after = conn.pageInfo.endCursor;
  }
}

export async function queryBench(opts: BenchOptions): Promise<Row[]> {
  const img = await ensureImage(BIG);
  const app = await Strata.open(scratch('queries.db'));
  const rows: Row[] = [];
  const fleetSize = 2000;
  try {
    log('queries: recording the big image and 2,000 fleet images');
    await recordImport(app, await readImages(img.tarPath));
    await recordFleet(app, syntheticImages({ images: fleetSize }));
    const server = await startStrata(app);
    const c = new Client(server.url, WRITE_TOKEN);
    try {
      const ref = img.tag;
      // Whole merged view: the first pass builds it, the second reads the cache.
      const cold = await timed(() => pageAll(c, ref));
      const paths = cold.value;
      const view = await againstFloor(c, [(cl) => pageAll(cl, ref)]);
      const note = `${paths.length} entries, ${Math.ceil(paths.length / 1000)} pages`;
      rows.push(compare({ bench: 'queries', metric: 'whole merged view, first read', value: cold.ms, unit: 'ms', peer: 'replay', peerValue: view.floor[0]!, better: 'lower', note }));
      rows.push(compare({ bench: 'queries', metric: 'whole merged view, cached', value: view.strata[0]!, unit: 'ms', peer: 'replay', peerValue: view.floor[0]!, better: 'lower', note }, 2));
      rows.push(compare({ bench: 'queries', metric: 'whole merged view, cached, CPU', value: view.strataCpu, unit: 'ms', peer: 'replay', peerValue: view.floorCpu, better: 'lower', note: 'CPU of this process (server + client), robust to other load' }, 2));

      const r = new Rng(5);
      const n = opts.quick ? 200 : 1000;
      const lookups: Send[] = Array.from({ length: n }, () => {
        const path = paths[r.int(paths.length)]!;
        return (cl: Client) => cl.gql(FILE, { ref, path });
      });
      const lk = await againstFloor(c, lookups);
      for (const p of [50, 95]) {
        rows.push(compare({ bench: 'queries', metric: `single-path lookup p${p}`, value: percentile(lk.strata, p), unit: 'ms', peer: 'replay', peerValue: percentile(lk.floor, p), better: 'lower', note: p === 50 ? `${n} random paths` : undefined }));
      }

      const st = await againstFloor(c, Array.from({ length: opts.quick ? 3 : 7 }, () => (cl: Client) => cl.gql(STORAGE)));
      rows.push(compare({ bench: 'queries', metric: 'storage report, first', value: st.strata[0]!, unit: 'ms', peer: 'replay', peerValue: median(st.floor), better: 'lower', note: `${fleetSize + 1} images` }));
      rows.push(compare({ bench: 'queries', metric: 'storage report, median', value: median(st.strata.slice(1)), unit: 'ms', peer: 'replay', peerValue: median(st.floor), better: 'lower' }, 3));
      rows.push(compare({ bench: 'queries', metric: 'storage report, median, CPU', value: st.strataCpu / st.strata.length, unit: 'ms', peer: 'replay', peerValue: st.floorCpu / st.floor.length, better: 'lower', note: 'CPU of this process per request' }, 3));
      const pg = await againstFloor(c, Array.from({ length: opts.quick ? 3 : 7 }, () => (cl: Client) => cl.gql(STORAGE_PAGE)));
      rows.push(compare({ bench: 'queries', metric: 'storage report, page of 1,000 images, median', value: median(pg.strata.slice(1)), unit: 'ms', peer: 'replay', peerValue: median(pg.floor), better: 'lower', note: 'imagesPage(first: 1000)' }, 3));
      rows.push(compare({ bench: 'queries', metric: 'storage report page, CPU', value: pg.strataCpu / pg.strata.length, unit: 'ms', peer: 'replay', peerValue: pg.floorCpu / pg.floor.length, better: 'lower', note: 'CPU of this process per request' }, 3));

      rows.push(...(await serializerRows(app, ref, opts)));

      rows.push(...(await commitRows(c, opts, fleetSize)));

      // In process, after the HTTP rows: its seconds of idle would let the client's kept-alive socket expire between requests.
      log('queries: graphql-jit vs graphql-js in process (CPU per query)');
      rows.push(...(await engineRows(app, [
        { name: 'dashboard images(first:100)', query: DASHBOARD, variables: { first: 100 } },
        { name: 'merged view page of 1,000', query: FILES, variables: { ref } },
        { name: 'storage report with lists', query: STORAGE, variables: {}, note: `${fleetSize + 1} images` },
        { name: 'storage report page of 1,000 images', query: STORAGE_PAGE, variables: {} },
      ], { rounds: opts.quick ? 3 : 7, reps: (k) => (k.query === DASHBOARD ? 20 : 3) })));

      log('queries: load test');
      const dashboard = JSON.stringify({ query: DASHBOARD, variables: { first: 100 } });
      const bare = await startBareApollo();
      try {
        const seconds = opts.quick ? 3 : 8;
        const strata = await cpuOf(() => loadTest(server.url, dashboard, seconds));
        const bareRun = await cpuOf(() => loadTest(bare.url, JSON.stringify({ query: bare.query }), seconds));
        const strataRps = strata.value;
        const bareRps = bareRun.value;
        rows.push(compare({ bench: 'queries', metric: 'dashboard query under load', value: strataRps, unit: 'req/s', peer: 'bare Apollo 5 constant', peerValue: bareRps, better: 'higher', note: `images(first:100), 10 connections, ${seconds} s` }, 0.3));
        // Requests per CPU second of the server (autocannon runs in a child): what throughput would be on an idle core.
        const perCpuSecond = (rps: number, cpuMs: number) => (rps * seconds) / (cpuMs / 1000);
        rows.push(compare({ bench: 'queries', metric: 'dashboard query per CPU second', value: perCpuSecond(strataRps, strata.cpuMs), unit: 'req/cpu-s', peer: 'bare Apollo 5 constant', peerValue: perCpuSecond(bareRps, bareRun.cpuMs), better: 'higher', note: 'robust to other load' }, 0.3));
        // The same server executing with graphql-js (the engine before graphql-jit), in the same run.
        const jsServer = await startStrata(app, 'graphql-js');
        try {
          const js = await cpuOf(() => loadTest(jsServer.url, dashboard, seconds));
          rows.push(compare({ bench: 'queries', metric: 'dashboard per CPU second, graphql-jit vs graphql-js engine', value: perCpuSecond(strataRps, strata.cpuMs), unit: 'req/cpu-s', peer: 'Strata executing with graphql-js', peerValue: perCpuSecond(js.value, js.cpuMs), better: 'higher', note: `graphql-js: ${js.value.toFixed(0)} req/s` }));
        } finally { await jsServer.close(); }
        rows.push(...(await keptAnswerRows(app, bare, { rps: strataRps, cpuMs: strata.cpuMs }, seconds)));
      } finally { await bare.close(); }
    } finally {
      await server.close();
    }
  } finally {
    await app.close();
  }
  return rows;
}

/**
 * The dashboard under load with answers kept by log position (ADR 0013, `strata serve`'s default):
 * the same poll repeated (every request after the first a hit: what a dashboard between appends
 * sends), and distinct pages cycled so that every request misses (the cache's own cost on top of
 * executing). The rows above ("dashboard query under load") execute every request, no cache.
 */
async function keptAnswerRows(app: Strata, bare: { url: string; query: string }, executed: { rps: number; cpuMs: number },
  seconds: number): Promise<Row[]> {
  const server = await startStrata(app, undefined, undefined, DEFAULT_RESPONSE_CACHE_BYTES);
  const cache = server.responseCache!;
  const perCpuSecond = (rps: number, cpuMs: number) => (rps * seconds) / (cpuMs / 1000);
  try {
    const poll = JSON.stringify({ query: DASHBOARD, variables: { first: 100 } });
    const bareRun = await cpuOf(() => loadTest(bare.url, JSON.stringify({ query: bare.query }), seconds));
    const h0 = cache.hits;
    const m0 = cache.misses;
    const hit = await cpuOf(() => loadTest(server.url, poll, seconds));
    const hitNote = `${cache.hits - h0} hits, ${cache.misses - m0} misses`;
    // 4 page sizes x 1,901 offsets: more distinct requests than a run sends, and each answer 100 images.
    const bodies: string[] = [];
    for (const first of [100, 99, 98, 97]) {
      bodies.push(JSON.stringify({ query: DASHBOARD, variables: { first } }));
      for (let offset = 0; offset < 1900; offset++) {
        bodies.push(JSON.stringify({ query: DASHBOARD, variables: { first, after: Buffer.from(`image:${offset}`).toString('base64') } }));
      }
    }
    const h1 = cache.hits;
    const m1 = cache.misses;
    const miss = await cpuOf(() => loadTestCycling(server.url, bodies, seconds));
    const missNote = `${cache.hits - h1} hits, ${cache.misses - m1} misses`;
    const row = (metric: string, value: number, peerValue: number, note: string, goal?: number) => compare({ bench: 'queries', metric,
      value, unit: metric.includes('CPU') ? 'req/cpu-s' : 'req/s', peer: 'bare Apollo 5 constant', peerValue, better: 'higher', note }, goal);
    return [
      row('dashboard under load, answers kept, repeated poll (hits)', hit.value, bareRun.value, `${hitNote}; images(first:100)`, 0.3),
      row('dashboard per CPU second, answers kept, repeated poll (hits)', perCpuSecond(hit.value, hit.cpuMs),
        perCpuSecond(bareRun.value, bareRun.cpuMs), 'robust to other load', 0.3),
      row('dashboard under load, answers kept, distinct pages (every request a miss)', miss.value, bareRun.value, missNote),
      row('dashboard per CPU second, answers kept, distinct pages (misses)', perCpuSecond(miss.value, miss.cpuMs),
        perCpuSecond(bareRun.value, bareRun.cpuMs), 'robust to other load'),
      compare({ bench: 'queries', metric: 'dashboard per CPU second, cache misses vs no cache', value: perCpuSecond(miss.value, miss.cpuMs),
        unit: 'req/cpu-s', peer: 'same poll, every request executed', peerValue: perCpuSecond(executed.rps, executed.cpuMs), better: 'higher',
        note: 'the cache\'s own cost when it never hits' }),
    ];
  } finally { await server.close(); }
}

async function commitRows(c: Client, opts: BenchOptions, fleetSize: number): Promise<Row[]> {
  const n = opts.quick ? 5 : 20;
  const r = new Rng(11);
  const commit = (k0: number): Send => {
    const k = k0 + 1;
    const image = `fleet/app${r.int(fleetSize)}:1`;
    return (cl) => cl.gql(COMMIT, { input: {
      image, createdBy: `bench commit ${k}`,
      changes: Array.from({ length: 10 }, (_, j) => ({ change: 'ADDED', path: `/srv/bench${k}/f${j}`, kind: 'FILE', size: 100 + j, mode: 420, uid: 0, gid: 0, contentDigest: `sha256:${(k * 100 + j).toString(16).padStart(64, '0')}` })),
    } });
  };
  try {
    await commit(-1)(c);
  } catch (e) {
    return [{ bench: 'queries', metric: 'commit mutation', value: null, unit: 'ms', note: `pending: ${(e as Error).message.slice(0, 120)}` }];
  }
  const sends = Array.from({ length: n }, (_, k) => commit(k));
  const t = await againstFloor(c, sends);
  return [compare({ bench: 'queries', metric: 'commit mutation p50', value: median(t.strata), unit: 'ms', peer: 'replay', peerValue: median(t.floor), better: 'lower', note: `${fleetSize + 1}+ images, 10 changes, ${n} commits` })];
}

/**
 * Answers serialized in pieces (src/graphql/responseBody.ts) against Apollo's
 * default one-string serializer, the same server otherwise, in the same run:
 * CPU of this process (server + client), rounds alternating, medians.
 */
async function serializerRows(app: Strata, ref: string, opts: BenchOptions): Promise<Row[]> {
  const pieces = await startStrata(app);
  const apollo = await startStrata(app, undefined, 'apollo');
  try {
    const clients = { pieces: new Client(pieces.url, WRITE_TOKEN), apollo: new Client(apollo.url, WRITE_TOKEN) };
    const work = {
      'whole merged view, cached, CPU': (cl: Client) => pageAll(cl, ref),
      'storage report with lists, CPU per request': (cl: Client) => cl.gql(STORAGE),
    };
    const rows: Row[] = [];
    for (const [name, fn] of Object.entries(work)) {
      await fn(clients.pieces);
      await fn(clients.apollo);
      const a: number[] = [];
      const b: number[] = [];
      for (let i = 0; i < (opts.quick ? 3 : 7); i++) {
        b.push((await cpuOf(() => fn(clients.apollo))).cpuMs);
        a.push((await cpuOf(() => fn(clients.pieces))).cpuMs);
      }
      rows.push(compare({ bench: 'queries', metric: `${name}, answers in pieces vs one string`, value: median(a), unit: 'ms',
        peer: "Apollo's JSON.stringify serializer", peerValue: median(b), better: 'lower', note: 'same server otherwise; alternating rounds' }));
    }
    return rows;
  } finally {
    await pieces.close();
    await apollo.close();
  }
}
