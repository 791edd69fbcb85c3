/**
 * Tamper evidence from the command line (issue 10, item 5). The store-level
 * cases (edit, delete, swap, truncation with an anchor, projections) are in
 * test/application/verifyRebuild.int.test.ts; here is what an operator sees:
 * `strata verify [--expect-head <hash> | <position>:<hash>]` exit codes after
 * an attacker with write access to the database file truncates the newest
 * events, regrows the log, or rewrites the whole chain — and tidies the
 * projections with `strata rebuild` so that only the chain (and the anchor) can tell.
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { Strata } from '../../src/application/strata';
import { recordImport } from '../../src/application/importImages';
import { verifyChain } from '../../src/application/verify';
import { readImages } from '../../src/importers';
import { eventHash, GENESIS_HASH } from '../../src/eventStore/hashChain';
import { tempDir } from '../helpers/backends';
import { samples } from '../helpers/sampleImages';
import { strata } from './helpers';

jest.setTimeout(90_000);

let dir: string;
let pristine: string;
let anchor: { position: number; hash: string; older: { position: number; hash: string } };

/** A copy of the imported database for one attack. */
function copy(name: string): string {
  const f = path.join(dir, `${name}.db`);
  fs.copyFileSync(pristine, f);
  return f;
}

/** Rewrites every event from `from` on so that the chain is consistent again (what a full rewrite looks like). */
function rechain(db: Database.Database, from: number): void {
  const rows = db.prepare('SELECT * FROM events WHERE position >= ? ORDER BY position').all(from) as any[];
  let prev = from === 1 ? GENESIS_HASH : (db.prepare('SELECT hash FROM events WHERE position = ?').get(from - 1) as { hash: string }).hash;
  const upd = db.prepare('UPDATE events SET prev_hash = ?, hash = ? WHERE position = ?');
  for (const r of rows) {
    const e = {
      position: r.position, stream: r.stream, version: r.version, type: r.type, schemaVersion: r.schema_version,
      data: JSON.parse(r.data), metadata: JSON.parse(r.metadata), idempotencyKey: r.idempotency_key,
    };
    const hash = eventHash(prev, e);
    upd.run(prev, hash, r.position);
    prev = hash;
  }
}

const verify = (db: string, ...args: string[]) => strata(['verify', '--db', db, ...args]);

