/**
 * Read-model snapshots (src/projections/readModelSnapshots.ts, docs/adr/0012):
 * - a model started from a snapshot at a random position and caught up to the
 *   head is the same graph as a fold of the whole log (its encoding is byte
 *   for byte the same) and answers the same GraphQL queries;
 * - a corrupt, forged (another log's hash), stale-format, truncated or
 *   position-lying snapshot is ignored with a line saying why, and the model
 *   is the full fold;
 * - deleting every snapshot changes no answer.
 * On SQLite and PostgreSQL. Seeded: STRATA_PROP_SEED=<n> replays a run.
 */
import { Strata } from '../../src/application/strata';
import { recordImport } from '../../src/application/importImages';
import type { EventStore } from '../../src/eventStore/types';
import { ReadModel } from '../../src/projections/readModel';
import { decodeReadModel, encodeReadModel, SnapshotFormatError } from '../../src/projections/readModelCodec';
import { ReadModelSnapshots } from '../../src/projections/readModelSnapshots';
import { ReadModelSource } from '../../src/projections/readModelSource';
import { buildExecutableSchema } from '../../src/graphql/buildSchema';
import { createContext } from '../../src/graphql/resolvers/context';
import { graphql } from 'graphql';
import { backendNames } from '../helpers/backends';
import { openTestApp, type TestApp } from '../helpers/app';
import { file, image, layer } from '../helpers/synthetic';

const seed = Number(process.env.STRATA_PROP_SEED ?? Date.now() % 2 ** 31);
process.stdout.write(`readModelSnapshots: seed ${seed} (STRATA_PROP_SEED=${seed} replays it)\n`);

const QUERIES = [
  '{ storage(by: CHAIN_ID) { logicalSize physicalSize savedBytes imageCount layerCount sharedLayerCount reclaimableBytes images { image { imageId } size sharedSize uniqueSize } layers { key size imageCount } } }',
  '{ storage(by: DIFF_ID) { logicalSize physicalSize savedBytes imageCount layerCount } }',
  '{ images(first: 100) { totalCount edges { node { imageId repoTags size sharedSize layers { index diffId chainId size } } } } }',
  '{ head }',
];

async function fold(store: EventStore, to: number): Promise<ReadModel> {
  const m = new ReadModel();
  while (m.position < to) m.applyAll(await store.readRange(m.position + 1, to, 1000));
  return m;
}

const hashAt = async (store: EventStore, p: number) => (await store.readRange(p, p, 1))[0]!.hash;

async function answers(app: Strata): Promise<unknown[]> {
  const schema = buildExecutableSchema(app.store);
  const out: unknown[] = [];
  for (const source of QUERIES) {
    const r = await graphql({ schema, source, contextValue: createContext(app, { actor: 't', canWrite: false }) });
    expect(r.errors).toBeUndefined();
    out.push(r.data);
  }
  return out;
}

describe('read model codec', () => {
  it('round-trips an empty model and refuses what it cannot write exactly', () => {
    const empty = new ReadModel();
    const back = decodeReadModel(encodeReadModel(empty));
    expect(back).toBeInstanceOf(ReadModel);
    expect(encodeReadModel(back).equals(encodeReadModel(empty))).toBe(true);
    const odd = new ReadModel();
    (odd.images as Map<string, unknown>).set('x', new (class Unknown {})());
    expect(() => encodeReadModel(odd)).toThrow(SnapshotFormatError);
    (odd.images as Map<string, unknown>).set('x', { f: () => 1 });
    expect(() => encodeReadModel(odd)).toThrow(/function/);
  });

  it('keeps an object reached twice as one object (only such objects are numbered for references)', () => {
    const back = decodeReadModel(encodeReadModel(new ReadModel()));
    // The drift index reads the model's base-chain index itself, not a copy of it.
    const drift = back.drift as unknown as { stacks: unknown };
    expect(drift.stacks).toBe(back.baseChains);
    const twice = new ReadModel();
    const layer = Object.freeze({ diffId: 'sha256:x', size: 1 });
    (twice.images as Map<string, unknown>).set('a', { layers: [layer] }).set('b', { layers: [layer], self: null });
    const again = decodeReadModel(encodeReadModel(twice)).images as Map<string, { layers: unknown[] }>;
    expect(again.get('a')!.layers[0]).toBe(again.get('b')!.layers[0]);
    expect(again.get('a')!.layers[0]).toEqual(layer);
    expect(Object.isFrozen(again.get('a')!.layers[0])).toBe(true);
    expect(again.get('a')!.layers).not.toBe(again.get('b')!.layers);
  });

  it('rejects truncated, trailing and foreign bytes', () => {
    const bytes = encodeReadModel(new ReadModel());
    expect(() => decodeReadModel(bytes.subarray(0, bytes.length - 1))).toThrow(SnapshotFormatError);
    expect(() => decodeReadModel(Buffer.concat([bytes, Buffer.from([0])]))).toThrow(SnapshotFormatError);
    expect(() => decodeReadModel(Buffer.from('not a snapshot at all, really'))).toThrow(SnapshotFormatError);
  });
});

