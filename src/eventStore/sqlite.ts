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
import {
  HEAD_SQL, KEY_ROW_SQL, POSITIONS_SQL, RECORD_KEY_SQL, ROWS_PER_INSERT, STREAM_VERSION_SQL,
  checkKeyRequest, insertSql, keyParams, readPositions, streamVersionIn, type KeyRow,
} from './appendCore';
import { EMPTY_HEAD, chainAppend, checkAllExpected, prepareAppend, type LogHead } from './appendPlan';
import { rowToEvent, type EventRow } from './rows';
import { LogFollower } from './follower';
import { headSql, readRangeSql, readStreamSql } from './reads';
import type { AppendOptions, AppendResult, EventStore, Sql, StoredEvent, StreamAppend, WithinAppend } from './types';
import { enqueueWrite, writeQueueIdle } from './writeQueue';
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
  /** `PRAGMA data_version` on the reader: see changeCounter(). */
  private readonly readerVersion: Database.Statement;
  /** The append's statements on the writer, prepared once (appendCore.ts has their SQL). */
  private readonly appendStmts: {
    head: Database.Statement; version: Database.Statement; keyRow: Database.Statement; positions: Database.Statement;
    recordKey: Database.Statement; dataVersion: Database.Statement; insert: Map<number, Database.Statement>;
  };
  /**
   * The head this connection's last append committed, with the `PRAGMA data_version`
   * read in that transaction. data_version changes when another connection (another
   * process, or another store on the same file) commits, never for this one's own
   * commits: the same value inside the next write transaction proves the head is
   * still this one. Any other write transaction on this connection forgets it.
   */
  private knownHead: { dataVersion: number; head: LogHead } | null = null;

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
    this.readerVersion = reader.prepare('PRAGMA data_version').pluck();
    this.appendStmts = {
      head: writer.prepare(HEAD_SQL), version: writer.prepare(STREAM_VERSION_SQL).pluck(), keyRow: writer.prepare(KEY_ROW_SQL),
      positions: writer.prepare(POSITIONS_SQL), recordKey: writer.prepare(RECORD_KEY_SQL),
      dataVersion: writer.prepare('PRAGMA data_version').pluck(), insert: new Map(),
    };
    this.local.setMaxListeners(0);
  }

  private async beginImmediate(): Promise<void> {
    let deadline = 0;
    for (let attempt = 0; ; attempt++) {
      try { this.beginStmt.run(); return; } catch (e) {
        if (!isBusy(e)) throw e;
        deadline ||= Date.now() + sqliteBusyTimeoutMs();
        if (Date.now() > deadline) throw new DomainError('CONFLICT',
          'the database is locked by another writer (busy timeout exceeded); retry later');
        await sleep(Math.min(5 + attempt * 5, 100) * (0.5 + Math.random()));
      }
    }
  }

  writeTransaction<T>(fn: (tx: Sql) => Promise<T>): Promise<T> {
    return this.queuedTransaction(fn, null);
  }

  /**
   * A write transaction in the process-wide queue. Without `committed`, what fn writes
   * (events too: log import) is not an append this store tracks, so knownHead is
   * forgotten; with it, `committed` runs right after COMMIT, before any other write starts.
   */
  private queuedTransaction<T>(fn: (tx: Sql) => Promise<T>, committed: ((out: T) => void) | null): Promise<T> {
    return enqueueWrite(this.file, async () => {
      await this.beginImmediate();
      if (!committed) this.knownHead = null;
      try {
        const out = await fn(this.writeSql);
        this.commitStmt.run();
        this.lastWriteFault = null;
        committed?.(out);
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

  /**
   * The append (appendCore.ts's appendWithin, as synchronous statements: better-sqlite3
   * runs them synchronously, and a promise per statement cost more than the statement).
   * Without work within it and with no other write of this process queued, the whole
   * transaction runs at once: BEGIN IMMEDIATE to COMMIT with nothing else interleaved,
   * the order the queue would give it. Otherwise (work within, a queued write, or
   * another process holding the write lock) it goes through the queue.
   */
  async append(batch: StreamAppend[], options: AppendOptions = {}, within?: WithinAppend): Promise<AppendResult> {
    let result = within ? null : this.appendNow(batch, options);
    if (!result) {
      const r = await this.queuedTransaction(async (tx) => {
        const inTx = this.appendInTransaction(batch, options);
        if (within && !inTx.result.duplicate) await within(tx, inTx.result.events);
        return inTx;
      }, within ? null : (inTx) => this.remember(inTx));
      result = r.result;
    }
    if (!result.duplicate) this.local.emit('appended');
    return result;
  }

  /** The append run to COMMIT synchronously; null when it must wait (a queued write here, or the lock held elsewhere). */
  private appendNow(batch: StreamAppend[], options: AppendOptions): AppendResult | null {
    if (!writeQueueIdle(this.file) || this.writer.inTransaction) return null;
    try { this.beginStmt.run(); } catch (e) {
      if (isBusy(e)) return null;
      this.lastWriteFault = storageFault(e);
      throw e;
    }
    try {
      const r = this.appendInTransaction(batch, options);
      this.commitStmt.run();
      this.lastWriteFault = null;
      this.remember(r);
      return r.result;
    } catch (e) {
      this.lastWriteFault = storageFault(e);
      if (this.writer.inTransaction) this.writer.exec('ROLLBACK');
      throw e;
    }
  }

  private remember(r: { result: AppendResult; dataVersion: number }): void {
    if (r.result.duplicate) return; // the head did not move; what is known stays true
    const last = r.result.events[r.result.events.length - 1]!;
    this.knownHead = { dataVersion: r.dataVersion, head: { position: last.position, hash: last.hash } };
  }

  /** appendWithin's steps on the writer, inside its BEGIN IMMEDIATE; the head from knownHead while data_version proves it current. */
  private appendInTransaction(batch: StreamAppend[], options: AppendOptions): { result: AppendResult; dataVersion: number } {
    const st = this.appendStmts;
    const prepared = prepareAppend(batch, options);
    const dataVersion = st.dataVersion.get() as number;
    const key = prepared.key;
    const request = options.request ?? null;
    if (key) {
      const row = st.keyRow.get(key) as KeyRow | undefined;
      if (row) {
        checkKeyRequest(row, request);
        const events = (st.positions.all(Number(row.first_position), Number(row.last_position)) as EventRow[]).map(rowToEvent);
        return { result: { events, duplicate: true, head: Number(row.last_position) }, dataVersion };
      }
    }
    const known = this.knownHead;
    let head: LogHead;
    if (known && known.dataVersion === dataVersion) head = known.head;
    else {
      const last = st.head.get() as { position: number; hash: string } | undefined;
      head = last ? { position: Number(last.position), hash: last.hash } : EMPTY_HEAD;
    }
    const versions = prepared.streams.map((s) => Number(st.version.get(s.stream) ?? 0));
    checkAllExpected(prepared, versions);
    const chained = chainAppend(prepared, head, versions);
    const rows = chained.rows;
    for (let start = 0; start < rows.length; start += ROWS_PER_INSERT) {
      const end = Math.min(rows.length, start + ROWS_PER_INSERT);
      let insert = st.insert.get(end - start);
      if (!insert) { insert = this.writer.prepare(insertSql(end - start)); st.insert.set(end - start, insert); }
      if (end - start === 1) { insert.run(rows[start]!); continue; } // a single row is its own parameter list
      const params: unknown[] = [];
      for (let i = start; i < end; i++) params.push(...rows[i]!);
      insert.run(params);
    }
    if (key) st.recordKey.run(keyParams(key, chained, prepared.metadata.recordedAt, request));
    return { result: { events: chained.events, duplicate: false, head: chained.head.position }, dataVersion };
  }

  readRange(from: number, to?: number, limit = 1000): Promise<StoredEvent[]> { return readRangeSql(this.sql, from, to, limit); }

  readStream(stream: string, fromVersion = 1, limit = 1000): Promise<StoredEvent[]> {
    return readStreamSql(this.sql, stream, fromVersion, limit);
  }

  streamVersion(stream: string): Promise<number> { return streamVersionIn(this.sql, stream); }

  head(): Promise<number> { return headSql(this.sql); }

  /**
   * The reader's data_version: it changes when any other connection commits
   * (this store's writer, another store or process on the file), never
   * otherwise, and the reader never writes, so every append moves it.
   */
  changeCounter(): number { return this.readerVersion.get() as number; }

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
