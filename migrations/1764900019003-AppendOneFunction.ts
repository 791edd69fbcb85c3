import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * PostgreSQL: `strata_append_one`, strata_append (migration 1764800019003) for
 * the commonest append, one event to one stream, with scalar parameters: the
 * event's row as stored, where strata_append takes ten one-element arrays and
 * three more for the stream, its version and the positions. Parsing those
 * array parameters (pg sends them as text literals, the server parses each)
 * and expanding them with unnest cost ~45 us of a ~400 us single-event call on
 * this machine (issue 19 item 3, bench/RESULTS.md "Appends, fourth pass").
 * Same steps in the same order and the same answers (`actual_versions`, the
 * one-element array strata_append answers, only when stale: the caller reads it
 * only then): the append lock, the key replay, the head and version checks,
 * the insert, the key and the notification.
 * `down` drops it.
 */
export class AppendOneFunction1764900019003 implements MigrationInterface {
  name = 'AppendOneFunction1764900019003';

  async up(q: QueryRunner): Promise<void> {
    if (q.connection.options.type !== 'postgres') return;
    await q.query(`CREATE OR REPLACE FUNCTION strata_append_one(
      p_assumed_position BIGINT, p_assumed_hash TEXT, p_assumed_version INTEGER,
      p_idem_key TEXT, p_recorded_at TEXT, p_operation TEXT, p_input_digest TEXT,
      p_position BIGINT, p_stream TEXT, p_version INTEGER, p_type TEXT, p_schema_version INTEGER,
      p_data TEXT, p_metadata TEXT, p_idempotency_key TEXT, p_prev_hash TEXT, p_hash TEXT,
      OUT outcome TEXT, OUT head_position BIGINT, OUT head_hash TEXT, OUT actual_versions INTEGER[],
      OUT key_first_position BIGINT, OUT key_last_position BIGINT, OUT key_operation TEXT, OUT key_input_digest TEXT)
    LANGUAGE plpgsql VOLATILE AS $fn$
    DECLARE
      v INTEGER;
    BEGIN
      PERFORM pg_advisory_xact_lock(7355608001);
      IF p_idem_key IS NOT NULL THEN
        SELECT k.first_position, k.last_position, k.operation, k.input_digest
          INTO key_first_position, key_last_position, key_operation, key_input_digest
          FROM idempotency_keys k WHERE k.key = p_idem_key;
        IF FOUND THEN
          outcome := 'duplicate';
          RETURN;
        END IF;
      END IF;
      SELECT e.position, e.hash INTO head_position, head_hash FROM events e ORDER BY e.position DESC LIMIT 1;
      head_position := COALESCE(head_position, 0);
      head_hash := COALESCE(head_hash, repeat('0', 64));
      SELECT MAX(e.version) INTO v FROM events e WHERE e.stream = p_stream;
      v := COALESCE(v, 0);
      IF head_position <> p_assumed_position OR head_hash <> p_assumed_hash OR v <> p_assumed_version THEN
        outcome := 'stale';
        actual_versions := ARRAY[v];
        RETURN;
      END IF;
      INSERT INTO events (position, stream, version, type, schema_version, data, metadata, idempotency_key, prev_hash, hash)
        VALUES (p_position, p_stream, p_version, p_type, p_schema_version, p_data, p_metadata, p_idempotency_key, p_prev_hash, p_hash);
      IF p_idem_key IS NOT NULL THEN
        INSERT INTO idempotency_keys (key, first_position, last_position, recorded_at, operation, input_digest)
          VALUES (p_idem_key, p_position, p_position, p_recorded_at, p_operation, p_input_digest);
      END IF;
      PERFORM pg_notify('strata_events', p_position::TEXT);
      outcome := 'appended';
      head_position := p_position;
      head_hash := p_hash;
    END
    $fn$`);
  }

  async down(q: QueryRunner): Promise<void> {
    if (q.connection.options.type !== 'postgres') return;
    await q.query(`DROP FUNCTION IF EXISTS strata_append_one(BIGINT, TEXT, INTEGER, TEXT, TEXT, TEXT, TEXT,
      BIGINT, TEXT, INTEGER, TEXT, INTEGER, TEXT, TEXT, TEXT, TEXT, TEXT)`);
  }
}
