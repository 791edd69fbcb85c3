/**
 * A dashboard query over 100 images with their layers, entries, lineage,
 * storage and efficiency costs a bounded number of database round trips
 * (DataLoader batching + the read model), independent of the image count.
 */
import { Strata } from '../../src/application/strata';
import { recordImport } from '../../src/application/importImages';
import { openEventStore } from '../../src/eventStore';
import type { EventStore, Sql } from '../../src/eventStore/types';
import { buildExecutableSchema } from '../../src/graphql/buildSchema';
import { createContext } from '../../src/graphql/resolvers/context';
import { graphql } from 'graphql';
import { backendNames, freshDb, type TestDb } from '../helpers/backends';
import { file, image, layer } from '../helpers/synthetic';

function counting(store: EventStore): { store: EventStore; count: () => number; reset: () => void } {
  let n = 0;
  const sql: Sql = {
    dialect: store.sql.dialect,
    query: (s, p) => { n += 1; return store.sql.query(s, p); },
    run: (s, p) => { n += 1; return store.sql.run(s, p); },
  };
  const proxy = new Proxy(store, {
    get(target, prop, receiver) {
      if (prop === 'sql') return sql;
      if (prop === 'head' || prop === 'readRange') {
        const f = (target as any)[prop].bind(target);
        return (...args: unknown[]) => { n += 1; return f(...args); };
      }
      const v = Reflect.get(target, prop, receiver);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
  return { store: proxy, count: () => n, reset: () => { n = 0; } };
}

const DASHBOARD = `{ images(first: 100) { totalCount edges { node {
  imageId repoTags size sharedSize uniqueSize
  layers { diffId size layer { fileCount imageCount entries(first: 5) { totalCount edges { node { path } } } } }
  parent { imageId } children { imageId } base { imageId }
  efficiency { score wastedBytes }
  file(path: "/etc/app.conf") { layerIndex size }
} } } storage { logicalSize physicalSize savedBytes } }`;

describe.each(backendNames())('round trips on %s', (backend) => {
  let db: TestDb;
  let raw: EventStore;

  beforeAll(async () => {
    db = await freshDb(backend);
    raw = await openEventStore(db.url);
    const writer = new Strata(raw);
    const base = layer([file('/bin/sh', 1000), file('/etc/app.conf', 10, 'base')]);
    const images = Array.from({ length: 100 }, (_, i) => image([base, layer([file(`/app/${i}`, i + 1), file('/etc/app.conf', 20, `v${i}`)])], [`app:${i}`], String(i)));
    await recordImport(writer, images);
  });
  afterAll(async () => { await raw.close(); await db.drop(); });

  it('stays within a constant number of round trips for 100 images', async () => {
    const c = counting(raw);
    const app = new Strata(c.store);
    const schema = buildExecutableSchema(c.store);
    const run = () => graphql({ schema, source: DASHBOARD, contextValue: createContext(app, { actor: null, canWrite: false }) });
    const first = await run();
    expect(first.errors).toBeUndefined();
    expect(first.data!.images as any).toMatchObject({ totalCount: 100 });
    const edges = (first.data!.images as any).edges;
    expect(edges[7].node.file).toEqual({ layerIndex: 1, size: 20 });
    expect(edges[7].node.sharedSize).toBe(1010);
    // Cold: replay the log (head + a page of events) and one batched load of 101 entry lists.
    expect(c.count()).toBeLessThanOrEqual(8);
    c.reset();
    await run();
    // Warm: the read model is current and entry lists are cached. SQLite knows the model is current without a
    // statement (PRAGMA data_version on its own connection); PostgreSQL asks for the head once per root field that
    // reads the model (images, storage), since another instance may have appended.
    expect(c.count()).toBeLessThanOrEqual(backend === 'sqlite' ? 0 : 2);
  });
});
