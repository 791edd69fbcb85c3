/**
 * Issue 24: `strata backup` under a stream of writes through a real
 * `strata serve`, then `strata restore`: the copy verifies and holds every
 * event acknowledged before the backup began, as a prefix of the live log
 * (read straight from both files). Restore never overwrites and refuses a
 * backup that fails verification. On PostgreSQL, pg_dump is the tool: a dump
 * restored with psql into a fresh database passes `strata verify`.
 */
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import Database from 'better-sqlite3';
import { Strata } from '../../src/application/strata';
import { recordImport } from '../../src/application/importImages';
import { freshDb, tempDir, testWithPostgres } from '../helpers/backends';
import { gqlHttp, startServerProcess } from '../helpers/serverProcess';
import { file, image, layer } from '../helpers/synthetic';
import { strata } from '../reliability/helpers';
import { skippingTest } from '../helpers/skip';

jest.setTimeout(240_000);

const TAG = 'mutation($t: String!) { tagImage(image: "base:1", tag: $t) { repoTags } }';

/** A log big enough that the backup takes several steps (a layer of 3,000 files). */
async function seed(url: string): Promise<void> {
  const app = await Strata.open(url);
  try {
    await recordImport(app, [image([layer(Array.from({ length: 3000 }, (_, i) => file(`/usr/share/f${i}`, i + 1)))], ['base:1'])],
      { actor: 'test' });
  } finally {
    await app.close();
  }
}

const eventsOf = (dbFile: string) => {
  const db = new Database(dbFile, { readonly: true });
  try {
    return db.prepare('SELECT position, type, data, hash FROM events ORDER BY position').all() as
      { position: number; type: string; data: string; hash: string }[];
  } finally {
    db.close();
  }
};

test('backup under a stream of writes, restore: the copy verifies and holds every event acknowledged before it began', async () => {
  const db = await freshDb('sqlite');
  const dir = tempDir();
  await seed(db.url);
  const server = await startServerProcess(db.url);
  try {
    const acked: string[] = [];
    let writing = true;
    const writer = (async () => {
      for (let i = 0; writing; i++) {
        const r = await gqlHttp(server.url, TAG, { t: `stream:${i}` });
        expect(r.errors).toBeUndefined();
        acked.push(`stream:${i}`);
      }
    })();
    while (acked.length < 5) await new Promise((r) => setTimeout(r, 10));
    const ackedBefore = [...acked];
    const backupFile = path.join(dir, 'backups', 'strata.db');
    const b = await strata(['backup', backupFile, '--db', db.url]);
    writing = false;
    await writer;
    expect(b.stderr).toBe('');
    expect(b.status).toBe(0);
    expect(b.stdout).toMatch(/^backed up \d+ events \(head \d+:[0-9a-f]{64}\) to .*, verified\n$/);
    expect(fs.readdirSync(path.dirname(backupFile))).toEqual(['strata.db']);

    const restored = path.join(dir, 'restored', 'strata.db');
    const r = await strata(['restore', backupFile, '--db', restored]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(fs.readdirSync(path.dirname(restored))).toEqual(['strata.db']);
    const v = await strata(['verify', '--db', restored]);
    expect(v.status).toBe(0);

    const copy = eventsOf(restored);
    await server.stop();
    const live = eventsOf(db.url);
    // A consistent snapshot: exactly a prefix of the live log, hash for hash.
    expect(copy.length).toBeGreaterThan(0);
    expect(copy).toEqual(live.slice(0, copy.length));
    const tagged = copy.filter((e) => e.data.includes('stream:')).map((e) => e.data);
    for (const t of ackedBefore) expect(tagged.some((d) => d.includes(`"${t}"`))).toBe(true);
  } finally {
    await server.stop();
    await db.drop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('restore never overwrites, and refuses a backup that fails verification without creating anything', async () => {
  const db = await freshDb('sqlite');
  const dir = tempDir();
  await seed(db.url);
  try {
    const backupFile = path.join(dir, 'b.db');
    expect((await strata(['backup', backupFile, '--db', db.url])).status).toBe(0);
    const again = await strata(['backup', backupFile, '--db', db.url]);
    expect(again.status).toBe(2);
    expect(again.stderr).toMatch(/already exists/);

    const existing = path.join(dir, 'existing.db');
    fs.writeFileSync(existing, 'keep me');
    const over = await strata(['restore', backupFile, '--db', existing]);
    expect(over.status).toBe(2);
    expect(over.stderr).toMatch(/^strata: .*already exists; restore writes only to a new location\n$/);
    expect(fs.readFileSync(existing, 'utf8')).toBe('keep me');

    // A tampered backup: sound as SQLite, broken as a hash chain.
    const tampered = path.join(dir, 'tampered.db');
    fs.copyFileSync(backupFile, tampered);
    const t = new Database(tampered);
    t.prepare("UPDATE events SET data = replace(data, 'base', 'evil') WHERE position = (SELECT MIN(position) FROM events WHERE data LIKE '%base%')").run();
    t.close();
    const target = path.join(dir, 'from-tampered', 'strata.db');
    const bad = await strata(['restore', tampered, '--db', target]);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/^strata: the copy fails verification at position \d+: .*\n$/);
    expect(fs.existsSync(target)).toBe(false);
    expect(fs.readdirSync(path.dirname(target))).toEqual([]);

    const garbage = path.join(dir, 'garbage.db');
    fs.writeFileSync(garbage, Buffer.alloc(8192, 7));
    const g = await strata(['restore', garbage, '--db', path.join(dir, 'g', 'strata.db')]);
    expect(g.status).toBe(1);
    expect(g.stderr).toMatch(/not a SQLite database/);
  } finally {
    await db.drop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('backup of a PostgreSQL database says to use pg_dump', async () => {
  const r = await strata(['backup', path.join(tempDir(), 'x.db'), '--db', 'postgres://postgres@127.0.0.1:5432/postgres']);
  expect(r.status).toBe(2);
  expect(r.stderr).toMatch(/pg_dump/);
});

const pgTools = ['pg_dump', 'psql'].every((t) => spawnSync(t, ['--version']).status === 0);
(pgTools ? testWithPostgres() : skippingTest('pg_dump or psql is not installed (apt-get install postgresql-client)'))('PostgreSQL: a pg_dump restored with psql into a fresh database passes strata verify', async () => {
  const source = await freshDb('postgres');
  const target = await freshDb('postgres');
  try {
    await seed(source.url);
    const dump = spawnSync('pg_dump', ['--no-owner', '--dbname', source.url], { maxBuffer: 1 << 28 });
    expect(dump.status).toBe(0);
    const load = spawnSync('psql', ['--quiet', '--set', 'ON_ERROR_STOP=1', '--dbname', target.url], { input: dump.stdout, maxBuffer: 1 << 28 });
    expect(load.stderr.toString()).toBe('');
    expect(load.status).toBe(0);
    const v = await strata(['verify', '--db', target.url, '--json']);
    expect(v.status).toBe(0);
    const report = JSON.parse(v.stdout) as { ok: boolean; chain: { checked: number } };
    expect(report.ok).toBe(true);
    expect(report.chain.checked).toBeGreaterThan(0);
  } finally {
    await source.drop();
    await target.drop();
  }
});
