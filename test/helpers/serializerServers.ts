/**
 * The two HTTP servers the text path (src/graphql/leafLists.ts) is checked
 * through: the default serializer, which writes lists answered as text, and
 * Apollo's, which turns the text path off; and graphql-js's answer to the same
 * query on the same app at the same moment, the oracle their bodies are held to.
 */
import { execute, parse, type GraphQLSchema } from 'graphql';
import type { Strata } from '../../src/application/strata';
import { buildExecutableSchema } from '../../src/graphql/buildSchema';
import { costModelFor } from '../../src/graphql/costs';
import { createLogger } from '../../src/graphql/logger';
import { createContext } from '../../src/graphql/resolvers/context';
import { startServer, type RunningServer } from '../../src/server';

type Serializer = 'pieces' | 'apollo';

const TOKEN = 'serializer-servers-token-0123456789';

export interface SerializerServers {
  /** graphql-js's body for the query now, and each server's body (each answered 200). */
  bodies(query: string): Promise<{ expected: string; got: string[] }>;
  close(): Promise<void>;
}

/** `schemaFor`: each server's schema (a test may wrap a resolver of one to count its calls). */
export async function startSerializerServers(app: Strata,
  schemaFor: (serializer: Serializer) => GraphQLSchema = () => buildExecutableSchema(app.store)): Promise<SerializerServers> {
  const servers: RunningServer[] = [];
  for (const serializer of ['pieces', 'apollo'] as const) {
    servers.push(await startServer({
      schema: schemaFor(serializer), store: app.store, createContext: (auth) => createContext(app, auth),
      costModel: () => costModelFor(app), port: 0, host: '127.0.0.1', writeToken: TOKEN, logger: createLogger('silent'), serializer,
    }));
  }
  return {
    async bodies(query) {
      const schema = buildExecutableSchema(app.store);
      const js = await execute({ schema, document: parse(query), contextValue: createContext(app, { actor: null, canWrite: false }) });
      expect(js.errors).toBeUndefined();
      const got: string[] = [];
      for (const s of servers) {
        const res = await fetch(s.url, { method: 'POST', body: JSON.stringify({ query }),
          headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` } });
        expect(res.status).toBe(200);
        got.push(await res.text());
      }
      return { expected: `${JSON.stringify({ data: js.data })}\n`, got };
    },
    async close() {
      for (const s of servers) await s.close();
    },
  };
}
