/**
 * Query answers kept by log position (src/graphql/responseCache.ts, ADR 0013),
 * over real servers on both backends, two instances on one database: a kept
 * answer is the bytes executing would send; any append, through this instance
 * or the other, makes the next answer reflect it; auth and the limits still
 * apply to every request; errors, impure fields and DOCKER sizes are never kept.
 */
import pino from 'pino';
import { Strata } from '../../src/application/strata';
import { recordImport } from '../../src/application/importImages';
import { openEventStore } from '../../src/eventStore';
import type { EventStore } from '../../src/eventStore/types';
import { buildExecutableSchema } from '../../src/graphql/buildSchema';
import { costModelFor } from '../../src/graphql/costs';
import { createContext } from '../../src/graphql/resolvers/context';
import { PURE_FIELDS, ResponseCache } from '../../src/graphql/responseCache';
import { startServer, type RunningServer } from '../../src/server';
import { backendNames, freshDb, type TestDb } from '../helpers/backends';
import { file, image, layer } from '../helpers/synthetic';
import { codes, gql, READ, WRITE } from './testServer';

const DASHBOARD = `query Images($first: Int!, $after: String, $acct: SizeAccounting) { images(first: $first, after: $after) { totalCount
  pageInfo { hasNextPage endCursor } edges { node { imageId repoTags created size(accounting: $acct) sharedSize(accounting: $acct)
  uniqueSize(accounting: $acct) layers { index } } } } }`;

interface Instance { store: EventStore; app: Strata; cache: ResponseCache; server: RunningServer }

async function instance(url: string, cacheBytes = 1 << 20): Promise<Instance> {
  const store = await openEventStore(url);
  const app = new Strata(store);
  const schema = buildExecutableSchema(store);
  const cache = new ResponseCache(schema, app.models, cacheBytes);
  const server = await startServer({
    schema, store, createContext: (auth) => createContext(app, auth), costModel: () => costModelFor(app),
    port: 0, host: '127.0.0.1', writeToken: WRITE, readToken: READ, logger: pino({ level: 'silent' }), publicDir: null,
    limits: { maxCost: 400 }, responseCache: cache,
  });
  return { store, app, cache, server };
}

