/**
 * SQL projection tables (proj_*), written in the same transaction as the
 * events they come from, for SQL consumers (BI, ad-hoc audits). `replayInto`
 * recomputes them from the log (`strata rebuild`); `snapshotTables` before and
 * after a replay, compared by `compareSnapshots`, proves they equal one
 * (`strata verify`).
 */
import { chainIdsOf } from '../domain/digest';
import type { ImageCommittedData } from '../domain/events';
import type { RowPage } from '../eventStore/readOnly';
import { asDomainEvent, type Sql, type StoredEvent } from '../eventStore/types';

import { sha256Hex as sha } from '../support/sha256';

export const PROJECTION_TABLES: Record<string, string> = {
  proj_images: 'image_id',
  proj_image_layers: 'image_id, idx',
  proj_layers: 'diff_id',
  proj_tags: 'name',
  proj_tag_moves: 'position',
  proj_containers: 'container_id',
};

async function layerSize(tx: Sql, diffId: string): Promise<number> {
  const rows = await tx.query<{ size: number | string }>('SELECT size FROM proj_layers WHERE diff_id = ?', [diffId]);
  return Number(rows[0]?.size ?? 0);
}

async function onImage(tx: Sql, e: StoredEvent, d: ImageCommittedData): Promise<void> {
  const existing = await tx.query<{ removed_position: unknown; manifest_digests: string }>(
    'SELECT removed_position, manifest_digests FROM proj_images WHERE image_id = ?', [d.imageId]);
  const prev = existing[0];
  if (prev && prev.removed_position === null) return;
  const manifests = new Set<string>(prev ? JSON.parse(prev.manifest_digests) : []);
  if (d.manifestDigest) manifests.add(d.manifestDigest);
  const chainIds = chainIdsOf(d.layers.map((l) => l.diffId), sha);
  const sizes: number[] = [];
  for (const l of d.layers) sizes.push(await layerSize(tx, l.diffId));
  await tx.run('DELETE FROM proj_image_layers WHERE image_id = ?', [d.imageId]);
  await tx.run('DELETE FROM proj_images WHERE image_id = ?', [d.imageId]);
  await tx.run(`INSERT INTO proj_images (image_id, committed_position, removed_position, version, manifest_digests, created, size,
      layer_count, top_chain_id, source)
    VALUES (?, ?, NULL, ?, ?, ?, ?, ?, ?, ?)`,
  [d.imageId, e.position, e.version, JSON.stringify([...manifests]), d.created, sizes.reduce((a, b) => a + b, 0),
    d.layers.length, chainIds[chainIds.length - 1] ?? null, d.source]);
  for (let i = 0; i < d.layers.length; i++) {
    await tx.run('INSERT INTO proj_image_layers (image_id, idx, diff_id, chain_id, size) VALUES (?, ?, ?, ?, ?)',
      [d.imageId, i, d.layers[i]!.diffId, chainIds[i], sizes[i]]);
  }
}

async function onTag(tx: Sql, e: StoredEvent, tag: string, to: string | null): Promise<void> {
  const cur = await tx.query<{ image_id: string | null }>('SELECT image_id FROM proj_tags WHERE name = ?', [tag]);
  const from = cur[0]?.image_id ?? null;
  if (cur.length > 0) await tx.run('UPDATE proj_tags SET image_id = ?, version = ? WHERE name = ?', [to, e.version, tag]);
  else await tx.run('INSERT INTO proj_tags (name, image_id, version) VALUES (?, ?, ?)', [tag, to, e.version]);
  await tx.run('INSERT INTO proj_tag_moves (position, tag, from_image, to_image, at, actor) VALUES (?, ?, ?, ?, ?, ?)',
    [e.position, tag, from, to, e.metadata.recordedAt, e.metadata.actor]);
}

