import { buildSchema, isObjectType, type GraphQLSchema } from 'graphql';
import pino from 'pino';
import { startServer, type RunningServer, type ServerOptions } from '../../src/server';
import { loadSchemaSDL } from '../../src/graphql/schemaLoader';
import { subscriptionResolvers } from '../../src/graphql/subscriptions';
import { DomainError, notFound } from '../../src/domain/errors';
import type { ContextAuth } from '../../src/graphql/auth';
import type { EventStore } from '../../src/eventStore/types';
import { FakeStore } from './fakeStore';

export const WRITE = 'write-token-0123456789';
export const READ = 'read-token-abcdef';

type Resolver = (root: any, args: any, ctx: any) => unknown;
type ResolverMap = Record<string, Record<string, Resolver | { subscribe: Resolver; resolve?: Resolver }>>;

/** Attaches resolvers to a schema built from SDL (what graphql-tools would do, minus the dependency). */
function attach(schema: GraphQLSchema, resolvers: ResolverMap): GraphQLSchema {
  for (const [typeName, fields] of Object.entries(resolvers)) {
    const type = schema.getType(typeName);
    if (!isObjectType(type)) throw new Error(`no type ${typeName}`);
    for (const [name, r] of Object.entries(fields)) {
      const field = type.getFields()[name];
      if (!field) throw new Error(`no field ${typeName}.${name}`);
      if (typeof r === 'function') field.resolve = r;
      else Object.assign(field, r);
    }
  }
  return schema;
}

export interface Harness {
  server: RunningServer;
  store: EventStore;
  url: string;
  base: string;
  /** Resolver calls by field name: shows that refused operations never ran. */
  calls: string[];
  contexts: ContextAuth[];
  /** Released by the test to let `slow` queries finish. */
  release(): void;
}

/** The real schema/ SDL with stub resolvers, on port 0, over a store (fake by default). */
export async function startTestServer(overrides: Partial<ServerOptions> = {}, store: EventStore = new FakeStore()): Promise<Harness> {
  const calls: string[] = [];
  const contexts: ContextAuth[] = [];
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const emptyPage = { edges: [], pageInfo: { hasNextPage: false, hasPreviousPage: false, startCursor: null, endCursor: null }, totalCount: 0 };
  const image = (tag: string) => ({ id: 'SW1hZ2U6MQ==', imageId: 'sha256:' + 'a'.repeat(64), repoTags: [tag], layers: [], size: 0, version: 1 });
  const schema = attach(buildSchema(loadSchemaSDL()), {
    Query: {
      head: () => store.head(),
      images: () => (calls.push('images'), emptyPage),
      events: () => emptyPage,
      image: (_r, { ref }) => {
        calls.push('image');
        if (ref === 'boom') throw new Error('SQLITE_CORRUPT: database disk image is malformed at /var/lib/secret.db');
        if (ref === 'missing') throw notFound(`No image ${ref}`);
        if (ref === 'tampered') throw new DomainError('TAMPERED', 'hash mismatch at position 7 in table events');
        if (ref === 'archive') throw new DomainError('INVALID_ARCHIVE', 'manifest.json is missing');
        return null;
      },
      verifyLog: async () => {
        calls.push('verifyLog');
        await gate;
        return { ok: true, checked: await store.head(), firstBadPosition: null };
      },
    },
    Mutation: {
      tagImage: async (_r, { image: ref, tag }, ctx) => {
        calls.push('tagImage');
        await store.append([{ stream: `tag:${tag}`, expectedVersion: 'any', events: [{ type: 'TagMoved', data: { ref, tag } }] }], { actor: ctx.actor });
        return image(tag);
      },
      untag: async (_r, { tag }, ctx) => {
        calls.push('untag');
        await store.append([{ stream: `tag:${tag}`, expectedVersion: 'any', events: [{ type: 'TagRemoved', data: { tag } }] }], { actor: ctx.actor });
        return true;
      },
    },
    ...(subscriptionResolvers(store) as unknown as ResolverMap),
  });
  const server = await startServer({
    schema,
    store,
    createContext: (auth) => (contexts.push(auth), { ...auth, store }),
    port: 0,
    host: '127.0.0.1',
    writeToken: WRITE,
    logger: pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }),
    publicDir: null,
    ...overrides,
  });
  return { server, store, url: server.url, base: server.url.replace(/\/graphql$/, ''), calls, contexts, release };
}

/** POSTs a GraphQL request and returns status, headers and parsed body. */
export async function gql(url: string, query: string, opts: { variables?: unknown; token?: string; headers?: Record<string, string> } = {}) {
  const res = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}),
      ...opts.headers,
    },
    body: JSON.stringify({ query, variables: opts.variables }),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: JSON.parse(text) as { data?: any; errors?: any[] }, text };
}

export const codes = (body: unknown) => ((body as { errors?: any[] }).errors ?? []).map((e) => e.extensions?.code);
