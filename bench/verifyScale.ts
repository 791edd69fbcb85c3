/**
 * `strata verify` from one fleet size to the next, run several times (issue 19
 * item 6): the fleet bench runs it once per size, and one run per size swung
 * the 10k → 100k ratio between 0.93x and 1.09x linear on the same code
 * (bench/RESULTS.md). `npm run bench -- --only=verify --fleet=10000,100000
 * --fleet-keep=DIR [--verify-runs=3]`: the fleets of bench/fleetScale.ts
 * (DIR/fleet-<n>.db, reused when there, else appended as that bench does);
 * each round runs the CLI once on every size in turn, so the sizes share the
 * machine's minutes. Per size: the median CPU (user + system of the process)
 * and wall time against "linear from the previous size", the previous size's
 * median times n / previous n (ratio > 1: worse than linear; the goal, at or
 * below linear, is read on CPU: wall is the scheduler's share on a loaded
 * machine); every run in the note.
 */
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { loadavg } from 'node:os';
import { Strata } from '../src/application/strata';
import { appendFleet, generateFleet } from './fleet';
import { parseFleetSizes } from './fleetScale';
import { compare, type Row } from './table';
import { log, median, scratch, timedProcess, type BenchOptions } from './util';

/** The database of a fleet of n images: kept in DIR when `--fleet-keep=DIR` (and reused), else a scratch file. */
async function fleetDb(n: number, argv: readonly string[]): Promise<string> {
  const keep = argv.find((a) => a.startsWith('--fleet-keep='))?.slice('--fleet-keep='.length);
  const db = keep ? path.resolve(keep, `fleet-${n}.db`) : scratch(`verify-fleet-${n}.db`);
  if (keep && existsSync(db)) return db;
  if (keep) mkdirSync(path.dirname(db), { recursive: true });
  log(`verify: appending a fleet of ${n} images`);
  const app = await Strata.open(db);
  try {
    await appendFleet(app, generateFleet({ images: n }), 1000);
  } finally {
    await app.close();
  }
  return db;
}

function runsOf(argv: readonly string[], quick: boolean): number {
  const a = argv.find((x) => x.startsWith('--verify-runs='));
  const runs = a ? Number(a.slice('--verify-runs='.length)) : quick ? 2 : 3;
  if (!Number.isInteger(runs) || runs < 1) throw new Error(`--verify-runs takes a count (got "${a}")`);
  return runs;
}

interface Run { wallMs: number; cpuMs: number; rssMb: number; load: number }

export async function verifyBench(opts: BenchOptions): Promise<Row[]> {
  const argv = process.argv.slice(2);
  const sizes = parseFleetSizes(argv);
  const runs = runsOf(argv, opts.quick);
  const dbs = new Map<number, string>();
  for (const n of sizes) dbs.set(n, await fleetDb(n, argv));
  const measured = new Map<number, Run[]>(sizes.map((n) => [n, []]));
  for (let round = 1; round <= runs; round++) {
    for (const n of sizes) {
      const load = loadavg()[0]!;
      const p = await timedProcess([process.execPath, 'bin/strata.js', 'verify', '--db', dbs.get(n)!]);
      if (p.code !== 0) throw new Error(`strata verify failed on the fleet of ${n}: ${p.stderr.slice(-300)}`);
      measured.get(n)!.push({ wallMs: p.wallMs, cpuMs: p.cpuMs, rssMb: p.maxRssKb / 1024, load });
      log(`verify: ${n} images, round ${round}: wall ${p.wallMs.toFixed(0)} ms, CPU ${p.cpuMs.toFixed(0)} ms, load ${load.toFixed(1)}`);
    }
  }
  const rows: Row[] = [];
  sizes.forEach((n, i) => {
    const prev = sizes[i - 1];
    const these = measured.get(n)!;
    const before = prev === undefined ? undefined : measured.get(prev)!;
    const at = `@ ${n.toLocaleString('en')} images`;
    const list = (xs: number[]) => xs.map((x) => (x / 1000).toFixed(2)).join(' / ');
    for (const [what, pick] of [['CPU', (r: Run) => r.cpuMs], ['wall', (r: Run) => r.wallMs]] as const) {
      rows.push(compare({
        bench: 'verify', metric: `strata verify, ${what} (median of ${these.length}) ${at}`, value: median(these.map(pick)), unit: 'ms',
        better: 'lower',
        ...(before && prev ? { peer: `linear from ${prev.toLocaleString('en')}`, peerValue: median(before.map(pick)) * (n / prev) } : {}),
        note: `${what} s: ${list(these.map(pick))}; peak RSS ${Math.max(...these.map((r) => r.rssMb)).toFixed(0)} MB; `
          + `load ${these.map((r) => r.load.toFixed(1)).join('/')}`,
      }, what === 'CPU' && before ? 1 : undefined));
    }
  });
  return rows;
}
