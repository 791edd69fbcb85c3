/**
 * Issue 15 items 2 and 7 against `strata serve`: work that grows with the log
 * (verifyLog, asOf, pullPlan) and lists the contract leaves unpaged
 * (Tag.history…) are costed by their real size, so the hostile forms are
 * refused before they run; and while the worst allowed query runs, /healthz
 * and a simple query keep answering. That latency is measured and reported,
 * never asserted (the same figure is in `npm run bench`).
 */
import { backendNames, freshDb, type TestDb } from '../helpers/backends';
import { startServerProcess, type ServerProcess } from '../helpers/serverProcess';
import { seedLog, type Seeded } from './seedLog';
import { measureLatencyDuring } from './latency';

jest.setTimeout(300_000);

async function post(url: string, query: string, variables?: Record<string, unknown>) {
  const res = await fetch(url, {
    method: 'POST', headers: { 'content-type': 'application/json', connection: 'close' }, body: JSON.stringify({ query, variables }),
  });
  const text = await res.text();
  return { status: res.status, bytes: text.length, body: JSON.parse(text) as { data?: any; errors?: any[] } };
}
const codes = (r: { body: { errors?: any[] } }) => (r.body.errors ?? []).map((e) => e.extensions?.code);

describe.each(backendNames())('costs by real size (%s)', (backend) => {
  // 12,000 tag moves: enough for the hostile forms to be heavy, quick to seed on PostgreSQL.
  const MOVES = 12_000;
  let db: TestDb;
  let seeded: Seeded;
  let s: ServerProcess;
  beforeAll(async () => {
    db = await freshDb(backend);
    seeded = await seedLog(db.url, MOVES);
    s = await startServerProcess(db.url);
  });
  afterAll(async () => { await s?.stop(); await db?.drop(); });

  test('twenty aliased verifyLog with different anchors are refused before they run; one is answered', async () => {
    const aliases = Array.from({ length: 20 }, (_, i) => `v${i}: verifyLog(expectHead: "${i}:${'0'.repeat(64)}") { ok }`).join(' ');
    const r = await post(s.url, `{ ${aliases} }`);
    expect({ status: r.status, codes: codes(r), data: r.body.data }).toEqual({ status: 400, codes: ['QUERY_TOO_COMPLEX'], data: undefined });
    const one = await post(s.url, '{ verifyLog { ok checked } }');
    expect(one.body.data.verifyLog).toEqual({ ok: true, checked: seeded.head });
  });

  test('twenty aliased storage(asOf:) at different positions are refused; a kept position is cheap', async () => {
    const aliases = Array.from({ length: 20 }, (_, i) => `s${i}: storage(asOf: ${11_000 + i * 40}) { logicalSize }`).join(' ');
    const r = await post(s.url, `{ ${aliases} }`);
    expect({ status: r.status, codes: codes(r) }).toEqual({ status: 400, codes: ['QUERY_TOO_COMPLEX'] });
    const one = await post(s.url, `{ storage(asOf: ${seeded.head - 1}) { logicalSize } }`);
    expect(one.status).toBe(200);
  });

  test('pullPlan with a have list naming the same images thousands of times is costed by the distinct names', async () => {
    const have = Array.from({ length: 20_000 }, (_, i) => (i % 2 ? 'app:a' : 'app:b'));
    const r = await post(s.url, 'query($h: [String!]!) { pullPlan(image: "app:a", have: $h) { fetchBytes reuseBytes } }', { h: have });
    expect(r.body.data.pullPlan.fetchBytes).toBe(0);
  });

  test('Tag.history is costed by its real length: the 121 MB query is refused, a single tag\'s history is served', async () => {
    const r = await post(s.url, '{ tags { history { from { repoTags } to { repoTags } } } }');
    expect({ status: r.status, codes: codes(r), data: r.body.data }).toEqual({ status: 400, codes: ['QUERY_TOO_COMPLEX'], data: undefined });
    const one = await post(s.url, `{ tag(name: "${seeded.flipTag}") { history { toImageId } } }`);
    expect(one.body.data.tag.history).toHaveLength(MOVES);
  });

  if (backend === 'sqlite') {
    test('/healthz and { head } keep answering while the worst allowed query runs (reported, not asserted)', async () => {
      const worst = `{ verifyLog(expectHead: "1:${'1'.repeat(64)}") { ok checked } storage(asOf: ${Math.floor(seeded.head / 2)}) { logicalSize } }`;
      const figures = await measureLatencyDuring(s.url, () => post(s.url, worst));
      console.log(`latency while the worst allowed query runs (${seeded.head} events, SQLite): ${JSON.stringify(figures)}`);
      expect(figures.worst.status).toBe(200);
      expect(figures.samples).toBeGreaterThan(0);
      expect(figures.failed).toBe(0);
    });
  }
});
