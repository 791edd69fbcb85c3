/**
 * The append's paths (issue 19 item 3), on every backend: an append hashed
 * against a head another connection has since moved, a stale expected
 * version after that, idempotency keys raced from several connections, work
 * within the append, and the text checks done on the stored JSON. On
 * PostgreSQL, an append waiting on the lock reads the head the lock holder
 * committed (strata_append's fresh snapshot after the lock, ADR 0002 addendum), and a
 * follower on another instance is woken by the notification of either function.
 */
import { Client } from 'pg';
import { openEventStore } from '../../src/eventStore';
import { ChainVerifier, eventHash } from '../../src/eventStore/hashChain';
import { APPEND_LOCK_KEY } from '../../src/eventStore/postgres';
import type { EventStore, StoredEvent } from '../../src/eventStore/types';
import { backendNames, describeWithPostgres, freshDb, type TestDb } from '../helpers/backends';

const ev = (type: string, data: unknown = {}) => ({ type, data });

async function wholeLog(store: EventStore): Promise<StoredEvent[]> {
  return store.readRange(1, undefined, 10_000);
}

function expectLinear(events: StoredEvent[]): void {
  expect(events.map((e) => e.position)).toEqual(events.map((_, i) => i + 1));
  const v = new ChainVerifier();
  for (const e of events) v.feed(e);
  expect(v.result()).toMatchObject({ ok: true, checked: events.length });
}

