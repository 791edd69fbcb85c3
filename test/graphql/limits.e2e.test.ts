import { startTestServer, gql, codes, type Harness } from './testServer';

describe('query limits (before execution)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startTestServer({ requestTimeoutMs: 500 });
  });
  afterAll(async () => {
    h.release();
    await h.server.close();
  });

  const refusedBeforeExecution = async (query: string, code = 'QUERY_TOO_COMPLEX', variables?: unknown) => {
    const before = h.calls.length;
    const r = await gql(h.url, query, { variables });
    expect(codes(r.body)).toEqual([code]);
    expect(r.status).toBe(400);
    expect(r.body.data).toBeUndefined();
    expect(h.calls.length).toBe(before);
    return r;
  };

  test('a deep query is refused', async () => {
    let sel = 'id';
    for (let i = 0; i < 20; i++) sel = `parent { ${sel} }`;
    await refusedBeforeExecution(`{ image(ref: "x") { ${sel} } }`);
  });

  test('depth counts through fragments', async () => {
    let frags = 'fragment F0 on Image { id }';
    for (let i = 1; i < 20; i++) frags += ` fragment F${i} on Image { parent { ...F${i - 1} } }`;
    await refusedBeforeExecution(`{ image(ref: "x") { ...F19 } } ${frags}`);
  });

  test('a wide query (lists multiplied by first) is refused', async () => {
    await refusedBeforeExecution(
      `{ images(first: 1000) { edges { node { files(first: 1000) { edges { node { path size } } } } } } }`,
    );
  });

  test('too many aliases are refused', async () => {
    const fields = Array.from({ length: 60 }, (_, i) => `a${i}: head`).join(' ');
    await refusedBeforeExecution(`{ ${fields} }`);
  });

  test('too many root fields are refused', async () => {
    await refusedBeforeExecution(`{ ${'head '.repeat(30)} }`);
  });

  test('a fragment fan-out bomb is refused quickly', async () => {
    let frags = 'fragment L0 on Image { id imageId }';
    // 4-way fan-out over 10 levels: a million field visits if expanded naively.
    for (let i = 1; i <= 10; i++) frags += ` fragment L${i} on Image { parent { ...L${i - 1} } base { ...L${i - 1} } p: parent { ...L${i - 1} } b: base { ...L${i - 1} } }`;
    const t = Date.now();
    await refusedBeforeExecution(`{ image(ref: "x") { ...L10 } } ${frags}`);
    expect(Date.now() - t).toBeLessThan(2000);
  });

  test('first > 1000 → BAD_USER_INPUT, literal or variable', async () => {
    await refusedBeforeExecution('{ images(first: 1001) { totalCount } }', 'BAD_USER_INPUT');
    await refusedBeforeExecution('query($n: Int) { images(first: $n) { totalCount } }', 'BAD_USER_INPUT', { n: 5000 });
    await refusedBeforeExecution('query($n: Int = 2000) { images(first: $n) { totalCount } }', 'BAD_USER_INPUT');
    await refusedBeforeExecution('{ images(first: -1) { totalCount } }', 'BAD_USER_INPUT');
  });

  test('first = 1000 with a small selection is fine', async () => {
    const r = await gql(h.url, '{ images(first: 1000) { totalCount edges { node { id } } } }');
    expect(r.body.errors).toBeUndefined();
  });

  test('huge variables are refused', async () => {
    const deep: unknown = JSON.parse('['.repeat(100) + ']'.repeat(100));
    await refusedBeforeExecution('query($v: JSON) { head }', 'BAD_USER_INPUT', { v: deep });
  });

  test('a huge document is refused by the parser token budget', async () => {
    const r = await gql(h.url, `{ head ${'__typename '.repeat(12_000)} }`);
    expect(r.status).toBe(400);
    expect(codes(r.body)).toEqual(['BAD_USER_INPUT']);
  });

  test('the introspection query passes', async () => {
    const { getIntrospectionQuery } = await import('graphql');
    const r = await gql(h.url, getIntrospectionQuery());
    expect(r.body.errors).toBeUndefined();
    expect(r.body.data.__schema.queryType.name).toBe('Query');
  });

  test('a request past the timeout is answered 503 without waiting for it', async () => {
    const r = await gql(h.url, '{ verifyLog { ok } }');
    expect(r.status).toBe(503);
    expect(codes(r.body)).toEqual(['QUERY_TOO_COMPLEX']);
  });
});
