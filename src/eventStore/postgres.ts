/**
 * PostgreSQL adapter (pg through TypeORM's DataSource), for several stateless
 * instances on one database.
 *
 * Ordering: appends are serialized by a transaction-scoped advisory lock. The
 * next appender reads the head only after the previous one committed, so
 * positions are assigned in commit order: a reader that follows the log by
 * position can never skip an event that commits late (ADR 0002).
 * Wake-ups: `pg_notify('strata_events')` on commit, LISTENed by followers, with
 * polling by position as the fallback (a lost notification delays, never loses).
 */
import { EventEmitter } from 'node:events';
import { Client } from 'pg';
import type { DataSource, QueryRunner } from 'typeorm';
import { appendWithin, streamVersionIn } from './appendCore';
import { LogFollower } from './follower';
import { headSql, readRangeSql, readStreamSql } from './reads';
import type { AppendOptions, AppendResult, EventStore, Sql, StoredEvent, StreamAppend, WithinAppend } from './types';
import { storageFault } from './faults';

/** Arbitrary constant naming Strata's append lock (pg advisory lock key space). */
export const APPEND_LOCK_KEY = 7_355_608_001;
export const MIGRATION_LOCK_KEY = 7_355_608_002;
const CHANNEL = 'strata_events';

/** `?` placeholders → `$n` (our SQL never has `?` inside string literals). */
export function toDollarParams(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}

const normalize = (params: unknown[] = []) => params.map((p) => (p === undefined ? null : p));

export function postgresSql(run: (sql: string, params: unknown[]) => Promise<any>): Sql {
  return {
    dialect: 'postgres',
    async query(sql, params) {
      const rows = await run(toDollarParams(sql), normalize(params));
      return Array.isArray(rows) ? rows : [];
    },
    async run(sql, params) { await run(toDollarParams(sql), normalize(params)); },
  };
}

export class PostgresEventStore implements EventStore {
  readonly dialect = 'postgres' as const;
  readonly sql: Sql;
  private readonly local = new EventEmitter();
  private listener: Client | null = null;
  private listenerReady: Promise<void> | null = null;
  /** The storage fault the last write transaction hit (null once one succeeds). */
  private lastWriteFault: string | null = null;

  constructor(
    private readonly dataSource: DataSource,
    private readonly url: string,
    private readonly pollMs = Number(process.env.STRATA_POLL_MS || 250),
  ) {
    this.sql = postgresSql((sql, params) => dataSource.query(sql, params));
    this.local.setMaxListeners(0);
  }

  async writeTransaction<T>(fn: (tx: Sql) => Promise<T>): Promise<T> {
    try {
      const out = await this.transaction(fn);
      this.lastWriteFault = null;
      return out;
    } catch (e) {
      this.lastWriteFault = storageFault(e);
      throw e;
    }
  }

  async writeProblem(): Promise<string | null> {
    const [r] = await this.sql.query<{ recovery: boolean; ro: string }>(
      "SELECT pg_is_in_recovery() AS recovery, current_setting('transaction_read_only') AS ro");
    if (r?.recovery || r?.ro === 'on') return 'the database is read-only';
    return this.lastWriteFault;
  }

  private async transaction<T>(fn: (tx: Sql) => Promise<T>): Promise<T> {
    const qr: QueryRunner = this.dataSource.createQueryRunner();
    await qr.connect();
    try {
      await qr.query('BEGIN');
      try {
        await qr.query('SELECT pg_advisory_xact_lock($1)', [APPEND_LOCK_KEY]);
        const out = await fn(postgresSql((sql, params) => qr.query(sql, params)));
        await qr.query('COMMIT');
        return out;
      } catch (e) {
        await qr.query('ROLLBACK').catch(() => undefined);
        throw e;
      }
    } finally {
      await qr.release();
    }
  }

  async append(batch: StreamAppend[], options: AppendOptions = {}, within?: WithinAppend): Promise<AppendResult> {
    const result = await this.writeTransaction(async (tx) => {
      const r = await appendWithin(tx, batch, options, within);
      if (!r.duplicate) await tx.query('SELECT pg_notify(?, ?)', [CHANNEL, String(r.head)]);
      return r;
    });
    if (!result.duplicate) this.local.emit('appended');
    return result;
  }

  readRange(from: number, to?: number, limit = 1000): Promise<StoredEvent[]> { return readRangeSql(this.sql, from, to, limit); }

  readStream(stream: string, fromVersion = 1, limit = 1000): Promise<StoredEvent[]> {
    return readStreamSql(this.sql, stream, fromVersion, limit);
  }

  streamVersion(stream: string): Promise<number> { return streamVersionIn(this.sql, stream); }

  head(): Promise<number> { return headSql(this.sql); }


  private ensureListener(): void {
    if (this.listenerReady) return;
    const client = new Client({ connectionString: this.url });
    this.listener = client;
    client.on('notification', () => this.local.emit('appended'));
    client.on('error', () => { this.listener = null; this.listenerReady = null; });
    this.listenerReady = client.connect().then(() => client.query(`LISTEN ${CHANNEL}`)).then(() => undefined)
      .catch(() => { this.listener = null; this.listenerReady = null; });
  }

  follow(from: number, onEvents: (events: StoredEvent[]) => Promise<void> | void) {
    this.ensureListener();
    const follower = new LogFollower(this, from, onEvents, this.pollMs);
    const nudge = () => follower.nudge();
    this.local.on('appended', nudge);
    return { stop: () => { follower.stop(); this.local.off('appended', nudge); } };
  }

  async close(): Promise<void> {
    this.local.removeAllListeners();
    const l = this.listener;
    this.listener = null;
    if (l) await l.end().catch(() => undefined);
    if (this.dataSource.isInitialized) await this.dataSource.destroy();
  }
}
