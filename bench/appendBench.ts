/**
 * Event append rate through the store (EventStore.append: version check,
 * hash chain, insert) against raw inserts of the very same rows (read back
 * from the store, hashes included) into an identically migrated database:
 * better-sqlite3 in one transaction per append on SQLite, pg in one
 * transaction per append on PostgreSQL (a fresh database, dropped after).
 * Each shape runs a warm-up round (not counted) and then ROUNDS rounds; within
 * a round store and raw alternate in blocks of ~500 events (load drifts within
 * a run on this shared machine), both sides handed inputs built before their
 * clock starts, and the row is the median of each side's round totals. The
 * raw side does per event what any writer of the row must: JSON.stringify of
 * data and metadata, one INSERT; same pragmas (WAL, synchronous = NORMAL).
 */
import Database from 'better-sqlite3';
import { Client } from 'pg';
import { openEventStore } from '../src/eventStore';
import { EVENT_COLUMNS, eventToParams } from '../src/eventStore/rows';
import type { EventStore, StoredEvent } from '../src/eventStore/types';
import { compare, type Row } from './table';
import { log, scratch, timed, type BenchOptions } from './util';

export const PG_URL = process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const INSERT = `INSERT INTO events (${EVENT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`;

const payload = (i: number) => ({
  diffId: `sha256:${i.toString(16).padStart(64, '0')}`, digest: `sha256:${(i * 7).toString(16).padStart(64, '0')}`,
  mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', compressedSize: 1234567 + i, size: 4567890 + i, fileCount: 321, entriesDigest: `sha256:${'e'.repeat(64)}`,
});

/** Goals (issue 19 item 3): minimum ratio store/raw per backend. */
interface Shape { label: string; appends: number; perAppend: number; goal: { sqlite: number; postgres: number } }

const ROUNDS = 3;
/**
 * Events per block: store and raw alternate block by block, so load drifting within a round falls on both sides
 * alike. Large, because at each switch the collection of one side's garbage can fall into the other's block (the
 * store makes more garbage than the raw side, so more switches would charge the raw side more: bench/RESULTS.md,
 * "Appends, second pass").
 */
const BLOCK_EVENTS = 500;
const medianOf = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;

/** CPU (user+sys) of this process in ms: SQLite runs in-process, so it is the store's and the floor's own cost, steadier than wall under load. */
const cpuMs = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };

type Input = { stream: string; events: { type: string; data: ReturnType<typeof payload> }[] };
const inputsFor = (shape: Shape, first: number, count: number, offset: number): Input[] => Array.from({ length: count }, (_, i) => {
  const a = first + i;
  return {
    stream: `bench:${shape.label}:${offset + a}`,
    events: Array.from({ length: shape.perAppend }, (_, k) => ({ type: 'BenchEvent', data: payload(offset + a * shape.perAppend + k) })),
  };
});

async function readBack(store: EventStore, from: number, count: number): Promise<StoredEvent[]> {
  const events: StoredEvent[] = [];
  while (events.length < count) {
    const got = await store.readRange(from, undefined, Math.min(5000, count - events.length));
    if (got.length === 0) break;
    events.push(...got);
    from = got[got.length - 1]!.position + 1;
  }
  return events;
}

interface Sides { storeMs: number; storeCpu: number; rawMs: number; rawCpu: number; events: number }

/**
 * One round: the shape's appends in blocks, each block first through the store
 * (inputs built before the clock starts, as the raw side is handed its rows),
 * then the very rows it stored, read back, inserted raw. Wall and CPU summed
 * per side.
 */
async function round(
  store: EventStore, shape: Shape, offset: number, raw: (events: StoredEvent[]) => Promise<void> | void,
): Promise<Sides> {
  const out: Sides = { storeMs: 0, storeCpu: 0, rawMs: 0, rawCpu: 0, events: 0 };
  const block = Math.max(1, Math.floor(BLOCK_EVENTS / shape.perAppend));
  for (let first = 0; first < shape.appends; first += block) {
    const inputs = inputsFor(shape, first, Math.min(block, shape.appends - first), offset);
    let cpu0 = cpuMs();
    const s = await timed(async () => {
      for (const input of inputs) await store.append([{ stream: input.stream, expectedVersion: 0, events: input.events }]);
    });
    out.storeCpu += cpuMs() - cpu0;
    out.storeMs += s.ms;
    const events = await readBack(store, offset + out.events + 1, inputs.length * shape.perAppend);
    out.events += events.length;
    const batches = chunks(events, shape.perAppend);
    cpu0 = cpuMs();
    const r = await timed(async () => { for (const b of batches) await raw(b); });
    out.rawCpu += cpuMs() - cpu0;
    out.rawMs += r.ms;
  }
  return out;
}

