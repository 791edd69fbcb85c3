/**
 * In process, CPU per query: the server's compiled executor (graphql-jit,
 * src/graphql/executor.ts) against graphql-js's `execute`, each answer
 * serialized with JSON.stringify as Apollo does. Rounds alternate the two
 * engines and medians are kept, so other load on the machine touches both
 * alike; CPU time (user + system), not wall time, is the figure.
 */
import { getOperationAST, parse } from 'graphql';
import type { Strata } from '../src/application/strata';
import { buildExecutableSchema } from '../src/graphql/buildSchema';
import { createExecutor, type Execute } from '../src/graphql/executor';
import { createContext } from '../src/graphql/resolvers/context';
import { compare, type Row } from './table';
import { median } from './util';

export interface EngineCase { name: string; query: string; variables: Record<string, unknown>; note?: string }

async function cpuPerQuery(run: Execute, app: Strata, c: EngineCase, reps: number): Promise<number> {
  const document = parse(c.query);
  const operation = getOperationAST(document)!;
  const one = async () => {
    const r = await run({ document, source: c.query, operation, operationName: operation.name?.value ?? null, variables: c.variables,
      contextValue: createContext(app, { actor: null, canWrite: false }) });
    if (r.errors?.length) throw new Error(`${c.name}: ${r.errors[0]!.message}`);
    return JSON.stringify(r).length;
  };
  const t = process.cpuUsage();
  for (let i = 0; i < reps; i++) await one();
  const d = process.cpuUsage(t);
  return (d.user + d.system) / 1000 / reps;
}

export async function engineRows(app: Strata, cases: EngineCase[], opts: { rounds: number; reps: (c: EngineCase) => number }): Promise<Row[]> {
  const schema = buildExecutableSchema(app.store);
  const engines = { jit: createExecutor(schema, { engine: 'jit' }), js: createExecutor(schema, { engine: 'graphql-js' }) };
  const rows: Row[] = [];
  for (const c of cases) {
    // Warm both (caches the read model builds, the compiled query, V8's tiers).
    for (const run of Object.values(engines)) await cpuPerQuery(run, app, c, 2);
    const jit: number[] = [];
    const js: number[] = [];
    for (let i = 0; i < opts.rounds; i++) {
      js.push(await cpuPerQuery(engines.js, app, c, opts.reps(c)));
      jit.push(await cpuPerQuery(engines.jit, app, c, opts.reps(c)));
    }
    rows.push(compare({ bench: 'queries', metric: `${c.name}, in process, CPU per query`, value: median(jit), unit: 'ms', peer: 'graphql-js execute',
      peerValue: median(js), better: 'lower', note: c.note ?? `medians of ${opts.rounds} alternating rounds` }));
  }
  return rows;
}