describe.each(backendNames())('append paths on %s', (backend) => {
  let db: TestDb;
  let a: EventStore;
  let b: EventStore;

  beforeEach(async () => {
    db = await freshDb(backend);
    a = await openEventStore(db.url);
    b = await openEventStore(db.url);
  });
  afterEach(async () => {
    await Promise.all([a.close(), b.close()]);
    await db.drop();
  });

  it('continues the chain when another connection moved the head since this one last appended', async () => {
    for (let i = 0; i < 12; i++) {
      const s = i % 3 === 0 ? b : a;
      const r = await s.append([{ stream: `s${i % 4}`, expectedVersion: 2 * Math.floor(i / 4), events: [ev('E', { i }), ev('F', { i })] }]);
      expect(r.events.map((e) => e.position)).toEqual([2 * i + 1, 2 * i + 2]);
    }
    const log = await wholeLog(a);
    expectLinear(log);
    expect(log.map((e) => [e.stream, e.version])).toEqual(
      Array.from({ length: 12 }, (_, i) => [[`s${i % 4}`, 2 * Math.floor(i / 4) + 1], [`s${i % 4}`, 2 * Math.floor(i / 4) + 2]]).flat());
  });

  it('refuses a stale expected version with CONFLICT and appends nothing, also when its head guess is stale too', async () => {
    await a.append([{ stream: 'x', expectedVersion: 0, events: [ev('A')] }]);
    await b.append([{ stream: 'x', expectedVersion: 1, events: [ev('B')] }]);
    await b.append([{ stream: 'y', expectedVersion: 'no_stream', events: [ev('C')] }]);
    // a last saw head 1 and x at 1: both are stale now.
    await expect(a.append([{ stream: 'x', expectedVersion: 1, events: [ev('late')] }]))
      .rejects.toMatchObject({ code: 'CONFLICT', message: 'stream x is at version 2, expected 1' });
    await expect(a.append([{ stream: 'z', expectedVersion: 0, events: [ev('ok')] }, { stream: 'y', expectedVersion: 'no_stream', events: [] }]))
      .rejects.toMatchObject({ code: 'CONFLICT', message: 'stream y already exists (version 1)' });
    await expect(a.append([{ stream: 'x', expectedVersion: 1, events: [ev('late')] }], {}, async () => undefined))
      .rejects.toMatchObject({ code: 'CONFLICT' });
    expect(await a.head()).toBe(3);
    expect(await a.streamVersion('z')).toBe(0);
    const r = await a.append([{ stream: 'x', expectedVersion: 2, events: [ev('D')] }]);
    expect(r.events[0]).toMatchObject({ position: 4, version: 3 });
    expectLinear(await wholeLog(a));
  });

  it('answers each stream its own actual version, in batch order, when an append of several streams finds its head guess stale', async () => {
    await a.append([{ stream: 'p', expectedVersion: 0, events: [ev('1'), ev('2')] }, { stream: 'q', expectedVersion: 0, events: [ev('3')] }]);
    await b.append([{ stream: 'other', expectedVersion: 0, events: [ev('4')] }]); // a's head guess is stale now
    const r = await a.append([
      { stream: 'q', expectedVersion: 'any', events: [ev('5')] },
      { stream: 'new', expectedVersion: 'no_stream', events: [ev('6')] },
      { stream: 'p', expectedVersion: 'any', events: [ev('7'), ev('8')] },
    ]);
    expect(r.events.map((e) => [e.position, e.stream, e.version])).toEqual([[5, 'q', 2], [6, 'new', 1], [7, 'p', 3], [8, 'p', 4]]);
    await expect(b.append([{ stream: 'new', expectedVersion: 1, events: [ev('9')] }, { stream: 'p', expectedVersion: 3, events: [ev('10')] }]))
      .rejects.toMatchObject({ code: 'CONFLICT', message: 'stream p is at version 4, expected 3' });
    expectLinear(await wholeLog(a));
  });

  it("appends at the stream's actual version with expectedVersion 'any', whoever wrote the stream", async () => {
    await b.append([{ stream: 'any', expectedVersion: 0, events: [ev('1'), ev('2')] }]);
    const r = await a.append([{ stream: 'any', expectedVersion: 'any', events: [ev('3')] }]);
    expect(r.events[0]).toMatchObject({ position: 3, version: 3 });
    expectLinear(await wholeLog(a));
  });

  it('runs work within the append on the same transaction, and rolls everything back when it fails, after a stale head too', async () => {
    await b.append([{ stream: 'w', expectedVersion: 0, events: [ev('B')] }]);
    const seen: number[] = [];
    const r = await a.append([{ stream: 'w', expectedVersion: 1, events: [ev('A1'), ev('A2')] }], {}, async (tx, events) => {
      seen.push(...events.map((e) => e.position));
      // Inside the append's transaction its own rows are visible.
      const rows = await tx.query<{ n: number | string }>('SELECT COUNT(*) AS n FROM events');
      expect(Number(rows[0]!.n)).toBe(3);
    });
    expect(seen).toEqual([2, 3]);
    expect(r.head).toBe(3);
    await b.append([{ stream: 'w', expectedVersion: 3, events: [ev('B2')] }]);
    await expect(a.append([{ stream: 'w', expectedVersion: 4, events: [ev('A3')] }], {}, async () => { throw new Error('boom'); }))
      .rejects.toThrow('boom');
    expect(await a.head()).toBe(4);
    expectLinear(await wholeLog(a));
  });

  it('gives one key one result when several connections race with it, and never appends it twice', async () => {
    const others = await Promise.all([1, 2].map(() => openEventStore(db.url)));
    try {
      await b.append([{ stream: 'pre', expectedVersion: 0, events: [ev('P')] }]);
      const stores = [a, b, ...others, a, b, ...others];
      const results = await Promise.all(stores.map((s, i) =>
        s.append([{ stream: 'k', expectedVersion: 'any', events: [ev('K'), ev('L')] }],
          { idempotencyKey: 'race-key', request: { operation: 'test', inputDigest: 'sha256:same' } },
          i % 2 ? async () => undefined : undefined)));
      expect(results.filter((r) => !r.duplicate)).toHaveLength(1);
      for (const r of results) expect(r.events).toEqual(results.find((x) => !x.duplicate)!.events);
      expect(await a.head()).toBe(3);
      // Another request with the key: CONFLICT, nothing appended.
      await expect(a.append([{ stream: 'k', expectedVersion: 'any', events: [ev('K')] }],
        { idempotencyKey: 'race-key', request: { operation: 'test', inputDigest: 'sha256:other' } }))
        .rejects.toMatchObject({ code: 'CONFLICT', details: { reason: 'IDEMPOTENCY_KEY_REUSED' } });
      expectLinear(await wholeLog(a));
    } finally {
      await Promise.all(others.map((s) => s.close()));
    }
  });

  it('never forks the chain or leaves a gap with many concurrent appenders on several connections, with and without work within', async () => {
    const others = await Promise.all([1, 2].map(() => openEventStore(db.url)));
    const stores = [a, b, ...others];
    try {
      const n = 32;
      await Promise.all(Array.from({ length: n }, (_, i) => stores[i % stores.length]!.append(
        [{ stream: `c${i % 5}`, expectedVersion: 'any', events: Array.from({ length: 1 + (i % 3) }, (_, k) => ev('C', { i, k })) }],
        {}, i % 4 === 0 ? async () => undefined : undefined)));
      const log = await wholeLog(a);
      expect(log).toHaveLength(Array.from({ length: n }, (_, i) => 1 + (i % 3)).reduce((x, y) => x + y, 0));
      expectLinear(log);
      for (let s = 0; s < 5; s++) {
        const versions = log.filter((e) => e.stream === `c${s}`).map((e) => e.version);
        expect(versions).toEqual(versions.map((_, i) => i + 1));
      }
    } finally {
      await Promise.all(others.map((s) => s.close()));
    }
  });

  it('refuses text the log cannot store byte for byte, wherever it sits, naming where, and appends nothing', async () => {
    const bad: Array<[unknown, string]> = [
      [{ deep: [{ name: 'a\ud800b' }] }, 'data[0][1].deep[0].name is not valid Unicode'],
      [{ ['k\u0000']: 1 }, 'data[0][1].(a key) holds a NUL'],
      // toJSON's output is what the row would store, so it is what is checked.
      [{ when: { toJSON: () => '\udc00' } }, 'data[0][1].when is not valid Unicode'],
    ];
    for (const [data, message] of bad) {
      await expect(a.append([{ stream: 't', expectedVersion: 0, events: [ev('ok'), ev('T', data)] }]))
        .rejects.toMatchObject({ code: 'BAD_USER_INPUT', message: expect.stringContaining(message) });
    }
    await expect(a.append([{ stream: 't', expectedVersion: 0, events: [ev('T')] }], { idempotencyKey: 'a\u0000' }))
      .rejects.toMatchObject({ code: 'BAD_USER_INPUT', message: expect.stringContaining('idempotencyKey holds a NUL') });
    expect(await a.head()).toBe(0);
    // Text that only looks like an escape is stored as is.
    const r = await a.append([{ stream: 't', expectedVersion: 0, events: [ev('T', { s: '\\u0000 and \\ud800', pair: '\ud83d\ude00' })] }]);
    const [stored] = await wholeLog(a);
    expect(stored!.data).toEqual({ s: '\\u0000 and \\ud800', pair: '\ud83d\ude00' });
    expect(r.events[0]).toEqual(stored);
    expectLinear([stored!]);
  });
});