/** Projects one event into the tables. */
export async function projectEvent(tx: Sql, e: StoredEvent): Promise<void> {
  const ev = asDomainEvent(e);
  switch (ev.type) {
    case 'LayerCommitted': {
      const d = ev.data;
      const have = await tx.query('SELECT diff_id FROM proj_layers WHERE diff_id = ?', [d.diffId]);
      if (have.length === 0) {
        await tx.run(`INSERT INTO proj_layers (diff_id, size, file_count, entries_digest, digest, media_type, compressed_size,
            committed_position)
          VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
        [d.diffId, d.size, d.fileCount, d.entriesDigest, d.digest, d.mediaType, d.compressedSize, e.position]);
      }
      break;
    }
    case 'ImageCommitted': await onImage(tx, e, ev.data); break;
    case 'ManifestDigestAdded': {
      const d = ev.data;
      const rows = await tx.query<{ manifest_digests: string }>('SELECT manifest_digests FROM proj_images WHERE image_id = ?', [d.imageId]);
      if (rows[0]) {
        const m = new Set<string>(JSON.parse(rows[0].manifest_digests));
        m.add(d.manifestDigest);
        await tx.run('UPDATE proj_images SET manifest_digests = ? WHERE image_id = ?', [JSON.stringify([...m]), d.imageId]);
      }
      break;
    }
    case 'ImageRemoved':
      await tx.run('UPDATE proj_images SET removed_position = ? WHERE image_id = ? AND removed_position IS NULL',
        [e.position, ev.data.imageId]);
      break;
    case 'TagMoved': { const d = ev.data; await onTag(tx, e, d.tag, d.to); break; }
    case 'TagRemoved': { const d = ev.data; await onTag(tx, e, d.tag, null); break; }
    case 'ContainerCreated': {
      const d = ev.data;
      await tx.run(`INSERT INTO proj_containers (container_id, image_id, name, change_count, rw_size, copied_up_bytes, removed_position)
        VALUES (?, ?, ?, 0, 0, 0, NULL)`, [d.containerId, d.imageId, d.name]);
      break;
    }
    case 'ContainerFileChanged': {
      const d = ev.data;
      const written = d.change === 'DELETED' ? 0 : d.kind === 'FILE' ? d.size : 0;
      await tx.run(`UPDATE proj_containers SET change_count = change_count + 1, rw_size = rw_size + ?,
          copied_up_bytes = copied_up_bytes + ? WHERE container_id = ?`,
        [written, d.copiedUpBytes ?? 0, d.containerId]);
      break;
    }
    case 'ContainerRemoved':
      await tx.run('UPDATE proj_containers SET removed_position = ? WHERE container_id = ?',
        [e.position, ev.data.containerId]);
      break;
    default: break;
  }
  if (e.stream.startsWith('image:')) {
    await tx.run('UPDATE proj_images SET version = ? WHERE image_id = ?', [e.version, e.stream.slice('image:'.length)]);
  }
}

export async function projectEvents(tx: Sql, events: readonly StoredEvent[]): Promise<void> {
  for (const e of events) await projectEvent(tx, e);
}

const normalizeValue = (v: unknown) => {
  if (typeof v === 'bigint') return Number(v);
  return typeof v === 'string' && /^-?\d+$/.test(v) && v.length < 16 ? Number(v) : v;
};

/**
 * Normalizes a page of driver rows in place: the rows are fresh from the
 * driver, and a copy of every row of every table (twice per verify) was most
 * of the garbage at 100,000 images.
 */
function normalizeRows(rows: Record<string, unknown>[]): Record<string, unknown>[] {
  for (const r of rows) for (const k in r) r[k] = normalizeValue(r[k]);
  return rows;
}

/** Every row of every projection table, in key order, values normalized across backends. */
export async function snapshotTables(tx: Sql): Promise<Record<string, unknown[]>> {
  const out: Record<string, unknown[]> = {};
  for (const [table, key] of Object.entries(PROJECTION_TABLES)) {
    out[table] = normalizeRows(await tx.query<Record<string, unknown>>(`SELECT * FROM ${table} ORDER BY ${key}`));
  }
  return out;
}

export async function clearTables(tx: Sql): Promise<void> {
  for (const table of Object.keys(PROJECTION_TABLES)) await tx.run(`DELETE FROM ${table}`);
}

/** Replays the whole log into the tables (inside a write transaction). */
export async function replayInto(tx: Sql, readRange: (from: number, to: number) => Promise<StoredEvent[]>, head: number): Promise<number> {
  await clearTables(tx);
  let next = 1;
  while (next <= head) {
    const batch = await readRange(next, Math.min(head, next + 999));
    if (batch.length === 0) break;
    await projectEvents(tx, batch);
    next = batch[batch.length - 1]!.position + 1;
  }
  return next - 1;
}

export interface TableDifference { table: string; key: string; detail: string }

/**
 * True when two rows have the same columns in the same order and identical
 * values, so their JSON is the same: the common case is decided without
 * serializing both rows. Anything else goes to the JSON comparison, which
 * stays the definition of "differs".
 */
function sameFlatRow(a: unknown, b: unknown): boolean {
  if (a === undefined || b === undefined || a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  return sameColumns(Object.keys(a), Object.keys(b)) && sameValues(Object.values(a), Object.values(b));
}

/** The first difference between row i of the stored table (a) and of the replay (b), if they differ. */
function rowDifference(table: string, i: number, a: unknown, b: unknown): TableDifference | null {
  if (sameFlatRow(a, b)) return null;
  const ja = JSON.stringify(a ?? null);
  const jb = JSON.stringify(b ?? null);
  return ja === jb ? null : { table, key: String(i), detail: `stored ${ja} but a replay gives ${jb}` };
}

/** First difference between two snapshots, per table. */
export function compareSnapshots(actual: Record<string, unknown[]>, expected: Record<string, unknown[]>): TableDifference[] {
  const diffs: TableDifference[] = [];
  for (const table of Object.keys(PROJECTION_TABLES)) {
    const a = actual[table] ?? [];
    const b = expected[table] ?? [];
    const n = Math.max(a.length, b.length);
    for (let i = 0; i < n; i++) {
      const d = rowDifference(table, i, a[i], b[i]);
      if (d) { diffs.push(d); break; }
    }
  }
  return diffs;
}

/** A table's rows in the given order (a key list, or SQLite's rowid), a page at a time (the stored table or the replay's copy). */
export type TablePages = (table: string, orderBy: string) => AsyncIterableIterator<RowPage>;

/**
 * Row after row of a paged table. Only reaching the end of a page waits (for
 * the next one): a row within a page is taken synchronously, no promise per row.
 */
class RowCursor {
  private page: RowPage = { columns: [], rows: [] };
  private at = 0;
  private done = false;
  constructor(private readonly pages: AsyncIterableIterator<RowPage>) {}

  get hasRow(): boolean { return this.at < this.page.rows.length; }

  /** The names of the columns of the row take() gives next. */
  get columns(): readonly string[] { return this.page.columns; }

  /** Whether there is a row to take, reading the next page when this one is used up. */
  async ready(): Promise<boolean> {
    while (!this.hasRow && !this.done) {
      const r = await this.pages.next();
      if (r.done) this.done = true;
      else { this.page = r.value; this.at = 0; }
    }
    return this.hasRow;
  }

  /** The next row's values, normalized across backends (only after hasRow or ready() said there is one). */
  take(): unknown[] {
    const values = this.takeAsStored();
    for (let i = 0; i < values.length; i++) values[i] = normalizeValue(values[i]);
    return values;
  }

  /** The next row's values as the driver gave them. */
  takeAsStored(): unknown[] { return this.page.rows[this.at++]!; }

  async close(): Promise<void> { await this.pages.return?.(); }
}

/** The row as the driver would have given it (an object keyed by column, in column order). */
const asObject = (columns: readonly string[], values: unknown[] | undefined): Record<string, unknown> | undefined =>
  values && Object.fromEntries(columns.map((c, i) => [c, values[i]]));

/** Identical values, none an object, position by position: rows named by the same columns are then the same. */
function sameValues(a: unknown[], b: unknown[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const va = a[i];
    if (va !== b[i] || (typeof va === 'object' && va !== null)) return false;
  }
  return true;
}

const sameColumns = (a: readonly string[], b: readonly string[]): boolean =>
  a === b || (a.length === b.length && a.every((c, i) => c === b[i]));

/** The first difference between a table's stored rows and its replay's, both read in key order. */
async function firstDifference(table: string, stored: AsyncIterableIterator<RowPage>, replayed: AsyncIterableIterator<RowPage>):
  Promise<TableDifference | null> {
  const a = new RowCursor(stored);
  const b = new RowCursor(replayed);
  try {
    for (let i = 0; ; i++) {
      const hasA = a.hasRow || await a.ready();
      const hasB = b.hasRow || await b.ready();
      if (!hasA && !hasB) return null;
      const ca = a.columns;
      const cb = b.columns;
      const va = hasA ? a.take() : undefined;
      const vb = hasB ? b.take() : undefined;
      if (va && vb && sameColumns(ca, cb) && sameValues(va, vb)) continue;
      const d = rowDifference(table, i, asObject(ca, va), asObject(cb, vb));
      if (d) return d;
    }
  } finally {
    await a.close();
    await b.close();
  }
}

/**
 * Whether two tables read in the same order hold the same rows, value for
 * value as the driver gives them (same type and value: no normalization),
 * none an object. Stops at the first row that is not.
 */
async function identicalInOrder(left: AsyncIterableIterator<RowPage>, right: AsyncIterableIterator<RowPage>): Promise<boolean> {
  const a = new RowCursor(left);
  const b = new RowCursor(right);
  try {
    for (;;) {
      const hasA = a.hasRow || await a.ready();
      const hasB = b.hasRow || await b.ready();
      if (hasA !== hasB) return false;
      if (!hasA) return true;
      if (!sameColumns(a.columns, b.columns) || !sameValues(a.takeAsStored(), b.takeAsStored())) return false;
    }
  } finally {
    await a.close();
    await b.close();
  }
}

/**
 * compareSnapshots over two tables read side by side a page at a time, so
 * neither is held (two snapshots were 1.1 GB at 100,000 images): row i of
 * the stored table against row i of the replay, in key order, the same rows
 * compared and the same first difference reported.
 *
 * With an `insertionOrder` (SQLite's rowid) each table is first read in that
 * order on both sides: a replay writes the rows the appends wrote, in the same
 * order, so both tables are then read front to back, where key order walks an
 * index and looks each row up in the table (a random read per row: at 100,000
 * images the comparison took 4.1 s in key order, 2.2 s this way; bench/RESULTS.md,
 * item 6). Identical rows in that order are the same rows, and the same values
 * sort the same way, so key order would find no difference either. Anything
 * else (a row differs, or the rows were written in another order, e.g. by a
 * VACUUM) goes to the key-order comparison, which stays the definition and
 * names the difference.
 */
export async function compareTablePages(stored: TablePages, replayed: TablePages, insertionOrder: string | null = null):
  Promise<TableDifference[]> {
  const diffs: TableDifference[] = [];
  for (const [table, key] of Object.entries(PROJECTION_TABLES)) {
    if (insertionOrder && await identicalInOrder(stored(table, insertionOrder), replayed(table, insertionOrder))) continue;
    const d = await firstDifference(table, stored(table, key), replayed(table, key));
    if (d) diffs.push(d);
  }
  return diffs;
}
