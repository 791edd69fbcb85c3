/**
 * Scaling curves in 10x steps: import time and lookup time vs files per layer
 * and vs layers per image (generated archives, read and recorded in process),
 * storage-report time vs number of images (fleet images). Queries run
 * in process through graphql() with the real schema and context, so HTTP
 * noise stays out. Each point's peer is the previous point times 10 (linear
 * growth): ratio > 1 means worse than linear.
 */
import { graphql, type GraphQLSchema } from 'graphql';
import { recordImport } from '../src/application/importImages';
import { Strata } from '../src/application/strata';
import { buildExecutableSchema } from '../src/graphql/buildSchema';
import { createContext } from '../src/graphql/resolvers/context';
import { readImages } from '../src/importers';
import { ensureImage, Rng, type ImageSpec } from './generate';
import { recordFleet, syntheticImages } from './synthetic';
import { compare, type Row } from './table';
import { log, median, scratch, timed, type BenchOptions } from './util';

const FILE = 'query File($ref: String!, $path: String!) { image(ref: $ref) { file(path: $path) { path kind size layerIndex } } }';
const PATHS = 'query P($ref: String!, $after: String) { image(ref: $ref) { files(recursive: true, first: 1000, after: $after) { pageInfo { hasNextPage endCursor } edges { node { path } } } } }';
const STORAGE = 'query { storage(by: CHAIN_ID) { logicalSize physicalSize imageCount layerCount images { size sharedSize uniqueSize } layers { key imageCount } } }';

async function run(schema: GraphQLSchema, app: Strata, source: string, variableValues: Record<string, unknown> = {}): Promise<any> {
  const r = await graphql({ schema, source, variableValues, contextValue: createContext(app, { actor: 'bench', canWrite: true }) });
  if (r.errors?.length) throw new Error(r.errors.map((e) => e.message).join('; '));
  return r.data;
}

interface Point { x: number; importMs: number; coldLookupMs: number; lookupMs: number }

async function importOnce(tarPath: string, db: string): Promise<{ ms: number; app: Strata }> {
  const app = await Strata.open(scratch(db));
  const t = await timed(async () => recordImport(app, await readImages(tarPath)));
  return { ms: t.ms, app };
}

/** Import time is the median of `reps` imports into fresh databases (GC and load make single runs swing ±40 %). */
async function imagePoint(spec: ImageSpec, x: number, lookups: number, reps: number): Promise<Point> {
  const img = await ensureImage(spec);
  const importTimes: number[] = [];
  for (let i = 1; i < reps; i++) {
    const r = await importOnce(img.tarPath, `scale-${spec.name}.db`);
    importTimes.push(r.ms);
    await r.app.close();
  }
  const { ms, app } = await importOnce(img.tarPath, `scale-${spec.name}.db`);
  importTimes.push(ms);
  try {
    const schema = buildExecutableSchema(app.store);
    const first = await timed(() => run(schema, app, FILE, { ref: img.tag, path: '/usr/lib/d0/f1.txt' }));
    const paths: string[] = [];
    for (let after: string | null = null; ;) {
      const d = await run(schema, app, PATHS, { ref: img.tag, after });
      for (const e of d.image.files.edges) paths.push(e.node.path);
      if (!d.image.files.pageInfo.hasNextPage) break;
      after = d.image.files.pageInfo.endCursor;
    }
    const r = new Rng(3);
    const times: number[] = [];
    for (let i = 0; i < lookups; i++) times.push((await timed(() => run(schema, app, FILE, { ref: img.tag, path: paths[r.int(paths.length)]! }))).ms);
    return { x, importMs: median(importTimes), coldLookupMs: first.ms, lookupMs: median(times) };
  } finally {
    await app.close();
  }
}

function curve(axis: string, points: Point[], pick: (p: Point) => number, what: string, unit = 'ms'): Row[] {
  return points.map((p, i) => {
    const prev = points[i - 1];
    return compare({
      bench: 'scaling', metric: `${what} @ ${p.x} ${axis}`, value: pick(p), unit,
      ...(prev ? { peer: `linear from ${prev.x}`, peerValue: pick(prev) * (p.x / prev.x) } : {}), better: 'lower',
    });
  });
}

export async function scalingBench(opts: BenchOptions): Promise<Row[]> {
  const lookups = opts.quick ? 50 : 200;
  const reps = opts.quick ? 1 : 3;
  // Warm the JIT on a throwaway image so the first point is not also the first run of the code.
  await imagePoint({ meanFileBytes: 256, binaryShare: 0.5, seed: 2, name: 'warmup', layers: 2, filesPerLayer: 50 }, 0, 20, 1);
  const base = { meanFileBytes: 256, binaryShare: 0.5, seed: 2 };
  const fpl: Point[] = [];
  for (const f of [100, 1000, 10000]) {
    log(`scaling: ${f} files per layer`);
    fpl.push(await imagePoint({ ...base, name: `fpl-${f}`, layers: 4, filesPerLayer: f }, f, lookups, reps));
  }
  const lpi: Point[] = [];
  for (const l of [2, 20, 200]) {
    log(`scaling: ${l} layers`);
    lpi.push(await imagePoint({ ...base, name: `lpi-${l}`, layers: l, filesPerLayer: 100 }, l, lookups, reps));
  }
  const storage: Point[] = [];
  for (const n of [5, 20, 200, 2000]) {
    log(`scaling: storage report with ${n} images`);
    const app = await Strata.open(scratch(`scale-fleet-${n}.db`));
    try {
      await recordFleet(app, syntheticImages({ images: n }));
      const schema = buildExecutableSchema(app.store);
      const first = await timed(() => run(schema, app, STORAGE));
      const t: number[] = [];
      for (let i = 0; i < 5; i++) t.push((await timed(() => run(schema, app, STORAGE))).ms);
      if (n > 5) storage.push({ x: n, importMs: 0, coldLookupMs: first.ms, lookupMs: median(t) }); // 5: JIT warm-up only
    } finally { await app.close(); }
  }
  return [
    ...curve('files/layer (4 layers)', fpl, (p) => p.importMs, 'import'),
    ...curve('files/layer (4 layers)', fpl, (p) => p.coldLookupMs, 'first lookup'),
    ...curve('files/layer (4 layers)', fpl, (p) => p.lookupMs, 'lookup p50'),
    ...curve('layers (100 files each)', lpi, (p) => p.importMs, 'import'),
    ...curve('layers (100 files each)', lpi, (p) => p.coldLookupMs, 'first lookup'),
    ...curve('layers (100 files each)', lpi, (p) => p.lookupMs, 'lookup p50'),
    ...curve('images', storage, (p) => p.coldLookupMs, 'storage report, first'),
    ...curve('images', storage, (p) => p.lookupMs, 'storage report, median'),
  ];
}
