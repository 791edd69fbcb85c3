/**
 * A read-only view of a database for `strata verify` (issue 15 item 9): it
 * never migrates, never writes a table, and reads one consistent snapshot.
 * SQLite: a connection opened read-only (the file cannot be created or changed
 * through it) inside one read transaction. PostgreSQL: one connection in a
 * `REPEATABLE READ` transaction switched to `READ ONLY`, rolled back at close.
 *
 * Work that needs scratch copies of some tables (a replay of the projections)
 * runs in `withScratchTables`: empty TEMP tables with the same columns, keys
 * and unique indexes that shadow the real ones for unqualified names. SQLite
 * creates them on the read-only connection, without the plain (non-unique)
 * indexes: those only speed reads by other columns, which the replay (key
 * lookups) and the snapshot (key order) never make, and keeping them up to date
 * on random digests was a quarter of the replay at 100,000 images
 * (bench/RESULTS.md, item 6). PostgreSQL cannot create tables in a
 * read-only transaction, so they are created (session-local, dropped at
 * rollback) before the switch, and shadowing is a matter of search_path.
 */
import fs from 'node:fs';
import Database from 'better-sqlite3';
import { Client } from 'pg';
import { migrations, resolveBackend } from '../../ormconfig';
import { DomainError } from '../domain/errors';
import { postgresSql } from './postgres';
import { headSql, readRangeSql } from './reads';
import { sqliteSql } from './sqlite';
import type { Sql, StoredEvent } from './types';

export interface ReadOnlyLog {
  readonly dialect: 'sqlite' | 'postgres';
  /** Read-only SQL (writes to the scratch tables only, inside withScratchTables). */
  readonly sql: Sql;
  readRange(from: number, to?: number, limit?: number): Promise<StoredEvent[]>;
  head(): Promise<number>;
  /** Runs fn while the scratch tables (empty) shadow the real ones. */
  withScratchTables<T>(fn: () => Promise<T>): Promise<T>;
  /**
   * Every row of one of the scratch tables' real table (`stored`) or of its
   * scratch copy (`scratch`, inside withScratchTables), in `orderBy` order,
   * a page at a time: two of these can be read side by side without holding
   * either table (names from the code, never from input).
   */
  pages(table: string, side: TableSide, orderBy: string, pageSize: number): AsyncIterableIterator<RowPage>;
  /**
   * The order `pages` can read a table in the order its rows were written, or
   * null: SQLite's `rowid` (a replay writes the rows the appends wrote, in the
   * same order, so they get the same rowids; src/projections/tables.ts);
   * PostgreSQL has none (a heap's physical order is not the order of writes).
   */
  readonly insertionOrder: string | null;
  close(): Promise<void>;
}

export type TableSide = 'stored' | 'scratch';

/**
 * Rows as arrays of column values (`columns` names them, in SELECT * order):
 * no object per row for the driver to build and the collector to sweep.
 */
export interface RowPage { columns: readonly string[]; rows: unknown[][] }

export interface ReadOnlyOptions {
  /** Tables withScratchTables shadows (names from the code, never from input). */
  scratchTables?: readonly string[];
}

async function requireMigrated(sql: Sql): Promise<void> {
  let names: string[];
  try {
    names = (await sql.query<{ name: string }>('SELECT name FROM strata_migrations')).map((r) => r.name);
  } catch {
    throw new DomainError('BAD_USER_INPUT', 'not a Strata database (it has no migrations table)');
  }
  const missing = migrations.map((m) => m.name).filter((n) => !names.includes(n));
  if (missing.length) throw new DomainError('BAD_USER_INPUT',
    `the database needs migrations (${missing.join(', ')}); run strata migrate first (verify never writes)`);
}

const IDENT = /^[a-z_][a-z0-9_]*$/;

function checkNames(tables: readonly string[]): void {
  for (const t of tables) if (!IDENT.test(t)) throw new Error(`not a table name: ${t}`);
}

/** The scratch tables' page cache (KiB) and page size (bytes). */
const SCRATCH_CACHE_KIB = 64 * 1024;
const SCRATCH_PAGE_BYTES = 16 * 1024;

/** A key list as PROJECTION_TABLES writes it ("image_id, idx"). */
const ORDER = /^[a-z_][a-z0-9_]*(, [a-z_][a-z0-9_]*)*$/;

function checkPaging(tables: readonly string[], table: string, orderBy: string, pageSize: number): void {
  if (!tables.includes(table)) throw new Error(`not a scratch table: ${table}`);
  if (!ORDER.test(orderBy)) throw new Error(`not a key list: ${orderBy}`);
  if (!Number.isInteger(pageSize) || pageSize < 1) throw new Error(`not a page size: ${pageSize}`);
}

/**
 * SQLite: one statement stepped through (better-sqlite3 lets several reading
 * statements be open at once), cut into pages; finished (its statement reset)
 * when the caller stops early.
 */
async function* sqlitePages(conn: Database.Database, source: string, orderBy: string, pageSize: number):
  AsyncIterableIterator<RowPage> {
  const statement = conn.prepare(`SELECT * FROM ${source} ORDER BY ${orderBy}`).raw(true);
  const columns = statement.columns().map((c) => c.name);
  const rows = statement.iterate() as IterableIterator<unknown[]>;
  try {
    for (;;) {
      const page: unknown[][] = [];
      let r = rows.next();
      while (!r.done) {
        page.push(r.value);
        if (page.length === pageSize) break;
        r = rows.next();
      }
      if (page.length > 0) yield { columns, rows: page };
      if (r.done) return;
    }
  } finally {
    rows.return?.();
  }
}

let cursorCount = 0;

