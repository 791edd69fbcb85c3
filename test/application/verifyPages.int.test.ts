/**
 * `strata verify` compares each projection table with its replay page by page
 * (issue 19 item 6): the differences it reports must be the ones the whole-table
 * comparison (`verifyProjections`, both tables held) reports, wherever the
 * damaged row falls: first or last page, on a page boundary, a row missing or
 * added between two pages, at the end of a table, in two tables at once.
 * SQLite first reads both sides in rowid order (the order the rows were
 * written): only identical rows in that order may skip the key-order reading.
 */
import { recordImport } from '../../src/application/importImages';
import { verifyProjections, verifyProjectionsReadOnly } from '../../src/application/verify';
import { openReadOnlyLog } from '../../src/eventStore/readOnly';
import { PROJECTION_TABLES, type TableDifference } from '../../src/projections/tables';
import { backendNames } from '../helpers/backends';
import { openTestApp, type TestApp } from '../helpers/app';
import { file, image, layer } from '../helpers/synthetic';

const PAGE_SIZES = [1, 2, 3, 4, 1000];

interface LayerRow { image_id: string; idx: number; diff_id: string; chain_id: string; size: number }

describe.each(backendNames())('verify compares projections page by page on %s', (backend) => {
  let t: TestApp;
  let rows: LayerRow[];

  beforeEach(async () => {
    t = await openTestApp(backend);
    const base = layer([file('/base', 10)]);
    const images = [1, 2, 3, 4, 5, 6].map((i) => image(
      [base, ...Array.from({ length: i % 3 + 1 }, (_, j) => layer([file(`/app${i}/${j}`, i * 10 + j)]))], [`app${i}:1`], `salt${i}`));
    await recordImport(t.app, images, { actor: 'test' });
    rows = (await t.app.store.sql.query<LayerRow>('SELECT * FROM proj_image_layers ORDER BY image_id, idx'))
      .map((r) => ({ ...r, idx: Number(r.idx), size: Number(r.size) }));
  });
  afterEach(async () => t.close());

  const tamper = (...statements: [string, unknown[]][]) => t.app.store.writeTransaction(async (tx) => {
    for (const [sql, params] of statements) await tx.run(sql, params);
  });

  /** The read-only, paged comparison at every page size, each checked against the whole-table one. */
  async function pagedDiffs(): Promise<TableDifference[]> {
    const whole = await verifyProjections(t.app.store);
    const log = await openReadOnlyLog(t.db.url, { scratchTables: Object.keys(PROJECTION_TABLES) });
    try {
      const each: TableDifference[][] = [];
      // The same connection throughout: a comparison that stopped early must leave it usable.
      for (const size of PAGE_SIZES) each.push(await verifyProjectionsReadOnly(log, size));
      for (const d of each) expect(d).toEqual(whole);
    } finally {
      await log.close();
    }
    return whole;
  }

  const json = (r: LayerRow) => JSON.stringify(r);

  it('finds nothing in untouched tables', async () => {
    expect(rows.length).toBeGreaterThan(8);
    expect(await pagedDiffs()).toEqual([]);
  });

  it('names a corrupted value in the last row of a table', async () => {
    const last = rows[rows.length - 1]!;
    await tamper(['UPDATE proj_image_layers SET size = ? WHERE image_id = ? AND idx = ?', [last.size + 1, last.image_id, last.idx]]);
    expect(await pagedDiffs()).toEqual([{ table: 'proj_image_layers', key: String(rows.length - 1),
      detail: `stored ${json({ ...last, size: last.size + 1 })} but a replay gives ${json(last)}` }]);
  });

  it('names a corrupted value in the first row and in a row on each page boundary', async () => {
    for (const i of [0, 1, 2, 3, 4]) {
      const r = rows[i]!;
      await tamper(['UPDATE proj_image_layers SET chain_id = ? WHERE image_id = ? AND idx = ?', ['sha256:forged', r.image_id, r.idx]]);
      expect(await pagedDiffs()).toEqual([{ table: 'proj_image_layers', key: String(i),
        detail: `stored ${json({ ...r, chain_id: 'sha256:forged' })} but a replay gives ${json(r)}` }]);
      await tamper(['UPDATE proj_image_layers SET chain_id = ? WHERE image_id = ? AND idx = ?', [r.chain_id, r.image_id, r.idx]]);
    }
    expect(await pagedDiffs()).toEqual([]);
  });

  it('names a missing row in the middle and at the end', async () => {
    const k = 3;
    await tamper(['DELETE FROM proj_image_layers WHERE image_id = ? AND idx = ?', [rows[k]!.image_id, rows[k]!.idx]]);
    expect(await pagedDiffs()).toEqual([{ table: 'proj_image_layers', key: String(k),
      detail: `stored ${json(rows[k + 1]!)} but a replay gives ${json(rows[k]!)}` }]);
    const last = rows[rows.length - 1]!;
    await tamper(['INSERT INTO proj_image_layers (image_id, idx, diff_id, chain_id, size) VALUES (?, ?, ?, ?, ?)',
      [rows[k]!.image_id, rows[k]!.idx, rows[k]!.diff_id, rows[k]!.chain_id, rows[k]!.size]],
    ['DELETE FROM proj_image_layers WHERE image_id = ? AND idx = ?', [last.image_id, last.idx]]);
    expect(await pagedDiffs()).toEqual([{ table: 'proj_image_layers', key: String(rows.length - 1),
      detail: `stored null but a replay gives ${json(last)}` }]);
  });

  it('names an extra row whose key sorts between two others, and one past the end', async () => {
    // After the last row of the first image and before the first row of the next one.
    const group = rows.filter((r) => r.image_id === rows[0]!.image_id).length;
    const extra: LayerRow = { ...rows[0]!, idx: 99 };
    await tamper(['INSERT INTO proj_image_layers (image_id, idx, diff_id, chain_id, size) VALUES (?, ?, ?, ?, ?)',
      [extra.image_id, extra.idx, extra.diff_id, extra.chain_id, extra.size]]);
    expect(await pagedDiffs()).toEqual([{ table: 'proj_image_layers', key: String(group),
      detail: `stored ${json(extra)} but a replay gives ${json(rows[group]!)}` }]);
    const end: LayerRow = { ...rows[0]!, image_id: `sha256:${'f'.repeat(64)}`, idx: 0 };
    await tamper(['DELETE FROM proj_image_layers WHERE image_id = ? AND idx = ?', [extra.image_id, extra.idx]],
      ['INSERT INTO proj_image_layers (image_id, idx, diff_id, chain_id, size) VALUES (?, ?, ?, ?, ?)',
        [end.image_id, end.idx, end.diff_id, end.chain_id, end.size]]);
    expect(await pagedDiffs()).toEqual([{ table: 'proj_image_layers', key: String(rows.length),
      detail: `stored ${json(end)} but a replay gives null` }]);
  });

  it('names the first difference of each table that differs, in table order', async () => {
    const tags = await t.app.store.sql.query<{ name: string }>('SELECT name FROM proj_tags ORDER BY name');
    const layers = await t.app.store.sql.query<{ diff_id: string }>('SELECT diff_id FROM proj_layers ORDER BY diff_id');
    await tamper(["UPDATE proj_tags SET image_id = 'sha256:forged' WHERE name = ?", [tags[tags.length - 1]!.name]],
      ['DELETE FROM proj_layers WHERE diff_id = ?', [layers[2]!.diff_id]],
      ['UPDATE proj_layers SET size = size + 1 WHERE diff_id = ?', [layers[4]!.diff_id]]);
    const diffs = await pagedDiffs();
    expect(diffs.map((d) => [d.table, d.key])).toEqual([['proj_layers', '2'], ['proj_tags', String(tags.length - 1)]]);
    expect(diffs[1]!.detail).toMatch(/^stored \{"name":"app\d:1","image_id":"sha256:forged",.*\} but a replay gives \{"name":"app\d:1","image_id":"sha256:[0-9a-f]{64}",/);
  });
  /** Rewrites a table's rows in reverse key order: the same rows, written in another order (new rowids on SQLite). */
  async function rewriteReversed(table: string, key: string): Promise<void> {
    const all = await t.app.store.sql.query<Record<string, unknown>>(`SELECT * FROM ${table} ORDER BY ${key}`);
    const columns = Object.keys(all[0]!);
    await tamper([`DELETE FROM ${table}`, []], ...all.reverse().map((r): [string, unknown[]] =>
      [`INSERT INTO ${table} (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`, columns.map((c) => r[c])]));
  }

  it('finds nothing when the same rows were written in another order', async () => {
    await rewriteReversed('proj_image_layers', 'image_id, idx');
    await rewriteReversed('proj_layers', 'diff_id');
    expect(await pagedDiffs()).toEqual([]);
  });

  it('names a corrupted row among rows written in another order', async () => {
    await rewriteReversed('proj_image_layers', 'image_id, idx');
    const r = rows[2]!;
    await tamper(['UPDATE proj_image_layers SET size = ? WHERE image_id = ? AND idx = ?', [r.size + 7, r.image_id, r.idx]]);
    expect(await pagedDiffs()).toEqual([{ table: 'proj_image_layers', key: '2',
      detail: `stored ${json({ ...r, size: r.size + 7 })} but a replay gives ${json(r)}` }]);
  });

  it('reads untouched tables in insertion order only where the backend has one', async () => {
    const log = await openReadOnlyLog(t.db.url, { scratchTables: Object.keys(PROJECTION_TABLES) });
    const orders: string[] = [];
    const pages = log.pages.bind(log);
    try {
      const spied = { ...log, pages: (table: string, side: 'stored' | 'scratch', orderBy: string, size: number) => {
        orders.push(orderBy);
        return pages(table, side, orderBy, size);
      } };
      expect(await verifyProjectionsReadOnly(spied)).toEqual([]);
    } finally {
      await log.close();
    }
    const keys = Object.values(PROJECTION_TABLES).flatMap((k) => [k, k]);
    expect(orders).toEqual(backend === 'sqlite' ? keys.map(() => 'rowid') : keys);
  });
});
