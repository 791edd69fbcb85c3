/**
 * The response byte cap (limits.maxResponseBytes, src/graphql/http.ts): it
 * counts UTF-8 bytes, not characters. The handler skips the count when the
 * body's length × 3 is under the cap (a UTF-16 code unit is at most 3 UTF-8
 * bytes), so these cases sit on both sides of that shortcut: a body of 1,100
 * ASCII or 1,100 three-byte characters has a length × 3 over a 3,000-byte cap;
 * only the second is over it in bytes.
 */
import { startTestServer, gql, codes, WRITE, type Harness } from './testServer';

const CAP = 3000;
// The stub answers with an image whose repoTags echo the tag: the body grows with it.
const TAG = 'mutation ($tag: String!) { tagImage(image: "x", tag: $tag) { repoTags } }';
const send = (tag: string) => gql(h.url, TAG, { variables: { tag }, token: WRITE });
let h: Harness;

describe('response byte cap', () => {
  beforeAll(async () => {
    h = await startTestServer({ limits: { maxResponseBytes: CAP } });
  });
  afterAll(async () => {
    h.release();
    await h.server.close();
  });

  test('a short body is sent without counting', async () => {
    const r = await send('t:1');
    expect(r.status).toBe(200);
    expect((r.body as any).data.tagImage.repoTags).toEqual(['t:1']);
  });

  test('a body whose length × 3 is over the cap but whose bytes are not is sent', async () => {
    const tag = `t:${'a'.repeat(1100)}`;
    const r = await send(tag);
    expect(r.status).toBe(200);
    expect(JSON.stringify(r.body).length * 3).toBeGreaterThan(CAP);
    expect((r.body as any).data.tagImage.repoTags).toEqual([tag]);
  });

  test('a body serialized in pieces (responseBody.ts) over the cap is refused, counted in bytes', async () => {
    const tag = `t:${'\u20ac'.repeat(40_000)}`;
    const r = await send(tag);
    expect(r.status).toBe(400);
    expect(codes(r.body)).toEqual(['QUERY_TOO_COMPLEX']);
    const bytes = Number(/would be (\d+) bytes/.exec((r.body as { errors: { message: string }[] }).errors[0]!.message)?.[1]);
    expect(bytes).toBe(Buffer.byteLength(`${JSON.stringify({ data: { tagImage: { repoTags: [tag] } } })}\n`));
  });

  test('a body under the cap in characters but over it in UTF-8 bytes is refused', async () => {
    const r = await send(`t:${'\u20ac'.repeat(1100)}`);
    expect(r.status).toBe(400);
    expect(codes(r.body)).toEqual(['QUERY_TOO_COMPLEX']);
    const bytes = Number(/would be (\d+) bytes/.exec((r.body as { errors: { message: string }[] }).errors[0]!.message)?.[1]);
    expect(bytes).toBeGreaterThan(CAP);
    expect(bytes).toBeGreaterThan(3300); // counted in bytes: 1,100 × 3 for the euro signs alone
  });
});

describe('a large answer in pieces', () => {
  let big: Harness;
  beforeAll(async () => {
    big = await startTestServer({ limits: { maxResponseBytes: 1_000_000 } });
  });
  afterAll(async () => {
    big.release();
    await big.server.close();
  });

  test('arrives as the bytes JSON.stringify writes, with their Content-Length, ASCII or not', async () => {
    for (const tag of [`t:${'a'.repeat(200_000)}`, `t:${'\u20ac\u00e9'.repeat(60_000)}x`]) {
      const r = await gql(big.url, TAG, { variables: { tag }, token: WRITE });
      expect(r.status).toBe(200);
      const expected = `${JSON.stringify({ data: { tagImage: { repoTags: [tag] } } })}\n`;
      expect(r.text).toBe(expected);
      expect(Number(r.headers.get('content-length'))).toBe(Buffer.byteLength(expected));
    }
  });
});