/** A warm-up round on both sides (not counted: the JIT and both databases' caches), then ROUNDS measured ones. */
async function rounds(store: EventStore, shape: Shape, start: number, raw: (events: StoredEvent[]) => Promise<void> | void) {
  let offset = start;
  const measured: Sides[] = [];
  for (let r = 0; r <= ROUNDS; r++) {
    const sides = await round(store, shape, offset, raw);
    offset += sides.events;
    if (r > 0) measured.push(sides);
  }
  return { offset, measured };
}

const chunks = <T>(xs: T[], n: number): T[][] => Array.from({ length: Math.ceil(xs.length / n) }, (_, i) => xs.slice(i * n, i * n + n));

function rowsFor(backend: 'sqlite' | 'postgres', shape: Shape, storeMs: number[], rawMs: number[], raw: string, what = ''): Row {
  const n = shape.appends * shape.perAppend;
  return compare({
    bench: 'append', metric: `${backend}: ${shape.label}${what}`, value: n / (medianOf(storeMs) / 1000), unit: 'events/s',
    peer: raw, peerValue: n / (medianOf(rawMs) / 1000), better: 'higher',
    note: `${shape.appends} appends x ${shape.perAppend}; warm-up + medians of ${storeMs.length}`,
  }, shape.goal[backend]);
}

async function sqlite(shapes: Shape[]): Promise<Row[]> {
  const file = scratch('append.db');
  const rawFile = scratch('append-raw.db');
  const store = await openEventStore(file);
  await (await openEventStore(rawFile)).close(); // same schema and indexes
  const raw = new Database(rawFile);
  raw.pragma('journal_mode = WAL');
  raw.pragma('synchronous = NORMAL');
  const ins = raw.prepare(INSERT);
  const rows: Row[] = [];
  let offset = 0;
  try {
    const tx = raw.transaction((evs: StoredEvent[]) => { for (const e of evs) ins.run(...(eventToParams(e) as unknown[])); });
    for (const shape of shapes) {
      log(`append: sqlite ${shape.label}`);
      const r = await rounds(store, shape, offset, (evs) => { tx(evs); });
      offset = r.offset;
      rows.push(rowsFor('sqlite', shape, r.measured.map((m) => m.storeMs), r.measured.map((m) => m.rawMs), 'better-sqlite3 raw'));
      rows.push(rowsFor('sqlite', shape, r.measured.map((m) => m.storeCpu), r.measured.map((m) => m.rawCpu), 'better-sqlite3 raw, CPU', ' (CPU)'));
    }
  } finally {
    raw.close();
    await store.close();
  }
  return rows;
}

const dollar = (sql: string) => { let n = 0; return sql.replace(/\?/g, () => `$${++n}`); };

async function postgres(shapes: Shape[]): Promise<Row[]> {
  const admin = new Client({ connectionString: PG_URL });
  try { await admin.connect(); } catch (e) {
    return [{ bench: 'append', metric: 'postgres', value: null, unit: '', note: `PostgreSQL unavailable at ${PG_URL}: ${(e as Error).message}` }];
  }
  const names = [`strata_bench_${process.pid}`, `strata_bench_raw_${process.pid}`];
  const url = (db: string) => PG_URL.replace(/\/[^/?]*(\?|$)/, `/${db}$1`);
  const rows: Row[] = [];
  try {
    for (const n of names) { await admin.query(`DROP DATABASE IF EXISTS ${n}`); await admin.query(`CREATE DATABASE ${n}`); }
    const store = await openEventStore(url(names[0]!));
    await (await openEventStore(url(names[1]!))).close();
    const raw = new Client({ connectionString: url(names[1]!) });
    await raw.connect();
    try {
      let offset = 0;
      for (const shape of shapes) {
        log(`append: postgres ${shape.label}`);
        const r = await rounds(store, shape, offset, async (c) => {
          await raw.query('BEGIN');
          for (const e of c) await raw.query({ name: 'ins', text: dollar(INSERT), values: eventToParams(e) });
          await raw.query('COMMIT');
        });
        offset = r.offset;
        rows.push(rowsFor('postgres', shape, r.measured.map((m) => m.storeMs), r.measured.map((m) => m.rawMs), 'pg raw'));
      }
    } finally {
      await raw.end();
      await store.close();
    }
  } finally {
    for (const n of names) await admin.query(`DROP DATABASE IF EXISTS ${n} WITH (FORCE)`).catch(() => undefined);
    await admin.end();
  }
  return rows;
}

export async function appendBench(opts: BenchOptions): Promise<Row[]> {
  const k = opts.quick ? 1 : 2;
  const shapes: Shape[] = [
    { label: 'single events', appends: 500 * k, perAppend: 1, goal: { sqlite: 0.7, postgres: 0.7 } },
    { label: 'batches of 100', appends: 20 * k, perAppend: 100, goal: { sqlite: 0.6, postgres: 0.8 } },
  ];
  return [...(await sqlite(shapes)), ...(await postgres(shapes))];
}
