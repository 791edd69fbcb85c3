/**
 * Read-model snapshots (docs/adr/0012-read-model-snapshots.md): the fold
 * serialized at a log position (readModelCodec.ts), kept in
 * read_model_snapshots / read_model_snapshot_chunks (migration
 * 1764700019006) with the chain hash of the event at that position, the
 * format it was written in and the sha256 of its bytes. A start loads the
 * newest snapshot that still belongs to this log and this code, then folds
 * only the events after it; anything that does not match is ignored with a
 * line saying why, and the fold starts from nothing. A cache: deleting the
 * rows changes no answer.
 *
 * A snapshot belongs to the log when the event at its position has its hash
 * (the hash chain covers every event before it: a log rewritten or restored
 * from another database differs there). It belongs to the code when its
 * format — the codec's version and a digest of the source of every class the
 * fold builds — is this process's: a change to the fold makes old snapshots
 * unused rather than wrong. Its bytes must hash to body_sha256, decode
 * completely and hold a model at that position.
 */
import { createHash, randomUUID } from 'node:crypto';
import { createdByPerLayer } from '../domain/history';
import { BaseChainIndex } from '../domain/baseChains';
import { DriftIndex } from '../domain/drift';
import { StorageLedger } from '../domain/storageLedger';
import type { EventStore } from '../eventStore/types';
import { sha256Hex } from '../support/sha256';
import { ReadModel } from './readModel';
import { CODEC_FINGERPRINT, decodeReadModel, encodeReadModel } from './readModelCodec';
import { SharedImageLayers } from './readModelLayers';
import { ReadModelStats } from './readModelStats';
import { SharedHistorySteps } from './sharedHistory';
import { StreamVersions } from './streamVersions';

/** Bump when the fold changes in a way the class sources below do not show (a helper elsewhere, an event's reading). */
const FOLD_VERSION = 1;

/** Bytes per chunk row: each chunk is its own short write, so appends wait at most one chunk's write. */
const CHUNK = 4 << 20;

/** The format this process writes and reads: codec version + a digest of the fold's and the codec's code. */
export const SNAPSHOT_FORMAT = `${CODEC_FINGERPRINT}/fold${FOLD_VERSION}/${sha256Hex(
  [ReadModel, StorageLedger, SharedImageLayers, ReadModelStats, BaseChainIndex, DriftIndex, createdByPerLayer,
    StreamVersions, SharedHistorySteps, encodeReadModel, decodeReadModel]
    .map((f) => f.toString()).join('\n'),
).slice(0, 16)}`;

/** What snapshots need of a store: the log's typed reads and, behind the port (src/projections only), SQL. */
export type SnapshotStore = Pick<EventStore, 'readRange' | 'head' | 'sql' | 'writeTransaction'>;

export interface LoadedSnapshot { model: ReadModel; hash: string; id: string }

interface Header {
  id: string; position: number | string; hash: string; format: string;
  body_sha256: string; body_bytes: number | string; chunks: number | string;
}

export class ReadModelSnapshots {
  constructor(private readonly store: SnapshotStore, private readonly log: (line: string) => void = () => undefined) {}

  /**
   * The newest usable snapshot at or below the head, or null (none, or none
   * usable: each one passed over is logged with the reason). Never throws for
   * a bad snapshot; a database error reading them is logged and means null.
   */
  async loadNewest(): Promise<LoadedSnapshot | null> {
    let rows: Header[];
    try {
      const head = await this.store.head();
      rows = await this.store.sql.query<Header>(
        `SELECT id, position, hash, format, body_sha256, body_bytes, chunks FROM read_model_snapshots
         WHERE complete = 1 AND position <= ? ORDER BY position DESC, created_at DESC LIMIT 3`,
        [head]);
    } catch (e) {
      this.log(`read model: snapshots unavailable (${(e as Error).message}); folding the whole log`);
      return null;
    }
    for (const h of rows) {
      const position = Number(h.position);
      const why = await this.check(h, position).catch((e: unknown) => `unreadable (${(e as Error).message})`);
      if (typeof why === 'string') {
        this.log(`read model: snapshot ${h.id} at position ${position} ignored: ${why}`);
        continue;
      }
      this.log(`read model: starting from snapshot ${h.id} at position ${position}`);
      return { model: why, hash: h.hash, id: h.id };
    }
    if (rows.length > 0) this.log('read model: no usable snapshot; folding the whole log');
    return null;
  }

