/**
 * `strata import docker-daemon:` of a bench image against the Engine's own
 * `docker save … > /dev/null` (the floor: the same stream, thrown away).
 * The image is built once by the Engine (classic builder, FROM scratch,
 * one COPY per layer of generated files) and kept as
 * strata-docker-test-bench:1. Runs are interleaved and the median kept.
 * Two strata figures: in-process (the import itself: stream, hash, scan,
 * keep blobs, record) and the whole CLI (plus Node and tsx start-up).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Strata } from '../src/application/strata';
import { importFromEngine } from '../src/application/engineImport';
import { connectEngine } from '../src/engine/client';
import { OUT, Rng } from './generate';
import { compare, type Row } from './table';
import { log, median, now, ROOT, scratch, timedProcess, which, type BenchOptions } from './util';

export const BENCH_IMAGE = 'strata-docker-test-bench:1';
const LAYERS = 10;
const FILES_PER_LAYER = 1000;
const MEAN_FILE_BYTES = 24000;
const MB = 1e6;

function imageSize(): number | null {
  const r = spawnSync('docker', ['image', 'inspect', '--format', '{{.Size}}', BENCH_IMAGE]);
  return r.status === 0 ? Number(r.stdout.toString().trim()) : null;
}

/** Builds the bench image unless the Engine has it (deterministic content, so a rebuild is the same image content). */
function ensureEngineImage(): number {
  const have = imageSize();
  if (have !== null) return have;
  const dir = join(OUT, 'engine-image');
  rmSync(dir, { recursive: true, force: true });
  const rng = new Rng(7);
  const pool = Buffer.alloc(4 << 20);
  for (let i = 0; i < pool.length; i += 4) pool.writeUInt32LE(rng.next(), i);
  let dockerfile = 'FROM scratch\n';
  for (let l = 0; l < LAYERS; l++) {
    for (let f = 0; f < FILES_PER_LAYER; f++) {
      const sub = join(dir, `l${l}`, `d${f % 20}`);
      mkdirSync(sub, { recursive: true });
      const size = rng.int(MEAN_FILE_BYTES * 2);
      const at = rng.int(pool.length - size);
      writeFileSync(join(sub, `f${f}.bin`), pool.subarray(at, at + size));
    }
    dockerfile += `COPY l${l} /layer${l}\n`;
  }
  writeFileSync(join(dir, 'Dockerfile'), dockerfile);
  log(`engine import: building ${BENCH_IMAGE} (${LAYERS} layers × ${FILES_PER_LAYER} files)`);
  const r = spawnSync('docker', ['build', '-q', '--network', 'none', '-t', BENCH_IMAGE, dir], { env: { ...process.env, DOCKER_BUILDKIT: '0' } });
  rmSync(dir, { recursive: true, force: true });
  if (r.status !== 0) throw new Error(`docker build failed: ${r.stderr.toString().slice(0, 500)}`);
  return imageSize()!;
}

export async function engineImportBench(opts: BenchOptions): Promise<Row[]> {
  if (!which('docker') || spawnSync('docker', ['version'], { stdio: 'ignore' }).status !== 0) {
    return [{ bench: 'engine', metric: 'import docker-daemon:', value: null, unit: 'ms', note: 'no Docker Engine answers: not measured' }];
  }
  const size = ensureEngineImage();
  const runs = opts.quick ? 1 : 3;
  const save: number[] = [];
  const inProcess: number[] = [];
  const cli: number[] = [];
  const rss: number[] = [];
  const engine = await connectEngine();
  for (let i = 0; i < runs; i++) {
    log(`engine import: run ${i + 1}/${runs}`);
    const s = await timedProcess(['sh', '-c', `docker save ${BENCH_IMAGE} > /dev/null`]);
    if (s.code !== 0) throw new Error(`docker save failed: ${s.stderr}`);
    save.push(s.wallMs);
    const db = scratch('engine.db');
    const blobs = scratch('engine-blobs');
    const app = await Strata.open(db, { blobs });
    const t = now();
    try {
      await importFromEngine(app, BENCH_IMAGE, { engine });
    } finally {
      await app.close();
    }
    inProcess.push(now() - t);
    const db2 = scratch('engine-cli.db');
    const blobs2 = scratch('engine-cli-blobs');
    const c = await timedProcess(['node', join(ROOT, 'bin/strata.js'), 'import', `docker-daemon:${BENCH_IMAGE}`, '--db', db2, '--blobs', blobs2]);
    if (c.code !== 0) throw new Error(`strata import docker-daemon: failed: ${c.stderr.slice(0, 1000)}`);
    cli.push(c.wallMs);
    rss.push(c.maxRssKb / 1024);
  }
  const note = `${LAYERS} layers, ${LAYERS * FILES_PER_LAYER} files, ${(size / MB).toFixed(0)} MB; median of ${runs}`;
  return [
    compare({ bench: 'engine', metric: 'import docker-daemon: (in-process)', value: median(inProcess), unit: 'ms', peer: 'docker save > /dev/null', peerValue: median(save), better: 'lower', note }, 1.3),
    compare({ bench: 'engine', metric: 'strata import docker-daemon: (CLI)', value: median(cli), unit: 'ms', peer: 'docker save > /dev/null', peerValue: median(save), better: 'lower', note: 'whole process: Node and tsx start-up included' }),
    compare({ bench: 'engine', metric: 'import docker-daemon: peak RSS', value: Math.max(...rss), unit: 'MB', peer: 'image size', peerValue: size / MB, better: 'lower', note: 'streamed: memory does not grow with the image' }, 1),
  ];
}
