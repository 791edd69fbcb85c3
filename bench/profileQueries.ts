/**
 * CPU profiles of the query bench's two slow figures (issue 19 item 5), for
 * bench/profSummary.ts: paging the whole merged view of the big image (cached
 * view), the storage report with its per-image lists (20 requests) and the
 * dashboard's images query under autocannon load.
 * Run: NODE_ENV=production node bin/run-ts.js bench/profileQueries.ts [outDir]
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { readImages } from '../src/importers';
import { recordImport } from '../src/application/importImages';
import { Strata } from '../src/application/strata';
import { BIG, ensureImage, OUT } from './generate';
import { Client, startStrata, WRITE_TOKEN } from './http';
import { loadTest } from './load';
import { profiled } from './profiler';
import { DASHBOARD, FILES, STORAGE } from './queryBench';
import { recordFleet, syntheticImages } from './synthetic';
import { log, scratch, timed } from './util';

async function pageAll(c: Client, ref: string): Promise<number> {
  let after: string | null = null;
  let n = 0;
  for (;;) {
    const d: any = await c.gql(FILES, { ref, after });
    n += d.image.files.edges.length;
    if (!d.image.files.pageInfo.hasNextPage) return n;
    after = d.image.files.pageInfo.endCursor;
  }
}

async function main(): Promise<void> {
  const dir = process.argv[2] ?? OUT;
  mkdirSync(dir, { recursive: true });
  const img = await ensureImage(BIG);
  const app = await Strata.open(scratch('profile-queries.db'));
  try {
    await recordImport(app, await readImages(img.tarPath));
    await recordFleet(app, syntheticImages({ images: 2000 }));
    const server = await startStrata(app);
    const c = new Client(server.url, WRITE_TOKEN);
    try {
      await pageAll(c, img.tag);
      for (let i = 0; i < 3; i++) log(`merged view, cached: ${(await timed(() => pageAll(c, img.tag))).ms.toFixed(0)} ms`);
      await profiled(join(dir, 'mergedView.cpuprofile'), async () => { for (let i = 0; i < 3; i++) await pageAll(c, img.tag); });
      for (let i = 0; i < 3; i++) await c.gql(STORAGE);
      await profiled(join(dir, 'storage.cpuprofile'), async () => { for (let i = 0; i < 20; i++) await c.gql(STORAGE); });
      const body = JSON.stringify({ query: DASHBOARD, variables: { first: 100 } });
      log(`dashboard: ${(await loadTest(server.url, body, 5)).toFixed(0)} req/s`);
      await profiled(join(dir, 'dashboard.cpuprofile'), () => loadTest(server.url, body, 5));
      log(`profiles in ${dir}`);
    } finally { await server.close(); }
  } finally { await app.close(); }
}

main().catch((e: unknown) => { console.error(e); process.exit(1); });
