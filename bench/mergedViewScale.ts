/**
 * Scale check of the merged view (not a test, no assertions on time):
 * 20 layers × 2,500 entries. Run: node bin/run-ts.js bench/mergedViewScale.ts
 */
import type { LayerEntry } from '../src/domain/layerEntry';
import { buildMergedViews, type LayerInput } from '../src/domain/mergedView';
import { diffMergedViews } from '../src/domain/imageDiff';
import { efficiency } from '../src/domain/efficiency';
import { pathHistory } from '../src/domain/mergedHistory';

const LAYERS = 20;
const PER_LAYER = 2500;
let seed = 42;
const rnd = (n: number): number => {
  seed = (seed * 1103515245 + 12345) & 0x7fffffff;
  return seed % n;
};

function makeLayer(i: number): LayerInput {
  const entries: LayerEntry[] = [];
  const f = (path: string): LayerEntry => ({ path, kind: 'FILE', size: 100 + rnd(10000), mode: 0o644, uid: 0, gid: 0, linkTarget: null, contentDigest: `sha256:${i}-${path}` });
  for (let k = 0; k < PER_LAYER; k++) {
    const r = rnd(100);
    if (i > 0 && r < 10) entries.push(f(`/usr/lib/pkg${rnd(200)}/file${rnd(50)}.so`)); // overwrite something lower
    else if (i > 0 && r < 12) entries.push({ path: `/usr/lib/pkg${rnd(200)}/file${rnd(50)}.so`, kind: 'WHITEOUT', size: 0, mode: null, uid: null, gid: null, linkTarget: null, contentDigest: null });
    else entries.push(f(`/layer${i}/d${rnd(40)}/sub${rnd(10)}/f${k}`));
    if (i === 0) entries.push(f(`/usr/lib/pkg${k % 200}/file${(k / 200) | 0}.so`));
  }
  return { diffId: `sha256:l${i}`, entries };
}

const ms = (t: bigint): string => `${(Number(process.hrtime.bigint() - t) / 1e6).toFixed(1)} ms`;
const layers = Array.from({ length: LAYERS }, (_, i) => makeLayer(i));
global.gc?.();
const heap0 = process.memoryUsage().heapUsed;
let t = process.hrtime.bigint();
const views = buildMergedViews(layers);
const build = ms(t);
const heap1 = process.memoryUsage().heapUsed;
const top = views[LAYERS - 1]!;
t = process.hrtime.bigint();
const size = top.size;
const firstFlatten = ms(t);
const paths = top.entries().map((e) => e.path);
t = process.hrtime.bigint();
for (let k = 0; k < 100_000; k++) top.lookup(paths[k % paths.length]!);
const lookups = ms(t);
t = process.hrtime.bigint();
const p1 = top.list('/', { recursive: true, first: 1000, after: paths[20_000] });
const page = ms(t);
t = process.hrtime.bigint();
const d = diffMergedViews(views[LAYERS - 2]!, top);
const diff = ms(t);
t = process.hrtime.bigint();
const eff = efficiency(layers, views);
const effT = ms(t);
t = process.hrtime.bigint();
pathHistory(layers, paths[1234]!, views);
const hist = ms(t);
console.log(JSON.stringify({
  layers: LAYERS, entriesPerLayer: PER_LAYER + 2500 / LAYERS, mergedEntries: size,
  build20Views: build, heapFor20ViewsMB: ((heap1 - heap0) / 2 ** 20).toFixed(1),
  firstSortedFlatten: firstFlatten, lookups100k: lookups, page1000Warm: `${page} (${p1.entries.length} of ${p1.totalCount})`,
  diffTopTwo: `${diff} (${d.length} changes)`, efficiency: `${effT} (score ${eff.score.toFixed(4)})`, pathHistory: hist,
}, null, 1));
