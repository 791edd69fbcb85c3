/**
 * Issue 15 item 9 (log side): `strata verify` runs on a read-only connection
 * and never writes — it used to migrate on open and replay the projections in
 * a rolled-back write transaction, so it waited for (and then lost to) a
 * writer holding the lock, and failed on a read-only PostgreSQL database.
 * And a row whose JSON cannot be parsed is named by position: verify,
 * export-log and the server give a clear error instead of a SyntaxError.
 */
import path from 'node:path';
import Database from 'better-sqlite3';
import { Client } from 'pg';
import { Strata } from '../../src/application/strata';
import { recordImport } from '../../src/application/importImages';
import { backendNames, freshDb, tempDir, type TestDb } from '../helpers/backends';
import { gqlHttp, startServerProcess } from '../helpers/serverProcess';
import { file, image, layer } from '../helpers/synthetic';
import { strata } from './helpers';

jest.setTimeout(150_000);

async function seed(db: TestDb): Promise<void> {
  const app = await Strata.open(db.url);
  try {
    await recordImport(app, [image([layer([file('/a', 1)]), layer([file('/b', 2)])], ['base:1'])], { actor: 'test' });
    await recordImport(app, [image([layer([file('/c', 3)])], ['other:1'], 'o')], { actor: 'test' });
  } finally {
    await app.close();
  }
}

async function rawSql(db: TestDb, ...statements: string[]): Promise<void> {
  if (db.name === 'sqlite') {
    const c = new Database(db.url);
    try { for (const sql of statements) c.exec(sql); } finally { c.close(); }
    return;
  }
  const c = new Client({ connectionString: db.url });
  await c.connect();
  try { for (const sql of statements) await c.query(sql); } finally { await c.end(); }
}

describe.each(backendNames())('verify on %s', (backend) => {
  let db: TestDb;
  beforeEach(async () => { db = await freshDb(backend); await seed(db); });
  afterEach(async () => { await db.drop(); });

  it('verifies without writing: beside a writer holding the lock (SQLite) or on a read-only database (PostgreSQL)', async () => {
    let release = async () => undefined as void;
    if (backend === 'sqlite') {
      const holder = new Database(db.url);
      holder.exec('BEGIN IMMEDIATE');
      release = async () => { holder.exec('ROLLBACK'); holder.close(); };
    } else {
      const name = new URL(db.url).pathname.slice(1);
      await rawSql(db, `ALTER DATABASE ${name} SET default_transaction_read_only = on`);
    }
    try {
      const v = await strata(['verify', '--db', db.url], { env: { STRATA_BUSY_TIMEOUT_MS: '1000' } });
      expect(v.stderr).toBe('');
      expect(v.stdout).toMatch(/^ok: 7 events/);
      expect(v.status).toBe(0);
      // Tampering is still found the same way.
      if (backend === 'sqlite') {
        await release();
        release = async () => undefined;
      } else {
        const name = new URL(db.url).pathname.slice(1);
        await rawSql(db, 'SET default_transaction_read_only = off', `ALTER DATABASE ${name} SET default_transaction_read_only = off`);
      }
      await rawSql(db, "UPDATE proj_tags SET image_id = NULL WHERE name = 'other:1'");
      const bad = await strata(['verify', '--db', db.url]);
      expect(bad.status).toBe(1);
      expect(bad.stderr).toMatch(/^strata: verify failed: projection proj_tags differs from a replay/);
    } finally {
      await release();
    }
  });

  it('names a row whose JSON cannot be parsed by its position, in verify, export-log and the server', async () => {
    await rawSql(db, "UPDATE events SET data = '{\"diffId\": broken' WHERE position = 3");
    const v = await strata(['verify', '--db', db.url]);
    expect(v.status).toBe(1);
    expect(v.stderr).toBe('strata: verify failed at position 3: the row has data that is not valid JSON (the row was edited)\n');
    const x = await strata(['export-log', '--db', db.url, '--out', path.join(tempDir(), 'x.jsonl')]);
    expect(x.status).toBe(1);
    expect(x.stderr.split('\n').filter(Boolean)).toHaveLength(1);
    expect(x.stderr).toMatch(/position 3/);
    const server = await startServerProcess(db.url).catch((e: Error) => e);
    if (server instanceof Error) {
      // Refusing to start is honest too, as long as it says where.
      expect(server.message).toMatch(/position 3/);
      return;
    }
    try {
      const r = await gqlHttp(server.url, '{ images { totalCount } }');
      expect(r.errors?.[0]?.extensions?.code).toBeDefined();
      const h = await fetch(server.url.replace(/\/graphql$/, '/healthz'));
      expect(h.status).toBeLessThan(600);
    } finally {
      await server.stop();
    }
  });
});
