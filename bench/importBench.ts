/**
 * Import throughput of the big generated image: `node bin/strata.js import`
 * (fresh SQLite file, whole CLI: startup, read, verify, record) against the
 * floor `gzip -dc <blobs> | sha256sum` and `umoci unpack` of the same OCI
 * layout. Runs are interleaved (floor, strata, umoci, floor, …) and the median
 * is kept, so a burst of load on the shared machine hits all three alike.
 * Goals (issue 19 item 2): wall ≤ 0.8× the floor, peak RSS ≤ 200 MB.
 */
import { rmSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { BIG, ensureImage } from './generate';
import { compare, type Row } from './table';
import { log, median, ROOT, scratch, timedProcess, which, type BenchOptions } from './util';

const MB = 1e6;

export async function importBench(opts: BenchOptions): Promise<Row[]> {
  const img = await ensureImage(BIG);
  const runs = opts.quick ? 1 : 3;
  const umoci = which('umoci');
  const floor: number[] = [];
  const floorCpu: number[] = [];
  const strata: number[] = [];
  const strataCpu: number[] = [];
  const rss: number[] = [];
  const um: number[] = [];
  const quoted = img.blobPaths.map((p) => `'${p}'`).join(' ');
  for (let i = 0; i < runs; i++) {
    log(`import: run ${i + 1}/${runs}`);
    const f = await timedProcess(['sh', '-c', `gzip -dc ${quoted} | sha256sum`]);
    if (f.code !== 0) throw new Error(`floor failed: ${f.stderr}`);
    floor.push(f.wallMs);
    floorCpu.push(f.cpuMs);
    const db = scratch('import.db');
    const s = await timedProcess(['node', join(ROOT, 'bin/strata.js'), 'import', img.tarPath, '--db', db]);
    if (s.code !== 0) throw new Error(`strata import failed: ${s.stderr.slice(0, 2000)}`);
    strata.push(s.wallMs);
    strataCpu.push(s.cpuMs);
    rss.push(s.maxRssKb / 1024);
    if (umoci) {
      const bundle = scratch('umoci-bundle');
      const u = await timedProcess([umoci, 'unpack', '--rootless', '--image', `${img.layoutDir}:latest`, bundle]);
      if (u.code !== 0) throw new Error(`umoci unpack failed: ${u.stderr.slice(0, 2000)}`);
      um.push(u.wallMs);
      rmSync(bundle, { recursive: true, force: true });
    }
  }
  const wall = median(strata);
  const note = `${img.spec.layers} layers, ${img.entries} entries, ${(img.compressedBytes / MB).toFixed(0)} MB gzip / ${(img.uncompressedBytes / MB).toFixed(0)} MB tar; median of ${runs}`;
  const rows: Row[] = [
    // Issue 19 item 2: below the one-core floor by inflating layers in parallel.
    compare({ bench: 'import', metric: 'strata import (wall)', value: wall, unit: 'ms', peer: 'gzip -dc | sha256sum', peerValue: median(floor), better: 'lower', note }, 0.8),
    compare({ bench: 'import', metric: 'strata import (CPU)', value: median(strataCpu), unit: 'ms', peer: 'gzip -dc | sha256sum CPU', peerValue: median(floorCpu), better: 'lower',
      note: `load average ${loadavg().map((l) => l.toFixed(1)).join(' / ')} at the end (wall ratios are the scheduler's share under load)` }),
    umoci
      ? compare({ bench: 'import', metric: 'strata import (wall)', value: wall, unit: 'ms', peer: 'umoci unpack', peerValue: median(um), better: 'lower' }, 0.5)
      : { bench: 'import', metric: 'strata import (wall)', value: wall, unit: 'ms', peer: 'umoci unpack', peerValue: null, target: '<= 0.5x', met: null, note: 'umoci is not installed: not measured' },
    compare({ bench: 'import', metric: 'throughput', value: img.compressedBytes / MB / (wall / 1000), unit: 'MB/s', peer: 'floor', peerValue: img.compressedBytes / MB / (median(floor) / 1000), better: 'higher', note: 'compressed bytes per second' }),
    compare({ bench: 'import', metric: 'peak RSS', value: Math.max(...rss), unit: 'MB', peer: 'limit', peerValue: 200, better: 'lower', target: '<= 200 MB' }, 1),
  ];
  return rows;
}
