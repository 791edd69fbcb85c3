/**
 * Tamper evidence and projection repair, on every backend: an edited, deleted
 * or reordered event is caught at its position; a corrupted projection is
 * caught by verify and repaired by rebuild.
 */
import { readImages } from '../../src/importers';
import { recordImport } from '../../src/application/importImages';
import {
  rebuildProjections, verifyChain, verifyChainAndContents, verifyContents, verifyIdempotencyKeys, verifyProjections,
  verifyLogReadOnly, verifyProjectionsReadOnly,
} from '../../src/application/verify';
import { eventHash } from '../../src/eventStore/hashChain';
import { openReadOnlyLog, type ReadOnlyLog } from '../../src/eventStore/readOnly';
import type { StoredEvent } from '../../src/eventStore/types';
import { PROJECTION_TABLES } from '../../src/projections/tables';
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
  describe('strata verify\'s checks from one read of the log', () => {
    const readOnly = () => openReadOnlyLog(t.db.url, { scratchTables: Object.keys(PROJECTION_TABLES) });
    async function withLog<T>(fn: (log: ReadOnlyLog) => Promise<T>): Promise<T> {
      const log = await readOnly();
      try { return await fn(log); } finally { await log.close(); }
    }
    /** What the checks give run one after another, as `strata verify` ran them. */
    const oneByOne = () => withLog(async (log) => {
      const chain = await verifyChain(log);
      if (!chain.ok) return { chain, contents: [], projections: [] };
      return { chain, contents: [...await verifyContents(log), ...await verifyIdempotencyKeys(log)],
        projections: await verifyProjectionsReadOnly(log) };
    });
    /** Events written straight into the log, chained (no projection: the appends' checks are not theirs). */
    async function appendRaw(events: { stream: string; version: number; type: string; data: unknown }[], breakLast = false) {
      const [last] = await t.app.store.readRange(await t.app.store.head(), undefined, 1);
      let prev = last!;
      await t.app.store.writeTransaction(async (tx) => {
        for (const [i, e] of events.entries()) {
          const row = { ...e, position: prev.position + 1, schemaVersion: 1, idempotencyKey: null, prevHash: prev.hash,
            metadata: { recordedAt: '2026-12-01T00:00:00.000Z', actor: null } } as Omit<StoredEvent, 'hash'>;
          const hash = breakLast && i === events.length - 1 ? '0'.repeat(64) : eventHash(prev.hash, row);
          await tx.run(`INSERT INTO events (position, stream, version, type, schema_version, data, metadata, idempotency_key, prev_hash, hash)
            VALUES (?, ?, ?, ?, 1, ?, ?, NULL, ?, ?)`,
          [row.position, row.stream, row.version, row.type, JSON.stringify(row.data), JSON.stringify(row.metadata), row.prevHash, hash]);
          prev = { ...row, hash } as StoredEvent;
        }
      });
    }
    const tagMoves = (tag: string, n: number) => Array.from({ length: n }, (_, i) =>
      ({ stream: `tag:${tag}`, version: i + 1, type: 'TagMoved', data: { tag, from: i ? 'sha256:x' : null, to: 'sha256:x' } }));

    it('gives what the checks give one by one, reading each position once', async () => {
      await appendRaw(tagMoves('many:1', 250));
      await t.app.store.writeTransaction(async (tx) => {
        await tx.run("UPDATE proj_tags SET image_id = 'sha256:forged' WHERE name = 'app:1'");
        await tx.run("INSERT INTO idempotency_keys (key, first_position, last_position, recorded_at) VALUES ('forged', 2, 2, 'x')");
      });
      const read: number[] = [];
      // Every read of events by position: the log's pages, and the SQL a replay of its own would read them with.
      const once = await withLog((log) => verifyLogReadOnly({ ...log, pages: log.pages.bind(log),
        readRange: async (from: number, to?: number, limit?: number) => {
          const events = await log.readRange(from, to, limit);
          read.push(...events.map((e) => e.position));
          return events;
        },
        sql: { ...log.sql,
        query: async <R>(text: string, params?: unknown[]): Promise<R[]> => {
          const rows = await log.sql.query<R>(text, params);
          if (/FROM events WHERE position >= \?/.test(text)) read.push(...rows.map((r) => Number((r as { position: unknown }).position)));
          return rows;
        } } }));
      expect(once).toEqual(await oneByOne());
      expect(once.projections.map((d) => d.table)).toEqual(['proj_tags', 'proj_tag_moves']);
      expect(once.contents.map((p) => p.reason)).toEqual([expect.stringMatching(/^idempotency key "forged"/)]);
      expect(new Set(read).size).toBe(read.length);
      expect(read.length).toBe(once.chain.checked);
    });

    it('throws a replay\'s own error where the replay would, and reports a chain broken after it alone', async () => {
      // An image event without its layers: chained, but the projection cannot take it.
      await appendRaw([{ stream: 'image:sha256:bad', version: 1, type: 'ImageCommitted', data: { imageId: 'sha256:bad' } },
        ...tagMoves('after:1', 250)]);
      const thrown = await withLog((log) => verifyProjectionsReadOnly(log)).then(() => null, (e: Error) => e.message);
      expect(thrown).toEqual(expect.any(String));
      await expect(withLog((log) => verifyLogReadOnly(log))).rejects.toThrow(thrown!);
      await appendRaw(tagMoves('later:1', 1), true);
      const broken = await withLog((log) => verifyLogReadOnly(log));
      expect(broken).toEqual(await oneByOne());
      expect(broken).toMatchObject({ chain: { ok: false, firstBadPosition: await t.app.store.head() }, contents: [], projections: [] });
    });
  });
});
