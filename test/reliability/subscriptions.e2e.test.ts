/**
 * Issue 15 item 3 against `strata serve`: a cap on operations per WebSocket,
 * and a subscriber that stops reading is cut off with close code 4008 naming
 * the position to resume after, then resumes with events(afterPosition:)
 * without losing an event. (One follower per process fanning out is shown in
 * test/graphql/subscriptions.unit.test.ts, where the follower can be counted.)
 */
import WebSocket from 'ws';
import { createClient } from 'graphql-ws';
import { Strata } from '../../src/application/strata';
import { backendNames, freshDb, type TestDb } from '../helpers/backends';
import { startServerProcess, type ServerProcess } from '../helpers/serverProcess';
import { appendFlips, seedLog, type Seeded } from './seedLog';

jest.setTimeout(180_000);

const wsUrl = (s: ServerProcess) => s.url.replace(/^http/, 'ws');

/** A bare graphql-transport-ws client: the test decides when the socket reads. */
class RawClient {
  readonly ws: WebSocket;
  readonly messages: any[] = [];
  closed: Promise<{ code: number; reason: string }>;
  constructor(url: string) {
    this.ws = new WebSocket(url, 'graphql-transport-ws');
    this.ws.on('message', (d) => this.messages.push(JSON.parse(String(d))));
    this.closed = new Promise((resolve) => this.ws.on('close', (code, reason) => resolve({ code, reason: String(reason) })));
  }
  async init(): Promise<void> {
    await new Promise((r) => this.ws.once('open', r));
    this.ws.send(JSON.stringify({ type: 'connection_init', payload: {} }));
    await this.until(() => this.messages.some((m) => m.type === 'connection_ack'));
  }
  subscribe(id: string, query: string, variables?: Record<string, unknown>) {
    this.ws.send(JSON.stringify({ id, type: 'subscribe', payload: { query, variables } }));
  }
  async until(cond: () => boolean, ms = 20_000) {
    const end = Date.now() + ms;
    while (!cond()) {
      if (Date.now() > end) throw new Error('timed out waiting');
      await new Promise((r) => setTimeout(r, 10));
    }
  }
  positions(id: string): number[] {
    return this.messages.filter((m) => m.id === id && m.type === 'next').map((m) => m.payload.data.events.position);
  }
}

describe.each(backendNames())('subscriptions are bounded (%s)', (backend) => {
  let db: TestDb;
  let seeded: Seeded;
  let s: ServerProcess;
  beforeAll(async () => {
    db = await freshDb(backend);
    seeded = await seedLog(db.url);
    s = await startServerProcess(db.url, { LOG_LEVEL: 'info' }, { captureStdout: true });
  });
  afterAll(async () => { await s?.stop(); await db?.drop(); });

  test('one connection may hold 100 operations; the 101st is refused and the others still deliver', async () => {
    const c = createClient({ url: wsUrl(s), webSocketImpl: WebSocket, retryAttempts: 0, lazy: true });
    const got: number[] = [];
    const errors: any[] = [];
    const stops: Array<() => void> = [];
    for (let i = 0; i < 101; i++) {
      stops.push(c.subscribe({ query: 'subscription { events { position } }' }, {
        next: (r) => void got.push((r.data as any).events.position),
        error: (e) => void errors.push(e),
        complete: () => undefined,
      }));
    }
    const deadline = Date.now() + 20_000;
    while (errors.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(errors.length).toBe(1);
    expect(errors[0][0].extensions.code).toBe('QUERY_TOO_COMPLEX');
    expect(errors[0][0].message).toMatch(/At most 100 operations/);
    await new Promise((r) => setTimeout(r, 500)); // the 100 are subscribed
    const app = await Strata.open(db.url);
    try { await appendFlips(app, seeded.imageA, seeded.imageB, 1); } finally { await app.close(); }
    while (got.length < 100 && Date.now() < deadline + 10_000) await new Promise((r) => setTimeout(r, 20));
    expect(got.length).toBe(100);
    for (const stop of stops) stop();
    await c.dispose();
  });

  test('a subscriber that stops reading is cut off with 4008 and its last position; it resumes from there losing nothing', async () => {
    const c = new RawClient(wsUrl(s));
    await c.init();
    // Large messages (about 3 KB each: the hash 40 times over) so a few thousand events outgrow the kernel's
    // socket buffers; few enough to append within ws's 30 s close timeout on PostgreSQL too.
    const bulk = Array.from({ length: 40 }, (_, i) => `h${i}: hash`).join(' ');
    c.subscribe('1', `subscription { events { position ${bulk} } }`);
    await new Promise((r) => setTimeout(r, 300));
    const start = (await fetch(s.url, { method: 'POST', headers: { 'content-type': 'application/json', connection: 'close' }, body: JSON.stringify({ query: '{ head }' }) })
      .then((r) => r.json()) as any).data.head as number;
    // Stop reading: the kernel's buffers fill, then the server's per-subscriber buffer.
    (c.ws as any)._socket.pause();
    const app = await Strata.open(db.url);
    let head: number;
    try {
      // In batches until the server says it cut the subscriber off, so the client reads again well within
      // ws's 30 s close handshake even on a loaded machine (past it the close frame is lost: 1006).
      for (let n = 0; n < 8000 && !s.stdout().includes('slow consumer disconnected'); n += 250) {
        await appendFlips(app, seeded.imageA, seeded.imageB, 250);
        await new Promise((r) => setTimeout(r, 100));
      }
      head = await app.store.head();
    } finally {
      await app.close();
    }
    // The server answers others meanwhile.
    const health = await fetch(s.url.replace(/\/graphql$/, '/healthz'), { headers: { connection: 'close' } }).then((r) => r.json()) as any;
    expect(health.head).toBe(head);
    await new Promise((r) => setTimeout(r, 1000));
    (c.ws as any)._socket.resume();
    const closed = await c.closed;
    expect(closed.code).toBe(4008);
    const m = /resume with Query\.events after position (\d+)/.exec(closed.reason);
    expect(m).not.toBeNull();
    const last = Number(m![1]);
    const received = c.positions('1');
    console.log(`slow consumer (${backend}): cut off after ${received.length} of ${head - start} events appended; resumes after ${last}`);
    expect(received).toEqual(Array.from({ length: received.length }, (_, i) => start + 1 + i));
    expect(last).toBe(received[received.length - 1] ?? start);
    expect(last).toBeLessThan(head);

    // Resume after the last position: every missed event, in order, then live ones.
    const again = new RawClient(wsUrl(s));
    await again.init();
    again.subscribe('2', 'subscription($p: Int) { events(afterPosition: $p) { position } }', { p: last });
    await again.until(() => again.positions('2').length >= head - last, 120_000);
    const app2 = await Strata.open(db.url);
    try { await appendFlips(app2, seeded.imageA, seeded.imageB, 1); } finally { await app2.close(); }
    await again.until(() => again.positions('2').length >= head - last + 1);
    expect(again.positions('2')).toEqual(Array.from({ length: head - last + 1 }, (_, i) => last + 1 + i));
    again.ws.close();
  });
});
