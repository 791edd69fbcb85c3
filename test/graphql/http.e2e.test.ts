import { startTestServer, gql, codes, WRITE, READ, type Harness } from './testServer';

describe('GraphQL over HTTP', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startTestServer({ corsOrigins: ['https://dash.example'], maxBodyBytes: 64 * 1024 });
  });
  afterAll(() => h.server.close());

  test('POST query works and answers application/json by default', async () => {
    const r = await gql(h.url, '{ head }');
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ data: { head: 0 } });
    expect(r.headers.get('content-type')).toMatch(/^application\/json/);
  });

  test('answers application/graphql-response+json when the client accepts it', async () => {
    const r = await gql(h.url, '{ head }', { headers: { accept: 'application/graphql-response+json, application/json;q=0.9' } });
    expect(r.headers.get('content-type')).toMatch(/^application\/graphql-response\+json/);
    expect(r.body.data.head).toBe(0);
  });

  test('GET query works', async () => {
    const res = await fetch(`${h.url}?query=${encodeURIComponent('query Head { head }')}`);
    expect(res.status).toBe(200);
    // Answers change with every append: a proxy or browser must not cache a GET.
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(await res.json()).toEqual({ data: { head: 0 } });
  });

  test('GET mutation is refused (405) and never runs', async () => {
    const before = h.calls.length;
    const q = encodeURIComponent('mutation { untag(tag: "x") }');
    const res = await fetch(`${h.url}?query=${q}`, { headers: { authorization: `Bearer ${WRITE}` } });
    expect(res.status).toBe(405);
    expect(h.calls.length).toBe(before);
  });

  test('malformed JSON body → 400 with a JSON error', async () => {
    const res = await fetch(h.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query": ' });
    expect(res.status).toBe(400);
    const body = await res.json() as { errors: { message: string }[] };
    expect(codes(body)).toEqual(['BAD_USER_INPUT']);
  });

  test('a body that is not a GraphQL request → 400', async () => {
    const res = await fetch(h.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '[1,2]' });
    expect(res.status).toBe(400);
  });

  test('other media types → 415', async () => {
    const res = await fetch(h.url, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: '{ head }' });
    expect(res.status).toBe(415);
  });

  test('oversized body → 413 with a JSON error', async () => {
    const big = JSON.stringify({ query: '{ head }', variables: { pad: 'x'.repeat(100 * 1024) } });
    const res = await fetch(h.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: big });
    expect(res.status).toBe(413);
    const body = await res.json() as { errors: { message: string }[] };
    expect(codes(body)).toEqual(['BAD_USER_INPUT']);
    expect(body.errors[0]?.message).toContain('strata commit IMAGE --layer');
  });

  test('syntax and validation errors are BAD_USER_INPUT with the reason kept', async () => {
    const syntax = await gql(h.url, '{ head ');
    expect(syntax.status).toBe(400);
    expect(syntax.body.errors?.[0].extensions).toEqual({ code: 'BAD_USER_INPUT', reason: 'GRAPHQL_PARSE_FAILED' });
    const invalid = await gql(h.url, '{ nope }');
    expect(invalid.status).toBe(400);
    expect(invalid.body.errors?.[0].extensions.reason).toBe('GRAPHQL_VALIDATION_FAILED');
  });

  test('variable coercion errors and unknown operation names are BAD_USER_INPUT', async () => {
    const missing = await gql(h.url, 'query($n: Int!) { images(first: $n) { totalCount } }');
    expect(missing.status).toBe(400);
    expect(codes(missing.body)).toEqual(['BAD_USER_INPUT']);
    const wrongType = await gql(h.url, 'query($n: Int) { images(first: $n) { totalCount } }', { variables: { n: 'ten' } });
    expect(codes(wrongType.body)).toEqual(['BAD_USER_INPUT']);
    const res = await fetch(h.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: 'query A { head }', operationName: 'B' }) });
    expect(codes(await res.json())).toEqual(['BAD_USER_INPUT']);
  });

  test('an unexpected resolver error is masked, logged, and has no stack', async () => {
    const r = await gql(h.url, '{ image(ref: "boom") { id } }');
    expect(r.body.errors).toEqual([{ message: 'Internal server error', locations: expect.any(Array), path: ['image'], extensions: { code: 'INTERNAL_SERVER_ERROR' } }]);
    expect(r.text).not.toMatch(/SQLITE|secret|stack|at .*\.ts/);
  });

  test('domain errors map to their codes; TAMPERED is internal without details', async () => {
    expect(codes((await gql(h.url, '{ image(ref: "missing") { id } }')).body)).toEqual(['NOT_FOUND']);
    expect(codes((await gql(h.url, '{ image(ref: "archive") { id } }')).body)).toEqual(['BAD_USER_INPUT']);
    const t = await gql(h.url, '{ image(ref: "tampered") { id } }');
    expect(codes(t.body)).toEqual(['INTERNAL_SERVER_ERROR']);
    expect(t.text).not.toMatch(/position 7|table/);
  });

  test('GET /healthz → {"ok":true,"head":N}', async () => {
    await h.store.append([{ stream: 's', expectedVersion: 'any', events: [{ type: 'T', data: {} }] }]);
    const res = await fetch(`${h.base}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('{"ok":true,"head":1,"writable":true}');
  });

  test('CORS preflight from an allowed origin, refused from another', async () => {
    const ok = await fetch(h.url, {
      method: 'OPTIONS',
      headers: { origin: 'https://dash.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type' },
    });
    expect(ok.status).toBe(204);
    expect(ok.headers.get('access-control-allow-origin')).toBe('https://dash.example');
    expect(ok.headers.get('access-control-allow-headers')).toMatch(/authorization/);
    expect(ok.headers.get('access-control-allow-methods')).toMatch(/POST/);
    const bad = await fetch(h.url, { method: 'OPTIONS', headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' } });
    expect(bad.status).toBe(403);
    expect(bad.headers.get('access-control-allow-origin')).toBeNull();
    const simple = await gql(h.url, '{ head }', { headers: { origin: 'https://dash.example' } });
    expect(simple.headers.get('access-control-allow-origin')).toBe('https://dash.example');
  });

  test('unknown paths → 404, wrong methods → 405', async () => {
    expect((await fetch(`${h.base}/nope`)).status).toBe(404);
    expect((await fetch(h.url, { method: 'PUT' })).status).toBe(405);
  });
});

describe('auth over HTTP', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startTestServer();
  });
  afterAll(() => h.server.close());
  const mutation = 'mutation { untag(tag: "app:1") }';

  test('reads are open without a read token', async () => {
    expect((await gql(h.url, '{ head }')).body.data).toEqual({ head: 0 });
  });

  test('mutation without a token → UNAUTHENTICATED (401), resolver never runs', async () => {
    const r = await gql(h.url, mutation);
    expect(r.status).toBe(401);
    expect(codes(r.body)).toEqual(['UNAUTHENTICATED']);
    expect(r.body.data).toBeUndefined();
    expect(h.calls).not.toContain('untag');
  });

  test('mutation with a wrong token → UNAUTHENTICATED', async () => {
    const r = await gql(h.url, mutation, { token: 'nope' });
    expect(codes(r.body)).toEqual(['UNAUTHENTICATED']);
    expect(h.calls).not.toContain('untag');
  });

  test('mutation with the write token runs; actor comes from the token or X-Strata-Actor', async () => {
    const r = await gql(h.url, mutation, { token: WRITE });
    expect(r.body).toEqual({ data: { untag: true } });
    const [first] = await h.store.readRange(1);
    expect(first?.metadata.actor).toMatch(/^token:[0-9a-f]{8}$/);
    await gql(h.url, mutation, { token: WRITE, headers: { 'x-strata-actor': 'ci-bot' } });
    const [, second] = await h.store.readRange(1);
    expect(second?.metadata.actor).toBe('ci-bot');
    expect(h.contexts.at(-1)).toEqual({ actor: 'ci-bot', canWrite: true });
  });

  test('X-Strata-Actor without a token is ignored', async () => {
    await gql(h.url, '{ head }', { headers: { 'x-strata-actor': 'mallory' } });
    expect(h.contexts.at(-1)).toEqual({ actor: null, canWrite: false });
  });
});

describe('auth with a read token', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startTestServer({ readToken: READ });
  });
  afterAll(() => h.server.close());

  test('reads need the read or the write token', async () => {
    const none = await gql(h.url, '{ head }');
    expect(none.status).toBe(401);
    expect(codes(none.body)).toEqual(['UNAUTHENTICATED']);
    expect(none.headers.get('www-authenticate')).toBe('Bearer');
    expect(codes((await gql(h.url, '{ head }', { token: 'wrong' })).body)).toEqual(['UNAUTHENTICATED']);
    expect((await gql(h.url, '{ head }', { token: READ })).body.data).toEqual({ head: 0 });
    expect((await gql(h.url, '{ head }', { token: WRITE })).body.data).toEqual({ head: 0 });
  });

  test('read token on a mutation → FORBIDDEN (403), resolver never runs', async () => {
    const r = await gql(h.url, 'mutation { untag(tag: "a") }', { token: READ });
    expect(r.status).toBe(403);
    expect(codes(r.body)).toEqual(['FORBIDDEN']);
    expect(h.calls).not.toContain('untag');
  });
});
