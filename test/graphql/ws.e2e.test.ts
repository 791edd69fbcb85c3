import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { startTestServer, WRITE, READ, type Harness } from './testServer';
import { FakeStore } from './fakeStore';

const wsUrl = (h: Harness) => h.url.replace(/^http/, 'ws');

function client(h: Harness, authorization?: string, extra: Record<string, string> = {}): Client {
  return createClient({
    url: wsUrl(h),
    webSocketImpl: WebSocket,
    connectionParams: authorization ? { authorization: `Bearer ${authorization}`, ...extra } : extra,
    retryAttempts: 0,
    lazy: true,
  });
}

/** Runs one operation to completion; errors as the client sees them. */
function once(c: Client, query: string, variables?: Record<string, unknown>): Promise<{ data?: any; errors?: any[] }> {
  return new Promise((resolve) => {
    let result: { data?: any; errors?: any[] } = {};
    c.subscribe(
      { query, variables },
      {
        next: (r) => void (result = r as typeof result),
        error: (e) => resolve({ errors: Array.isArray(e) ? e : [{ message: String(e) }] }),
        complete: () => resolve(result),
      },
    );
  });
}

async function until(cond: () => boolean, ms = 3000) {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 5));
  }
}

const append = (h: Harness, type: string, n = 1) =>
  h.store.append([{ stream: `s-${type}`, expectedVersion: 'any', events: Array.from({ length: n }, (_, i) => ({ type, data: { i } })) }], { actor: 'importer' });

describe('subscriptions over graphql-ws', () => {
  let h: Harness;
  let store: FakeStore;
  beforeEach(async () => {
    store = new FakeStore();
    h = await startTestServer({}, store);
  });
  afterEach(() => h.server.close());

  test('delivers events appended after subscribing, in log order, filtered by type', async () => {
    await append(h, 'Old'); // before subscribing: not delivered
    const c = client(h);
    const got: any[] = [];
    const stop = c.subscribe(
      { query: 'subscription($t: [String!]) { events(types: $t) { id position type stream version actor recordedAt data hash prevHash } }', variables: { t: ['A', 'C'] } },
      { next: (r) => void got.push(r.data?.events), error: (e) => got.push({ error: e }), complete: () => {} },
    );
    await until(() => store.followerCount === 1);
    await append(h, 'A', 2);
    await append(h, 'B');
    await append(h, 'C');
    await until(() => got.length >= 3);
    await new Promise((r) => setTimeout(r, 50));
    expect(got.map((e) => [e.type, e.position])).toEqual([['A', 2], ['A', 3], ['C', 5]]);
    expect(got[0]).toMatchObject({ stream: 's-A', version: 1, actor: 'importer', data: { i: 0 } });
    expect(Buffer.from(got[0].id, 'base64').toString()).toBe('Event:2');
    expect(new Date(got[0].recordedAt).toISOString()).toBe(got[0].recordedAt);
    stop();
    await until(() => store.followerCount === 0);
    await c.dispose();
  });

  test('without types every event arrives', async () => {
    const c = client(h);
    const got: string[] = [];
    c.subscribe({ query: 'subscription { events { type } }' }, { next: (r: any) => void got.push(r.data.events.type), error: () => {}, complete: () => {} });
    await until(() => store.followerCount === 1);
    await append(h, 'X');
    await append(h, 'Y');
    await until(() => got.length === 2);
    expect(got).toEqual(['X', 'Y']);
    await c.dispose();
    await until(() => store.followerCount === 0);
  });

  test('mutations over WebSocket: no token → UNAUTHENTICATED, write token → runs with its actor', async () => {
    const anon = client(h);
    const refused = await once(anon, 'mutation { untag(tag: "a") }');
    expect(refused.errors?.[0].extensions.code).toBe('UNAUTHENTICATED');
    expect(h.calls).not.toContain('untag');
    const writer = client(h, WRITE, { 'x-strata-actor': 'ws-bot' });
    expect((await once(writer, 'mutation { untag(tag: "a") }')).data).toEqual({ untag: true });
    expect(h.contexts.at(-1)).toEqual({ actor: 'ws-bot', canWrite: true });
    await Promise.all([anon.dispose(), writer.dispose()]);
  });

  test('limits and error masking apply over WebSocket too', async () => {
    const c = client(h);
    let sel = 'id';
    for (let i = 0; i < 20; i++) sel = `parent { ${sel} }`;
    expect((await once(c, `{ image(ref: "x") { ${sel} } }`)).errors?.[0].extensions.code).toBe('QUERY_TOO_COMPLEX');
    expect((await once(c, '{ images(first: 5000) { totalCount } }')).errors?.[0].extensions.code).toBe('BAD_USER_INPUT');
    const boom = await once(c, '{ image(ref: "boom") { id } }');
    expect(boom.errors).toEqual([{ message: 'Internal server error', locations: expect.any(Array), path: ['image'], extensions: { code: 'INTERNAL_SERVER_ERROR' } }]);
    expect((await once(c, '{ nope }')).errors?.[0].extensions.code).toBe('BAD_USER_INPUT');
    await c.dispose();
  });

  test('a browser page from another origin cannot open the socket', async () => {
    const ws = new WebSocket(wsUrl(h), 'graphql-transport-ws', { headers: { origin: 'https://evil.example' } });
    const outcome = await new Promise((resolve) => {
      ws.on('open', () => resolve('open'));
      ws.on('error', () => resolve('refused'));
      ws.on('unexpected-response', () => resolve('refused'));
    });
    expect(outcome).toBe('refused');
    ws.terminate();
  });
});

describe('subscriptions with a read token', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startTestServer({ readToken: READ });
  });
  afterAll(() => h.server.close());

  test('no token → UNAUTHENTICATED; read token → subscribed; read token mutation → FORBIDDEN', async () => {
    const anon = client(h);
    expect((await once(anon, 'subscription { events { type } }')).errors?.[0].extensions.code).toBe('UNAUTHENTICATED');
    const reader = client(h, READ);
    expect((await once(reader, 'mutation { untag(tag: "a") }')).errors?.[0].extensions.code).toBe('FORBIDDEN');
    expect((await once(reader, '{ head }')).data).toEqual({ head: 0 });
    expect(h.calls).not.toContain('untag');
    await Promise.all([anon.dispose(), reader.dispose()]);
  });
});
