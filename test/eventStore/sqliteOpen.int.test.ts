/**
 * Opening SQLite without TypeORM (issue 19 item 1): an existing database that
 * records every known migration opens with better-sqlite3 alone; a database
 * created by an older version (some migrations missing), a new file or an
 * empty one still goes through TypeORM and is migrated; the direct connection
 * has the pragmas TypeORM's driver sets; `strata query` on a current database
 * does not load TypeORM at all.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { DataSource } from 'typeorm';
import { dataSourceOptions, migrations } from '../../ormconfig';
import { knownMigrationNames, openCurrentSqlite, openEventStore } from '../../src/eventStore';
import { ChainVerifier } from '../../src/eventStore/hashChain';
import { tempDir } from '../helpers/backends';
import { BIN } from '../helpers/serverProcess';

let dir: string;
beforeEach(() => { dir = tempDir('strata-open-'); });
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

/** A database as an older version left it: only the first `count` migrations applied. */
async function olderDatabase(file: string, count: number): Promise<void> {
  const ds = new DataSource({ ...dataSourceOptions({ kind: 'sqlite', file }), migrations: migrations.slice(0, count) });
  await ds.initialize();
  try { await ds.runMigrations({ transaction: 'all' }); } finally { await ds.destroy(); }
}

const ev = (type: string, data: unknown = {}) => ({ type, data });

describe('opening SQLite', () => {
  it('knows every migration by the name TypeORM records', () => {
    expect(knownMigrationNames()).toHaveLength(migrations.length);
    const files = fs.readdirSync(path.resolve(__dirname, '..', '..', 'migrations')).filter((f) => f.endsWith('.ts'));
    expect(knownMigrationNames().sort()).toEqual(files.map((f) => {
      const [stamp, name] = f.replace(/\.ts$/, '').split('-');
      return `${name}${stamp}`;
    }).sort());
  });

  it('a database created by an older version is migrated, then opens directly', async () => {
    for (let count = 0; count < migrations.length; count++) {
      const file = path.join(dir, `older-${count}.db`);
      if (count > 0) await olderDatabase(file, count);
      else fs.writeFileSync(file, '');
      expect(openCurrentSqlite(file)).toBeNull();
      let applied: string[] | null = null;
      const store = await openEventStore(file, { onMigrated: (names) => (applied = names) });
      try {
        expect(applied).toEqual(knownMigrationNames().slice(count));
        await store.append([{ stream: 's', expectedVersion: 0, events: [ev('A', { n: count })] }]);
      } finally { await store.close(); }
      const again = await openEventStore(file, { onMigrated: (names) => (applied = names) });
      try {
        expect(applied).toEqual([]);
        await again.append([{ stream: 's', expectedVersion: 1, events: [ev('B')] }]);
        const events = await again.readRange(1);
        expect(events.map((e) => e.type)).toEqual(['A', 'B']);
        const v = new ChainVerifier();
        for (const e of events) v.feed(e);
        expect(v.result()).toMatchObject({ ok: true, checked: 2 });
      } finally { await again.close(); }
    }
  });

  it('a missing file is not opened directly (TypeORM creates it)', async () => {
    const file = path.join(dir, 'sub', 'new.db');
    expect(openCurrentSqlite(file)).toBeNull();
    expect(fs.existsSync(file)).toBe(false);
    const store = await openEventStore(file);
    await store.close();
    const direct = openCurrentSqlite(file);
    expect(direct).not.toBeNull();
    direct!.close();
  });

  it('the direct connection has the pragmas TypeORM sets', async () => {
    const file = path.join(dir, 'p.db');
    await (await openEventStore(file)).close();
    const db = openCurrentSqlite(file)!;
    try {
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
      expect(db.pragma('synchronous', { simple: true })).toBe(1); // NORMAL
      expect(db.readonly).toBe(false);
    } finally { db.close(); }
  });

  it('a file that is not a database fails to open, coded by SQLite, and is left as it was', async () => {
    const file = path.join(dir, 'junk.db');
    fs.writeFileSync(file, 'not a database, just text that is long enough to hold a header'.repeat(4));
    const before = fs.readFileSync(file);
    await expect(openEventStore(file)).rejects.toMatchObject({ code: 'SQLITE_NOTADB' });
    expect(fs.readFileSync(file)).toEqual(before);
  });

  it('strata query on a current database does not load TypeORM; on an older one it migrates first', async () => {
    const file = path.join(dir, 'q.db');
    await olderDatabase(file, migrations.length - 1);
    const probe = path.join(dir, 'probe.js');
    fs.writeFileSync(probe, `process.on('exit', () => process.stderr.write('typeorm:' + Object.keys(require.cache).some((k) => k.includes('${path.sep}node_modules${path.sep}typeorm${path.sep}')) + '\\n'));`);
    const run = () => spawnSync(process.execPath, ['-r', probe, BIN, 'query', '{ head }', '--db', file], { encoding: 'utf8', timeout: 30_000 });
    const first = run();
    expect(first.status).toBe(0);
    expect(JSON.parse(first.stdout)).toEqual({ data: { head: 0 } });
    expect(first.stderr).toContain('typeorm:true');
    const check = new Database(file, { readonly: true });
    const names = check.prepare('SELECT name FROM strata_migrations').pluck().all();
    check.close();
    expect(names).toEqual(knownMigrationNames());
    const second = run();
    expect(second.status).toBe(0);
    expect(JSON.parse(second.stdout)).toEqual({ data: { head: 0 } });
    expect(second.stderr).toContain('typeorm:false');
  });
});
