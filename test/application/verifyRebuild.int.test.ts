/**
 * Tamper evidence and projection repair, on every backend: an edited, deleted
 * or reordered event is caught at its position; a corrupted projection is
 * caught by verify and repaired by rebuild.
 */
import { readImages } from '../../src/importers';
import { recordImport } from '../../src/application/importImages';
import { rebuildProjections, verifyChain, verifyContents, verifyIdempotencyKeys, verifyProjections } from '../../src/application/verify';
import { backendNames } from '../helpers/backends';
import { openTestApp, type TestApp } from '../helpers/app';
import { samples } from '../helpers/sampleImages';

describe.each(backendNames())('verify and rebuild on %s', (backend) => {
  let t: TestApp;
  beforeEach(async () => {
    t = await openTestApp(backend);
    const s = await samples();
    await recordImport(t.app, await readImages(s.ociGzipArchive), { extraTags: ['app:1'] });
    await recordImport(t.app, await readImages(s.dockerArchive));
  });
  afterEach(async () => t.close());

  it('passes on an untouched log', async () => {
    expect((await verifyChain(t.app.store)).ok).toBe(true);
    expect(await verifyContents(t.app.store)).toEqual([]);
    expect(await verifyProjections(t.app.store)).toEqual([]);
  });

  it('names the position of an edited event', async () => {
    await t.app.store.writeTransaction((tx) => tx.run("UPDATE events SET data = REPLACE(data, '\"size\":', '\"size\":1') WHERE position = 5"));
    const r = await verifyChain(t.app.store);
    expect(r).toMatchObject({ ok: false, firstBadPosition: 5 });
  });

  it('names the position of a deleted event', async () => {
    await t.app.store.writeTransaction((tx) => tx.run('DELETE FROM events WHERE position = 7'));
    expect(await verifyChain(t.app.store)).toMatchObject({ ok: false, firstBadPosition: 7 });
  });

  it('catches two swapped events', async () => {
    await t.app.store.writeTransaction(async (tx) => {
      await tx.run('UPDATE events SET position = -1 WHERE position = 3');
      await tx.run('UPDATE events SET position = 3 WHERE position = 4');
      await tx.run('UPDATE events SET position = 4 WHERE position = -1');
    });
    expect(await verifyChain(t.app.store)).toMatchObject({ ok: false, firstBadPosition: 3 });
  });

  it('detects truncation of the newest events only against an anchored head', async () => {
    const anchor = await verifyChain(t.app.store);
    await t.app.store.writeTransaction((tx) => tx.run('DELETE FROM events WHERE position = ?', [anchor.headPosition]));
    expect((await verifyChain(t.app.store)).ok).toBe(true); // the chain alone cannot see it
    expect(await verifyChain(t.app.store, anchor.headHash)).toMatchObject({ ok: false });
    expect(await verifyChain(t.app.store, `${anchor.headPosition}:${anchor.headHash}`)).toMatchObject({ ok: false, firstBadPosition: anchor.headPosition });
  });

  it('catches a corrupted projection and rebuild repairs it', async () => {
    await t.app.store.writeTransaction((tx) => tx.run("UPDATE proj_tags SET image_id = 'sha256:forged' WHERE name = 'app:1'"));
    const diffs = await verifyProjections(t.app.store);
    expect(diffs.map((d) => d.table)).toEqual(['proj_tags']);
    await rebuildProjections(t.app.store);
    expect(await verifyProjections(t.app.store)).toEqual([]);
  });

  it('catches a swapped layer entry list', async () => {
    await t.app.store.writeTransaction(async (tx) => {
      const rows = await tx.query<{ body: Buffer }>('SELECT body FROM layer_contents ORDER BY diff_id LIMIT 1');
      await tx.run('UPDATE layer_contents SET body = ? WHERE diff_id = (SELECT MAX(diff_id) FROM layer_contents)', [rows[0]!.body]);
    });
    expect((await verifyContents(t.app.store)).length).toBeGreaterThan(0);
  });

  it('catches a forged or lost idempotency key', async () => {
    await t.app.append([{ stream: 'tag:k:1', expectedVersion: 0, events: [{ type: 'TagMoved', data: { tag: 'k:1', from: null, to: 'sha256:x' } }] }], { idempotencyKey: 'retry-1' });
    expect(await verifyIdempotencyKeys(t.app.store)).toEqual([]);
    await t.app.store.writeTransaction((tx) => tx.run("INSERT INTO idempotency_keys (key, first_position, last_position, recorded_at) VALUES ('forged', 2, 2, 'x')"));
    expect((await verifyIdempotencyKeys(t.app.store)).map((p) => [p.position, p.key])).toEqual([[2, 'forged']]);
    await t.app.store.writeTransaction((tx) => tx.run("DELETE FROM idempotency_keys WHERE key = 'retry-1'"));
    expect((await verifyIdempotencyKeys(t.app.store)).map((p) => p.key)).toEqual(['forged', 'retry-1']);
  });
});
