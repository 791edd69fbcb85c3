/**
 * Issue 15 item 1: a string the log cannot store byte for byte (a lone UTF-16
 * surrogate, NUL) used to reach the log. `tagImage(…, idempotencyKey: "\ud800")`
 * was hashed as the in-memory string but stored as U+FFFD, so the row no longer
 * matched its hash and `strata verify` / `export-log` failed for good. Now the
 * API refuses such strings with BAD_USER_INPUT and the store refuses them too,
 * on every backend; `import-log` refuses lines that hold them.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Strata } from '../../src/application/strata';
import { recordImport } from '../../src/application/importImages';
import { openEventStore } from '../../src/eventStore';
import { backendNames, freshDb, tempDir, type TestDb } from '../helpers/backends';
import { gqlHttp, startServerProcess } from '../helpers/serverProcess';
import { file, image, layer } from '../helpers/synthetic';
import { strata } from './helpers';

jest.setTimeout(120_000);

const TAG = 'mutation($k: String, $t: String!) { tagImage(image: "base:1", tag: $t, idempotencyKey: $k) { repoTags } }';

describe.each(backendNames())('strings the log cannot store, on %s', (backend) => {
  let db: TestDb;

  beforeEach(async () => {
    db = await freshDb(backend);
    const app = await Strata.open(db.url);
    try {
      await recordImport(app, [image([layer([file('/a', 1)])], ['base:1'])], { actor: 'test' });
    } finally {
      await app.close();
    }
  });
  afterEach(async () => { await db.drop(); });

  it('the store refuses a lone surrogate or NUL anywhere in an append, with BAD_USER_INPUT, appending nothing', async () => {
    const store = await openEventStore(db.url);
    try {
      const head = await store.head();
      const cases: [string, () => Promise<unknown>][] = [
        ['key', () => store.append([{ stream: 's', expectedVersion: 'any', events: [{ type: 'T', data: {} }] }], { idempotencyKey: '\ud800' })],
        ['key NUL', () => store.append([{ stream: 's', expectedVersion: 'any', events: [{ type: 'T', data: {} }] }], { idempotencyKey: 'a\u0000b' })],
        ['stream', () => store.append([{ stream: 's\udc00', expectedVersion: 'any', events: [{ type: 'T', data: {} }] }])],
        ['data', () => store.append([{ stream: 's', expectedVersion: 'any', events: [{ type: 'T', data: { x: ['ok', 'a\u0000'] } }] }])],
        ['actor', () => store.append([{ stream: 's', expectedVersion: 'any', events: [{ type: 'T', data: {} }] }], { actor: '\ud83d' })],
      ];
      for (const [what, run] of cases) {
        await expect(run()).rejects.toMatchObject({ code: 'BAD_USER_INPUT' });
        expect([what, await store.head()]).toEqual([what, head]);
      }
      // A surrogate pair (an emoji) is valid text and stores as is.
      const ok = await store.append([{ stream: 's', expectedVersion: 'any', events: [{ type: 'T', data: { e: '😀' } }] }], { idempotencyKey: 'k😀' });
      const [back] = await store.readRange(ok.head, ok.head);
      expect(back).toEqual(ok.events[0]);
    } finally {
      await store.close();
    }
    const v = await strata(['verify', '--db', db.url]);
    expect(v.stderr).toBe('');
    expect(v.status).toBe(0);
  });

  it('strata serve answers BAD_USER_INPUT to a lone surrogate or NUL in any mutation argument; verify and export-log still work', async () => {
    const server = await startServerProcess(db.url);
    try {
      const refused = [
        await gqlHttp(server.url, TAG, { k: '\ud800', t: 'x:1' }),
        await gqlHttp(server.url, TAG, { k: 'key\u0000', t: 'x:2' }),
        await gqlHttp(server.url, TAG, { t: 'x:\udfff' }),
        await gqlHttp(server.url, 'mutation { createContainer(image: "base:1", name: "c\\u0000") { id } }'),
        await gqlHttp(server.url, 'mutation($p: String!) { commit(input: { image: "base:1", changes: [{ change: ADDED, path: $p, kind: FILE, size: 1 }] }) { image { imageId } } }', { p: '/f\ud800' }),
      ];
      for (const r of refused) {
        expect(r.data ?? null).toBeNull();
        expect(r.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
        expect(r.errors?.[0]?.message).toMatch(/valid Unicode|NUL/);
      }
      const good = await gqlHttp(server.url, TAG, { k: 'emoji-😀', t: 'x:3' });
      expect(good.errors).toBeUndefined();
    } finally {
      await server.stop();
    }
    const v = await strata(['verify', '--db', db.url]);
    expect(v.stderr).toBe('');
    expect(v.status).toBe(0);
    const out = path.join(tempDir(), 'log.jsonl');
    const x = await strata(['export-log', '--db', db.url, '--out', out]);
    expect(x.stderr).toBe('');
    expect(x.status).toBe(0);
    expect(fs.readFileSync(out, 'utf8')).toContain('emoji-😀');
  });
});
