/**
 * Issue 24: /readyz on a real `strata serve` over PostgreSQL turns unready
 * (503 with the reason) when the database goes away and ready again when it
 * returns, while /healthz (liveness) keeps the process alive. The shared
 * PostgreSQL server is never stopped: a TCP proxy in between is cut instead.
 */
import { freshDb, describeWithPostgres, type TestDb } from '../helpers/backends';
import { startServerProcess, type ServerProcess } from '../helpers/serverProcess';
import { startTcpProxy, type TcpProxy } from './tcpProxy';

jest.setTimeout(120_000);

async function readyz(s: ServerProcess): Promise<{ status: number; body: { ready: boolean; reason?: string } }> {
  const res = await fetch(new URL('/readyz', s.url));
  return { status: res.status, body: await res.json() as { ready: boolean; reason?: string } };
}

/** Polls until the probe answers `status` (the pool notices a dead connection on its next use). */
async function until(s: ServerProcess, status: number): Promise<{ status: number; body: { ready: boolean; reason?: string } }> {
  for (let i = 0; ; i++) {
    const r = await readyz(s);
    if (r.status === status || i >= 200) return r;
    await new Promise((res) => setTimeout(res, 100));
  }
}

describeWithPostgres()('/readyz follows PostgreSQL', () => {
  let db: TestDb;
  let proxy: TcpProxy;
  let server: ServerProcess;

  beforeAll(async () => {
    db = await freshDb('postgres');
    const target = new URL(db.url);
    proxy = await startTcpProxy(target.hostname, Number(target.port || 5432));
    const via = new URL(db.url);
    via.hostname = '127.0.0.1';
    via.port = String(proxy.port);
    server = await startServerProcess(via.toString());
  });
  afterAll(async () => {
    await server?.stop();
    await proxy?.close();
    await db?.drop();
  });

  it('is ready, turns unready with the reason when the database is cut off, and ready again when it returns', async () => {
    const ready = await readyz(server);
    expect(ready).toEqual({ status: 200, body: expect.objectContaining({ ready: true }) });

    await proxy.cut();
    const down = await until(server, 503);
    expect(down.status).toBe(503);
    expect(down.body).toEqual({ ready: false, reason: 'the database is unavailable' });
    // The process stays up and keeps answering meanwhile.
    expect(server.child.exitCode).toBeNull();

    await proxy.restore();
    const back = await until(server, 200);
    expect(back.status).toBe(200);
    expect(back.body.ready).toBe(true);
  });
});