describe('strata verify against an attacker with write access to the database', () => {
  beforeAll(async () => {
    dir = tempDir('strata-tamper-');
    pristine = path.join(dir, 'pristine.db');
    const app = await Strata.open(pristine);
    await recordImport(app, await readImages((await samples()).dockerArchive));
    await recordImport(app, await readImages((await samples()).ociGzipArchive), { extraTags: ['app:1'] });
    const chain = await verifyChain(app.store);
    const [older] = await app.store.readRange(10, 10, 1);
    anchor = { position: chain.headPosition, hash: chain.headHash, older: { position: 10, hash: older!.hash } };
    await app.close();
    expect(anchor.position).toBe(19);
    // Check the columns the attacks below rely on.
    const raw = new Database(pristine, { readonly: true });
    expect(Object.keys(raw.prepare('SELECT * FROM events LIMIT 1').get() as object)).toEqual(
      expect.arrayContaining(['position', 'stream', 'version', 'type', 'schema_version', 'data', 'metadata', 'idempotency_key', 'prev_hash', 'hash']));
    raw.close();
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('an intact log passes with either anchor form; a wrong anchor fails', async () => {
    const db = copy('intact');
    const [plain, head, at, older, wrong, wrongAt] = await Promise.all([
      verify(db), verify(db, '--expect-head', anchor.hash), verify(db, '--expect-head', `${anchor.position}:${anchor.hash}`),
      verify(db, '--expect-head', `${anchor.older.position}:${anchor.older.hash}`),
      verify(db, '--expect-head', 'f'.repeat(64)), verify(db, '--expect-head', `${anchor.position}:${'f'.repeat(64)}`),
    ]);
    for (const r of [plain, head, at, older]) expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: '' });
    expect(head.stdout).toContain(`head 19 ${anchor.hash}`);
    expect(wrong.status).toBe(1);
    expect(wrong.stderr).toBe('strata: verify failed at position 20: the head hash is not the anchored one (events were truncated or appended after the anchor)\n');
    expect(wrongAt.status).toBe(1);
    expect(wrongAt.stderr).toBe('strata: verify failed at position 19: the hash at position 19 is not the anchored one (history was rewritten)\n');
  });

  test('truncating the newest events (and rebuilding projections) passes plain verify; only the anchor catches it', async () => {
    const db = copy('truncated');
    const raw = new Database(db);
    raw.prepare('DELETE FROM events WHERE position > 16').run(); // the whole second import: 3 events
    raw.close();
    // Projections still show the removed image until the attacker rebuilds them.
    const before = await verify(db);
    expect(before.status).toBe(1);
    expect(before.stderr).toMatch(/^strata: verify failed: projection \S+ differs from a replay .*; run strata rebuild\n$/);
    expect((await strata(['rebuild', '--db', db])).status).toBe(0);
    const [plain, head, at, older] = await Promise.all([
      verify(db), verify(db, '--expect-head', anchor.hash), verify(db, '--expect-head', `${anchor.position}:${anchor.hash}`),
      verify(db, '--expect-head', `${anchor.older.position}:${anchor.older.hash}`),
    ]);
    expect({ status: plain.status, stderr: plain.stderr }).toEqual({ status: 0, stderr: '' }); // undetectable without an anchor
    expect(plain.stdout).toMatch(/^ok: 16 events, chain intact, head 16 /);
    expect(head.status).toBe(1);
    expect(head.stderr).toBe('strata: verify failed at position 17: the head hash is not the anchored one (events were truncated or appended after the anchor)\n');
    expect(at.status).toBe(1);
    expect(at.stderr).toBe('strata: verify failed at position 19: position 19 no longer exists (the log was truncated)\n');
    expect(older.status).toBe(0); // an older anchor only vouches for the prefix it names
  });

  test('truncating and regrowing to the same length is caught by <position>:<hash>', async () => {
    const db = copy('regrown');
    const raw = new Database(db);
    raw.prepare("UPDATE events SET data = REPLACE(data, 'app:1', 'app:2'), stream = REPLACE(stream, 'app:1', 'app:2') WHERE position = 19").run();
    rechain(raw, 19);
    raw.close();
    expect((await strata(['rebuild', '--db', db])).status).toBe(0);
    const [plain, at] = await Promise.all([verify(db), verify(db, '--expect-head', `${anchor.position}:${anchor.hash}`)]);
    expect(plain.status).toBe(0);
    expect(at.status).toBe(1);
    expect(at.stderr).toMatch(/position 19 is not the anchored one \(history was rewritten\)/);
  });

  test('a full rewrite of the chain from position 1 passes plain verify; any anchor catches it', async () => {
    const db = copy('rewritten');
    const raw = new Database(db);
    // Rewrite history: the first image's tag now names another repository.
    raw.prepare("UPDATE events SET data = REPLACE(data, 'sample:latest', 'trusted:latest'), stream = REPLACE(stream, 'sample:latest', 'trusted:latest') WHERE position = 16").run();
    raw.prepare("UPDATE events SET metadata = json_set(metadata, '$.actor', 'forged') WHERE position = 1").run();
    const edited = await verify(db);
    expect(edited.status).toBe(1);
    expect(edited.stderr).toMatch(/^strata: verify failed at position 1: the stored hash does not match the event's content \(the row was edited\)\n$/);
    rechain(raw, 1);
    raw.close();
    expect((await strata(['rebuild', '--db', db])).status).toBe(0);
    const [plain, head, older, tags] = await Promise.all([
      verify(db), verify(db, '--expect-head', anchor.hash), verify(db, '--expect-head', `${anchor.older.position}:${anchor.older.hash}`),
      strata(['query', '{ images { edges { node { repoTags } } } }', '--db', db]),
    ]);
    expect(plain.status).toBe(0); // a consistent forgery: the chain alone cannot tell
    expect(JSON.parse(tags.stdout).data.images.edges.flatMap((e: any) => e.node.repoTags).sort()).toEqual(['app:1', 'trusted:latest']);
    expect(head.status).toBe(1);
    expect(older.status).toBe(1);
    expect(older.stderr).toMatch(/position 10 is not the anchored one/);
  });
});