describeWithPostgres()('append on PostgreSQL while another session holds the append lock', () => {
  let db: TestDb;
  let store: EventStore;
  let holder: Client;

  beforeEach(async () => {
    db = await freshDb('postgres');
    store = await openEventStore(db.url);
    holder = new Client({ connectionString: db.url });
    await holder.connect();
  });
  afterEach(async () => {
    await holder.end();
    await store.close();
    await db.drop();
  });

  it('waits for the lock, then reads the head the holder committed and chains after it', async () => {
    const first = await store.append([{ stream: 'a', expectedVersion: 0, events: [ev('A')] }]);
    await holder.query('BEGIN');
    await holder.query('SELECT pg_advisory_xact_lock($1)', [APPEND_LOCK_KEY]);
    const pending = store.append([{ stream: 'b', expectedVersion: 0, events: [ev('B')] }]);
    // Wait until the append is blocked on the lock (it has hashed against head 1 by then).
    for (const deadline = Date.now() + 20_000; ;) {
      const { rows } = await holder.query("SELECT COUNT(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND NOT granted");
      if (rows[0].n > 0) break;
      if (Date.now() > deadline) throw new Error('the append never waited on the lock');
      await new Promise((r) => setTimeout(r, 20));
    }
    // The holder appends position 2 itself, correctly chained, and commits.
    const prev = first.events[0]!;
    const e = { position: 2, stream: 'h', version: 1, type: 'H', schemaVersion: 1, data: { by: 'holder' },
      metadata: { actor: null, recordedAt: '2026-01-01T00:00:00.000Z' }, idempotencyKey: null };
    const hash = eventHash(prev.hash, e);
    await holder.query(`INSERT INTO events (position, stream, version, type, schema_version, data, metadata, idempotency_key, prev_hash, hash)
      VALUES (2, 'h', 1, 'H', 1, $1, $2, NULL, $3, $4)`, [JSON.stringify(e.data), JSON.stringify(e.metadata), prev.hash, hash]);
    await holder.query('COMMIT');
    const r = await pending;
    expect(r.events[0]).toMatchObject({ position: 3, stream: 'b', version: 1, prevHash: hash });
    expectLinear(await wholeLog(store));
  });
});

describeWithPostgres()('a follower on another PostgreSQL instance', () => {
  let db: TestDb;
  let writer: EventStore;
  let reader: EventStore;
  const savedPoll = process.env.STRATA_POLL_MS;

  beforeEach(async () => {
    db = await freshDb('postgres');
    writer = await openEventStore(db.url);
    process.env.STRATA_POLL_MS = '600000'; // the reader's poll would wait ten minutes: only the notification can wake it
    reader = await openEventStore(db.url);
  });
  afterEach(async () => {
    if (savedPoll === undefined) delete process.env.STRATA_POLL_MS; else process.env.STRATA_POLL_MS = savedPoll;
    await Promise.all([writer.close(), reader.close()]);
    await db.drop();
  });

  const until = async (what: string, ok: () => Promise<boolean> | boolean) => {
    for (const deadline = Date.now() + 10_000; !(await ok());) {
      if (Date.now() > deadline) throw new Error(`timed out waiting: ${what}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };

  it("is woken by each append's notification, single events (strata_append_one) and batches (strata_append) alike", async () => {
    const seen: number[] = [];
    const sub = reader.follow(1, (events) => { seen.push(...events.map((e) => e.position)); });
    try {
      await until('the reader to LISTEN', async () => (await writer.sql.query<{ n: number }>(
        "SELECT COUNT(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND query = 'LISTEN strata_events'"))[0]!.n > 0);
      await new Promise((r) => setTimeout(r, 300)); // the follower's first read (of the empty log) is over
      await writer.append([{ stream: 'one', expectedVersion: 0, events: [ev('A')] }]);
      await until('the single event', () => seen.length === 1);
      await writer.append([{ stream: 'many', expectedVersion: 0, events: [ev('B'), ev('C')] }]);
      await until('the batch', () => seen.length === 3);
      expect(seen).toEqual([1, 2, 3]);
    } finally {
      sub.stop();
    }
  });
});
