/**
 * Issue 15, the server's side (docs/reliability.md, cases 34-): DNS rebinding,
 * a timed-out mutation's honest answer, storage faults as UNAVAILABLE, and the
 * smaller leaks (hints to refused WebSocket clients, the head on /healthz,
 * echoed megabyte inputs). Everything runs against `strata serve`.
 */
import http from 'node:http';
import net from 'node:net';
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import Database from 'better-sqlite3';
import WebSocket from 'ws';
import { createClient } from 'graphql-ws';
import { Client } from 'pg';
import { backendNames, freshDb, pgAdminUrl, tempDir, testWithPostgres, type TestDb } from '../helpers/backends';
import { startServerProcess, type ServerProcess } from '../helpers/serverProcess';
import { seedLog, type Seeded } from './seedLog';

jest.setTimeout(120_000);

/** The head seedLog left (each suite seeds its own database the same way). */
let seededHead = 0;

interface Raw { status: number; headers: http.IncomingHttpHeaders; text: string; json?: any }

/** node:http, because fetch will not send a Host header of our choosing. */
function raw(url: string, opts: { method?: string; path?: string; headers?: Record<string, string>; body?: unknown } = {}): Promise<Raw> {
  const u = new URL(url);
  const body = opts.body === undefined ? undefined : JSON.stringify(opts.body);
  return new Promise((resolve, reject) => {
    const req = http.request({
      host: u.hostname, port: u.port, path: opts.path ?? u.pathname, method: opts.method ?? (body ? 'POST' : 'GET'),
      headers: { ...(body ? { 'content-type': 'application/json' } : {}), ...opts.headers },
    }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (text += d));
      res.on('end', () => {
        let json: any;
        try { json = JSON.parse(text); } catch { json = undefined; }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

const gql = (url: string, query: string, variables?: Record<string, unknown>, token: string | null = 'w', headers: Record<string, string> = {}) =>
  raw(url, { body: { query, variables }, headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers } });

const codes = (r: Raw): string[] => (r.json?.errors ?? []).map((e: any) => e.extensions?.code);
const healthzUrl = (s: ServerProcess) => s.url.replace(/\/graphql$/, '/healthz');

/** Opens a WebSocket with the given headers; resolves with the HTTP status of a refused upgrade, or 101. */
function upgradeStatus(url: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url.replace(/^http/, 'ws'), 'graphql-transport-ws', { headers });
    ws.on('open', () => { ws.close(); resolve(101); });
    ws.on('unexpected-response', (_req, res) => { resolve(res.statusCode ?? 0); ws.terminate(); });
    ws.on('error', () => resolve(-1));
  });
}

describe('DNS rebinding: Host and Origin (SQLite; the check is the server\'s)', () => {
  let db: TestDb;
  let s: ServerProcess;
  let port: string;
  beforeAll(async () => {
    db = await freshDb('sqlite');
    seededHead = (await seedLog(db.url)).head;
    s = await startServerProcess(db.url, { STRATA_ALLOWED_HOSTS: 'strata.internal' });
    port = new URL(s.url).port;
  });
  afterAll(async () => { await s?.stop(); await db?.drop(); });

  test('a request naming another host is refused on every path; loopback names and configured ones are served', async () => {
    const rebound = { host: `attacker.example:${port}` };
    expect((await gql(s.url, '{ head }', undefined, null, rebound)).status).toBe(403);
    expect((await raw(s.url, { path: '/healthz', headers: rebound })).status).toBe(403);
    expect((await raw(s.url, { path: '/', headers: rebound })).status).toBe(403);
    // IP literals name no DNS record, so no rebinding: the printed 0.0.0.0 URL and container addresses work.
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `LOCALHOST.:${port}`, `strata.internal:${port}`, `0.0.0.0:${port}`, `[::1]:${port}`]) {
      const r = await gql(s.url, '{ head }', undefined, null, { host });
      expect({ host, status: r.status, head: r.json?.data?.head }).toEqual({ host, status: 200, head: seededHead });
    }
  });

  test('a WebSocket is refused when Host is foreign, or when Origin is not this server\'s own page nor configured', async () => {
    // The rebinding case: the page's origin and Host agree, both the attacker's name.
    expect(await upgradeStatus(s.url, { host: `attacker.example:${port}`, origin: `http://attacker.example:${port}` })).toBe(403);
    expect(await upgradeStatus(s.url, { origin: `http://attacker.example:${port}` })).toBe(403);
    expect(await upgradeStatus(s.url, { origin: `http://localhost:${port}` })).toBe(403); // Host is 127.0.0.1: another origin
    expect(await upgradeStatus(s.url, { origin: `http://127.0.0.1:${port}` })).toBe(101);
    expect(await upgradeStatus(s.url, {})).toBe(101); // not a browser
  });

  test('STRATA_CORS_ORIGINS is the WebSocket allowlist', async () => {
    const other = await startServerProcess(db.url, { STRATA_CORS_ORIGINS: 'https://dash.example' });
    try {
      expect(await upgradeStatus(other.url, { origin: 'https://dash.example' })).toBe(101);
      expect(await upgradeStatus(other.url, { origin: 'https://evil.example' })).toBe(403);
    } finally {
      await other.stop();
    }
  });
});

