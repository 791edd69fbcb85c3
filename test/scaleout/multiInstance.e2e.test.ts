/**
 * Several stateless `strata serve` instances on one PostgreSQL database
 * (issue: PostgreSQL scale-out). Concurrent commits and tag races through both
 * instances; afterwards the log is gap-free, each race has exactly one winner,
 * the chain verifies; a subscriber on one instance sees the other's events and
 * the CLI's, in order.
 */
import { spawnSync, spawn } from 'node:child_process';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { Client } from 'pg';
import { describeWithPostgres, freshDb, type TestDb } from '../helpers/backends';
import { BIN, gqlHttp, startServerProcess, type ServerProcess } from '../helpers/serverProcess';
import { samples } from '../helpers/sampleImages';

const cli = (args: string[]) => spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: { ...process.env, LOG_LEVEL: 'silent' } });
const describePg = describeWithPostgres();

describePg('several instances on one PostgreSQL database', () => {
  let db: TestDb;
  let a: ServerProcess;
  let b: ServerProcess;

  beforeAll(async () => {
    db = await freshDb('postgres');
    // Migrations: three processes starting together migrate once.
    const migrations = await Promise.all([1, 2, 3].map(() => new Promise<number | null>((resolve) => {
      const c = spawn(process.execPath, [BIN, 'migrate', '--db', db.url], { stdio: 'ignore' });
      c.on('exit', resolve);
    })));
    expect(migrations).toEqual([0, 0, 0]);
    expect(cli(['import', (await samples()).ociGzipArchive, '--tag', 'base:1', '--db', db.url]).status).toBe(0);
    [a, b] = await Promise.all([startServerProcess(db.url), startServerProcess(db.url)]);
  });

  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await db.drop();
  });

  it('ran each migration exactly once', async () => {
    const c = new Client({ connectionString: db.url });
    await c.connect();
    try {
      const rows = (await c.query('SELECT name, COUNT(*)::int AS n FROM strata_migrations GROUP BY name')).rows;
      expect(rows.length).toBeGreaterThanOrEqual(2);
      expect(rows.every((r) => r.n === 1)).toBe(true);
    } finally { await c.end(); }
  });

  it('shows each instance the other\'s writes as soon as they return', async () => {
    const r = await gqlHttp(a.url, 'mutation { tagImage(image: "base:1", tag: "seen:1") { imageId } }');
    expect(r.errors).toBeUndefined();
    const seen = await gqlHttp(b.url, '{ tag(name: "seen:1") { image { imageId } version } }');
    expect(seen.data.tag).toEqual({ image: { imageId: r.data.tagImage.imageId }, version: 1 });
  });

  it('lets exactly one of many racing tag moves with one expected version win', async () => {
    const racers = Array.from({ length: 12 }, (_, i) => gqlHttp(i % 2 ? a.url : b.url,
      'mutation { tagImage(image: "base:1", tag: "race:1", expectedVersion: 0) { imageId } }'));
    const results = await Promise.all(racers);
    const winners = results.filter((r) => !r.errors);
    expect(winners).toHaveLength(1);
    for (const r of results.filter((x) => x.errors)) expect(r.errors![0]!.extensions?.code).toBe('CONFLICT');
  });

  it('keeps the log gap-free and the chain linear under concurrent commits through both', async () => {
    const commits = Array.from({ length: 16 }, (_, i) => gqlHttp(i % 2 ? a.url : b.url,
      `mutation($c: [FileChange!]!) { commit(input: { image: "base:1", changes: $c }) { image { imageId } } }`,
      { c: [{ change: 'ADDED', path: `/data/file-${i}.txt`, kind: 'FILE', size: 100 + i, contentDigest: `sha256:${String(i).padStart(64, '0')}` }] }));
    const results = await Promise.all(commits);
    expect(results.filter((r) => r.errors)).toEqual([]);
    expect(new Set(results.map((r) => r.data.commit.image.imageId)).size).toBe(16);
    const c = new Client({ connectionString: db.url });
    await c.connect();
    try {
      const { rows } = await c.query('SELECT position::int AS p FROM events ORDER BY position');
      expect(rows.map((r) => r.p)).toEqual(rows.map((_, i) => i + 1));
    } finally { await c.end(); }
    const v = cli(['verify', '--db', db.url]);
    expect(v.stderr).toBe('');
    expect(v.status).toBe(0);
  });

  it('delivers to a subscriber on one instance the events appended through the other and the CLI, in order', async () => {
    const client = createClient({ url: a.url.replace(/^http/, 'ws'), webSocketImpl: WebSocket, retryAttempts: 0 });
    const got: { position: number; type: string }[] = [];
    const done = new Promise<void>((resolve, reject) => {
      client.subscribe<{ events: { position: number; type: string } }>({ query: 'subscription { events { position type } }' }, {
        next: (m) => { got.push(m.data!.events); if (got.length >= 3) resolve(); },
        error: reject,
        complete: () => undefined,
      });
    });
    await new Promise((r) => setTimeout(r, 500));
    const t1 = await gqlHttp(b.url, 'mutation { tagImage(image: "base:1", tag: "sub:1") { imageId } }');
    expect(t1.errors).toBeUndefined();
    expect(cli(['import', (await samples()).ociGzipArchive, '--tag', 'sub:2', '--db', db.url]).status).toBe(0);
    const t3 = await gqlHttp(b.url, 'mutation { tagImage(image: "base:1", tag: "sub:3") { imageId } }');
    expect(t3.errors).toBeUndefined();
    await done;
    await client.dispose();
    expect(got.map((e) => e.type)).toEqual(['TagMoved', 'TagMoved', 'TagMoved']);
    expect(got.map((e) => e.position)).toEqual([...got.map((e) => e.position)].sort((x, y) => x - y));
    expect(got[1]!.position).toBe(got[0]!.position + 1);
  });
});
