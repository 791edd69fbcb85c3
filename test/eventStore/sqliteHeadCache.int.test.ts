/**
 * The SQLite append's remembered head (src/eventStore/sqlite.ts, knownHead checked
 * with `PRAGMA data_version`, issue 19 item 3): several processes appending to one
 * file never fork the chain or leave a gap; a write of this connection that is not an
 * append (log import writes events through writeTransaction), a rolled-back append
 * and a refused one never leave a head the next append would wrongly continue.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { openEventStore } from '../../src/eventStore';
import { insertSql, logHeadIn } from '../../src/eventStore/appendCore';
import { chainAppend, prepareAppend } from '../../src/eventStore/appendPlan';
import { ChainVerifier } from '../../src/eventStore/hashChain';
import type { EventStore, StoredEvent } from '../../src/eventStore/types';
import { tempDir } from '../helpers/backends';

const ROOT = path.resolve(__dirname, '..', '..');
const ev = (type: string, data: unknown = {}) => ({ type, data });

let dir: string;
let file: string;
let store: EventStore;
beforeEach(async () => {
  dir = tempDir('strata-headcache-');
  file = path.join(dir, 'strata.db');
  store = await openEventStore(file);
});
afterEach(async () => {
  await store.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

function expectLinear(events: StoredEvent[]): void {
  expect(events.map((e) => e.position)).toEqual(events.map((_, i) => i + 1));
  const v = new ChainVerifier();
  for (const e of events) v.feed(e);
  expect(v.result()).toMatchObject({ ok: true, checked: events.length });
}

/** A child process appending `n` times to its own stream (singles and batches of 3, alternating). */
function appender(id: string, n: number): Promise<void> {
  const script = path.join(dir, 'appender.js');
  if (!fs.existsSync(script)) {
    fs.writeFileSync(script, `require(${JSON.stringify(path.join(ROOT, 'node_modules', 'tsx', 'dist', 'cjs', 'index.cjs'))});
const { openEventStore } = require(${JSON.stringify(path.join(ROOT, 'src', 'eventStore', 'index.ts'))});
(async () => {
  const [file, id, n] = process.argv.slice(2);
  const store = await openEventStore(file, { migrate: false });
  let version = 0;
  for (let i = 0; i < Number(n); i++) {
    const events = Array.from({ length: i % 2 ? 3 : 1 }, (_, k) => ({ type: 'P', data: { id, i, k } }));
    await store.append([{ stream: 'p-' + id, expectedVersion: version, events }]);
    version += events.length;
  }
  await store.close();
})().catch((e) => { console.error(e); process.exit(1); });
`);
  }
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, file, id, String(n)], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`appender ${id} exited ${code}: ${err}`))));
  });
}

describe('SQLite: the head an append remembers', () => {
  it('several processes and this one appending to one file: one chain, no gap, every stream version in order', async () => {
    const n = 60;
    const children = ['a', 'b', 'c'].map((id) => appender(id, n));
    // This process appends meanwhile, single events to its own stream: its remembered head goes stale
    // whenever a child commits, and data_version must say so.
    let mine = 0;
    let settled = false;
    const all = Promise.all(children).finally(() => (settled = true));
    while (!settled || mine < n) {
      await store.append([{ stream: 'parent', expectedVersion: mine, events: [ev('Q', { mine })] }]);
      mine += 1;
      if (mine % 5 === 0) await new Promise((r) => setTimeout(r, 1));
    }
    await all;
    const log = await store.readRange(1, undefined, 100_000);
    const perChild = Array.from({ length: n }, (_, i) => (i % 2 ? 3 : 1)).reduce((x, y) => x + y, 0);
    expect(log).toHaveLength(3 * perChild + mine);
    expectLinear(log);
    for (const stream of ['p-a', 'p-b', 'p-c', 'parent']) {
      const versions = log.filter((e) => e.stream === stream).map((e) => e.version);
      expect(versions).toEqual(versions.map((_, i) => i + 1));
    }
    // The children's appends really interleaved with this process's (else the test proves little).
    const switches = log.slice(1).filter((e, i) => (e.stream === 'parent') !== (log[i]!.stream === 'parent')).length;
    expect(switches).toBeGreaterThan(2);
  }, 120_000);

  it('a write transaction of the same connection that appends events itself is not continued from a stale head', async () => {
    await store.append([{ stream: 's', expectedVersion: 0, events: [ev('A')] }]);
    // As log import does: rows chained and inserted through writeTransaction, not append().
    await store.writeTransaction(async (tx) => {
      const prepared = prepareAppend([{ stream: 'imported', expectedVersion: 0, events: [ev('I1'), ev('I2')] }], {});
      const chained = chainAppend(prepared, await logHeadIn(tx), [0]);
      await tx.run(insertSql(chained.rows.length), chained.rows.flat());
    });
    const r = await store.append([{ stream: 's', expectedVersion: 1, events: [ev('B')] }]);
    expect(r.events[0]).toMatchObject({ position: 4, version: 2 });
    expectLinear(await store.readRange(1));
  });

  it('a refused or rolled-back append leaves the remembered head where the log is', async () => {
    await store.append([{ stream: 's', expectedVersion: 0, events: [ev('A')] }]);
    await expect(store.append([{ stream: 's', expectedVersion: 5, events: [ev('X')] }])).rejects.toMatchObject({ code: 'CONFLICT' });
    await expect(store.append([{ stream: '', expectedVersion: 1, events: [ev('X')] }])).rejects.toMatchObject({ code: 'BAD_USER_INPUT' });
    await expect(store.append([{ stream: 's', expectedVersion: 1, events: [ev('X', { bad: 'nul\u0000' })] }]))
      .rejects.toMatchObject({ code: 'BAD_USER_INPUT' });
    await expect(store.append([{ stream: 's', expectedVersion: 1, events: [ev('X')] }], {}, async () => { throw new Error('boom'); }))
      .rejects.toThrow('boom');
    const r = await store.append([{ stream: 's', expectedVersion: 1, events: [ev('B'), ev('C')] }]);
    expect(r.events.map((e) => e.position)).toEqual([2, 3]);
    const other = await openEventStore(file);
    try {
      await other.append([{ stream: 't', expectedVersion: 0, events: [ev('T')] }]);
      // A replayed key returns its first result and moves nothing.
      const first = await store.append([{ stream: 'k', expectedVersion: 0, events: [ev('K')] }], { idempotencyKey: 'key-1' });
      const again = await store.append([{ stream: 'k', expectedVersion: 0, events: [ev('K')] }], { idempotencyKey: 'key-1' });
      expect(again).toMatchObject({ duplicate: true, head: first.head });
      await other.append([{ stream: 't', expectedVersion: 1, events: [ev('T2')] }]);
      const last = await store.append([{ stream: 's', expectedVersion: 3, events: [ev('D')] }]);
      expect(last.events[0]!.position).toBe(7);
    } finally { await other.close(); }
    expectLinear(await store.readRange(1));
  });
});