describe.each(backendNames())('a mutation that runs out of time (%s)', (backend) => {
  let db: TestDb;
  let seeded: Seeded;
  let s: ServerProcess;
  beforeAll(async () => {
    db = await freshDb(backend);
    seeded = await seedLog(db.url);
    seededHead = seeded.head;
    s = await startServerProcess(db.url, { STRATA_REQUEST_TIMEOUT_MS: '1500' });
  });
  afterAll(async () => { await s?.stop(); await db?.drop(); });

  /** Another process holds the write lock (SQLite BEGIN IMMEDIATE; PostgreSQL the append advisory lock). */
  async function holdWriteLock(): Promise<() => Promise<void>> {
    if (backend === 'sqlite') {
      const other = new Database(db.url);
      other.exec('BEGIN IMMEDIATE');
      return async () => { other.exec('ROLLBACK'); other.close(); };
    }
    const c = new Client({ connectionString: db.url });
    await c.connect();
    await c.query('SELECT pg_advisory_lock(7355608001)');
    return async () => { await c.query('SELECT pg_advisory_unlock(7355608001)'); await c.end(); };
  }

  test('is answered OUTCOME_UNKNOWN with a hint to retry with the same key; the retry returns the one outcome', async () => {
    const release = await holdWriteLock();
    const tag = `late:${backend}`;
    const mutation = 'mutation($k: String) { tagImage(image: "app:a", tag: "' + tag + '", idempotencyKey: $k) { imageId } }';
    let first: Raw;
    try {
      first = await gql(s.url, mutation, { k: `key-${backend}` });
    } finally {
      await release();
    }
    expect({ status: first.status, codes: codes(first) }).toEqual({ status: 503, codes: ['OUTCOME_UNKNOWN'] });
    expect(first.json.errors[0].message).toMatch(/may still commit.*same idempotencyKey/);
    expect(first.text).not.toMatch(/QUERY_TOO_COMPLEX|ask for less|failed/i);
    // The lock is gone: the first attempt commits on its own; the retry with the key answers its outcome.
    let retry: Raw;
    for (;;) {
      retry = await gql(s.url, mutation, { k: `key-${backend}` });
      if (retry.status === 200) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(retry.json.data.tagImage.imageId).toBe(seeded.imageA);
    const moves = await gql(s.url, `{ tag(name: "${tag}") { history { toImageId } } }`);
    expect(moves.json.data.tag.history).toEqual([{ toImageId: seeded.imageA }]);
  });
});

describe('storage faults answer UNAVAILABLE, 503, Retry-After', () => {
  test('a subscription sent over HTTP is a 400, with no error and no stack in the log', async () => {
    const db = await freshDb('sqlite');
    seededHead = (await seedLog(db.url)).head;
    const s = await startServerProcess(db.url, { LOG_LEVEL: 'info' }, { captureStdout: true });
    try {
      const r = await gql(s.url, 'subscription { events { position } }');
      expect({ status: r.status, codes: codes(r) }).toEqual({ status: 400, codes: ['BAD_USER_INPUT'] });
      expect(r.json.errors[0].message).toMatch(/WebSocket/);
      await new Promise((res) => setTimeout(res, 200));
      const lines = s.stdout().split('\n').filter(Boolean).map((l) => JSON.parse(l));
      expect(lines.filter((l) => l.level >= 50 || l.err?.stack)).toEqual([]);
    } finally {
      await s.stop();
      await db.drop();
    }
  });

  const pgTest = testWithPostgres();

  pgTest('PostgreSQL down (its connection cut and refused): reads and writes get 503 UNAVAILABLE; /healthz 503', async () => {
    const db = await freshDb('postgres');
    seededHead = (await seedLog(db.url)).head;
    // The server reaches PostgreSQL through a proxy the test can take down.
    const target = new URL(db.url);
    const sockets = new Set<net.Socket>();
    const proxy = net.createServer((inbound) => {
      const outbound = net.connect(Number(target.port || 5432), target.hostname);
      sockets.add(inbound); sockets.add(outbound);
      inbound.pipe(outbound).pipe(inbound);
      const drop = () => { inbound.destroy(); outbound.destroy(); };
      inbound.on('error', drop); outbound.on('error', drop);
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', () => r()));
    const viaProxy = new URL(db.url);
    viaProxy.hostname = '127.0.0.1';
    viaProxy.port = String((proxy.address() as net.AddressInfo).port);
    const s = await startServerProcess(viaProxy.toString(), { LOG_LEVEL: 'info' }, { captureStdout: true });
    try {
      expect((await gql(s.url, '{ head }')).json.data.head).toBe(seededHead);
      await new Promise<void>((r) => proxy.close(() => r()));
      for (const sock of sockets) sock.destroy();
      const read = await gql(s.url, '{ images { totalCount } }');
      const write = await gql(s.url, 'mutation { tagImage(image: "app:a", tag: "down:1") { imageId } }');
      for (const r of [read, write]) {
        expect({ status: r.status, codes: codes(r), retryAfter: r.headers['retry-after'] }).toEqual({ status: 503, codes: ['UNAVAILABLE'], retryAfter: '5' });
      }
      const health = await raw(healthzUrl(s));
      expect({ status: health.status, ok: health.json.ok, retryAfter: health.headers['retry-after'] }).toEqual({ status: 503, ok: false, retryAfter: '5' });
      const lines = s.stdout().split('\n').filter(Boolean).map((l) => JSON.parse(l));
      expect(lines.filter((l) => l.err?.stack)).toEqual([]);
    } finally {
      await s.stop();
      proxy.close();
      await db.drop();
    }
  });

  pgTest('PostgreSQL read-only: a write gets 503 UNAVAILABLE and /healthz says writes cannot succeed', async () => {
    const db = await freshDb('postgres');
    seededHead = (await seedLog(db.url)).head;
    const s = await startServerProcess(db.url);
    const admin = new Client({ connectionString: pgAdminUrl()! });
    await admin.connect();
    try {
      expect((await raw(healthzUrl(s))).json).toEqual({ ok: true, head: seededHead, writable: true });
      const name = new URL(db.url).pathname.slice(1);
      await admin.query(`ALTER DATABASE ${name} SET default_transaction_read_only = on`);
      await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [name]);
      // The first attempts may meet the connections just cut (also UNAVAILABLE); then the pool reconnects read-only.
      let write!: Raw;
      for (let i = 0; i < 10; i++) {
        write = await gql(s.url, 'mutation { tagImage(image: "app:a", tag: "ro:1") { imageId } }');
        if (/read-only/.test(write.json?.errors?.[0]?.message ?? '') || write.status === 200) break;
      }
      expect({ status: write.status, codes: codes(write), retryAfter: write.headers['retry-after'] }).toEqual({ status: 503, codes: ['UNAVAILABLE'], retryAfter: '5' });
      expect(write.json.errors[0].message).toMatch(/read-only/);
      expect((await raw(healthzUrl(s))).json).toEqual({ ok: true, head: seededHead, writable: false, reason: 'the database is read-only' });
    } finally {
      await s.stop();
      await admin.end();
      await db.drop();
    }
  });

  test('SQLite on a full disk: a write gets 503 UNAVAILABLE, /healthz says the disk is full; nothing is appended', async () => {
    const mnt = tempDir('strata-full-');
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=4m', 'tmpfs', mnt], { stdio: 'ignore' });
    } catch {
      console.warn('hardServer: disk-full case skipped: cannot mount a tmpfs here (needs root and CAP_SYS_ADMIN)');
      return;
    }
    const file = path.join(mnt, 'strata.db');
    let s: ServerProcess | undefined;
    try {
      seededHead = (await seedLog(file)).head;
      s = await startServerProcess(file);
      expect((await raw(healthzUrl(s))).json.writable).toBe(true);
      // Fill the disk.
      const fd = fs.openSync(path.join(mnt, 'filler'), 'w');
      const chunk = Buffer.alloc(64 * 1024, 1);
      try { for (;;) fs.writeSync(fd, chunk); } catch { /* ENOSPC */ }
      try { for (;;) fs.writeSync(fd, chunk.subarray(0, 512)); } catch { /* ENOSPC */ }
      fs.closeSync(fd);
      const tag = await gql(s.url, 'mutation { tagImage(image: "app:a", tag: "full:1") { imageId } }');
      expect({ status: tag.status, codes: codes(tag), retryAfter: tag.headers['retry-after'] }).toEqual({ status: 503, codes: ['UNAVAILABLE'], retryAfter: '5' });
      const health = (await raw(healthzUrl(s))).json;
      expect(health).toEqual({ ok: true, head: seededHead, writable: false, reason: 'the disk is full' });
    } finally {
      await s?.stop();
      try { execFileSync('umount', ['-l', mnt], { stdio: 'ignore' }); } catch { /* already gone */ }
      fs.rmSync(mnt, { recursive: true, force: true });
    }
  });
});

describe('smaller leaks', () => {
  let db: TestDb;
  let s: ServerProcess;
  beforeAll(async () => {
    db = await freshDb('sqlite');
    seededHead = (await seedLog(db.url)).head;
    s = await startServerProcess(db.url, { STRATA_READ_TOKEN: 'r' });
  });
  afterAll(async () => { await s?.stop(); await db?.drop(); });

  /** One operation over graphql-ws; the errors the client sees. */
  function wsOnce(authorization: string | undefined, query: string): Promise<any[]> {
    const c = createClient({
      url: s.url.replace(/^http/, 'ws'), webSocketImpl: WebSocket, retryAttempts: 0, lazy: true,
      connectionParams: authorization ? { authorization } : {},
    });
    return new Promise((resolve) => {
      let errors: any[] = [];
      c.subscribe({ query }, {
        next: (r) => void (errors = (r.errors as any[]) ?? []),
        error: (e) => resolve(Array.isArray(e) ? e : [{ message: String(e) }]),
        complete: () => resolve(errors),
      });
    }).finally(() => c.dispose()) as Promise<any[]>;
  }

  test('over WebSocket the token is checked before validation: no "Did you mean" for a refused client', async () => {
    for (const auth of [undefined, 'Bearer wrong']) {
      const errors = await wsOnce(auth, '{ imagez { totalCount } }');
      expect(errors.map((e) => e.extensions?.code)).toEqual(['UNAUTHENTICATED']);
      expect(JSON.stringify(errors)).not.toMatch(/Did you mean|images/);
    }
    const allowed = await wsOnce('Bearer r', '{ imagez { totalCount } }');
    expect(allowed[0].message).toMatch(/Did you mean/); // a reader still gets the help
  });

  test('/healthz shows the head only to callers who may read', async () => {
    expect((await raw(healthzUrl(s))).json).toEqual({ ok: true, writable: true });
    expect((await raw(healthzUrl(s), { headers: { authorization: 'Bearer wrong' } })).json).toEqual({ ok: true, writable: true });
    expect((await raw(healthzUrl(s), { headers: { authorization: 'Bearer r' } })).json).toEqual({ ok: true, head: seededHead, writable: true });
  });

  test('errors do not echo megabyte inputs', async () => {
    const mb = 'x'.repeat(1024 * 1024);
    const notFound = await gql(s.url, 'query($r: String!) { image(ref: $r) { imageId } }', { r: mb }, 'r');
    const badVar = await gql(s.url, 'query($f: Int) { images(first: $f) { totalCount } }', { f: mb }, 'r');
    const badRef = await gql(s.url, 'mutation($t: String!) { tagImage(image: $t, tag: $t) { imageId } }', { t: mb }, 'w');
    for (const r of [notFound, badVar, badRef]) {
      expect(r.text.length).toBeLessThan(4096);
    }
    expect(codes(badVar)).toEqual(['BAD_USER_INPUT']);
  });
});