/** PostgreSQL: a cursor in the read transaction, fetched a page at a time, closed when done or abandoned. */
async function* postgresPages(client: Client, source: string, orderBy: string, pageSize: number):
  AsyncIterableIterator<RowPage> {
  const cursor = `strata_pages_${++cursorCount}`;
  await client.query(`DECLARE ${cursor} NO SCROLL CURSOR FOR SELECT * FROM ${source} ORDER BY ${orderBy}`);
  try {
    for (;;) {
      const r = await client.query({ text: `FETCH FORWARD ${pageSize} FROM ${cursor}`, rowMode: 'array' });
      const rows = r.rows as unknown[][];
      if (rows.length > 0) yield { columns: r.fields.map((f) => f.name), rows };
      if (rows.length < pageSize) return;
    }
  } finally {
    await client.query(`CLOSE ${cursor}`);
  }
}

async function openSqlite(file: string, tables: readonly string[]): Promise<ReadOnlyLog> {
  if (!fs.existsSync(file)) throw new DomainError('NOT_FOUND', `no database at ${file}`);
  const conn = new Database(file, { readonly: true, fileMustExist: true, timeout: 5000 });
  const sql = sqliteSql(conn);
  const close = async () => { if (conn.inTransaction) conn.exec('ROLLBACK'); conn.close(); };
  try {
    conn.exec('BEGIN');
    await requireMigrated(sql);
  } catch (e) {
    await close();
    throw e;
  }
  return {
    dialect: 'sqlite', sql, close, insertionOrder: 'rowid',
    readRange: (from, to, limit = 1000) => readRangeSql(sql, from, to, limit),
    head: () => headSql(sql),
    pages(table, side, orderBy, pageSize) {
      checkPaging(tables, table, orderBy, pageSize);
      return sqlitePages(conn, `${side === 'stored' ? 'main' : 'temp'}.${table}`, orderBy, pageSize);
    },
    async withScratchTables(fn) {
      // Set before the TEMP database's first table (later, SQLite ignores it): the replay
      // inserts on random digest keys, and B-trees of 16 KiB pages are shallower; at
      // 100,000 images the replay took 12.1-13.0 s instead of 13.8-16.9 s (bench/RESULTS.md, item 6).
      conn.pragma(`temp.page_size = ${SCRATCH_PAGE_BYTES}`);
      for (const table of tables) {
        const ddl = conn.prepare('SELECT type, sql FROM main.sqlite_master WHERE tbl_name = ? AND sql IS NOT NULL ORDER BY type DESC')
          .all(table) as { type: string; sql: string }[];
        for (const d of ddl) {
          if (d.type === 'table') conn.exec(d.sql.replace(/^CREATE TABLE/i, 'CREATE TEMP TABLE'));
          else if (/^CREATE UNIQUE INDEX/i.test(d.sql)) {
            conn.exec(d.sql.replace(/^CREATE (UNIQUE )?INDEX ("?)/i, (_m, u: string | undefined, q: string) => `CREATE ${u ?? ''}INDEX temp.${q}`));
          }
        }
      }
      // The TEMP database's own page cache (it reads 0: a few pages) made a replay
      // spill and re-read its B-tree pages through the temporary file: at 100,000
      // images 64 MB took 2 s of 15 off the replay for 50 MB (bench/RESULTS.md, item 6).
      conn.pragma(`temp.cache_size = -${SCRATCH_CACHE_KIB}`);
      try {
        return await fn();
      } finally {
        for (const table of tables) conn.exec(`DROP TABLE IF EXISTS temp.${table}`);
      }
    },
  };
}

async function openPostgres(url: string, tables: readonly string[]): Promise<ReadOnlyLog> {
  const client = new Client({ connectionString: url });
  await client.connect();
  const sql = postgresSql(async (text, params) => (await client.query(text, params as unknown[])).rows);
  const close = async () => { await client.query('ROLLBACK').catch(() => undefined); await client.end(); };
  let path: string;
  let quotedSchema: string;
  try {
    // READ WRITE only until the scratch tables exist (a database whose default is read-only included).
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ WRITE');
    await requireMigrated(sql);
    const schema = (await client.query('SELECT current_schema() AS s')).rows[0].s as string;
    quotedSchema = `"${schema.replace(/"/g, '""')}"`;
    path = (await client.query('SHOW search_path')).rows[0].search_path as string;
    for (const table of tables) {
      await client.query(`CREATE TEMP TABLE ${table} (LIKE ${quotedSchema}.${table} INCLUDING ALL)`);
    }
    // pg_temp named last: unqualified names mean the real tables again.
    await client.query(`SET LOCAL search_path = ${path}, pg_temp`);
    await client.query('SET TRANSACTION READ ONLY');
  } catch (e) {
    await close();
    throw e;
  }
  return {
    dialect: 'postgres', sql, close, insertionOrder: null,
    readRange: (from, to, limit = 1000) => readRangeSql(sql, from, to, limit),
    head: () => headSql(sql),
    pages(table, side, orderBy, pageSize) {
      checkPaging(tables, table, orderBy, pageSize);
      return postgresPages(client, `${side === 'stored' ? quotedSchema : 'pg_temp'}.${table}`, orderBy, pageSize);
    },
    async withScratchTables(fn) {
      await client.query(`SET LOCAL search_path = pg_temp, ${path}`);
      try {
        return await fn();
      } finally {
        await client.query(`SET LOCAL search_path = ${path}, pg_temp`);
      }
    },
  };
}

export async function openReadOnlyLog(db?: string | null, options: ReadOnlyOptions = {}): Promise<ReadOnlyLog> {
  const tables = options.scratchTables ?? [];
  checkNames(tables);
  const backend = resolveBackend(db);
  return backend.kind === 'sqlite' ? openSqlite(backend.file, tables) : openPostgres(backend.url, tables);
}
