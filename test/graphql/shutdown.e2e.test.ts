import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { startTestServer, gql } from './testServer';
import { FakeStore } from './fakeStore';

async function until(cond: () => boolean, ms = 3000) {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 5));
  }
}

test('close() drains: in-flight requests finish, new ones are refused, sockets close, followers stop', async () => {
  const store = new FakeStore();
  const h = await startTestServer({ shutdownGraceMs: 5000 }, store);
  const ws = createClient({ url: h.url.replace(/^http/, 'ws'), webSocketImpl: WebSocket, retryAttempts: 0 });
  let wsClosed: unknown = null;
  ws.on('closed', (e) => (wsClosed = e));
  ws.subscribe({ query: 'subscription { events { type } }' }, { next: () => {}, error: () => {}, complete: () => {} });
  await until(() => store.followerCount === 1);

  const inFlight = gql(h.url, '{ verifyLog { ok } }');
  await until(() => h.calls.includes('verifyLog'));
  let closed = false;
  const closing = h.server.close().then(() => (closed = true));
  await new Promise((r) => setTimeout(r, 100));
  expect(closed).toBe(false); // still waiting for the in-flight request

  await expect(fetch(`${h.base}/healthz`)).rejects.toThrow(); // no longer listening
  await until(() => wsClosed !== null);
  await until(() => store.followerCount === 0);

  h.release();
  const r = await inFlight;
  expect(r.status).toBe(200);
  expect(r.body.data).toEqual({ verifyLog: { ok: true } });
  await closing;
  expect(closed).toBe(true);
  await h.server.close(); // idempotent
  await ws.dispose();
});
