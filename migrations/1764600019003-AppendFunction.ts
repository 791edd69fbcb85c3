import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * PostgreSQL: an append in one round trip (issue 19 item 3, ADR 0002 addendum).
 * `strata_append` takes the append lock, replays an idempotency key, reads the
 * head and the streams' versions, and — only if they are the ones the caller
 * hashed its events against — inserts the events and the key and notifies
 * followers. Otherwise it writes nothing and answers the actual head and
 * versions, from which the caller decides CONFLICT or re-hashes and calls
 * again (src/eventStore/postgresAppend.ts). The hash chain stays computed in
 * one place, the application, so the function needs no canonical JSON.
 * SQLite appends in process and needs nothing here.
 */
export class AppendFunction1764600019003 implements MigrationInterface {
  name = 'AppendFunction1764600019003';

  async up(q: QueryRunner): Promise<void> {
    if (q.connection.options.type !== 'postgres') return;
    // 7355608001 is APPEND_LOCK_KEY (src/eventStore/postgres.ts). VOLATILE: each statement takes a fresh
    // snapshot, so the head is read after the lock, i.e. after the previous appender committed.
    await q.query(`CREATE FUNCTION strata_append(
      p_assumed_position BIGINT, p_assumed_hash TEXT, p_streams TEXT[], p_assumed_versions INTEGER[],
      p_idem_key TEXT, p_recorded_at TEXT, p_operation TEXT, p_input_digest TEXT,
      p_positions BIGINT[], p_event_streams TEXT[], p_versions INTEGER[], p_types TEXT[], p_schema_versions INTEGER[],
      p_datas TEXT[], p_metadatas TEXT[], p_idempotency_keys TEXT[], p_prev_hashes TEXT[], p_hashes TEXT[],
      OUT outcome TEXT, OUT head_position BIGINT, OUT head_hash TEXT, OUT actual_versions INTEGER[],
      OUT key_first_position BIGINT, OUT key_last_position BIGINT, OUT key_operation TEXT, OUT key_input_digest TEXT)
    LANGUAGE plpgsql VOLATILE AS $fn$
    DECLARE
      n INTEGER := cardinality(p_positions);
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
      SELECT COALESCE(array_agg(COALESCE((SELECT MAX(e.version) FROM events e WHERE e.stream = s.name), 0) ORDER BY s.i),
                      '{}'::INTEGER[])
        INTO actual_versions FROM unnest(p_streams) WITH ORDINALITY AS s(name, i);
      IF head_position <> p_assumed_position OR head_hash <> p_assumed_hash OR actual_versions <> p_assumed_versions THEN
        outcome := 'stale';
        RETURN;
      END IF;
      INSERT INTO events (position, stream, version, type, schema_version, data, metadata, idempotency_key, prev_hash, hash)
        SELECT * FROM unnest(p_positions, p_event_streams, p_versions, p_types, p_schema_versions, p_datas, p_metadatas,
                             p_idempotency_keys, p_prev_hashes, p_hashes);
      IF p_idem_key IS NOT NULL THEN
        INSERT INTO idempotency_keys (key, first_position, last_position, recorded_at, operation, input_digest)
          VALUES (p_idem_key, p_positions[1], p_positions[n], p_recorded_at, p_operation, p_input_digest);
      END IF;
      PERFORM pg_notify('strata_events', p_positions[n]::TEXT);
      outcome := 'appended';
      head_position := p_positions[n];
      head_hash := p_hashes[n];
    END
    $fn$`);
  }

  async down(q: QueryRunner): Promise<void> {
    if (q.connection.options.type !== 'postgres') return;
    await q.query(`DROP FUNCTION strata_append(BIGINT, TEXT, TEXT[], INTEGER[], TEXT, TEXT, TEXT, TEXT,
      BIGINT[], TEXT[], INTEGER[], TEXT[], INTEGER[], TEXT[], TEXT[], TEXT[], TEXT[], TEXT[])`);
  }
}