  /** The decoded model, or why it is not usable. */
  private async check(h: Header, position: number): Promise<ReadModel | string> {
    if (h.format !== SNAPSHOT_FORMAT) return `written in format ${h.format}, this is ${SNAPSHOT_FORMAT}`;
    if (!Number.isSafeInteger(position) || position < 1) return `bad position ${String(h.position)}`;
    const [event] = await this.store.readRange(position, position, 1);
    if (!event || event.position !== position) return 'its position is not in the log';
    if (event.hash !== h.hash) return `the log's hash at ${position} is ${event.hash}, the snapshot's ${h.hash} (another log)`;
    // Chunk by chunk into one buffer (never the rows and their concatenation at once: at 100,000 images that is hundreds of MB).
    const bytes = Number(h.body_bytes);
    const chunks = Number(h.chunks);
    if (!Number.isSafeInteger(bytes) || bytes < 1 || !Number.isSafeInteger(chunks) || chunks < 1) return 'bad size in its header';
    const body = Buffer.allocUnsafe(bytes);
    const digest = createHash('sha256');
    let filled = 0;
    for (let seq = 0; seq < chunks; seq++) {
      const [row] = await this.store.sql.query<{ body: Buffer | Uint8Array }>(
        'SELECT body FROM read_model_snapshot_chunks WHERE snapshot_id = ? AND seq = ?', [h.id, seq]);
      if (!row) return `chunk ${seq} of ${chunks} is missing`;
      const part = row.body;
      if (filled + part.length > bytes) return `is longer than the ${bytes} bytes its header says`;
      body.set(part, filled);
      digest.update(part);
      filled += part.length;
    }
    if (filled !== bytes) return `is ${filled} bytes, its header says ${bytes}`;
    const [extra] = await this.store.sql.query<{ n: number | string }>(
      'SELECT COUNT(*) AS n FROM read_model_snapshot_chunks WHERE snapshot_id = ? AND seq >= ?', [h.id, chunks]);
    if (Number(extra?.n ?? 0) > 0) return `has more than its ${chunks} chunks`;
    if (digest.digest('hex') !== h.body_sha256) return 'its bytes do not match their sha256 (corrupt)';
    let model: ReadModel;
    try { model = decodeReadModel(body); } catch (e) { return (e as Error).message; }
    if (model.position !== position) return `holds a model at position ${model.position}, not ${position}`;
    return model;
  }

  /**
   * Writes a snapshot of `model` (whose last event has `hash`): encoded at
   * once (the model must not change meanwhile: synchronous), then written
   * chunk by chunk, each in a short write of its own, and marked complete;
   * older snapshots are then deleted. Returns its id and size.
   */
  async write(model: ReadModel, hash: string): Promise<{ id: string; bytes: number; position: number }> {
    const position = model.position;
    if (position < 1) throw new Error('read model snapshot: nothing folded yet');
    const body = encodeReadModel(model);
    const id = randomUUID();
    const chunks = Math.max(1, Math.ceil(body.length / CHUNK));
    await this.store.writeTransaction((tx) => tx.run(
      `INSERT INTO read_model_snapshots (id, position, hash, format, body_sha256, body_bytes, chunks, created_at, complete)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0)`,
      [id, position, hash, SNAPSHOT_FORMAT, sha256Hex(body), body.length, chunks, new Date().toISOString()]));
    try {
      for (let i = 0; i < chunks; i++) {
        const part = body.subarray(i * CHUNK, Math.min(body.length, (i + 1) * CHUNK));
        await this.store.writeTransaction((tx) => tx.run(
          'INSERT INTO read_model_snapshot_chunks (snapshot_id, seq, body) VALUES (?, ?, ?)', [id, i, part]));
      }
      await this.store.writeTransaction(async (tx) => {
        await tx.run('UPDATE read_model_snapshots SET complete = 1 WHERE id = ?', [id]);
      });
    } catch (e) {
      await this.remove([id]).catch(() => undefined);
      throw e;
    }
    await this.prune(id, position);
    return { id, bytes: body.length, position };
  }

  /**
   * Deletes snapshots older than the one just written (complete ones at a
   * lower position, and any in another format) and writes abandoned over an
   * hour ago (a process that died mid-write). A reader still reading a
   * deleted one finds its chunks missing and folds instead.
   */
  private async prune(keep: string, position: number): Promise<void> {
    const stale = await this.store.sql.query<{ id: string }>(
      `SELECT id FROM read_model_snapshots WHERE id <> ? AND (
         (complete = 1 AND (position < ? OR format <> ?)) OR (complete = 0 AND created_at < ?))`,
      [keep, position, SNAPSHOT_FORMAT, new Date(Date.now() - 3600_000).toISOString()]);
    await this.remove(stale.map((r) => r.id));
  }

  private async remove(ids: readonly string[]): Promise<void> {
    for (const id of ids) {
      await this.store.writeTransaction(async (tx) => {
        await tx.run('DELETE FROM read_model_snapshots WHERE id = ?', [id]);
        await tx.run('DELETE FROM read_model_snapshot_chunks WHERE snapshot_id = ?', [id]);
      });
    }
  }

  /** Deletes every snapshot (the next start folds the whole log): what a cache allows; the bench's cold fold. */
  async deleteAll(): Promise<void> {
    const all = await this.store.sql.query<{ id: string }>('SELECT id FROM read_model_snapshots');
    await this.remove(all.map((r) => r.id));
    await this.store.writeTransaction((tx) => tx.run('DELETE FROM read_model_snapshot_chunks'));
  }

  /** Position of the newest complete snapshot in this format (0: none). */
  async newestPosition(): Promise<number> {
    const [row] = await this.store.sql.query<{ p: number | string | null }>(
      'SELECT MAX(position) AS p FROM read_model_snapshots WHERE complete = 1 AND format = ?', [SNAPSHOT_FORMAT]);
    return Number(row?.p ?? 0);
  }
}
