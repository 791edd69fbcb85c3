/**
 * Opens the event store for `--db` / `$STRATA_DB` and runs pending migrations
 * (PostgreSQL: under a session advisory lock, so instances starting together
 * migrate once).
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { DataSource } from 'typeorm';
import { dataSourceOptions, resolveBackend, type Backend } from '../../ormconfig';
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
  const ds = new DataSource(dataSourceOptions(backend));
  await ds.initialize();
  return ds;
}

export async function openEventStore(db?: string | null, options: OpenOptions = {}): Promise<EventStore> {
  const backend = resolveBackend(db);
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
