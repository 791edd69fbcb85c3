import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Read-model snapshots (issue 19 item 6, docs/adr/0012-read-model-snapshots.md):
 * the in-memory fold serialized at a log position, with that position's chain
 * hash and the format it was written in, in chunks so that no one write holds
 * the database long. A cache, not a projection of record: deleting every row
 * changes no answer (a start then folds the whole log), and `strata rebuild`
 * and `strata verify` leave them alone. A snapshot is usable once `complete`.
 */
export class ReadModelSnapshots1764700019006 implements MigrationInterface {
  name = 'ReadModelSnapshots1764700019006';

  async up(q: QueryRunner): Promise<void> {
    const pg = q.connection.options.type === 'postgres';
    const big = pg ? 'BIGINT' : 'INTEGER';
    await q.query(`CREATE TABLE read_model_snapshots (
      id TEXT PRIMARY KEY,
      position ${big} NOT NULL,
      hash TEXT NOT NULL,
      format TEXT NOT NULL,
      body_sha256 TEXT NOT NULL,
      body_bytes ${big} NOT NULL,
      chunks INTEGER NOT NULL,
      created_at TEXT NOT NULL,
      complete INTEGER NOT NULL
    )`);
    await q.query('CREATE INDEX read_model_snapshots_newest ON read_model_snapshots (complete, position)');
    await q.query(`CREATE TABLE read_model_snapshot_chunks (
      snapshot_id TEXT NOT NULL,
      seq INTEGER NOT NULL,
      body ${pg ? 'BYTEA' : 'BLOB'} NOT NULL,
      PRIMARY KEY (snapshot_id, seq)
    )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE read_model_snapshot_chunks');
    await q.query('DROP TABLE read_model_snapshots');
  }
}
