import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { Strata } from '../../src/application/strata';
import { buildExecutableSchema } from '../../src/graphql/buildSchema';
import { createContext } from '../../src/graphql/resolvers/context';
import { startServer, type RunningServer } from '../../src/server';
import { gql, codes, WRITE } from './testServer';

/** The transport around the real schema, resolvers and SQLite store: a smoke test of the wiring. */
describe('full stack over HTTP and WebSocket', () => {
  let dir: string;
  let app: Strata;
  let server: RunningServer;
  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'strata-full-'));
    app = await Strata.open(path.join(dir, 'strata.db'));
    server = await startServer({
      schema: buildExecutableSchema(app.store),
      store: app.store,
      createContext: (auth) => createContext(app, auth),
      port: 0,
      host: '127.0.0.1',
      writeToken: WRITE,
      logger: pino({ level: 'silent' }),
      publicDir: null,
    });
  });
  afterAll(async () => {
    await server.close();
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('reads answer, limits and auth hold', async () => {
    const r = await gql(server.url, '{ head images(first: 5) { totalCount edges { node { id } } } }');
    expect(r.body.errors).toBeUndefined();
    expect(r.body.data).toMatchObject({ images: { totalCount: 0 } });
    expect(codes((await gql(server.url, '{ images(first: 1001) { totalCount } }')).body)).toEqual(['BAD_USER_INPUT']);
    expect(codes((await gql(server.url, 'mutation { untag(tag: "a:b") }')).body)).toEqual(['UNAUTHENTICATED']);
  });

  test('a subscription sees events appended directly to the log, shaped as Event', async () => {
    const c = createClient({ url: server.url.replace(/^http/, 'ws'), webSocketImpl: WebSocket, retryAttempts: 0 });
    const got: any[] = [];
    c.subscribe({ query: 'subscription { events { id position type actor recordedAt hash } }' }, { next: (r: any) => void got.push(r.data?.events ?? r), error: (e) => got.push(e), complete: () => {} });
    // No acknowledgement exists in the protocol: keep appending until one arrives.
    const deadline = Date.now() + 5000;
    while (got.length === 0 && Date.now() < deadline) {
      await app.store.append([{ stream: 'probe', expectedVersion: 'any', events: [{ type: 'Probed', data: {} }] }], { actor: 'tester' });
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(got[0]).toMatchObject({ type: 'Probed', actor: 'tester', hash: expect.stringMatching(/^[0-9a-f]{64}$/) });
    const node = await gql(server.url, `{ node(id: "${got[0].id}") { ... on Event { position } } }`);
    expect(node.body.data).toEqual({ node: { position: got[0].position } });
    await c.dispose();
  });
});
