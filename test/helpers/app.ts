/** A Strata application on a fresh database, with a GraphQL executor (no HTTP). */
import { graphql, parse, getOperationAST, validate } from 'graphql';
import { createExecutor } from '../../src/graphql/executor';
import { Strata } from '../../src/application/strata';
import { buildExecutableSchema } from '../../src/graphql/buildSchema';
import { createContext } from '../../src/graphql/resolvers/context';
import fs from 'node:fs';
import { freshDb, tempDir, type BackendName, type TestDb } from './backends';

export interface TestApp {
  db: TestDb;
  app: Strata;
  gql<T = any>(source: string, variables?: Record<string, unknown>, actor?: string): Promise<T>;
  gqlRaw(source: string, variables?: Record<string, unknown>): Promise<{ data?: any; errors?: readonly any[] }>;
  close(): Promise<void>;
}

export async function openTestApp(backend: BackendName): Promise<TestApp> {
  const db = await freshDb(backend);
  // Blobs in a temp directory (with PostgreSQL the default would be ./data/blobs of the checkout).
  const blobs = tempDir('strata-blobs-');
  const app = await Strata.open(db.url, { blobs });
  const schema = buildExecutableSchema(app.store);
  // Every query also runs through the server's compiled executor (graphql-jit), which must answer alike.
  const jit = createExecutor(schema, { engine: 'jit' });
  const shape = (r: { data?: unknown; errors?: readonly any[] }) => ({ data: r.data, errors: r.errors?.map((e) => ({ message: e.message,
    code: (e.originalError as any)?.code ?? e.extensions?.code, path: e.path })) });
  const gqlRaw = async (source: string, variables?: Record<string, unknown>, actor = 'test') => {
    const contextValue = () => createContext(app, { actor, canWrite: true });
    const r = shape(await graphql({ schema, source, variableValues: variables, contextValue: contextValue() }));
    const document = (() => { try { return parse(source); } catch { return null; } })();
    const operation = document && getOperationAST(document);
    // Only documents that pass validation reach an executor (Apollo validates first).
    if (document && operation?.operation === 'query' && validate(schema, document).length === 0) {
      const j = shape(await jit({ document, source, operation, operationName: null, variables, contextValue: contextValue() }));
      if (JSON.stringify(j) !== JSON.stringify(r)) {
        throw new Error(`graphql-jit and graphql-js differ on ${source}:\n${JSON.stringify(j).slice(0, 2000)}\n${JSON.stringify(r).slice(0, 2000)}`);
      }
    }
    return r;
  };
  return {
    db, app, gqlRaw,
    async gql(source, variables, actor) {
      const r = await gqlRaw(source, variables, actor);
      if (r.errors?.length) throw new Error(`GraphQL errors: ${JSON.stringify(r.errors)}`);
      return r.data as any;
    },
    async close() { await app.close(); await db.drop(); fs.rmSync(blobs, { recursive: true, force: true }); },
  };
}
