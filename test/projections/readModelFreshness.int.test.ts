/**
 * The read model's freshness check: on SQLite an unchanged `PRAGMA data_version`
 * stands in for the head query (EventLog.changeCounter), and still every
 * append — this store's, another store's on the same database (another
 * instance), another process's — is seen by the next current() after it returned.
 * On PostgreSQL (no exact counter) every current() asks for the head.
 */
import { ReadModelSource } from '../../src/projections/readModelSource';
import { openEventStore } from '../../src/eventStore';
import type { EventStore } from '../../src/eventStore/types';
import { backendNames, freshDb, type TestDb } from '../helpers/backends';

const tagMoved = (tag: string, version: number) => [{ stream: `tag:${tag}`, expectedVersion: version,
  events: [{ type: 'TagMoved', data: { tag, from: null, to: `sha256:${tag.replace(/\W/g, '')}${version}` } }] }];

/** The store with its head() calls counted. */
function countingHeads(store: EventStore): { store: EventStore; heads: () => number } {
  let n = 0;
  const proxy = new Proxy(store, {
    get(target, prop) {
      if (prop === 'head') return () => { n += 1; return target.head(); };
      const v = (target as any)[prop];
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
  return { store: proxy, heads: () => n };
}

describe.each(backendNames())('read model freshness on %s', (backend) => {
  let db: TestDb;
  let mine: EventStore;
  let other: EventStore;
  beforeEach(async () => {
    db = await freshDb(backend);
    mine = await openEventStore(db.url);
    other = await openEventStore(db.url); // a second instance on the same database
  });
  afterEach(async () => { await mine.close(); await other.close(); await db.drop(); });

  it('sees each append, its own and another instance\'s, in the next current() after it returned', async () => {
    const c = countingHeads(mine);
    const source = new ReadModelSource(c.store);
    expect((await source.current()).position).toBe(0);
    await mine.append(tagMoved('own:1', 0));
    expect((await source.current()).position).toBe(1);
    await other.append(tagMoved('theirs:1', 0));
    expect((await source.current()).position).toBe(2);
    await other.append(tagMoved('theirs:1', 1));
    await mine.append(tagMoved('own:1', 1));
    const model = await source.current();
    expect(model.position).toBe(4);
    expect(model.tags.get('theirs:1')?.version).toBe(2);
    // asOf validation reads the same head: the newest position is allowed, one past it refused.
    expect((await source.at(4)).position).toBe(4);
    await expect(source.at(5)).rejects.toThrow('beyond the head of the log (4)');
    await other.append(tagMoved('theirs:2', 0));
    expect((await source.at(5)).position).toBe(5);
  });

  it('asks for the head only when something was committed (SQLite), on every call otherwise (PostgreSQL)', async () => {
    await other.append(tagMoved('a:1', 0));
    const c = countingHeads(mine);
    const source = new ReadModelSource(c.store);
    await source.current();
    const before = c.heads();
    for (let i = 0; i < 5; i++) expect((await source.current()).position).toBe(1);
    expect(c.heads() - before).toBe(backend === 'sqlite' ? 0 : 5);
    await other.append(tagMoved('a:1', 1));
    expect((await source.current()).position).toBe(2);
    expect(c.heads() - before).toBe(backend === 'sqlite' ? 1 : 6);
  });

  it('does not trust the counter after a catch-up that failed', async () => {
    let failing = false;
    const flaky: EventStore = new Proxy(mine, {
      get(target, prop) {
        if (prop === 'readRange') return (...a: [number, number?, number?]) => (failing ? Promise.reject(new Error('disk gone')) : target.readRange(...a));
        const v = (target as any)[prop];
        return typeof v === 'function' ? v.bind(target) : v;
      },
    });
    const source = new ReadModelSource(flaky);
    await source.current();
    await other.append(tagMoved('b:1', 0));
    failing = true;
    await expect(source.current()).rejects.toThrow('disk gone');
    await expect(source.current()).rejects.toThrow('disk gone');
    failing = false;
    expect((await source.current()).position).toBe(1);
  });
});
