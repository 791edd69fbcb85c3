/**
 * One read model per query request (resolvers/context.ts RequestModels): over HTTP,
 * with `strata serve`'s data-driven cost model and answers kept by log position, a
 * query asks for the head once however many root fields read the model, where it
 * asked once for the cost model, once for the cache key and once per root field.
 * What it must not cost: a write that returned before the request was sent is in
 * the answer (another instance's too, on PostgreSQL), and a mutation's payload reads its own write.
 */
import { Strata } from '../../src/application/strata';
import { tagImage } from '../../src/application/commands/tags';
import { recordImport } from '../../src/application/importImages';
import { openEventStore } from '../../src/eventStore';
import type { EventStore } from '../../src/eventStore/types';
import { buildExecutableSchema } from '../../src/graphql/buildSchema';
import { costModelFor } from '../../src/graphql/costs';
import { createLogger } from '../../src/graphql/logger';
import { createContext, requestModelsOf } from '../../src/graphql/resolvers/context';
import { ResponseCache } from '../../src/graphql/responseCache';
import { startServer, type RunningServer } from '../../src/server';
import { backendNames, freshDb, type TestDb } from '../helpers/backends';
import { file, image, layer } from '../helpers/synthetic';

const TOKEN = 'request-model-token';

/** The store with its head() calls counted (the catch-up's freshness question). */
function countingHeads(store: EventStore): { store: EventStore; heads: () => number } {
  let n = 0;
  const proxy = new Proxy(store, {
    get(target, prop, receiver) {
      if (prop === 'head') return () => { n += 1; return target.head(); };
      const v = Reflect.get(target, prop, receiver);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
  return { store: proxy, heads: () => n };
}

async function serve(app: Strata, cache: boolean): Promise<RunningServer> {
  const schema = buildExecutableSchema(app.store);
  return startServer({
    schema, store: app.store, port: 0, host: '127.0.0.1', writeToken: TOKEN, logger: createLogger('silent'),
    createContext: (auth) => createContext(app, auth),
    costModel: (context) => costModelFor(app, requestModelsOf(context)),
    responseCache: cache ? new ResponseCache(schema, app.models, 1024 * 1024) : null,
  });
}

async function post(url: string, query: string, variables: Record<string, unknown> = {}): Promise<any> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
    body: JSON.stringify({ query, variables }) });
  expect(res.status).toBe(200);
  const body = await res.json() as { data?: any; errors?: unknown[] };
  expect(body.errors).toBeUndefined();
  return body.data;
}

const TWO_ROOTS = '{ images(first: 10) { totalCount edges { node { repoTags } } } tags { name } storage { imageCount } }';
const TAG = 'mutation T($image: String!, $tag: String!) { tagImage(image: $image, tag: $tag) { repoTags } }';

describe.each(backendNames())('one read model per query request on %s', (backend) => {
  let db: TestDb;
  let raw: EventStore;

  beforeAll(async () => {
    db = await freshDb(backend);
    raw = await openEventStore(db.url);
    const base = layer([file('/bin/sh', 1000)]);
    await recordImport(new Strata(raw), [image([base, layer([file('/app/a', 1)])], ['app:1'], 'a'),
      image([base, layer([file('/app/b', 2)])], ['app:2'], 'b')]);
  });
  afterAll(async () => { await raw.close(); await db.drop(); });

  it.each([false, true])('asks for the head at most once per query (response cache %s)', async (cache) => {
    const c = countingHeads(raw);
    const app = new Strata(c.store);
    const server = await serve(app, cache);
    try {
      await post(server.url, TWO_ROOTS); // the first catch-up folds the log
      const before = c.heads();
      const data = await post(server.url, TWO_ROOTS);
      expect(data.images.totalCount).toBe(2);
      expect(data.storage.imageCount).toBe(2);
      // Unpinned, the cost model, the cache key and each root field asked (3 here on PostgreSQL: concurrent root
      // fields share a catch-up in flight). SQLite knows without asking (PRAGMA data_version); PostgreSQL asks
      // once, since another instance may have appended.
      expect(c.heads() - before).toBe(backend === 'sqlite' ? 0 : 1);
    } finally { await server.close(); }
  });

  it('answers every write that returned before the request, this instance\'s or another\'s', async () => {
    const one = new Strata(raw);
    const other = new Strata(await openEventStore(db.url));
    const server = await serve(one, true);
    try {
      await post(server.url, TWO_ROOTS);
      // A mutation's payload reads its own write (never a model pinned before it).
      const tagged = await post(server.url, TAG, { image: 'app:1', tag: 'mine:1' });
      expect(tagged.tagImage.repoTags).toEqual(['app:1', 'mine:1']);
      expect((await post(server.url, TWO_ROOTS)).tags.map((t: { name: string }) => t.name)).toContain('mine:1');
      await tagImage(other, { image: 'app:2', tag: 'theirs:1' }, { actor: 'other', idempotencyKey: null, request: null });
      const after = await post(server.url, TWO_ROOTS);
      expect(after.tags.map((t: { name: string }) => t.name)).toContain('theirs:1');
      expect(after.images.edges.map((e: any) => e.node.repoTags)).toContainEqual(['app:2', 'theirs:1']);
    } finally {
      await server.close();
      await other.store.close();
    }
  });
});
