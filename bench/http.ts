/**
 * HTTP plumbing for the query benchmarks: Strata's real server (startServer,
 * silent logger), a GraphQL client that records every exchange, a replay
 * server answering the recorded bodies (the floor: the same bytes over the
 * same HTTP stack, with no work), and a bare Apollo Server 5 answering a
 * constant (the ceiling of the GraphQL stack).
 */
import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import type { Strata } from '../src/application/strata';
import { buildExecutableSchema } from '../src/graphql/buildSchema';
import { createLogger } from '../src/graphql/logger';
import type { ExecutionEngine } from '../src/graphql/executor';
import { createContext } from '../src/graphql/resolvers/context';
import { ResponseCache } from '../src/graphql/responseCache';
import { startServer, type RunningServer } from '../src/server';

export const WRITE_TOKEN = 'w';

/** `responseCacheBytes`: keep answers by log position (ADR 0013) up to that many bytes; absent or 0: none kept. */
export async function startStrata(app: Strata, executionEngine?: ExecutionEngine, serializer?: 'pieces' | 'apollo',
  responseCacheBytes = 0): Promise<RunningServer & { responseCache: ResponseCache | null }> {
  const schema = buildExecutableSchema(app.store);
  const responseCache = responseCacheBytes > 0 ? new ResponseCache(schema, app.models, responseCacheBytes) : null;
  const server = await startServer({
    executionEngine, serializer, schema,
    responseCache, store: app.store, createContext: (auth) => createContext(app, auth),
    port: 0, host: '127.0.0.1', writeToken: WRITE_TOKEN, logger: createLogger('silent'),
  });
  return { ...server, responseCache };
}

const key = (body: string) => createHash('sha1').update(body).digest('hex');

/** POSTs GraphQL; remembers request → response bytes for the replay floor. */
export class Client {
  readonly recorded = new Map<string, string>();
  constructor(readonly url: string, private readonly token?: string) {}

  async raw(body: string): Promise<string> {
    const res = await fetch(this.url, {
      method: 'POST', body,
      headers: { 'content-type': 'application/json', ...(this.token ? { authorization: `Bearer ${this.token}` } : {}) },
    });
    return res.text();
  }

  async gql<T = any>(query: string, variables: Record<string, unknown> = {}): Promise<T> {
    const body = JSON.stringify({ query, variables });
    const text = await this.raw(body);
    this.recorded.set(key(body), text);
    const json = JSON.parse(text) as { data?: T; errors?: { message: string }[] };
    if (json.errors?.length) throw new Error(`GraphQL error: ${json.errors.map((e) => e.message).join('; ')}`);
    return json.data as T;
  }
}

/** Answers each recorded request body with its recorded response. */
export async function startReplay(recorded: ReadonlyMap<string, string>): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => {
      const out = recorded.get(key(Buffer.concat(parts).toString()));
      res.writeHead(out ? 200 : 404, { 'content-type': 'application/json' });
      res.end(out ?? '{"errors":[{"message":"not recorded"}]}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/graphql`, close: () => new Promise((r) => { server.closeAllConnections(); server.close(() => r()); }) };
}

/** Apollo Server 5 with one field answering a constant. */
export async function startBareApollo(): Promise<{ url: string; query: string; close(): Promise<void> }> {
  const apollo = new ApolloServer({ typeDefs: 'type Query { hello: String! }', resolvers: { Query: { hello: () => 'world' } } });
  const { url } = await startStandaloneServer(apollo, { listen: { port: 0, host: '127.0.0.1' } });
  return { url, query: '{ hello }', close: () => apollo.stop() };
}
