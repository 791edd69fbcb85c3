/**
 * `npm run bench [-- --json] [--quick] [--only=import,append,queries,scaling,bases,engine,blobs,registry,latency,merged,startup,fleet,verify] [--md]`
 * `--fleet=1000,10000,100000`: the fleet sizes (default 1,000 and 10,000; bench/fleetScale.ts, bench/verifyScale.ts).
 * Runs the benchmarks in turn and prints one table (or JSON); every figure is
 * a ratio against a floor or a peer measured in the same run. Results are
 * also written to bench/out/results.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { appendBench } from './appendBench';
import { basesBench } from './basesBench';
import { blobsBench } from './blobsBench';
import { OUT } from './generate';
import { importBench } from './importBench';
import { engineImportBench } from './engineImportBench';
import { fleetBench } from './fleetScale';
import { verifyBench } from './verifyScale';
import { latencyBench } from './latencyBench';
import { queryBench } from './queryBench';
import { registryBench } from './registryBench';
import { scalingBench } from './scaling';
import { wideDirBench } from './wideDirBench';
import { startupBench } from './startupBench';
import { renderMarkdown, renderText, type Row } from './table';
import { log, now, type BenchOptions } from './util';

const BENCHES: Record<string, (o: BenchOptions) => Promise<Row[]>> = {
  import: importBench, append: appendBench, queries: queryBench, scaling: scalingBench, bases: basesBench, engine: engineImportBench,
  blobs: blobsBench, registry: registryBench,
  latency: latencyBench,
  merged: wideDirBench,
  startup: startupBench,
  fleet: fleetBench,
  verify: verifyBench,
};

function parseArgs(argv: string[]) {
  const only = argv.find((a) => a.startsWith('--only='))?.slice('--only='.length).split(',').filter(Boolean);
  for (const name of only ?? []) if (!BENCHES[name]) throw new Error(`unknown bench "${name}" (known: ${Object.keys(BENCHES).join(', ')})`);
  return { json: argv.includes('--json'), md: argv.includes('--md'), quick: argv.includes('--quick'), only: only ?? Object.keys(BENCHES) };
}

export const machine = () => ({
  nproc: os.availableParallelism(), memoryGiB: Math.round(os.totalmem() / 2 ** 30), cpu: os.cpus()[0]?.model ?? 'unknown',
  node: process.version, platform: `${os.platform()} ${os.release()}`, loadAverage: os.loadavg().map((l) => Number(l.toFixed(2))),
});

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const started = new Date();
  const t = now();
  const rows: Row[] = [];
  const timings: Record<string, number> = {};
  for (const name of args.only) {
    const t0 = now();
    log(`${name}…`);
    try {
      rows.push(...(await BENCHES[name]!({ quick: args.quick })));
    } catch (e) {
      rows.push({ bench: name, metric: 'FAILED', value: null, unit: '', note: (e as Error).message.slice(0, 300) });
      process.exitCode = 1;
    }
    timings[name] = Math.round(now() - t0);
  }
  const result = { date: started.toISOString(), command: `npm run bench -- ${process.argv.slice(2).join(' ')}`.trim(), machine: machine(), quick: args.quick, seconds: Math.round((now() - t) / 1000), timings, rows };
  mkdirSync(OUT, { recursive: true });
  writeFileSync(join(OUT, 'results.json'), JSON.stringify(result, null, 2));
  if (args.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  else {
    process.stdout.write(`${args.md ? renderMarkdown(rows) : renderText(rows)}\n`);
    process.stdout.write(`\n${result.date}  ${JSON.stringify(result.machine)}  ${result.seconds} s\n`);
  }
}

main().catch((e: unknown) => { console.error(e); process.exit(1); });
