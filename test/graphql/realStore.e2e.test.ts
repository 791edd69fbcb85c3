import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { openEventStore } from '../../src/eventStore';
import type { EventStore } from '../../src/eventStore/types';
import { startTestServer, gql, WRITE, type Harness } from './testServer';

/** Counts live follow() handles of a real store, so the test knows when a subscription is listening. */
function counting(store: EventStore): EventStore & { followers: number } {
  const wrapper = Object.create(store) as EventStore & { followers: number };
  wrapper.followers = 0;
  wrapper.follow = (from, onEvents) => {
    wrapper.followers++;
    const handle = store.follow(from, onEvents);
    return { stop: () => (wrapper.followers--, handle.stop()) };
  };
  return wrapper;
}

async function until(cond: () => boolean, ms = 5000) {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('the server over the real SQLite event store', () => {
  let dir: string;
  let store: EventStore & { followers: number };
  let other: EventStore;
  let h: Harness;
  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'strata-gql-'));
    const file = path.join(dir, 'strata.db');
    store = counting(await openEventStore(file));
    other = await openEventStore(file); // a second connection, as another process would have
    h = await startTestServer({}, store);
  });
  afterAll(async () => {
    await h.server.close();
    await store.close();
    await other.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('healthz reports the head; a mutation appends with the token actor', async () => {
    expect(await (await fetch(`${h.base}/healthz`)).json()).toEqual({ ok: true, head: 0, writable: true });
    expect((await gql(h.url, 'mutation { untag(tag: "app:1") }', { token: WRITE })).body.data).toEqual({ untag: true });
    expect(await (await fetch(`${h.base}/healthz`)).json()).toEqual({ ok: true, head: 1, writable: true });
    const [e] = await store.readRange(1);
    expect(e?.metadata.actor).toMatch(/^token:/);
  });

  test('a subscription sees events appended through another connection, in order', async () => {
    const c = createClient({ url: h.url.replace(/^http/, 'ws'), webSocketImpl: WebSocket, retryAttempts: 0 });
    const got: Array<{ position: number; type: string }> = [];
    c.subscribe(
      { query: 'subscription { events(types: ["Imported"]) { position type } }' },
      { next: (r: any) => void got.push(r.data.events), error: () => {}, complete: () => {} },
    );
    await until(() => store.followers === 1);
    const head = await store.head();
    for (const type of ['Imported', 'Other', 'Imported']) {
      await other.append([{ stream: 'image:x', expectedVersion: 'any', events: [{ type, data: {} }] }]);
    }
    await until(() => got.length === 2);
    expect(got).toEqual([{ position: head + 1, type: 'Imported' }, { position: head + 3, type: 'Imported' }]);
    await c.dispose();
    await until(() => store.followers === 0);
  });
});
