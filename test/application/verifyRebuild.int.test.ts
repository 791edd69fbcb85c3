/**
 * Tamper evidence and projection repair, on every backend: an edited, deleted
 * or reordered event is caught at its position; a corrupted projection is
 * caught by verify and repaired by rebuild.
 */
import { readImages } from '../../src/importers';
import { recordImport } from '../../src/application/importImages';
import {
  rebuildProjections, verifyChain, verifyChainAndContents, verifyContents, verifyIdempotencyKeys, verifyProjections,
} from '../../src/application/verify';
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
  describe('the chain and the entry lists from one read of the log', () => {
    /** More than one page of events (200): the layers on the first page, the last event on another. */
    const appendTagMoves = (n: number) => t.app.append([{ stream: 'tag:many:1', expectedVersion: 0,
      events: Array.from({ length: n }, (_, i) => ({ type: 'TagMoved', data: { tag: 'many:1', from: i ? 'sha256:x' : null, to: 'sha256:x' } })) }]);
    const editLastEvent = () => t.app.store.writeTransaction((tx) =>
      tx.run("UPDATE events SET data = REPLACE(data, 'many:1', 'many:2') WHERE position = (SELECT MAX(position) FROM events)"));
    const firstLayer = async () => (await t.app.store.sql.query<{ diff_id: string }>(
      'SELECT diff_id FROM proj_layers ORDER BY committed_position LIMIT 1'))[0]!.diff_id;

    it('gives what verifyChain and verifyContents give, reading each position once', async () => {
      await appendTagMoves(250);
      const read: number[] = [];
      const store = t.app.store;
      const counting = { dialect: store.dialect, sql: store.sql, readRange: async (from: number, to?: number, limit?: number) => {
        const events = await store.readRange(from, to, limit);
        read.push(...events.map((e) => e.position));
        return events;
      } };
      const both = await verifyChainAndContents(counting);
      expect(both).toEqual({ chain: await verifyChain(store), contents: await verifyContents(store) });
      expect(both.chain).toMatchObject({ ok: true, checked: read.length });
      expect(new Set(read).size).toBe(read.length);
    });

    it('names a missing and a swapped entry list as verifyContents does', async () => {
      await appendTagMoves(250);
      await t.app.store.writeTransaction((tx) => tx.run('DELETE FROM layer_contents WHERE diff_id = (SELECT MIN(diff_id) FROM layer_contents)'));
      const missing = await verifyContents(t.app.store);
      expect(missing.map((p) => p.reason)).toEqual(['the layer\'s entry list is missing']);
      expect((await verifyChainAndContents(t.app.store)).contents).toEqual(missing);
      await t.app.store.writeTransaction(async (tx) => {
        const rows = await tx.query<{ body: Buffer }>('SELECT body FROM layer_contents ORDER BY diff_id LIMIT 1');
        await tx.run('UPDATE layer_contents SET body = ? WHERE diff_id = (SELECT MAX(diff_id) FROM layer_contents)', [rows[0]!.body]);
      });
      const swapped = await verifyContents(t.app.store);
      expect(swapped.map((p) => p.reason)).toContainEqual(expect.stringMatching(/does not match its digest$/));
      expect((await verifyChainAndContents(t.app.store)).contents).toEqual(swapped);
    });

    it('reports a broken chain alone, even after a damaged entry list', async () => {
      await appendTagMoves(250);
      const diffId = await firstLayer();
      await t.app.store.writeTransaction((tx) => tx.run('UPDATE layer_contents SET body = ? WHERE diff_id = ?', [Buffer.from('not gzip'), diffId]));
      // The entry-list check's own error (not a TAMPERED one) is thrown only where verifyContents would have thrown it.
      const thrown = await verifyContents(t.app.store).then(() => null, (e: Error) => e.message);
      expect(thrown).toEqual(expect.any(String));
      await expect(verifyChainAndContents(t.app.store)).rejects.toThrow(thrown!);
      await editLastEvent();
      const head = await t.app.store.head();
      expect(await verifyChainAndContents(t.app.store)).toEqual({ chain: await verifyChain(t.app.store), contents: [] });
      expect((await verifyChain(t.app.store)).firstBadPosition).toBe(head);
    });
  });
});
