/**
 * TypeORM DataSource options for both backends, chosen by `--db` / `$STRATA_DB`:
 * a `postgres://` (or `postgresql://`) URL selects PostgreSQL, anything else is a
 * SQLite file path (default ./data/strata.db, created with its folder).
 */
import path from 'node:path';
import type { DataSourceOptions } from 'typeorm';
import { EventLog1764000000000 } from './migrations/1764000000000-EventLog';
import { Projections1764000000001 } from './migrations/1764000000001-Projections';
import { IdempotencyRequest1764500015006 } from './migrations/1764500015006-IdempotencyRequest';
import { WebhookOutbox1764500023000 } from './migrations/1764500023000-WebhookOutbox';
import { AppendFunction1764600019003 } from './migrations/1764600019003-AppendFunction';
import { ReadModelSnapshots1764700019006 } from './migrations/1764700019006-ReadModelSnapshots';
import { AppendFunctionStreamLoop1764800019003 } from './migrations/1764800019003-AppendFunctionStreamLoop';
import { AppendOneFunction1764900019003 } from './migrations/1764900019003-AppendOneFunction';

export const DEFAULT_SQLITE_PATH = './data/strata.db';

export const migrations = [
  EventLog1764000000000, Projections1764000000001, IdempotencyRequest1764500015006, WebhookOutbox1764500023000, AppendFunction1764600019003,
  ReadModelSnapshots1764700019006, AppendFunctionStreamLoop1764800019003, AppendOneFunction1764900019003,
];

export type Backend = { kind: 'sqlite'; file: string } | { kind: 'postgres'; url: string };

export function resolveBackend(db?: string | null): Backend {
  const value = db || process.env.STRATA_DB || DEFAULT_SQLITE_PATH;
  if (/^postgres(ql)?:\/\//i.test(value)) return { kind: 'postgres', url: value };
  const file = value.startsWith('sqlite:') ? value.replace(/^sqlite:(\/\/)?/, '') : value;
  return { kind: 'sqlite', file: path.resolve(file) };
}

/** Busy timeout for SQLite writers waiting on another process (ms). */
export const sqliteBusyTimeoutMs = () => Number(process.env.STRATA_BUSY_TIMEOUT_MS || 120000);

/** better-sqlite3's per-statement wait (ms): short; long waits are retried asynchronously (src/eventStore/sqlite.ts). */
export const SQLITE_STATEMENT_TIMEOUT_MS = 200;

/** Pragmas for every SQLite writer connection, opened through TypeORM or not (src/eventStore/index.ts). */
export function prepareSqlite(db: { pragma(source: string): unknown }): void {
  db.pragma('synchronous = NORMAL');
}

export function dataSourceOptions(backend: Backend): DataSourceOptions {
  if (backend.kind === 'postgres') {
    return {
      type: 'postgres',
      url: backend.url,
      migrations,
      migrationsRun: false,
      migrationsTableName: 'strata_migrations',
      // Pool per instance; see README "Running several instances" for sizing.
      poolSize: Number(process.env.STRATA_PG_POOL || 10),
      logging: false,
    };
  }
  return {
    type: 'better-sqlite3',
    database: backend.file,
    migrations,
    migrationsRun: false,
    migrationsTableName: 'strata_migrations',
    enableWAL: true,
    // Short per-statement wait; long waits are retried asynchronously (sqlite.ts)
    // so a server's event loop never blocks behind another process's import.
    timeout: SQLITE_STATEMENT_TIMEOUT_MS,
    statementCacheSize: 200,
    prepareDatabase: prepareSqlite,
    logging: false,
  };
}

/** Default export for the TypeORM CLI (`npx typeorm -d ormconfig.ts`). */
export default dataSourceOptions(resolveBackend());
