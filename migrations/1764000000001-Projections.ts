import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Projection tables: every row here can be dropped and recomputed from the log
 * (`strata rebuild`), and `strata verify` proves they equal a replay.
 */
export class Projections1764000000001 implements MigrationInterface {
  name = 'Projections1764000000001';

  async up(q: QueryRunner): Promise<void> {
    const pg = q.connection.options.type === 'postgres';
    const big = pg ? 'BIGINT' : 'INTEGER';
    await q.query(`CREATE TABLE proj_images (
      image_id TEXT PRIMARY KEY,
      committed_position ${big} NOT NULL,
      removed_position ${big} NULL,
      version INTEGER NOT NULL,
      manifest_digests TEXT NOT NULL,
      created TEXT NULL,
      size ${big} NOT NULL,
      layer_count INTEGER NOT NULL,
      top_chain_id TEXT NULL,
      source TEXT NOT NULL
    )`);
    await q.query(`CREATE TABLE proj_image_layers (
      image_id TEXT NOT NULL,
      idx INTEGER NOT NULL,
      diff_id TEXT NOT NULL,
      chain_id TEXT NOT NULL,
      size ${big} NOT NULL,
      PRIMARY KEY (image_id, idx)
    )`);
    await q.query('CREATE INDEX proj_image_layers_chain ON proj_image_layers (chain_id)');
    await q.query('CREATE INDEX proj_image_layers_diff ON proj_image_layers (diff_id)');
    await q.query(`CREATE TABLE proj_layers (
      diff_id TEXT PRIMARY KEY,
      size ${big} NOT NULL,
      file_count INTEGER NOT NULL,
      entries_digest TEXT NOT NULL,
      digest TEXT NULL,
      media_type TEXT NULL,
      compressed_size ${big} NULL,
      committed_position ${big} NOT NULL
    )`);
    await q.query(`CREATE TABLE proj_tags (
      name TEXT PRIMARY KEY,
      image_id TEXT NULL,
      version INTEGER NOT NULL
    )`);
    await q.query(`CREATE TABLE proj_tag_moves (
      position ${big} PRIMARY KEY,
      tag TEXT NOT NULL,
      from_image TEXT NULL,
      to_image TEXT NULL,
      at TEXT NOT NULL,
      actor TEXT NULL
    )`);
    await q.query('CREATE INDEX proj_tag_moves_tag ON proj_tag_moves (tag, position)');
    await q.query(`CREATE TABLE proj_containers (
      container_id TEXT PRIMARY KEY,
      image_id TEXT NOT NULL,
      name TEXT NULL,
      change_count INTEGER NOT NULL,
      rw_size ${big} NOT NULL,
      copied_up_bytes ${big} NOT NULL,
      removed_position ${big} NULL
    )`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const t of ['proj_containers', 'proj_tag_moves', 'proj_tags', 'proj_layers', 'proj_image_layers', 'proj_images']) {
      await q.query(`DROP TABLE ${t}`);
    }
  }
}
