import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Outbound webhooks (issue 23, docs/webhooks.md): an outbox of deliveries
 * and, per endpoint, the log position up to which its deliveries are queued.
 * Not a projection: delivery attempts are what happened on the wire, not a
 * function of the log, so `strata rebuild` leaves them alone. The unique key
 * (endpoint, position, kind) lets several instances queue the same event and
 * keep one delivery.
 */
export class WebhookOutbox1764500023000 implements MigrationInterface {
  name = 'WebhookOutbox1764500023000';

  async up(q: QueryRunner): Promise<void> {
    const pg = q.connection.options.type === 'postgres';
    const big = pg ? 'BIGINT' : 'INTEGER';
    await q.query(`CREATE TABLE webhook_cursors (
      endpoint TEXT PRIMARY KEY,
      position ${big} NOT NULL
    )`);
    await q.query(`CREATE TABLE webhook_deliveries (
      id TEXT PRIMARY KEY,
      endpoint TEXT NOT NULL,
      position ${big} NOT NULL,
      kind TEXT NOT NULL,
      payload TEXT NOT NULL,
      status TEXT NOT NULL,
      attempts INTEGER NOT NULL,
      response_status INTEGER NULL,
      last_error TEXT NULL,
      created_at TEXT NOT NULL,
      next_attempt_at TEXT NOT NULL,
      last_attempt_at TEXT NULL,
      delivered_at TEXT NULL,
      lease_owner TEXT NULL,
      lease_until TEXT NULL,
      UNIQUE (endpoint, position, kind)
    )`);
    await q.query('CREATE INDEX webhook_deliveries_due ON webhook_deliveries (status, next_attempt_at)');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE webhook_deliveries');
    await q.query('DROP TABLE webhook_cursors');
  }
}
