/**
 * `--only=startup` (issue 19 item 1): how long `strata` takes to start, against
 * `node -e 0` (the floor: Node itself) measured in the same rounds, interleaved,
 * medians kept. Wall and CPU (user+sys, bash's `time` to the millisecond) both: on a loaded
 * machine CPU is the steadier figure. The compiled build (dist/, what
 * `npm install` leaves) is brought up to date first; the sources through tsx
 * (STRATA_FROM_SOURCE=1, what runs while dist/ is stale) are measured too.
 */
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { Strata } from '../src/application/strata';
import { compare, type Row } from './table';
import { recordFleet, syntheticImages } from './synthetic';
import { log, median, now, ROOT, scratch, which, type BenchOptions, type ProcResult } from './util';

const { build } = require('../scripts/build') as { build: (o: { quiet: boolean }) => Promise<number> };
const { distStaleness } = require('../bin/buildState') as { distStaleness: () => string | null };

const BIN = join(ROOT, 'bin', 'strata.js');
const QUERY = '{ head }';

interface Probe { name: string; argv: string[]; env?: NodeJS.ProcessEnv; expect: RegExp }

/**
 * Runs a probe under bash's `time` (TIMEFORMAT %3R %3U %3S: wall, user and sys to the millisecond, from the
 * children's rusage). /usr/bin/time prints them in 10 ms ticks, each rounded down: ~60 ms of CPU
 * for `node -e 0` read as 50, which skewed every CPU ratio of a short process upward.
 */
function run(p: Probe): Promise<ProcResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-c', 'TIMEFORMAT="strata-bench-cpu %3R %3U %3S"; time "$@"', 'bash', ...p.argv],
      { cwd: ROOT, env: { ...process.env, NODE_ENV: '', ...p.env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => { stdout += c.toString(); });
    child.stderr.on('data', (c: Buffer) => { stderr += c.toString(); });
    child.on('error', reject);
    child.on('close', (code) => {
      // Wall as bash's `time` measures it too: the command alone, not bash's own start.
      const m = /strata-bench-cpu ([\d.]+) ([\d.]+) ([\d.]+)\s*$/.exec(stderr);
      if (code !== 0 || !m || !p.expect.test(stdout)) {
        reject(new Error(`${p.name}: exit ${code}, stdout ${stdout.slice(0, 200)} ${stderr.slice(-300)}`));
        return;
      }
      resolve({ wallMs: Number(m[1]) * 1000, cpuMs: (Number(m[2]) + Number(m[3])) * 1000, maxRssKb: NaN, stdout, stderr: stderr.slice(0, m.index), code });
    });
  });
}

const freePort = (): Promise<number> => new Promise((resolve, reject) => {
  const s = createServer().listen(0, '127.0.0.1', () => {
    const { port } = s.address() as { port: number };
    s.close(() => resolve(port));
  });
  s.on('error', reject);
});

/** `npm start` as a user meets it: spawn to the first GraphQL answer over HTTP. */
async function serveToFirstAnswer(db: string): Promise<number> {
  const port = await freePort();
  const t = now();
  const child = spawn(process.execPath, [BIN, 'serve', '--port', String(port), '--db', db],
    { env: { ...process.env, NODE_ENV: '', LOG_LEVEL: 'silent', STRATA_WRITE_TOKEN: 'bench-token-startup' }, stdio: 'ignore' });
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`strata serve exited ${child.exitCode}`);
      try {
        const res = await fetch(`http://127.0.0.1:${port}/graphql`, {
          method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: QUERY }),
        });
        if (res.ok && /"head"/.test(await res.text())) return now() - t;
      } catch { /* not listening yet */ }
      await new Promise((r) => setTimeout(r, 10));
    }
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => (child.exitCode !== null ? r(null) : child.once('close', r)));
  }
}

export async function startupBench(opts: BenchOptions): Promise<Row[]> {
  await build({ quiet: true });
  const stale = distStaleness();
  if (stale) throw new Error(`the compiled build is not current: ${stale}`);
  const db = scratch('startup.db');
  const app = await Strata.open(db);
  try { await recordFleet(app, syntheticImages({ images: 20 })); } finally { await app.close(); }

  const floor: Probe = { name: 'node -e 0', argv: [process.execPath, '-e', '0'], expect: /^$/ };
  const fromSource = { STRATA_FROM_SOURCE: '1' };
  const probes: Probe[] = [
    { name: 'strata --version', argv: [process.execPath, BIN, '--version'], expect: /^\d+\.\d+\.\d+\n$/ },
    { name: `strata query '${QUERY}'`, argv: [process.execPath, BIN, 'query', QUERY, '--db', db], expect: /"head": \d+/ },
    { name: 'strata --version, sources (tsx)', argv: [process.execPath, BIN, '--version'], env: fromSource, expect: /^\d+\.\d+\.\d+\n$/ },
    { name: `strata query '${QUERY}', sources (tsx)`, argv: [process.execPath, BIN, 'query', QUERY, '--db', db], env: fromSource, expect: /"head": \d+/ },
  ];
  const npx = which('npx');
  if (npx) probes.push({ name: 'npx strata --version', argv: [npx, '--offline', 'strata', '--version'], expect: /^\d+\.\d+\.\d+\n$/ });
  const bounds: Record<string, number> = { 'strata --version': 2, [`strata query '${QUERY}'`]: 4 };

  const rounds = opts.quick ? 5 : 15;
  const wall = new Map<string, number[]>();
  const cpu = new Map<string, number[]>();
  const serve: number[] = [];
  const serveFloor: number[] = [];
  const add = (m: Map<string, number[]>, k: string, v: number) => m.set(k, [...(m.get(k) ?? []), v]);
  log(`startup: ${rounds} interleaved rounds`);
  for (let i = 0; i < rounds; i++) {
    for (const p of [floor, ...probes]) {
      const r = await run(p);
      add(wall, p.name, r.wallMs);
      add(cpu, p.name, r.cpuMs);
    }
    if (i < Math.ceil(rounds / 2)) {
      serveFloor.push((await run(floor)).wallMs);
      serve.push(await serveToFirstAnswer(db));
    }
  }

  // A source edited meanwhile would have made strata run from the sources for part of the rounds.
  const after = distStaleness();
  if (after) throw new Error(`the compiled build went stale during the rounds (${after}): figures mixed`);
  const rows: Row[] = [];
  for (const p of probes) {
    const note = p.name.startsWith('npx') ? 'npm\'s own start-up included' : p.name.includes('query') ? 'SQLite, 20 images' : undefined;
    rows.push(compare({ bench: 'startup', metric: `${p.name} (wall)`, value: median(wall.get(p.name)!), unit: 'ms',
      peer: 'node -e 0', peerValue: median(wall.get(floor.name)!), better: 'lower', note: note ? `${note}; median of ${rounds}` : `median of ${rounds}` },
    bounds[p.name]));
    rows.push(compare({ bench: 'startup', metric: `${p.name} (CPU)`, value: median(cpu.get(p.name)!), unit: 'ms',
      peer: 'node -e 0 CPU', peerValue: median(cpu.get(floor.name)!), better: 'lower' }, bounds[p.name]));
  }
  rows.push(compare({ bench: 'startup', metric: 'strata serve: spawn to first answer', value: median(serve), unit: 'ms',
    peer: 'node -e 0', peerValue: median(serveFloor), better: 'lower', note: `npm start's cold start; SQLite, 20 images; median of ${serve.length}` }));
  return rows;
}
