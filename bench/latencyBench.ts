/**
 * Latency of `/healthz` and `{ head }` while the worst query the cost model
 * allows runs (a fresh-anchor verifyLog plus a storage report asOf half the
 * log), on a 60,000-event SQLite log served by `strata serve`. Goal: 100 ms
 * (issue 15 item 2). The same run without the heavy query is the floor.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { seedLog } from '../test/reliability/seedLog';
import { measureLatencyDuring } from './latency';
import type { Row } from './table';
import { log, ROOT, scratch, type BenchOptions } from './util';

async function serve(db: string): Promise<{ url: string; stop(): Promise<void> }> {
  const child = spawn(process.execPath, [join(ROOT, 'bin', 'strata.js'), 'serve', '--port', '0', '--db', db], {
    env: { ...process.env, LOG_LEVEL: 'silent', STRATA_WRITE_TOKEN: 'bench' }, stdio: ['ignore', 'ignore', 'pipe'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let err = '';
    child.stderr!.on('data', (d: Buffer) => {
      err += d;
      const m = /serving GraphQL at (\S+)/.exec(err);
      if (m) resolve(m[1]!);
    });
    child.once('exit', (code) => reject(new Error(`serve exited ${code}: ${err}`)));
  });
  return { url, stop: () => new Promise((r) => { child.once('exit', () => r()); child.kill('SIGTERM'); }) };
}

export async function latencyBench(o: BenchOptions): Promise<Row[]> {
  const moves = o.quick ? 20_000 : 60_000;
  const db = scratch('latency.db');
  log(`latency: seeding ${moves} events`);
  const seeded = await seedLog(db, moves);
  const server = await serve(db);
  try {
    const post = async (query: string) => {
      const res = await fetch(server.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query }) });
      await res.text();
      return { status: res.status };
    };
    const idle = await measureLatencyDuring(server.url, () => new Promise<{ status: number }>((r) => setTimeout(() => r({ status: 200 }), 3000)));
    const worst = `{ verifyLog(expectHead: "1:${'1'.repeat(64)}") { ok } storage(asOf: ${Math.floor(seeded.head / 2)}) { logicalSize } }`;
    const busy = await measureLatencyDuring(server.url, () => post(worst));
    const note = `${busy.samples} probes over ${busy.worst.ms} ms (heavy query ${busy.worst.status}); idle p95 ${idle.p95Ms} ms; ${seeded.head} events`;
    const row = (metric: string, value: number): Row => ({
      bench: 'latency', metric, value, unit: 'ms', peer: 'goal', peerValue: 100, ratio: value / 100, better: 'lower', target: '<= 1x', met: value <= 100, note,
    });
    return [row('/healthz + { head } while the worst allowed query runs, p50', busy.p50Ms),
      row('/healthz + { head } while the worst allowed query runs, p95', busy.p95Ms),
      row('/healthz + { head } while the worst allowed query runs, max', busy.maxMs)];
  } finally {
    await server.stop();
  }
}
