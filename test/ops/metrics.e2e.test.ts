/**
 * Issue 24: GET /metrics on a real `strata serve`, scraped while a mutation
 * load runs. Every scrape must parse (a strict exposition-format parser,
 * test/ops/exposition.ts), and the counters must move by exactly the number
 * of operations sent: appends, idempotent replays, CONFLICTs, refusals.
 */
import { Strata } from '../../src/application/strata';
import { recordImport } from '../../src/application/importImages';
import { freshDb, type TestDb } from '../helpers/backends';
import { gqlHttp, startServerProcess, type ServerProcess } from '../helpers/serverProcess';
import { file, image, layer } from '../helpers/synthetic';
import { parseExposition, sumOf, valueOf, type Family } from './exposition';

jest.setTimeout(180_000);

const TAG = 'mutation TagIt($k: String, $t: String!) { tagImage(image: "base:1", tag: $t, idempotencyKey: $k) { repoTags } }';
const READ = 'r';

async function scrape(s: ServerProcess, token: string | null = READ): Promise<{ status: number; type: string | null; text: string }> {
  const res = await fetch(new URL('/metrics', s.url), { headers: token ? { authorization: `Bearer ${token}` } : {} });
  return { status: res.status, type: res.headers.get('content-type'), text: await res.text() };
}

async function families(s: ServerProcess): Promise<Map<string, Family>> {
  const r = await scrape(s);
  expect(r.status).toBe(200);
  expect(r.type).toMatch(/^text\/plain; version=0\.0\.4/);
  return parseExposition(r.text);
}

describe('/metrics on strata serve', () => {
  let db: TestDb;
  let server: ServerProcess;

  beforeAll(async () => {
    db = await freshDb('sqlite');
    const app = await Strata.open(db.url);
    try {
      await recordImport(app, [image([layer([file('/a', 1)])], ['base:1'])], { actor: 'test' });
    } finally {
      await app.close();
    }
    server = await startServerProcess(db.url, { STRATA_READ_TOKEN: READ });
  });
  afterAll(async () => {
    await server.stop();
    await db.drop();
  });

  it('counters move by exactly the operations sent, and every scrape during the load parses', async () => {
    const before = await families(server);
    const headBefore = (await gqlHttp(server.url, '{ head }')).data.head as number;
    expect(valueOf(before, 'strata_log_head_position')).toBe(headBefore);

    const N = 12;
    const REPLAYS = 3;
    const CONFLICTS = 2;
    const UNAUTHENTICATED = 2;
    let scraping = true;
    const scrapes: Promise<number>[] = [];
    const scraper = (async () => {
      while (scraping) {
        const r = await scrape(server);
        scrapes.push(Promise.resolve(parseExposition(r.text).size));
        await new Promise((res) => setTimeout(res, 5));
      }
    })();
    const sent = await Promise.all(Array.from({ length: N }, (_, i) => gqlHttp(server.url, TAG, { k: `key-${i}`, t: `load:${i}` })));
    for (const r of sent) expect(r.errors).toBeUndefined();
    // A true retry (same key, same input) replays; the same key with another input is a CONFLICT.
    for (let i = 0; i < REPLAYS; i++) expect((await gqlHttp(server.url, TAG, { k: `key-${i}`, t: `load:${i}` })).errors).toBeUndefined();
    for (let i = 0; i < CONFLICTS; i++) {
      const r = await gqlHttp(server.url, TAG, { k: `key-${i}`, t: `other:${i}` });
      expect(r.errors?.[0]?.extensions?.code).toBe('CONFLICT');
    }
    for (let i = 0; i < UNAUTHENTICATED; i++) {
      expect((await gqlHttp(server.url, TAG, { k: 'x', t: 'x:1' }, null)).errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    }
    scraping = false;
    await scraper;
    expect(scrapes.length).toBeGreaterThan(0);
    for (const n of await Promise.all(scrapes)) expect(n).toBeGreaterThan(10);

    const after = await families(server);
    const delta = (name: string, labels: Record<string, string> = {}) => sumOf(after, name, labels) - sumOf(before, name, labels);
    const headAfter = (await gqlHttp(server.url, '{ head }')).data.head as number;
    expect(valueOf(after, 'strata_log_head_position')).toBe(headAfter);

    const tagIt = { transport: 'http', type: 'mutation', operation: 'TagIt' };
    expect(delta('strata_graphql_operations_total', { ...tagIt, outcome: 'ok' })).toBe(N + REPLAYS);
    expect(delta('strata_graphql_operations_total', { ...tagIt, outcome: 'CONFLICT' })).toBe(CONFLICTS);
    expect(delta('strata_graphql_operation_duration_seconds_count', { type: 'mutation', operation: 'TagIt' })).toBe(N + REPLAYS + CONFLICTS);
    expect(delta('strata_appends_total', { outcome: 'ok' })).toBe(N);
    expect(delta('strata_idempotent_replays_total')).toBe(REPLAYS);
    expect(delta('strata_conflicts_total')).toBe(CONFLICTS);
    expect(delta('strata_append_duration_seconds_count')).toBe(delta('strata_appends_total'));
    // Every event appended is counted once, by type: the sum is the head's move.
    expect(delta('strata_events_appended_total')).toBe(headAfter - headBefore);
    expect(headAfter - headBefore).toBeGreaterThanOrEqual(N);
    expect(delta('strata_graphql_rejected_total', { reason: 'auth' })).toBe(UNAUTHENTICATED);
    expect(valueOf(after, 'strata_read_model_rows', { kind: 'images' })).toBe(1);
    expect(valueOf(after, 'strata_read_model_rows', { kind: 'layers' })).toBe(1);
    expect(after.get('process_cpu_user_seconds_total')?.type).toBe('counter');
  });

  it('labels stay bounded: no tag or variable in any label, operation names capped', async () => {
    for (let i = 0; i < 60; i++) expect((await gqlHttp(server.url, `query Distinct${i} { head }`)).errors).toBeUndefined();
    expect((await gqlHttp(server.url, '{ head }')).errors).toBeUndefined();
    const text = (await scrape(server)).text;
    expect(text).not.toMatch(/load:|base:1|key-\d/);
    const names = new Set(parseExposition(text).get('strata_graphql_operations_total')!.samples.map((s) => s.labels.operation));
    expect(names.has('anonymous')).toBe(true);
    expect(names.has('other')).toBe(true);
    expect([...names].filter((n) => n!.startsWith('Distinct')).length).toBeLessThanOrEqual(50);
  });

  it('needs the read token when reads do', async () => {
    const r = await scrape(server, null);
    expect(r.status).toBe(401);
    expect(r.text).not.toContain('strata_');
  });
});

test('STRATA_METRICS=false turns /metrics off', async () => {
  const db = await freshDb('sqlite');
  const server = await startServerProcess(db.url, { STRATA_METRICS: 'false' });
  try {
    expect((await fetch(new URL('/metrics', server.url))).status).toBe(404);
    expect((await fetch(new URL('/readyz', server.url))).status).toBe(200);
  } finally {
    await server.stop();
    await db.drop();
  }
});
