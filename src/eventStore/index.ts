/**
 * Opens the event store for `--db` / `$STRATA_DB` and runs pending migrations
 * (PostgreSQL: under a session advisory lock, so instances starting together
 * migrate once).
 *
 * An existing SQLite file whose recorded migrations already include every one
 * this version knows opens with better-sqlite3 alone: TypeORM (~300 modules,
 * ~170 ms of CPU per start) loads only to create a database or run a pending
 * migration (docs/adr/0010-compiled-at-install.md, "Load a command's modules
 * when it runs").
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { DataSource } from 'typeorm';
import { dataSourceOptions, migrations, prepareSqlite, resolveBackend, SQLITE_STATEMENT_TIMEOUT_MS, type Backend } from '../../ormconfig';
import { SqliteEventStore } from './sqlite';
import type { EventStore } from './types';

export type { EventStore } from './types';

/** pg loads only for a postgres:// database: `strata` on SQLite never pays for it (docs/adr/0010-compiled-at-install.md). */
const postgres = (): typeof import('./postgres') => require('./postgres') as typeof import('./postgres');

export interface OpenOptions {
  /** Run pending migrations (default true). */
  migrate?: boolean;
  /** Told the names of the migrations this open applied (none: the schema was current). */
  onMigrated?: (applied: string[]) => void;
}

async function migrateSqlite(ds: DataSource): Promise<string[]> {
  const writer = (ds.driver as any).databaseConnection as Database.Database;
  // Another process may be migrating the same file: take the write lock first.
  const deadline = Date.now() + 60000;
  for (;;) {
    try { writer.exec('BEGIN IMMEDIATE'); break; } catch (e) {
      if ((e as { code?: string }).code !== 'SQLITE_BUSY' || Date.now() > deadline) throw e;
      await new Promise((r) => setTimeout(r, 20));
    }
  }
  writer.exec('COMMIT');
  return (await ds.runMigrations({ transaction: 'all' })).map((m) => m.name);
}

async function migratePostgres(ds: DataSource): Promise<string[]> {
  const qr = ds.createQueryRunner();
  await qr.connect();
  try {
    await qr.query('SELECT pg_advisory_lock($1)', [postgres().MIGRATION_LOCK_KEY]);
    return (await ds.runMigrations({ transaction: 'all' })).map((m) => m.name);
  } finally {
    await qr.query('SELECT pg_advisory_unlock($1)', [postgres().MIGRATION_LOCK_KEY]).catch(() => undefined);
    await qr.release();
  }
}

export async function openDataSource(backend: Backend): Promise<DataSource> {
  if (backend.kind === 'sqlite') fs.mkdirSync(path.dirname(backend.file), { recursive: true });
  const { DataSource } = require('typeorm') as typeof import('typeorm');
  const ds = new DataSource(dataSourceOptions(backend));
  await ds.initialize();
  return ds;
}

/** The names TypeORM records in strata_migrations for this version's migrations (its rule: `name`, else the class name). */
export function knownMigrationNames(): string[] {
  return migrations.map((M) => (new M() as { name?: string }).name || M.name);
}

/**
 * The connection TypeORM's better-sqlite3 driver would open (same options and
 * pragmas, ormconfig.ts), when `file` is an existing database that records
 * every migration this version knows; else null (closed again), and the caller
 * opens through TypeORM, which creates or migrates it. A migration applied
 * meanwhile by another process is committed with its record (`transaction: 'all'`),
 * so a database seen current here has that migration's schema.
 */
export function openCurrentSqlite(file: string): Database.Database | null {
  if (!fs.existsSync(file) || !fs.statSync(file).isFile()) return null;
  const db = new Database(file, { fileMustExist: true, timeout: SQLITE_STATEMENT_TIMEOUT_MS });
  try {
    prepareSqlite(db);
    db.pragma('foreign_keys = ON');
    db.pragma('journal_mode = WAL');
    const table = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'strata_migrations'").get();
    const applied = new Set(table ? db.prepare('SELECT name FROM strata_migrations').pluck().all() as string[] : []);
    if (knownMigrationNames().every((n) => applied.has(n))) return db;
  } catch (e) {
    db.close();
    throw e;
  }
  db.close();
  return null;
}

/**
 * Loads, opening nothing, what `openEventStore(db)` will load beyond
 * better-sqlite3: TypeORM (~260 ms of CPU) for a SQLite file that does not exist
 * yet (or PostgreSQL, with pg). A caller that has idle time before it opens
 * (`strata import`, while its scan thread starts) spends it here instead of after.
 */
export function loadEventStoreModules(db?: string | null): void {
  const backend = resolveBackend(db);
  if (backend.kind === 'sqlite' && fs.existsSync(backend.file)) return;
  require('typeorm');
  if (backend.kind === 'postgres') postgres();
}

export async function openEventStore(db?: string | null, options: OpenOptions = {}): Promise<EventStore> {
  const backend = resolveBackend(db);
  if (backend.kind === 'sqlite') {
    const writer = openCurrentSqlite(backend.file);
    if (writer) {
      try {
        if (options.migrate !== false) options.onMigrated?.([]);
        const reader = new Database(backend.file, { readonly: true, timeout: 5000 });
        return new SqliteEventStore(null, writer, reader, backend.file);
      } catch (e) {
        writer.close();
        throw e;
      }
    }
  }
  const ds = await openDataSource(backend);
  try {
    if (options.migrate !== false) {
      const applied = backend.kind === 'sqlite' ? await migrateSqlite(ds) : await migratePostgres(ds);
      options.onMigrated?.(applied);
    }
    if (backend.kind === 'postgres') return new (postgres().PostgresEventStore)(ds, backend.url);
    const writer = (ds.driver as any).databaseConnection as Database.Database;
    const reader = new Database(backend.file, { readonly: true, timeout: 5000 });
    return new SqliteEventStore(ds, writer, reader, backend.file);
  } catch (e) {
    await ds.destroy().catch(() => undefined);
    throw e;
  }
}
