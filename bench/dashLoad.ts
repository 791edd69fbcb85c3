/**
 * The dashboard row of `--only=queries` alone, for same-minute A/B of builds:
 * Strata (no response cache, every request executed) and bare Apollo 5 answering a
 * constant, alternating in rounds; req/s and requests per CPU second of this process.
 * Run: NODE_ENV=production node bin/run-ts.js bench/dashLoad.ts DB ROUNDS SECONDS
 * DB: a SQLite file (copied first; made with a 2,000-image fleet when absent) or a
 * PostgreSQL URL (used as it is; the fleet is recorded when it is empty).
 * DASH_COSTS=1: with `strata serve`'s data-driven cost model (the bench's servers have none).
 * DASH_QUERY: another query instead (e.g. '{ __typename }': the pipeline's own cost against bare Apollo's).
 * DASH_PROFILE=FILE: a CPU profile of the first Strata round (bench/profSummary.ts reads it).
 */
import { copyFileSync, existsSync } from 'node:fs';
import { Strata } from '../src/application/strata';
import { startBareApollo, startStrata, WRITE_TOKEN } from './http';
import { buildExecutableSchema } from '../src/graphql/buildSchema';
import { costModelFor } from '../src/graphql/costs';
import { createLogger } from '../src/graphql/logger';
import { createContext } from '../src/graphql/resolvers/context';
import { startServer, type RunningServer } from '../src/server';
import { loadTest } from './load';
import { DASHBOARD } from './queryBench';
import { recordFleet, syntheticImages } from './synthetic';
import { scratch } from './util';
import { profiled } from './profiler';

async function cpuOf<T>(fn: () => Promise<T>): Promise<{ cpuMs: number; value: T }> {
  const c = process.cpuUsage();
  const value = await fn();
  const d = process.cpuUsage(c);
  return { cpuMs: (d.user + d.system) / 1000, value };
}

/** As `strata serve` starts it (src/cli/serve.ts): the cost model from the data, given the request's context. */
async function withCostModel(app: Strata): Promise<RunningServer> {
  // The request's own models where this build has them (a build before them ignores the argument).
  const ctx = require('../src/graphql/resolvers/context') as { requestModelsOf?: (c: unknown) => unknown };
  const costs = costModelFor as unknown as (a: Strata, m?: unknown) => ReturnType<typeof costModelFor>;
  return startServer({
    schema: buildExecutableSchema(app.store), store: app.store, createContext: (auth) => createContext(app, auth),
    costModel: (c?: object) => costs(app, ctx.requestModelsOf?.(c)),
    port: 0, host: '127.0.0.1', writeToken: WRITE_TOKEN, logger: createLogger('silent'),
  });
}

async function main(): Promise<void> {
  const [src, roundsArg, secondsArg] = process.argv.slice(2);
  const pg = src!.startsWith('postgres');
  if (pg ? (await Strata.open(src!).then(async (a) => { const h = await a.store.head(); await a.close(); return h === 0; }))
    : !existsSync(src!)) {
    const app = await Strata.open(src!);
    await recordFleet(app, syntheticImages({ images: 2000 }));
    await app.close();
  }
  const db = pg ? src! : scratch('dash-ab.db');
  if (!pg) copyFileSync(src!, db);
  const app = await Strata.open(db);
  const rounds = Number(roundsArg ?? 3);
  const seconds = Number(secondsArg ?? 5);
  const server = process.env.DASH_COSTS === '1' ? await withCostModel(app) : await startStrata(app);
  const bare = await startBareApollo();
  const body = process.env.DASH_QUERY ? JSON.stringify({ query: process.env.DASH_QUERY }) : JSON.stringify({ query: DASHBOARD, variables: { first: 100 } });
  try {
    await loadTest(server.url, body, 1);
    for (let i = 0; i < rounds; i++) {
      const s = await cpuOf(() => (process.env.DASH_PROFILE && i === 0
        ? profiled(process.env.DASH_PROFILE, () => loadTest(server.url, body, seconds)) : loadTest(server.url, body, seconds)));
      const b = await cpuOf(() => loadTest(bare.url, JSON.stringify({ query: bare.query }), seconds));
      const pc = (rps: number, ms: number) => (rps * seconds) / (ms / 1000);
      console.log(JSON.stringify({ round: i, strata: Math.round(s.value), bare: Math.round(b.value), ratio: +(s.value / b.value).toFixed(3),
        strataCpu: Math.round(pc(s.value, s.cpuMs)), bareCpu: Math.round(pc(b.value, b.cpuMs)),
        cpuRatio: +(pc(s.value, s.cpuMs) / pc(b.value, b.cpuMs)).toFixed(3) }));
    }
  } finally {
    await server.close();
    await bare.close();
    await app.close();
  }
}

main().catch((e: unknown) => { console.error(e); process.exit(1); });
