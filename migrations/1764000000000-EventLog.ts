import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The append-only event log, idempotency keys and the content-addressed layer entry store. */
export class EventLog1764000000000 implements MigrationInterface {
  name = 'EventLog1764000000000';

  async up(q: QueryRunner): Promise<void> {
    const pg = q.connection.options.type === 'postgres';
    const big = pg ? 'BIGINT' : 'INTEGER';
    const blob = pg ? 'BYTEA' : 'BLOB';
    await q.query(`CREATE TABLE events (
      position ${big} PRIMARY KEY,
      stream TEXT NOT NULL,
      version INTEGER NOT NULL,
      type TEXT NOT NULL,
      schema_version INTEGER NOT NULL,
      data TEXT NOT NULL,
      metadata TEXT NOT NULL,
      idempotency_key TEXT NULL,
      prev_hash TEXT NOT NULL,
      hash TEXT NOT NULL,
      CONSTRAINT events_stream_version UNIQUE (stream, version)
    )`);
    await q.query('CREATE INDEX events_type_position ON events (type, position)');
    await q.query(`CREATE TABLE idempotency_keys (
      key TEXT PRIMARY KEY,
      first_position ${big} NOT NULL,
      last_position ${big} NOT NULL,
      recorded_at TEXT NOT NULL
    )`);
    // Layer entry lists, stored once per DiffID. Immutable and content-addressed
    // (entries_digest is what LayerCommitted carries), so not a projection.
    await q.query(`CREATE TABLE layer_contents (
      diff_id TEXT PRIMARY KEY,
      entries_digest TEXT NOT NULL,
      entry_count INTEGER NOT NULL,
      body ${blob} NOT NULL
    )`);
    // Small identifying files kept whole (os-release), by content digest.
    await q.query(`CREATE TABLE kept_files (
      digest TEXT PRIMARY KEY,
      content ${blob} NOT NULL
    )`);
    await q.query(`CREATE TABLE layer_kept_files (
      diff_id TEXT NOT NULL,
      path TEXT NOT NULL,
      digest TEXT NOT NULL,
      PRIMARY KEY (diff_id, path)
    )`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const t of ['layer_kept_files', 'kept_files', 'layer_contents', 'idempotency_keys', 'events']) {
      await q.query(`DROP TABLE ${t}`);
    }
  }
}