describe.each(backendNames())('read model snapshots on %s', (backend) => {
  let t: TestApp;
  let head = 0;
  let next: (n: number) => number;
  beforeAll(async () => {
    let s = seed;
    next = (n: number) => { s = (s * 1103515245 + 12345) % 2 ** 31; return s % n; };
    t = await openTestApp(backend);
    const pool = Array.from({ length: 8 }, (_, k) => layer([file(`/p${k}/f`, 100 + k), file(`/p${k}/g`, 7 * k + 1)]));
    const images = Array.from({ length: 16 }, (_, k) => image(pool.slice(0, 1 + (k % 4)).concat(k % 3 ? [pool[4 + (k % 4)]!] : []), [`app${k}:1`], `i${k}`));
    for (let step = 0; step < 40; step++) {
      const img = images[next(images.length)]!;
      const model = await t.app.models.current();
      const rec = model.images.get(img.imageId);
      if (rec && rec.removedPosition === null && next(4) === 0) {
        await t.app.append([{ stream: `image:${img.imageId}`, expectedVersion: rec.version, events: [{ type: 'ImageRemoved', data: { imageId: img.imageId } }] }]);
      } else {
        await recordImport(t.app, [img], { extraTags: [`base${next(3)}:1`, `app${next(16)}:latest`] });
      }
    }
    head = await t.app.store.head();
  }, 120_000);
  afterAll(async () => t.close());

  const clear = async () => {
    await t.app.store.writeTransaction(async (tx) => {
      await tx.run('DELETE FROM read_model_snapshot_chunks');
      await tx.run('DELETE FROM read_model_snapshots');
    });
  };

  it('a start from a snapshot at random positions equals the fold of the whole log', async () => {
    const full = await fold(t.app.store, head);
    const want = encodeReadModel(full);
    const wantAnswers = await answers(t.app);
    for (let k = 0; k < 4; k++) {
      await clear();
      const p = k === 0 ? head : 1 + next(head - 1);
      const lines: string[] = [];
      const snaps = new ReadModelSnapshots(t.app.store, (l) => lines.push(l));
      const atP = await fold(t.app.store, p);
      await snaps.write(atP, await hashAt(t.app.store, p));
      const source = new ReadModelSource(t.app.store, 4, snaps);
      const got = await source.current();
      expect(lines).toEqual([expect.stringMatching(new RegExp(`starting from snapshot .* at position ${p}$`))]);
      expect(got.position).toBe(head);
      expect(encodeReadModel(got).equals(want)).toBe(true);
      // Through GraphQL, as `strata serve` answers: a second application on the same database starts from the snapshot.
      const other = await Strata.open(t.db.url);
      try {
        const seen: string[] = [];
        other.onReadModelLog = (l) => seen.push(l);
        expect(await answers(other)).toEqual(wantAnswers);
        expect(seen.join('\n')).toMatch(`at position ${p}`);
      } finally { await other.close(); }
    }
  }, 120_000);

  it('a corrupt, forged, stale or lying snapshot is ignored, with the reason, and the model is the full fold', async () => {
    const want = encodeReadModel(await fold(t.app.store, head));
    const p = Math.max(2, head - 5);
    const cases: [string, (id: string) => Promise<void>, RegExp][] = [
      ['corrupt', (id) => t.app.store.writeTransaction(async (tx) => {
        const [row] = await tx.query<{ body: Buffer }>('SELECT body FROM read_model_snapshot_chunks WHERE snapshot_id = ? AND seq = 0', [id]);
        const body = Buffer.from(row!.body);
        body[body.length - 3] = body[body.length - 3]! ^ 0x55;
        await tx.run('UPDATE read_model_snapshot_chunks SET body = ? WHERE snapshot_id = ? AND seq = 0', [body, id]);
      }), /sha256 \(corrupt\)/],
      ['forged (another log)', (id) => t.app.store.writeTransaction((tx) => tx.run('UPDATE read_model_snapshots SET hash = ? WHERE id = ?', ['0'.repeat(64), id])), /another log/],
      ['stale format', (id) => t.app.store.writeTransaction((tx) => tx.run('UPDATE read_model_snapshots SET format = ? WHERE id = ?', ['STRATARM/0/fold0/old', id])), /written in format/],
      ['missing chunk', (id) => t.app.store.writeTransaction((tx) => tx.run('DELETE FROM read_model_snapshot_chunks WHERE snapshot_id = ?', [id])), /missing/],
      ['lying position', async (id) => {
        // A self-consistent body of another position, filed under p.
        const other = encodeReadModel(await fold(t.app.store, p - 1));
        const { createHash } = await import('node:crypto');
        await t.app.store.writeTransaction(async (tx) => {
          await tx.run('DELETE FROM read_model_snapshot_chunks WHERE snapshot_id = ?', [id]);
          await tx.run('INSERT INTO read_model_snapshot_chunks (snapshot_id, seq, body) VALUES (?, 0, ?)', [id, other]);
          await tx.run('UPDATE read_model_snapshots SET chunks = 1, body_bytes = ?, body_sha256 = ? WHERE id = ?',
            [other.length, createHash('sha256').update(other).digest('hex'), id]);
        });
      }, /holds a model at position/],
    ];
    for (const [name, spoil, why] of cases) {
      await clear();
      const lines: string[] = [];
      const snaps = new ReadModelSnapshots(t.app.store, (l) => lines.push(l));
      const { id } = await snaps.write(await fold(t.app.store, p), await hashAt(t.app.store, p));
      await spoil(id);
      const got = await new ReadModelSource(t.app.store, 4, snaps).current();
      expect([name, lines.join('\n')]).toEqual([name, expect.stringMatching(why)]);
      expect(lines.some((l) => /starting from snapshot/.test(l))).toBe(false);
      expect(encodeReadModel(got).equals(want)).toBe(true);
    }
  }, 120_000);

  it('a snapshot beyond the head (another, longer log) is not used; writing one keeps only the newest', async () => {
    await clear();
    const lines: string[] = [];
    const snaps = new ReadModelSnapshots(t.app.store, (l) => lines.push(l));
    const { id } = await snaps.write(await fold(t.app.store, head), await hashAt(t.app.store, head));
    await t.app.store.writeTransaction((tx) => tx.run('UPDATE read_model_snapshots SET position = ? WHERE id = ?', [head + 10, id]));
    const got = await new ReadModelSource(t.app.store, 4, snaps).current();
    expect(lines).toEqual([]);
    expect(got.position).toBe(head);
    await clear();
    await snaps.write(await fold(t.app.store, 3), await hashAt(t.app.store, 3));
    const newest = await snaps.write(await fold(t.app.store, head - 1), await hashAt(t.app.store, head - 1));
    const rows = await t.app.store.sql.query<{ id: string }>('SELECT id FROM read_model_snapshots');
    expect(rows.map((r) => r.id)).toEqual([newest.id]);
    const chunks = await t.app.store.sql.query<{ snapshot_id: string }>('SELECT DISTINCT snapshot_id FROM read_model_snapshot_chunks');
    expect(chunks.map((r) => r.snapshot_id)).toEqual([newest.id]);
    expect(await snaps.newestPosition()).toBe(head - 1);
  });

  it('ReadModelSource.snapshot writes the model at hand; the next start uses it; deleting it changes no answer', async () => {
    await clear();
    const first = await Strata.open(t.db.url);
    let written;
    try {
      await first.models.current();
      written = await first.models.snapshot();
      expect(written?.position).toBe(head);
      expect(first.models.eventsSinceSnapshot).toBe(0);
      expect(await first.models.snapshot()).toBeNull();
    } finally { await first.close(); }
    const wantAnswers = await answers(t.app);
    const second = await Strata.open(t.db.url);
    try {
      const seen: string[] = [];
      second.onReadModelLog = (l) => seen.push(l);
      expect(await answers(second)).toEqual(wantAnswers);
      expect(seen).toEqual([expect.stringContaining(`snapshot ${written!.id} at position ${head}`)]);
    } finally { await second.close(); }
    await clear();
    const third = await Strata.open(t.db.url);
    try { expect(await answers(third)).toEqual(wantAnswers); } finally { await third.close(); }
  }, 60_000);
});
