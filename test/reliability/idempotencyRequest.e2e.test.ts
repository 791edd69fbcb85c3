/**
 * Issue 15 item 6: an idempotency key is tied to the request that first used
 * it. Before, `commit` with a key used earlier by `tagImage` answered the old,
 * unrelated result and dropped the change, and five concurrent `tagImage`
 * with one key and different tags all got 200 while four tags were never
 * created. Now the same key with another operation or input is a CONFLICT for
 * every mutation; a true retry still gets the first answer; the binding
 * survives export-log / import-log; verify still checks keys.
 */
import path from 'node:path';
import { Strata } from '../../src/application/strata';
import { recordImport } from '../../src/application/importImages';
import { backendNames, freshDb, tempDir, type TestDb } from '../helpers/backends';
import { gqlHttp, startServerProcess, type ServerProcess } from '../helpers/serverProcess';
import { file, image, layer } from '../helpers/synthetic';
import { strata } from './helpers';

jest.setTimeout(180_000);

const TAG = 'mutation($k: String, $t: String!) { tagImage(image: "base:1", tag: $t, idempotencyKey: $k) { repoTags } }';
const HEAD = '{ head }';

/** Every mutation that takes a key, each a valid request of its own kind. */
const OTHERS: [string, string][] = [
  ['commit', 'mutation($k: String) { commit(input: { image: "base:1", changes: [{ change: ADDED, path: "/new", kind: FILE, size: 3 }], idempotencyKey: $k }) { image { imageId } } }'],
  ['upgrade', 'mutation($k: String) { upgrade(input: { tag: "base:1", changes: [{ change: ADDED, path: "/up", kind: FILE, size: 3 }], idempotencyKey: $k }) { image { imageId } } }'],
  ['untag', 'mutation($k: String) { untag(tag: "base:1", idempotencyKey: $k) }'],
  ['removeImage', 'mutation($k: String) { removeImage(ref: "other:1", idempotencyKey: $k) { freedBytes } }'],
  ['createContainer', 'mutation($k: String) { createContainer(image: "base:1", idempotencyKey: $k) { id } }'],
];

async function head(s: ServerProcess): Promise<number> {
  return (await gqlHttp(s.url, HEAD)).data.head;
}

describe.each(backendNames())('idempotency keys tied to their request, on %s', (backend) => {
  let db: TestDb;
  let server: ServerProcess;

  beforeEach(async () => {
    db = await freshDb(backend);
    const app = await Strata.open(db.url);
    try {
      await recordImport(app, [image([layer([file('/a', 1)])], ['base:1'])], { actor: 'test' });
      await recordImport(app, [image([layer([file('/b', 2)])], ['other:1'], 'other')], { actor: 'test' });
    } finally {
      await app.close();
    }
    server = await startServerProcess(db.url);
  });
  afterEach(async () => {
    await server.stop();
    await db.drop();
  });

  it('the same key with another operation or input is CONFLICT for every mutation; a retry gets the first answer', async () => {
    const first = await gqlHttp(server.url, TAG, { k: 'K1', t: 'a:1' });
    expect(first.errors).toBeUndefined();
    const h = await head(server);
    const retry = await gqlHttp(server.url, TAG, { k: 'K1', t: 'a:1' });
    expect(retry).toEqual(first);
    const otherInput = await gqlHttp(server.url, TAG, { k: 'K1', t: 'a:2' });
    expect(otherInput.errors?.[0]?.extensions?.code).toBe('CONFLICT');
    for (const [name, doc] of OTHERS) {
      const r = await gqlHttp(server.url, doc, { k: 'K1' });
      expect([name, r.errors?.[0]?.extensions?.code]).toEqual([name, 'CONFLICT']);
      expect(r.data ?? null).toBeNull();
    }
    expect(await head(server)).toBe(h);
    // A key used by a container command is not a replay for another container command either.
    const c = await gqlHttp(server.url, OTHERS[4]![1], { k: 'K2' });
    expect(c.errors).toBeUndefined();
    const w = await gqlHttp(server.url, 'mutation($k: String, $c: String!) { writeFile(container: $c, change: { change: ADDED, path: "/w", kind: FILE, size: 1 }, idempotencyKey: $k) { id } }', { k: 'K2', c: c.data.createContainer.id });
    expect(w.errors?.[0]?.extensions?.code).toBe('CONFLICT');
  });

  it('five concurrent tagImage with one key and different tags: one wins, the others are CONFLICT', async () => {
    const h = await head(server);
    const answers = await Promise.all([1, 2, 3, 4, 5].map((n) => gqlHttp(server.url, TAG, { k: 'race', t: `race:${n}` })));
    const won = answers.filter((a) => !a.errors);
    const refused = answers.filter((a) => a.errors?.[0]?.extensions?.code === 'CONFLICT');
    expect([won.length, refused.length]).toEqual([1, 4]);
    const tags = (await gqlHttp(server.url, '{ tags { name } }')).data.tags.map((t: { name: string }) => t.name).filter((n: string) => n.startsWith('race:'));
    expect(tags).toHaveLength(1);
    expect(won[0]!.data.tagImage.repoTags).toContain(tags[0]);
    expect(await head(server)).toBe(h + 1);
  });

  it('verify checks the keys, and the binding survives export-log / import-log', async () => {
    expect((await gqlHttp(server.url, TAG, { k: 'K3', t: 'b:1' })).errors).toBeUndefined();
    await server.stop();
    const v = await strata(['verify', '--db', db.url]);
    expect(v.stderr).toBe('');
    expect(v.status).toBe(0);
    const out = path.join(tempDir(), 'log.jsonl');
    expect((await strata(['export-log', '--db', db.url, '--out', out])).status).toBe(0);
    const target = await freshDb(backend);
    try {
      const imp = await strata(['import-log', out, '--db', target.url]);
      expect(imp.stderr).toBe('');
      const moved = await startServerProcess(target.url);
      try {
        expect((await gqlHttp(moved.url, TAG, { k: 'K3', t: 'b:2' })).errors?.[0]?.extensions?.code).toBe('CONFLICT');
        expect((await gqlHttp(moved.url, TAG, { k: 'K3', t: 'b:1' })).errors).toBeUndefined();
      } finally {
        await moved.stop();
      }
    } finally {
      await target.drop();
    }
    server = await startServerProcess(db.url);
  });
});
