/**
 * The store's guarantees, each shown on every backend (SQLite file, PostgreSQL database).
 */
import { createHash } from 'node:crypto';
import { openEventStore } from '../../src/eventStore';
import { GENESIS_HASH, ChainVerifier } from '../../src/eventStore/hashChain';
import type { EventStore, StoredEvent } from '../../src/eventStore/types';
import { backendNames, freshDb, type TestDb } from '../helpers/backends';

const ev = (type: string, data: unknown = {}) => ({ type, data });

describe.each(backendNames())('event store on %s', (backend) => {
  let db: TestDb;
  let store: EventStore;

  beforeEach(async () => {
    db = await freshDb(backend);
    store = await openEventStore(db.url);
  });
  afterEach(async () => {
    await store.close();
    await db.drop();
  });

  it('starts empty at head 0 and numbers positions from 1 without gaps', async () => {
    expect(await store.head()).toBe(0);
    await store.append([{ stream: 'a', expectedVersion: 'no_stream', events: [ev('X'), ev('Y')] }]);
    await store.append([{ stream: 'b', expectedVersion: 0, events: [ev('Z')] }, { stream: 'a', expectedVersion: 2, events: [ev('W')] }]);
    const all = await store.readRange(1);
    expect(all.map((e) => e.position)).toEqual([1, 2, 3, 4]);
    expect(all.map((e) => [e.stream, e.version])).toEqual([['a', 1], ['a', 2], ['b', 1], ['a', 3]]);
    expect(await store.head()).toBe(4);
    expect(await store.streamVersion('a')).toBe(3);
    expect((await store.readStream('a')).map((e) => e.type)).toEqual(['X', 'Y', 'W']);
    expect((await store.readRange(2, 3)).map((e) => e.position)).toEqual([2, 3]);
  });

  it('records type, schema version, data and metadata with actor and time', async () => {
    const at = new Date('2026-01-02T03:04:05.000Z');
    const r = await store.append([{ stream: 's', expectedVersion: 'any', events: [{ type: 'T', data: { n: 1, nested: { b: [1, 2] } }, schemaVersion: 3 }] }], { actor: 'alice', recordedAt: at });
    const [e] = await store.readRange(1);
    expect(e).toMatchObject({ type: 'T', schemaVersion: 3, data: { n: 1, nested: { b: [1, 2] } }, metadata: { actor: 'alice', recordedAt: at.toISOString() } });
    expect(r.events[0]).toEqual(e);
  });

  it('refuses a stale expected version with CONFLICT and appends nothing', async () => {
    await store.append([{ stream: 'a', expectedVersion: 'no_stream', events: [ev('X')] }]);
    await expect(store.append([{ stream: 'a', expectedVersion: 0, events: [ev('Y')] }])).rejects.toMatchObject({ code: 'CONFLICT' });
    await expect(store.append([{ stream: 'a', expectedVersion: 'no_stream', events: [ev('Y')] }])).rejects.toMatchObject({ code: 'CONFLICT' });
    // A multi-stream batch is all or nothing: the good stream is not written either.
    await expect(store.append([
      { stream: 'fresh', expectedVersion: 0, events: [ev('ok')] },
      { stream: 'a', expectedVersion: 5, events: [ev('stale')] },
    ])).rejects.toMatchObject({ code: 'CONFLICT' });
    expect(await store.head()).toBe(1);
    expect(await store.streamVersion('fresh')).toBe(0);
  });

  it('rolls back everything when work inside the append fails', async () => {
    await expect(store.append([{ stream: 'a', expectedVersion: 'any', events: [ev('X')] }], {}, async () => { throw new Error('boom'); }))
      .rejects.toThrow('boom');
    expect(await store.head()).toBe(0);
  });

  it('returns the first result for a retried idempotency key, for ever', async () => {
    const first = await store.append([{ stream: 'a', expectedVersion: 0, events: [ev('X'), ev('Y')] }], { idempotencyKey: 'k1' });
    await store.append([{ stream: 'b', expectedVersion: 'any', events: [ev('Z')] }]);
    // The retry would now conflict (a is at 2), yet it returns the first result.
    const retry = await store.append([{ stream: 'a', expectedVersion: 0, events: [ev('X'), ev('Y')] }], { idempotencyKey: 'k1' });
    expect(retry.duplicate).toBe(true);
    expect(retry.events).toEqual(first.events);
    expect(await store.head()).toBe(3);
    // Survives a restart: it is stored, not cached.
    await store.close();
    store = await openEventStore(db.url);
    const again = await store.append([{ stream: 'a', expectedVersion: 0, events: [ev('X')] }], { idempotencyKey: 'k1' });
    expect(again.duplicate).toBe(true);
    expect(again.events.map((e) => e.position)).toEqual([1, 2]);
    expect(await store.head()).toBe(3);
  });

  it('chains hashes: sha256(prevHash + canonical fields), first prevHash 64 zeros', async () => {
    await store.append([{ stream: 'a', expectedVersion: 'any', events: [ev('X', { b: 2, a: 1 }), ev('Y')] }], { actor: 'bob', recordedAt: new Date('2026-01-01T00:00:00Z') });
    const [e1, e2] = await store.readRange(1) as [StoredEvent, StoredEvent];
    expect(e1.prevHash).toBe(GENESIS_HASH);
    expect(e2.prevHash).toBe(e1.hash);
    // Independent recomputation: keys sorted, no whitespace.
    const canonical = '{"data":{"a":1,"b":2},"idempotencyKey":null,"metadata":{"actor":"bob","recordedAt":"2026-01-01T00:00:00.000Z"},"position":1,"schemaVersion":1,"stream":"a","type":"X","version":1}';
    expect(e1.hash).toBe(createHash('sha256').update(GENESIS_HASH + canonical).digest('hex'));
    const v = new ChainVerifier();
    for (const e of await store.readRange(1)) v.feed(e);
    expect(v.result()).toMatchObject({ ok: true, checked: 2 });
  });

  it('follows the log from a position, delivering later appends in order', async () => {
    await store.append([{ stream: 'a', expectedVersion: 'any', events: [ev('A1')] }]);
    const seen: number[] = [];
    const done = new Promise<void>((resolve) => {
      const sub = store.follow(2, (events) => {
        seen.push(...events.map((e) => e.position));
        if (seen.length >= 3) { sub.stop(); resolve(); }
      });
    });
    await store.append([{ stream: 'a', expectedVersion: 'any', events: [ev('A2')] }]);
    await store.append([{ stream: 'b', expectedVersion: 'any', events: [ev('B1'), ev('B2')] }]);
    await done;
    expect(seen).toEqual([2, 3, 4]);
  });

  it('lets many racing appenders from several connections win each version exactly once', async () => {
    const others = await Promise.all([1, 2, 3].map(() => openEventStore(db.url)));
    const stores = [store, ...others];
    try {
      const attempts = 40;
      const results = await Promise.allSettled(Array.from({ length: attempts }, async (_, i) => {
        const s = stores[i % stores.length]!;
        for (;;) {
          const v = await s.streamVersion('race');
          try {
            return await s.append([{ stream: 'race', expectedVersion: v, events: [ev('Won', { i })] }]);
          } catch (e) {
            if ((e as { code?: string }).code !== 'CONFLICT') throw e;
          }
        }
      }));
      expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
      const events = await store.readRange(1, undefined, 1000);
      expect(events.map((e) => e.position)).toEqual(Array.from({ length: attempts }, (_, i) => i + 1));
      expect(events.map((e) => e.version)).toEqual(Array.from({ length: attempts }, (_, i) => i + 1));
      expect(new Set(events.map((e) => e.data.i)).size).toBe(attempts);
      const v = new ChainVerifier();
      for (const e of events) v.feed(e);
      expect(v.result().ok).toBe(true);
    } finally {
      await Promise.all(others.map((s) => s.close()));
    }
  });

  it('gives one winner per expected version when racers use the same version', async () => {
    await store.append([{ stream: 'x', expectedVersion: 'any', events: [ev('init')] }]);
    const others = await Promise.all([1, 2].map(() => openEventStore(db.url)));
    try {
      const results = await Promise.allSettled([store, ...others, store, ...others].map((s, i) =>
        s.append([{ stream: 'x', expectedVersion: 1, events: [ev('attempt', { i })] }])));
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      for (const r of results) if (r.status === 'rejected') expect(r.reason).toMatchObject({ code: 'CONFLICT' });
      expect(await store.head()).toBe(2);
    } finally {
      await Promise.all(others.map((s) => s.close()));
    }
  });
});
