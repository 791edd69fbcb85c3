/**
 * SQLite adapter (better-sqlite3; through TypeORM's DataSource when this open
 * created or migrated the database, else directly: src/eventStore/index.ts): WAL; writes go
 * through a process-wide queue and `BEGIN IMMEDIATE`; waiting for another
 * process's write lock is an async retry loop (so a server keeps answering
 * reads meanwhile) bounded by STRATA_BUSY_TIMEOUT_MS. Reads use a second,
 * read-only connection, so they never see an open transaction's rows.
 */
import Database from 'better-sqlite3';
import { EventEmitter } from 'node:events';
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import type { DataSource } from 'typeorm';
import { sqliteBusyTimeoutMs } from '../../ormconfig';
import { DomainError } from '../domain/errors';
import { appendWithin, readPositions, streamVersionIn } from './appendCore';
import { LogFollower } from './follower';
import { headSql, readRangeSql, readStreamSql } from './reads';
import type { AppendOptions, AppendResult, EventStore, Sql, StoredEvent, StreamAppend, WithinAppend } from './types';
import { enqueueWrite } from './writeQueue';
import { storageFault } from './faults';

/** Below this much free space on the database's disk, /healthz says writes may fail. */
const MIN_FREE_BYTES = 1024 * 1024;

const normalize = (params: unknown[] = []) =>
  params.map((p) => (typeof p === 'boolean' ? (p ? 1 : 0) : p === undefined ? null : p));

/** Sql over one better-sqlite3 connection, with a statement cache. */
export function sqliteSql(db: Database.Database): Sql {
  const cache = new Map<string, Database.Statement>();
  const stmt = (sql: string) => {
    let s = cache.get(sql);
    if (!s) { s = db.prepare(sql); cache.set(sql, s); }
    return s;
  };
  return {
    dialect: 'sqlite',
    async query(sql, params) {
      const s = stmt(sql);
      return (s.reader ? s.all(...normalize(params)) : (s.run(...normalize(params)), [])) as any[];
    },
    async run(sql, params) { stmt(sql).run(...normalize(params)); },
  };
}

const isBusy = (e: unknown) => (e as { code?: string })?.code === 'SQLITE_BUSY' || (e as { code?: string })?.code === 'SQLITE_LOCKED';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class SqliteEventStore implements EventStore {
  readonly dialect = 'sqlite' as const;
  readonly sql: Sql;
  private readonly writeSql: Sql;
  private readonly local = new EventEmitter();
  /** The storage fault the last write transaction hit (null once one succeeds). */
  private lastWriteFault: string | null = null;
  /** Prepared once: exec() would compile the statement on every transaction. */
  private readonly beginStmt: Database.Statement;
  private readonly commitStmt: Database.Statement;

  constructor(
    /** The DataSource that opened `writer`, or null when it was opened directly (close() then closes it). */
    private readonly dataSource: DataSource | null,
    private readonly writer: Database.Database,
    private readonly reader: Database.Database,
    private readonly file: string,
    private readonly pollMs = Number(process.env.STRATA_POLL_MS || 100),
  ) {
    this.sql = sqliteSql(reader);
    this.writeSql = sqliteSql(writer);
    this.beginStmt = writer.prepare('BEGIN IMMEDIATE');
    this.commitStmt = writer.prepare('COMMIT');
    this.local.setMaxListeners(0);
  }

  private async beginImmediate(): Promise<void> {
    const deadline = Date.now() + sqliteBusyTimeoutMs();
    for (let attempt = 0; ; attempt++) {
      try { this.beginStmt.run(); return; } catch (e) {
        if (!isBusy(e)) throw e;
        if (Date.now() > deadline) throw new DomainError('CONFLICT',
          'the database is locked by another writer (busy timeout exceeded); retry later');
        await sleep(Math.min(5 + attempt * 5, 100) * (0.5 + Math.random()));
      }
    }
  }

  writeTransaction<T>(fn: (tx: Sql) => Promise<T>): Promise<T> {
    return enqueueWrite(this.file, async () => {
      await this.beginImmediate();
      try {
        const out = await fn(this.writeSql);
        this.commitStmt.run();
        this.lastWriteFault = null;
        return out;
      } catch (e) {
        this.lastWriteFault = storageFault(e);
        if (this.writer.inTransaction) this.writer.exec('ROLLBACK');
        throw e;
      }
    }).catch((e) => {
      this.lastWriteFault ??= storageFault(e);
      throw e;
    });
  }

  async writeProblem(): Promise<string | null> {
    if (this.writer.readonly) return 'the database is read-only';
    const free = await fsp.statfs(path.dirname(path.resolve(this.file))).then((s) => s.bavail * s.bsize).catch(() => null);
    if (free !== null && free < MIN_FREE_BYTES) return 'the disk is full';
    return this.lastWriteFault;
  }

  async append(batch: StreamAppend[], options: AppendOptions = {}, within?: WithinAppend): Promise<AppendResult> {
    const result = await this.writeTransaction((tx) => appendWithin(tx, batch, options, within));
    if (!result.duplicate) this.local.emit('appended');
    return result;
  }

  readRange(from: number, to?: number, limit = 1000): Promise<StoredEvent[]> { return readRangeSql(this.sql, from, to, limit); }

  readStream(stream: string, fromVersion = 1, limit = 1000): Promise<StoredEvent[]> {
    return readStreamSql(this.sql, stream, fromVersion, limit);
  }

  streamVersion(stream: string): Promise<number> { return streamVersionIn(this.sql, stream); }

  head(): Promise<number> { return headSql(this.sql); }


  follow(from: number, onEvents: (events: StoredEvent[]) => Promise<void> | void) {
    const follower = new LogFollower(this, from, onEvents, this.pollMs);
    const nudge = () => follower.nudge();
    this.local.on('appended', nudge);
    return { stop: () => { follower.stop(); this.local.off('appended', nudge); } };
  }

  /** Positions from..to read on the write connection (inside a transaction). */
  readWithin(tx: Sql, from: number, to: number) { return readPositions(tx, from, to); }

  async close(): Promise<void> {
    this.local.removeAllListeners();
    this.reader.close();
    if (!this.dataSource) {
      if (this.writer.open) this.writer.close();
    } else if (this.dataSource.isInitialized) await this.dataSource.destroy();
  }
}
