/**
 * Mutations end to end over HTTP: the real server, schema, resolvers and
 * store. The write token's actor lands in the event metadata; a mutation
 * without the token is refused before any resolver runs and appends nothing.
 */
import pino from 'pino';
import { Strata } from '../../src/application/strata';
import { buildExecutableSchema } from '../../src/graphql/buildSchema';
import { createContext } from '../../src/graphql/resolvers/context';
import { tokenActor } from '../../src/graphql/auth';
import { startServer, type RunningServer } from '../../src/server';
import { backendNames, freshDb, type TestDb } from '../helpers/backends';
import { BASE1_LAYER, BASE1_SIZE, imageOf, seed } from '../application/commands/seed';
import { gql, codes } from './testServer';

const COMMIT = `mutation($input: CommitInput!) { commit(input: $input) { image { imageId size repoTags } layer { index size } event { type actor position } } }`;
const input = { image: 'base:1', tag: 'app:1', expectedVersion: 0, changes: [{ change: 'ADDED', path: '/hello.txt', kind: 'FILE', size: 5 }] };

describe.each(backendNames())('mutations over HTTP on %s', (backend) => {
  let db: TestDb;
  let app: Strata;
  let server: RunningServer;
  beforeAll(async () => {
    db = await freshDb(backend);
    app = await Strata.open(db.url);
    await seed(app, [imageOf('base:1', [BASE1_LAYER])]);
    server = await startServer({
      schema: buildExecutableSchema(app.store), store: app.store, createContext: (auth) => createContext(app, auth),
      port: 0, host: '127.0.0.1', writeToken: 'w', logger: pino({ level: 'silent' }), publicDir: null,
    });
  });
  afterAll(async () => {
    await server.close();
    await app.close();
    await db.drop();
  });

  it('refuses a commit without the write token, or with a wrong one, and appends nothing', async () => {
    const h = await app.store.head();
    const none = await gql(server.url, COMMIT, { variables: { input } });
    expect(codes(none.body)).toEqual(['UNAUTHENTICATED']);
    const wrong = await gql(server.url, COMMIT, { variables: { input }, token: 'nope' });
    expect(codes(wrong.body)).toEqual(['UNAUTHENTICATED']);
    expect(await app.store.head()).toBe(h);
  });

  it('commits with the bearer token and records the token\'s actor', async () => {
    const r = await gql(server.url, COMMIT, { variables: { input }, token: 'w' });
    expect(r.body.errors).toBeUndefined();
    const { commit } = r.body.data;
    expect(commit.image).toMatchObject({ size: BASE1_SIZE + 5, repoTags: ['app:1'] });
    expect(commit.layer).toEqual({ index: 1, size: 5 });
    expect(commit.event).toMatchObject({ type: 'ImageCommitted', actor: tokenActor('w') });
    const [stored] = await app.store.readRange(commit.event.position, commit.event.position);
    expect(stored?.metadata.actor).toBe(tokenActor('w'));
    // The same pinned version again is a CONFLICT over HTTP too, and appends nothing.
    const h = await app.store.head();
    expect(codes((await gql(server.url, COMMIT, { variables: { input }, token: 'w' })).body)).toEqual(['CONFLICT']);
    expect(await app.store.head()).toBe(h);
  });
});
