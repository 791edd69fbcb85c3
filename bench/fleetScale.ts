/**
 * A real fleet at 1k, 10k (and on request 100k) images (issue 19 item 6):
 * bench/fleet.ts's fleet (30 bases, 300 runtimes, 1–3 small own layers per
 * image) appended through recordImport, then served by `strata serve` in a
 * child process exactly as a user runs it. Per size:
 *
 * - import rate (images/s; peer: the previous size's rate, as throughput
 *   should not fall as the log grows);
 * - cold start: spawning `strata serve` on the database to the first answer
 *   of `storage { savedBytes }` (open, fold the whole log, answer);
 * - server RSS after the queries (VmRSS; VmHWM in the note);
 * - over HTTP against a replay server answering the recorded bytes: the
 *   storage report totals, the dashboard's `images(first:100)`, a lookup of
 *   one image by tag, and a `commit` of 10 changes (p50); the full report
 *   with its per-image and per-layer lists (see fullReport);
 * - `strata verify` (hash chain, entry lists, projections = replay).
 *
 * Each figure also gets a "linear from the previous size" row: ratio > 1 is
 * worse than linear. Sizes: `npm run bench -- --only=fleet` runs 1,000 and
 * 10,000; `npm run bench -- --only=fleet --fleet=1000,10000,100000` adds
 * 100,000 (the import: 8.5 minutes at load ~15 on 2 cores); `--fleet-keep=DIR` keeps each
 * fleet in DIR/fleet-<n>.db and reuses it on the next run (no import figure then).
 *
 * Cold start is measured twice: serve on the database with its read-model
 * snapshots deleted (the whole fold; SIGTERM then writes a snapshot, timed),
 * then serve again, starting from that snapshot (docs/adr/0012): the goal's
 * figure, and the server every other figure is measured on.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { loadavg } from 'node:os';
import { Strata } from '../src/application/strata';
import { costModelFor } from '../src/graphql/costs';
import { buildExecutableSchema } from '../src/graphql/buildSchema';
import { createLogger } from '../src/graphql/logger';
import { createContext } from '../src/graphql/resolvers/context';
import { startServer } from '../src/server';
import { ReadModelSnapshots } from '../src/projections/readModelSnapshots';
import { readModelSize } from '../src/projections/readModelSize';
import { appendFleet, generateFleet } from './fleet';
import { Rng } from './generate';
import { Client, startReplay } from './http';
import { DASHBOARD } from './queryBench';
import { compare, type Row } from './table';
import { log, median, percentile, ROOT, scratch, timed, timedProcess, now, type BenchOptions } from './util';

const TOKEN = 'fleet-bench-token';
const TOTALS = '{ storage(by: CHAIN_ID) { logicalSize physicalSize savedBytes imageCount layerCount sharedLayerCount reclaimableBytes } }';
const REPORT = `{ storage(by: CHAIN_ID) { logicalSize physicalSize savedBytes savingsRatio imageCount layerCount sharedLayerCount
  images { image { imageId repoTags } size sharedSize uniqueSize } layers { key diffId size imageCount } } }`;
const LOOKUP = 'query($ref: String!) { image(ref: $ref) { imageId repoTags size sharedSize layers { index diffId size } } }';
const TAG = 'mutation Tag($image: String!, $tag: String!) { tagImage(image: $image, tag: $tag) { imageId } }';
const COMMIT = 'mutation Commit($input: CommitInput!) { commit(input: $input) { image { imageId } layer { index diffId } event { position } } }';

export const DEFAULT_FLEET_SIZES = [1000, 10000];

interface Served { child: ChildProcess; url: string; coldMs: number; coldCpuMs: number; stderr: () => string }

/** CPU time (user + system) a process has used, in ms. */
function cpuMsOf(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(f[11]) + Number(f[12])) * 10; // utime, stime in clock ticks (100/s)
}

/**
 * `strata serve` on the database (a free port); resolves at its first answer to a query.
 * No periodic snapshot child during the measurement; on SIGTERM it writes one when asked (STRATA_SNAPSHOT_MIN=1).
 */