describe.each(backendNames())('query answers kept by log position on %s', (backend) => {
  let db: TestDb;
  let a: Instance;
  let b: Instance;
  let plain: RunningServer; // the same data, no cache: the oracle for the bytes

  beforeAll(async () => {
    db = await freshDb(backend);
    a = await instance(db.url);
    const base = layer([file('/bin/sh', 1000)]);
    await recordImport(a.app, Array.from({ length: 6 }, (_, i) => image([base, layer([file(`/app/${i}`, i + 1)])], [`app:${i}`], String(i))));
    b = await instance(db.url);
    plain = await startServer({
      schema: buildExecutableSchema(a.store), store: a.store, createContext: (auth) => createContext(a.app, auth),
      costModel: () => costModelFor(a.app), port: 0, host: '127.0.0.1', writeToken: WRITE, readToken: READ,
      logger: pino({ level: 'silent' }), publicDir: null, limits: { maxCost: 400 },
    });
  });
  afterAll(async () => {
    for (const s of [a?.server, b?.server, plain]) await s?.close();
    await a?.store.close();
    await b?.store.close();
    await db.drop();
  });

  const ask = (i: Instance | RunningServer, variables: Record<string, unknown>, token = READ, query = DASHBOARD) =>
    gql('server' in i ? i.server.url : i.url, query, { variables, token });

  it('answers a repeated query from the cache with the bytes executing it sends', async () => {
    const first = await ask(a, { first: 4 });
    expect(first.status).toBe(200);
    expect(first.body.data.images.totalCount).toBe(6);
    const hits = a.cache.hits;
    const again = await ask(a, { first: 4 });
    expect(a.cache.hits).toBe(hits + 1);
    expect(again.text).toBe(first.text);
    expect(again.headers.get('content-type')).toBe(first.headers.get('content-type'));
    expect(again.headers.get('content-length')).toBe(first.headers.get('content-length'));
    expect((await ask(plain, { first: 4 })).text).toBe(first.text);
    // Other variables are another answer.
    const page = await ask(a, { first: 2, after: first.body.data.images.pageInfo.endCursor });
    expect(page.text).toBe((await ask(plain, { first: 2, after: first.body.data.images.pageInfo.endCursor })).text);
    expect(page.body.data.images.edges[0].node.imageId).not.toBe(first.body.data.images.edges[0].node.imageId);
  });

  it('reflects an append through this instance in the next answer', async () => {
    await ask(a, { first: 10 });
    await ask(a, { first: 10 });
    const r = await gql(a.server.url, 'mutation { tagImage(image: "app:1", tag: "mine:1") { imageId } }', { token: WRITE });
    expect(r.body.errors).toBeUndefined();
    const after = await ask(a, { first: 10 });
    expect(after.body.data.images.edges.flatMap((e: any) => e.node.repoTags)).toContain('mine:1');
    expect(after.text).toBe((await ask(plain, { first: 10 })).text);
  });

  it('reflects another instance\'s append in the next answer, as soon as it returned', async () => {
    await ask(a, { first: 10 });
    await ask(a, { first: 10 });
    for (let k = 0; k < 3; k++) {
      const r = await gql(b.server.url, `mutation { tagImage(image: "app:2", tag: "theirs:${k}") { imageId } }`, { token: WRITE });
      expect(r.body.errors).toBeUndefined();
      const seen = await ask(a, { first: 10 });
      expect(seen.body.data.images.edges.flatMap((e: any) => e.node.repoTags)).toContain(`theirs:${k}`);
      expect(seen.text).toBe((await ask(b, { first: 10 })).text);
    }
  });

  it('still refuses a caller without the read token, and keeps the read and write tokens\' answers apart', async () => {
    await ask(a, { first: 3 });
    expect((await ask(a, { first: 3 })).status).toBe(200);
    for (const token of [undefined, 'not-a-token']) {
      const refused = await gql(a.server.url, DASHBOARD, { variables: { first: 3 }, token });
      expect(refused.status).toBe(401);
      expect(codes(refused.body)).toEqual(['UNAUTHENTICATED']);
    }
    const misses = a.cache.misses;
    const hits = a.cache.hits;
    const writer = await ask(a, { first: 3 }, WRITE);
    expect(writer.status).toBe(200);
    expect(a.cache.misses).toBe(misses + 1);
    expect(a.cache.hits).toBe(hits);
    await ask(a, { first: 3 }, WRITE);
    expect(a.cache.hits).toBe(hits + 1);
  });

  it('still refuses an operation over the cost limit, each time, and keeps no answer for it', async () => {
    expect((await ask(a, { first: 2 })).status).toBe(200);
    const kept = a.cache.size.entries;
    for (let k = 0; k < 2; k++) {
      const r = await ask(a, { first: 500 });
      expect(r.status).toBe(400);
      expect(codes(r.body)).toEqual(['QUERY_TOO_COMPLEX']);
    }
    expect(a.cache.size.entries).toBe(kept);
    expect((await ask(a, { first: 2 })).status).toBe(200);
  });

  it('never keeps errors, fields outside the pure set, or sizes under DOCKER accounting', async () => {
    await ask(a, { first: 1 });
    const kept = a.cache.size.entries;
    const misses = a.cache.misses;
    const beyond = 'query { images(first: 1, asOf: 100000) { totalCount } }';
    for (let k = 0; k < 2; k++) expect(codes((await ask(a, {}, READ, beyond)).body)).toEqual(['BAD_USER_INPUT']);
    for (let k = 0; k < 2; k++) expect((await ask(a, {}, READ, '{ head images(first: 1) { totalCount } }')).status).toBe(200);
    for (let k = 0; k < 2; k++) expect((await ask(a, { first: 2, acct: 'DOCKER' })).status).toBe(200);
    expect(a.cache.size.entries).toBe(kept);
    // The asOf error was looked up (a pure field) but not kept; head and DOCKER were never looked up.
    expect(a.cache.misses).toBe(misses + 2);
  });

  it('keys an asOf query by the position it reads at, and answers it as executing does', async () => {
    const q = 'query At($p: Int) { images(first: 10, asOf: $p) { totalCount edges { node { imageId repoTags } } } }';
    const p = (await ask(a, {}, READ, '{ head }')).body.data.head as number;
    await gql(b.server.url, 'mutation { tagImage(image: "app:0", tag: "later:1") { imageId } }', { token: WRITE });
    const then = await ask(a, { p }, READ, q);
    expect(then.body.data.images.totalCount).toBe(6);
    expect(JSON.stringify(then.body)).not.toContain('later:1');
    const hits = a.cache.hits;
    const again = await ask(a, { p }, READ, q);
    expect(a.cache.hits).toBe(hits + 1);
    expect(again.text).toBe(then.text);
    expect(again.text).toBe((await ask(plain, { p }, READ, q)).text);
    await gql(b.server.url, 'mutation { tagImage(image: "app:0", tag: "later:2") { imageId } }', { token: WRITE });
    expect((await ask(a, { p }, READ, q)).text).toBe(then.text);
  });
});

describe('ResponseCache', () => {
  const schema = buildExecutableSchema(undefined as unknown as EventStore);
  const at = (position: number) => ({ position, current: async () => ({ position }) });

  it('keeps an answer only if the model is still at the position its lookup saw', () => {
    const models = at(7);
    const cache = new ResponseCache(schema, models, 1000);
    models.position = 8; // an append was folded while the answer was computed
    cache.set('k', 7, Buffer.from('old'));
    expect(cache.get('k', 7)).toBeUndefined();
    expect(cache.size.entries).toBe(0);
    cache.set('k', 8, Buffer.from('new'));
    expect(cache.get('k', 8)?.toString()).toBe('new');
    expect(cache.get('k', 9)).toBeUndefined();
  });

  it('drops the least recently used answers past its byte bound, and answers of older positions', () => {
    const models = at(1);
    const cache = new ResponseCache(schema, models, 10);
    cache.set('a', 1, Buffer.alloc(4));
    cache.set('b', 1, Buffer.alloc(4));
    cache.get('a', 1);
    cache.set('c', 1, Buffer.alloc(4)); // 12 bytes: b, the least recently used, goes
    expect([cache.get('a', 1)?.length, cache.get('b', 1), cache.get('c', 1)?.length]).toEqual([4, undefined, 4]);
    expect(cache.size).toEqual({ entries: 2, bytes: 8 });
    cache.set('big', 1, Buffer.alloc(11)); // larger than the whole bound: not kept
    expect(cache.size).toEqual({ entries: 2, bytes: 8 });
    models.position = 2;
    cache.set('d', 2, Buffer.alloc(1));
    expect(cache.size).toEqual({ entries: 1, bytes: 1 });
  });

  it('names only fields of the schema', () => {
    for (const f of PURE_FIELDS) {
      const [type, field] = f.split('.');
      expect((schema.getType(type!) as any)?.getFields?.()[field!]).toBeDefined();
    }
  });
});
