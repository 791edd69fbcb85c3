/**
 * PostgreSQL adapter (pg through TypeORM's DataSource), for several stateless
 * instances on one database.
 *
 * Ordering: appends are serialized by a transaction-scoped advisory lock. The
 * next appender reads the head only after the previous one committed, so
 * positions are assigned in commit order: a reader that follows the log by
 * position can never skip an event that commits late (ADR 0002).
 * An append is one call of `strata_append` (postgresAppend.ts): lock, key,
 * head, versions, insert and notify in one round trip, in a transaction of its
 * own, or inside BEGIN..COMMIT when work runs within the append.
 * Wake-ups: `pg_notify('strata_events')` on commit, LISTENed by followers, with
 * polling by position as the fallback (a lost notification delays, never loses).
 */
import { EventEmitter } from 'node:events';
import { Client, type Pool, type PoolClient } from 'pg';
import type { DataSource, QueryRunner } from 'typeorm';
import { streamVersionIn } from './appendCore';
import { EMPTY_HEAD, expectedVersions, prepareAppend, type LogHead } from './appendPlan';
import { appendByCalls, appendCallerOf, type AppendCaller, type Assumed } from './postgresAppend';
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
  /**
   * The head of this store's last append: what the next one is hashed against.
   * Only a guess (another instance or process may have appended since); the
   * function checks it under the lock, and a wrong guess costs a round trip.
   */
  private lastHead: LogHead = EMPTY_HEAD;
  /**
   * strata_append on TypeORM's pg pool itself: a named prepared statement (pg keeps
   * it per pooled connection), without the QueryRunner TypeORM builds per query.
   */
  private readonly callOnPool: AppendCaller;

  constructor(
    private readonly dataSource: DataSource,
    private readonly url: string,
    private readonly pollMs = Number(process.env.STRATA_POLL_MS || 250),
  ) {
    this.sql = postgresSql((sql, params) => dataSource.query(sql, params));
    this.callOnPool = appendCallerOf((dataSource.driver as unknown as { master: Pool }).master);
    this.local.setMaxListeners(0);
  }

  async writeTransaction<T>(fn: (tx: Sql) => Promise<T>): Promise<T> {
    return this.trackingFaults(() => this.transaction(fn, true));
  }

  private async trackingFaults<T>(write: () => Promise<T>): Promise<T> {
    try {
      const out = await write();
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

  /** `lock`: take the append lock first (strata_append takes it itself). `fn` also gets the connection, for the append calls. */
  private async transaction<T>(fn: (tx: Sql, connection: PoolClient) => Promise<T>, lock: boolean): Promise<T> {
    const qr: QueryRunner = this.dataSource.createQueryRunner();
    const connection = (await qr.connect()) as PoolClient;
    try {
      await qr.query('BEGIN');
      try {
        if (lock) await qr.query('SELECT pg_advisory_xact_lock($1)', [APPEND_LOCK_KEY]);
        const out = await fn(postgresSql((sql, params) => qr.query(sql, params)), connection);
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

  /**
   * Without `within`: one call in a transaction of its own (one round trip
   * when this instance's last head is still the head). If another appender
   * moved the head meanwhile, or with `within`: BEGIN, calls (the first takes
   * the lock, so at most two), `within`, COMMIT.
   */
  async append(batch: StreamAppend[], options: AppendOptions = {}, within?: WithinAppend): Promise<AppendResult> {
    const prepared = prepareAppend(batch, options);
    const request = options.request ?? null;
    const out = await this.trackingFaults(async () => {
      let assumed: Assumed = { head: this.lastHead, versions: expectedVersions(prepared) };
      if (!within) {
        const alone = await appendByCalls(this.callOnPool, this.sql, prepared, assumed, request, 1);
        if ('result' in alone) return alone;
        assumed = alone.stale;
      }
      return this.transaction(async (tx, connection) => {
        const locked = await appendByCalls(appendCallerOf(connection), tx, prepared, assumed, request, 2);
        if (!('result' in locked)) throw new Error('strata_append found the head moved while this transaction held the append lock');
        if (within && !locked.result.duplicate) await within(tx, locked.result.events);
        return locked;
      }, false);
    });
    if (out.head) this.lastHead = out.head;
    if (!out.result.duplicate) this.local.emit('appended');
    return out.result;
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
