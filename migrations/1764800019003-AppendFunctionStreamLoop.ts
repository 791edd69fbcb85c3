import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * PostgreSQL: `strata_append` (migration 1764600019003) reads the streams'
 * versions with one lookup per stream in a plpgsql loop instead of one
 * set-based statement (unnest, a subquery per stream, array_agg), whose
 * executor set-up cost about 0.1 ms per call, a fifth of a single-event
 * append's time in the function (issue 19 item 3, bench/RESULTS.md "Appends,
 * third pass"). Same signature, same answers: the lock, the key replay, the
 * head and version checks, the insert and the notification are unchanged.
 * `down` restores the set-based body.
 */
export class AppendFunctionStreamLoop1764800019003 implements MigrationInterface {
  name = 'AppendFunctionStreamLoop1764800019003';

  async up(q: QueryRunner): Promise<void> {
    if (q.connection.options.type !== 'postgres') return;
    await q.query(`CREATE OR REPLACE FUNCTION strata_append(
      p_assumed_position BIGINT, p_assumed_hash TEXT, p_streams TEXT[], p_assumed_versions INTEGER[],
      p_idem_key TEXT, p_recorded_at TEXT, p_operation TEXT, p_input_digest TEXT,
      p_positions BIGINT[], p_event_streams TEXT[], p_versions INTEGER[], p_types TEXT[], p_schema_versions INTEGER[],
      p_datas TEXT[], p_metadatas TEXT[], p_idempotency_keys TEXT[], p_prev_hashes TEXT[], p_hashes TEXT[],
      OUT outcome TEXT, OUT head_position BIGINT, OUT head_hash TEXT, OUT actual_versions INTEGER[],
      OUT key_first_position BIGINT, OUT key_last_position BIGINT, OUT key_operation TEXT, OUT key_input_digest TEXT)
    LANGUAGE plpgsql VOLATILE AS $fn$
    DECLARE
      n INTEGER := cardinality(p_positions);
      i INTEGER;
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
      actual_versions := '{}'::INTEGER[];
      FOR i IN 1..cardinality(p_streams) LOOP
        SELECT MAX(e.version) INTO v FROM events e WHERE e.stream = p_streams[i];
        actual_versions[i] := COALESCE(v, 0);
      END LOOP;
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
    await q.query(`CREATE OR REPLACE FUNCTION strata_append(
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
}
