import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * An idempotency key is tied to the request that first used it (issue 15
 * item 6): the operation (the mutation's name) and a digest of its input.
 * The same key with another operation or input is a CONFLICT, never a replay
 * of an unrelated result. Keys recorded before this migration keep NULLs.
 */
export class IdempotencyRequest1764500015006 implements MigrationInterface {
  name = 'IdempotencyRequest1764500015006';

  async up(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE idempotency_keys ADD COLUMN operation TEXT NULL');
    await q.query('ALTER TABLE idempotency_keys ADD COLUMN input_digest TEXT NULL');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE idempotency_keys DROP COLUMN input_digest');
    await q.query('ALTER TABLE idempotency_keys DROP COLUMN operation');
  }
}
