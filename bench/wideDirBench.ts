/**
 * Wide directories in the merged-view build (issue 19, item 4), in process.
 * Both stacks hold the same entries: a base layer of 10,000 files, then 200
 * layers of 50 entries each (25 replace a lower file, 25 add one). "Wide"
 * puts all of them in one directory, so every layer touches a directory of
 * ~10,000 children; the peer spreads them over 200 directories of 50, each
 * touched by one layer. buildMergedViews builds every prefix view, as the
 * ChainID cache does. Goal: wide ≤ 2× spread (a persistent child map makes a
 * touch cost O(log width), not O(width)).
 */
import type { LayerEntry } from '../src/domain/layerEntry';
import { buildMergedViews, type LayerInput } from '../src/domain/mergedView';
import { compare, type Row } from './table';
import { median, now, type BenchOptions } from './util';

const WIDTH = 10_000;
const LAYERS = 200;
const PER_LAYER = WIDTH / LAYERS;

const file = (path: string, digest: string): LayerEntry => ({
  path, kind: 'FILE', size: 100, mode: 0o644, uid: 0, gid: 0, linkTarget: null, contentDigest: `sha256:${digest}`,
});

/** dir(i) is the directory layer i touches; name(i, k) the k-th base file there. */
function stack(dir: (i: number) => string): LayerInput[] {
  const base: LayerEntry[] = [];
  for (let i = 0; i < LAYERS; i++) for (let k = 0; k < PER_LAYER; k++) base.push(file(`${dir(i)}/f${i}-${k}`, `base-${i}-${k}`));
  const layers: LayerInput[] = [{ diffId: 'sha256:base', entries: base }];
  for (let i = 0; i < LAYERS; i++) {
    const entries: LayerEntry[] = [];
    for (let k = 0; k < PER_LAYER / 2; k++) entries.push(file(`${dir(i)}/f${i}-${k}`, `mod-${i}-${k}`));
    for (let k = 0; k < PER_LAYER / 2; k++) entries.push(file(`${dir(i)}/n${i}-${k}`, `new-${i}-${k}`));
    layers.push({ diffId: `sha256:l${i}`, entries });
  }
  return layers;
}

function buildMs(layers: readonly LayerInput[]): number {
  const t = now();
  const views = buildMergedViews(layers);
  const ms = now() - t;
  const expected = WIDTH + (LAYERS * PER_LAYER) / 2;
  const top = views.at(-1)!;
  const dirs = top.entries().filter((e) => e.kind === 'DIRECTORY').length;
  if (top.size - dirs !== expected) throw new Error(`wide-directory bench: ${top.size - dirs} files, expected ${expected}`);
  return ms;
}

export async function wideDirBench(opts: BenchOptions): Promise<Row[]> {
  const wide = stack(() => '/wide');
  const spread = stack((i) => `/d${i}`);
  const runs = opts.quick ? 3 : 7;
  const w: number[] = [];
  const s: number[] = [];
  buildMs(wide); buildMs(spread); // warm up the JIT
  for (let r = 0; r < runs; r++) {
    // Interleaved, so load from other processes falls on both alike.
    w.push(buildMs(wide));
    s.push(buildMs(spread));
  }
  return [compare({
    bench: 'merged', metric: 'wide directory build', value: median(w), unit: 'ms', peer: 'same entries over 200 dirs', peerValue: median(s),
    better: 'lower', note: `${LAYERS} layers × ${PER_LAYER} entries into one ${WIDTH}-child dir; all ${LAYERS + 1} prefix views; median of ${runs}`,
  }, 2)];
}