async function serve(db: string, snapshotOnStop: boolean): Promise<Served> {
  const t = now();
  const child = spawn(process.execPath, ['bin/strata.js', 'serve', '--db', db, '--port', '0'], {
    cwd: ROOT, env: { ...process.env, STRATA_WRITE_TOKEN: TOKEN, STRATA_SNAPSHOT_INTERVAL_MS: '86400000',
      STRATA_SNAPSHOT_MIN: snapshotOnStop ? '1' : String(2 ** 31) },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  // serve prints its URL once it listens (after folding the log).
  const url = await new Promise<string>((resolve, reject) => {
    child.stderr!.on('data', (c: Buffer) => {
      stderr += c.toString();
      const m = /serving GraphQL at (\S+)/.exec(stderr);
      if (m) resolve(m[1]!);
    });
    child.once('close', (code) => reject(new Error(`strata serve exited (${code}): ${stderr.slice(-300)}`)));
  });
  await new Client(url).gql(TOTALS);
  return { child, url, coldMs: now() - t, coldCpuMs: cpuMsOf(child.pid!), stderr: () => stderr };
}

const stop = (child: ChildProcess) => new Promise<void>((resolve) => {
  if (child.exitCode !== null) { resolve(); return; }
  child.once('close', () => resolve());
  child.kill('SIGTERM');
});

/** VmRSS and VmHWM of a process, in MB. */
function rssOf(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (k: string) => Number(new RegExp(`${k}:\\s+(\\d+)`).exec(status)?.[1] ?? NaN);
  return { rss: kb('VmRSS') / 1024, peak: kb('VmHWM') / 1024 };
}

interface Point {
  n: number; importRate: number; coldMs: number; rssMb: number; peakMb: number; verifyMs: number;
  /** From a snapshot (coldMs) its CPU; without one (the whole fold): wall, CPU, RSS; the snapshot's size and write on shutdown. */
  coldCpuMs: number; foldMs: number; foldCpuMs: number; foldRssMb: number; snapshotMb: number; snapshotWriteMs: number;
  /** metric → [strata, replay] medians */
  q: Record<string, [number, number]>;
}

async function timeAgainstReplay(c: Client, sends: ((cl: Client) => Promise<unknown>)[]): Promise<[number[], number[]]> {
  const s: number[] = [];
  for (const send of sends) s.push((await timed(() => send(c))).ms);
  const replay = await startReplay(c.recorded);
  const f: number[] = [];
  try { for (const send of sends) f.push((await timed(() => send(new Client(replay.url)))).ms); } finally { await replay.close(); }
  return [s, f];
}

/** `--fleet-keep=DIR`: the fleets live in DIR/fleet-<n>.db and are reused when already there (the 100k import is minutes). */
function keptDir(argv: readonly string[]): string | null {
  const a = argv.find((x) => x.startsWith('--fleet-keep='));
  return a ? path.resolve(a.slice('--fleet-keep='.length)) : null;
}

async function point(n: number, opts: BenchOptions): Promise<Point> {
  const dir = keptDir(process.argv.slice(2));
  const db = dir ? path.join(dir, `fleet-${n}.db`) : scratch(`fleet-${n}.db`);
  if (dir && existsSync(db)) {
    const kept = await Strata.open(db);
    const { images } = await readModelSize(kept.store).finally(() => kept.close());
    // Each measurement commits 20 images to the database it measures (commit p50): a kept fleet holds n plus those.
    // Fewer than n is an import that did not finish.
    if (images >= n) {
      log(`fleet: reusing ${db} (${images} images: the fleet's ${n} and ${images - n} from earlier runs' commits; no import measured)`);
      return { ...(await measureDb(db, n, opts)), importRate: NaN };
    }
    throw new Error(`${db} holds ${images} images, fewer than ${n} (an import that did not finish): delete it to generate it again`);
  }
  if (dir) mkdirSync(dir, { recursive: true });
  log(`fleet: appending ${n} images`);
  const app = await Strata.open(db);
  let imported: number;
  const t = await timed(async () => { imported = await appendFleet(app, generateFleet({ images: n }), 1000); });
  await app.close();
  const importRate = imported! / (t.ms / 1000);
  log(`fleet: ${n} images at ${importRate.toFixed(0)} images/s; serving`);
  return { ...(await measureDb(db, n, opts)), importRate };
}

/** Everything but the import, on a database holding a fleet of n images (also run alone on a kept 100k database). */
export async function measureDb(db: string, n: number, opts: BenchOptions): Promise<Omit<Point, 'importRate'>> {
  // 1. No snapshot: the fold of the whole log (a first start, or one after the fold's code changed); SIGTERM writes a snapshot.
  const cleared = await Strata.open(db);
  await new ReadModelSnapshots(cleared.store).deleteAll();
  await cleared.close();
  const folded = await serve(db, true);
  const foldRss = rssOf(folded.child.pid!).rss;
  const stopAt = now();
  await stop(folded.child);
  const snapshotWriteMs = now() - stopAt;
  const written = /read model snapshot at position (\d+): ([\d.]+) MB/.exec(folded.stderr());
  if (!written) throw new Error(`serve wrote no read-model snapshot on shutdown: ${folded.stderr().slice(-300)}`);
  log(`fleet: ${n} images: whole fold ${folded.coldMs.toFixed(0)} ms (CPU ${folded.coldCpuMs} ms), snapshot ${written[2]} MB in ${snapshotWriteMs.toFixed(0)} ms`);
  // 2. From that snapshot: what a restart costs, and everything measured after it.
  const served = await serve(db, false);
  if (!/starting from snapshot/.test(served.stderr())) {
    // Stopped first: a server left running keeps the bench waiting on it after the failure is printed.
    await stop(served.child);
    throw new Error(`serve did not start from the snapshot: ${served.stderr().slice(-300)}`);
  }
  const q: Point['q'] = {};
  let mem: { rss: number; peak: number };
  try {
    const c = new Client(served.url, TOKEN);
    const reps = opts.quick ? 3 : 7;
    const r = new Rng(7);
    const tags = Array.from({ length: opts.quick ? 50 : 200 }, () => `fleet/svc${r.int(n)}:1`);
    const runs: [string, ((cl: Client) => Promise<unknown>)[], (xs: number[]) => number][] = [
      ['storage totals', Array.from({ length: reps }, () => (cl: Client) => cl.gql(TOTALS)), median],
      ['images(first:100)', Array.from({ length: reps }, () => (cl: Client) => cl.gql(DASHBOARD, { first: 100 })), median],
      ['lookup by tag p50', tags.map((ref) => (cl: Client) => cl.gql(LOOKUP, { ref })), median],
      ['commit p50 (10 changes)', Array.from({ length: opts.quick ? 5 : 20 }, (_, k) => (cl: Client) => cl.gql(COMMIT, { input: {
        image: tags[k]!, createdBy: `bench commit ${k}`,
        changes: Array.from({ length: 10 }, (__, j) => ({ change: 'ADDED', path: `/srv/bench${k}/f${j}`, kind: 'FILE', size: 100 + j, mode: 420,
          uid: 0, gid: 0, contentDigest: `sha256:${(k * 100 + j + 1).toString(16).padStart(64, '0')}` })),
      } })), (xs) => percentile(xs, 50)],
    ];
    for (const [metric, sends, pick] of runs) {
      const [s, f] = await timeAgainstReplay(c, sends);
      // The first full report builds the lists (kept until the next write): the median is of the repeats.
      q[metric] = [pick(s.length > 2 ? s.slice(1) : s), pick(f)];
    }
    mem = rssOf(served.child.pid!);
  } finally {
    await stop(served.child);
  }
  log(`fleet: ${n} images: cold start ${served.coldMs.toFixed(0)} ms, RSS ${mem!.rss.toFixed(0)} MB, ${JSON.stringify(q)}`);
  // The unpaged report can outlast the request timeout (30 s) on a loaded machine: a row with no value, not a lost run.
  const report = await fullReport(db, opts.quick ? 3 : 7).catch((e: unknown) => {
    log(`fleet: full report failed: ${(e as Error).message}`);
    const none = { wall: [NaN, NaN] as [number, number], cpu: [NaN, NaN] as [number, number] };
    return { ...none, afterTag: none, afterCommit: none };
  });
  q['storage report (images + layers)'] = report.wall;
  q['storage report (images + layers), server CPU'] = report.cpu;
  q['storage report after a tag move'] = report.afterTag.wall;
  q['storage report after a tag move, server CPU'] = report.afterTag.cpu;
  q['storage report after a commit'] = report.afterCommit.wall;
  q['storage report after a commit, server CPU'] = report.afterCommit.cpu;
  log('fleet: strata verify');
  const v = await timedProcess([process.execPath, 'bin/strata.js', 'verify', '--db', db]);
  if (v.code !== 0) throw new Error(`strata verify failed: ${v.stderr.slice(-300)}`);
  return { n, coldMs: served.coldMs, rssMb: mem.rss, peakMb: mem.peak, verifyMs: v.wallMs, q,
    coldCpuMs: served.coldCpuMs, foldMs: folded.coldMs, foldCpuMs: folded.coldCpuMs, foldRssMb: foldRss,
    snapshotMb: Number(written[2]), snapshotWriteMs };
}

/**
 * The report with its per-image and per-layer lists. `strata serve` refuses it
 * above ~3,500 images (cost 142,670 at 10,000 against the default limit of
 * 50,000: the lists are unpaged), so it is measured on an in-process server
 * with the cost limit (and the response cap, crossed near 57,000 images) lifted,
 * to show the work a larger limit would buy.
 *
 * The client is a separate process (reportClient): fetching and parsing the
 * 58 MB answer at 100k in the server's own process made the figure server +
 * client sharing one heap. The replay peer is a bare node:http server in this
 * same process, answering the recorded bytes to the same client process. The
 * first report (it builds the ledger's lists) is made here and not counted;
 * the CPU figure is this process's per request, i.e. the server's.
 *
 * The lists' text is kept while nothing changes (src/graphql/leafLists.ts), so
 * the repeats above are answered from it; the same report after a change is
 * measured too: after a tag move (the image list is made again, the layer
 * list's text kept) and after a commit (a new image: both lists made again),
 * the change sent by the client just before each report (its CPU, a few ms, is
 * counted; the wall time is the report's only). Their peer is the same replay.
 */
interface Timed { wall: [number, number]; cpu: [number, number] }
async function fullReport(db: string, reps: number): Promise<Timed & { afterTag: Timed; afterCommit: Timed }> {
  const app = await Strata.open(db);
  const server = await startServer({
    schema: buildExecutableSchema(app.store), store: app.store, createContext: (auth) => createContext(app, auth),
    costModel: () => costModelFor(app), port: 0, host: '127.0.0.1', writeToken: TOKEN, logger: createLogger('silent'),
    limits: { maxCost: Number.MAX_SAFE_INTEGER, maxResponseBytes: 1 << 30 },
  });
  try {
    const first = new Client(server.url, TOKEN);
    await first.gql(REPORT);
    const body = JSON.stringify({ query: REPORT, variables: {} });
    const s = await reportClient(server.url, body, reps);
    const replay = await startReplay(first.recorded);
    let f: Awaited<ReturnType<typeof reportClient>>;
    try {
      f = await reportClient(replay.url, body, reps);
    } finally { await replay.close(); }
    const image = 'fleet/svc1:1';
    // A tag name no earlier run used: on a kept fleet, moving a tag to where it already points appends nothing,
    // and the report after it measured the repeated one.
    const run = Date.now().toString(36);
    const tag = await reportClient(server.url, body, reps, (i) => ({ query: TAG, variables: { image, tag: `fleet/moved:${run}-${i}` } }));
    const commit = await reportClient(server.url, body, reps, (i) => ({ query: COMMIT, variables: { input: { image, createdBy: `report ${i}`,
      changes: [{ change: 'ADDED', path: `/srv/report/${i}`, kind: 'FILE', size: 100, mode: 420, uid: 0, gid: 0,
        contentDigest: `sha256:${(0xfeed0000 + i).toString(16).padStart(64, '0')}` }] } } }));
    const timedOf = (x: typeof s): Timed => ({ wall: [median(x.wallMs), median(f.wallMs)], cpu: [x.cpuMs / reps, f.cpuMs / reps] });
    return { ...timedOf(s), afterTag: timedOf(tag), afterCommit: timedOf(commit) };
  } finally {
    await server.close();
    await app.close();
  }
}

/**
 * `reps` requests from a child process (fetch, read, JSON.parse, as Client.gql does), one at a time:
 * the wall time of each as the child saw it, and the CPU this process (the server) spent meanwhile.
 * `change(i)`: a request the child sends (and checks) before the i-th report, outside its time.
 */
async function reportClient(url: string, body: string, reps: number, change?: (i: number) => unknown):
  Promise<{ wallMs: number[]; cpuMs: number }> {
  const changes = JSON.stringify(change ? Array.from({ length: reps }, (_, i) => JSON.stringify(change(i))) : []);
  const code = `(async () => {
    const [url, body, reps, token, changes] = process.argv.slice(1);
    const out = [];
    const before = JSON.parse(changes);
    for (let i = 0; i < Number(reps); i++) {
      if (before[i]) {
        const res = await fetch(url, { method: 'POST', body: before[i], headers: { 'content-type': 'application/json', authorization: 'Bearer ' + token } });
        const json = await res.json();
        if (json.errors) throw new Error(JSON.stringify(json.errors).slice(0, 300));
      }
      const t = performance.now();
      const res = await fetch(url, { method: 'POST', body, headers: { 'content-type': 'application/json', authorization: 'Bearer ' + token } });
      const json = JSON.parse(await res.text());
      if (json.errors) throw new Error(JSON.stringify(json.errors).slice(0, 300));
      out.push(performance.now() - t);
    }
    process.stdout.write(JSON.stringify(out));
  })().catch((e) => { console.error(e); process.exit(1); });`;
  const cpu0 = process.cpuUsage();
  const child = spawn(process.execPath, ['-e', code, url, body, String(reps), TOKEN, changes], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  const exit = await new Promise<number | null>((resolve) => child.once('close', resolve));
  const cpu = process.cpuUsage(cpu0);
  if (exit !== 0) throw new Error(`report client failed (${exit}): ${stderr.slice(-300)}`);
  return { wallMs: JSON.parse(stdout) as number[], cpuMs: (cpu.user + cpu.system) / 1000 };
}

export function parseFleetSizes(argv: readonly string[]): number[] {
  const i = argv.findIndex((a) => a === '--fleet' || a.startsWith('--fleet='));
  if (i < 0) return DEFAULT_FLEET_SIZES;
  const text = argv[i]!.includes('=') ? argv[i]!.slice('--fleet='.length) : argv[i + 1] ?? '';
  const sizes = text.split(',').map(Number);
  if (sizes.length === 0 || sizes.some((s) => !Number.isInteger(s) || s < 10)) throw new Error(`--fleet takes sizes like 1000,10000,100000 (got "${text}")`);
  return sizes.sort((a, b) => a - b);
}

export async function fleetBench(opts: BenchOptions): Promise<Row[]> {
  const sizes = parseFleetSizes(process.argv.slice(2));
  const points: Point[] = [];
  for (const n of sizes) points.push(await point(n, opts));
  const rows: Row[] = [];
  const goal100k = (p: Point, value: number, max: number, unit: string) =>
    (p.n >= 100000 ? { target: `<= ${max} ${unit} at 100k`, met: value <= max } : {});
  points.forEach((p, i) => {
    const prev = points[i - 1];
    const at = `@ ${p.n.toLocaleString('en')} images`;
    const linear = (metric: string, value: number, prevValue: number | undefined, unit: string, extra: Partial<Row> = {}) => {
      rows.push({
        ...compare({ bench: 'fleet', metric: `${metric} ${at}`, value, unit, better: 'lower',
          ...(prev && prevValue !== undefined ? { peer: `linear from ${prev.n.toLocaleString('en')}`, peerValue: prevValue * (p.n / prev.n) } : {}) }),
        ...extra,
      });
    };
    rows.push(compare({ bench: 'fleet', metric: `import ${at}`, value: p.importRate, unit: 'images/s', better: 'higher',
      ...(prev ? { peer: `rate at ${prev.n.toLocaleString('en')}`, peerValue: prev.importRate } : {}), note: 'recordImport, 1,000 images per append' }));
    linear('cold start from a snapshot (spawn serve → first answer)', p.coldMs, prev?.coldMs, 'ms',
      { ...goal100k(p, p.coldMs, 10000, 'ms'), note: `CPU ${p.coldCpuMs} ms; load ${loadavg()[0]!.toFixed(1)}` });
    rows.push(compare({ bench: 'fleet', metric: `cold start from a snapshot vs the whole fold ${at}`, value: p.coldMs, unit: 'ms',
      peer: 'whole fold (no snapshot)', peerValue: p.foldMs, better: 'lower',
      note: `CPU ${p.coldCpuMs} vs ${p.foldCpuMs} ms; snapshot ${p.snapshotMb} MB, written on shutdown in ${p.snapshotWriteMs.toFixed(0)} ms` }));
    linear('server RSS', p.rssMb, prev?.rssMb, 'MB', { ...goal100k(p, p.rssMb, 1024, 'MB'),
      note: `peak ${p.peakMb.toFixed(0)} MB; after the whole fold ${p.foldRssMb.toFixed(0)} MB` });
    linear('strata verify', p.verifyMs, prev?.verifyMs, 'ms');
    for (const [metric, [value, replay]] of Object.entries(p.q)) {
      // The goal is the report (repeated, nothing changed) as a client sees it; the rows after a change and the server-CPU
      // rows (replay: sending the recorded bytes) are for reading.
      const goal = metric === 'storage report (images + layers)' ? { target: '<= 3x replay', met: value / replay <= 3 }
        : metric === 'storage totals' && p.n >= 100000 ? { target: '<= 100 ms at 100k', met: value <= 100 }
        : metric.startsWith('commit') && p.n >= 100000 ? { target: '<= 10 ms at 100k', met: value <= 10 } : {};
      rows.push({ ...compare({ bench: 'fleet', metric: `${metric} ${at}`, value, unit: 'ms', peer: 'replay', peerValue: replay, better: 'lower' }), ...goal });
      if (prev?.q[metric]) {
        rows.push(compare({ bench: 'fleet', metric: `${metric} ${at} vs linear`, value, unit: 'ms', better: 'lower',
          peer: `linear from ${prev.n.toLocaleString('en')}`, peerValue: prev.q[metric]![0] * (p.n / prev.n) }));
      }
    }
  });
  return rows;
}
