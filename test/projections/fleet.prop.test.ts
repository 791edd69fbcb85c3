/**
 * Figures that add up (issue 23), on generated fleets folded event by event
 * into the read model, checked after every event (so at every position an
 * `asOf` fold would stop at):
 * - base drift equals a naive scan of every tag's history against every live
 *   image's chain (docs/domain.md §4, base drift);
 * - per-image unique sizes plus each shared layer once equal the physical size;
 * - the incremental storage report equals `storageReport` recomputed from the
 *   live images and the known layers (docs/domain.md §3).
 * Seeded: the seed is printed, and STRATA_PROP_SEED=<n> replays a run.
 */
import fc from 'fast-check';
import { ReadModel } from '../../src/projections/readModel';
import { storageReport, type KnownLayer, type ShareKey, type StorageImage } from '../../src/domain/storage';
import type { StoredEvent } from '../../src/eventStore/types';
import { chains, d, sha256Hex } from '../domain/domainTestKit';

const seed = Number(process.env.STRATA_PROP_SEED ?? Date.now() % 2 ** 31);
process.stdout.write(`fleet.prop: seed ${seed} (STRATA_PROP_SEED=${seed} replays it)\n`);

const LETTERS = ['a', 'b', 'c', 'd'] as const;
const TAGS = ['debian:12', 'base:1', 'app:latest'] as const;
const layerSize = (letter: string) => 100 * (LETTERS.indexOf(letter as typeof LETTERS[number]) + 1) + 7;

type Op =
  | { kind: 'commit'; id: number; letters: string[] }
  | { kind: 'remove'; id: number }
  | { kind: 'tag'; tag: number; id: number }
  | { kind: 'untag'; tag: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('commit' as const), id: fc.integer({ min: 0, max: 7 }),
    letters: fc.uniqueArray(fc.constantFrom(...LETTERS), { minLength: 0, maxLength: 3 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('remove' as const), id: fc.integer({ min: 0, max: 7 }) }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('tag' as const), tag: fc.integer({ min: 0, max: 2 }), id: fc.integer({ min: 0, max: 7 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('untag' as const), tag: fc.integer({ min: 0, max: 2 }) }) },
);

const imageIdOf = (id: number) => `sha256:${sha256Hex(`image ${id}`)}`;

interface Move { position: number; at: string; to: string | null }

/** The fleet as the generator knows it: what the naive checks read instead of the read model. */
class Fleet {
  readonly events: StoredEvent[] = [];
  readonly chainOf = new Map<string, string[]>();
  readonly diffIdsOf = new Map<string, string[]>();
  /** imageId → position of the commit that made it live. */
  readonly live = new Map<string, number>();
  readonly history = new Map<string, Move[]>();
  readonly knownLayers = new Map<string, number>();
  private versions = new Map<string, number>();

  private emit(stream: string, type: string, data: unknown): void {
    const version = (this.versions.get(stream) ?? 0) + 1;
    this.versions.set(stream, version);
    const position = this.events.length + 1;
    this.events.push({ position, stream, version, type, schemaVersion: 1, data,
      metadata: { actor: 'prop', recordedAt: new Date(Date.UTC(2026, 0, 1, 0, 0, position)).toISOString() },
      idempotencyKey: null, prevHash: '', hash: '' });
  }

  private current(tag: string): string | null {
    return this.history.get(tag)?.at(-1)?.to ?? null;
  }

  private move(tag: string, to: string | null): void {
    const from = this.current(tag);
    if (to === null) this.emit(`tag:${tag}`, 'TagRemoved', { tag, from });
    else this.emit(`tag:${tag}`, 'TagMoved', { tag, from, to });
    const e = this.events.at(-1)!;
    const list = this.history.get(tag) ?? [];
    list.push({ position: e.position, at: e.metadata.recordedAt, to });
    this.history.set(tag, list);
  }

  apply(op: Op): void {
    const imageId = 'id' in op ? imageIdOf(op.id) : '';
    if (op.kind === 'commit') {
      if (this.live.has(imageId)) return;
      // An image ID is its config digest: a re-commit after removal has the same layers.
      const diffIds = this.diffIdsOf.get(imageId) ?? op.letters.map((l) => d(`layer ${l}`));
      const letters = this.diffIdsOf.has(imageId) ? diffIds.map((x) => LETTERS.find((l) => d(`layer ${l}`) === x)!) : op.letters;
      letters.forEach((l, i) => {
        if (this.knownLayers.has(diffIds[i]!)) return;
        this.knownLayers.set(diffIds[i]!, layerSize(l));
        this.emit(`layer:${diffIds[i]}`, 'LayerCommitted', { diffId: diffIds[i], digest: null, mediaType: null, compressedSize: null,
          size: layerSize(l), fileCount: 1, entriesDigest: d(`entries ${l}`) });
      });
      this.diffIdsOf.set(imageId, diffIds);
      this.chainOf.set(imageId, chains(diffIds));
      this.emit(`image:${imageId}`, 'ImageCommitted', { imageId, config: `{"image":"${imageId}"}`, manifestDigest: null, created: null,
        architecture: 'amd64', os: 'linux', layers: diffIds.map((diffId) => ({ diffId, digest: null, mediaType: null, compressedSize: null })),
        history: [], baseName: null, baseDigest: null, source: 'import', parentImageId: null });
      this.live.set(imageId, this.events.length);
    } else if (op.kind === 'remove') {
      if (!this.live.has(imageId)) return;
      this.emit(`image:${imageId}`, 'ImageRemoved', { imageId });
      this.live.delete(imageId);
      for (const tag of TAGS) if (this.current(tag) === imageId) this.move(tag, null); // removal drops its tags, as Docker does
    } else if (op.kind === 'tag') {
      const tag = TAGS[op.tag]!;
      if (this.live.has(imageId) && this.current(tag) !== imageId) this.move(tag, imageId);
    } else {
      const tag = TAGS[op.tag]!;
      if (this.current(tag) !== null) this.move(tag, null);
    }
  }
}

const isPrefix = (p: readonly string[], of: readonly string[]) => p.length > 0 && p.length <= of.length && p.every((c, i) => of[i] === c);

/** The naive scan: every tag's whole history against every live image's whole chain. */
function naiveDrift(f: Fleet) {
  const out: { imageId: string; tag: string; builtOn: string; current: string; movesBehind: number; since: string; sincePosition: number;
    order: number }[] = [];
  for (const [tag, moves] of f.history) {
    const current = moves.at(-1)!.to;
    if (current === null) continue;
    const targets = new Set(moves.map((m) => m.to));
    for (const [imageId, order] of f.live) {
      const chain = f.chainOf.get(imageId)!;
      if (chain.length === 0 || targets.has(imageId) || isPrefix(f.chainOf.get(current)!, chain)) continue;
      let best = -1;
      moves.forEach((m, i) => {
        if (m.to === null || !isPrefix(f.chainOf.get(m.to)!, chain)) return;
        if (best < 0 || f.chainOf.get(m.to)!.length >= f.chainOf.get(moves[best]!.to!)!.length) best = i;
      });
      if (best < 0) continue;
      const away = moves[best + 1]!;
      out.push({ imageId, tag, builtOn: moves[best]!.to!, current, movesBehind: moves.slice(best + 1).filter((m) => m.to !== null).length,
        since: away.at, sincePosition: away.position, order });
    }
  }
  out.sort((a, b) => b.movesBehind - a.movesBehind || a.sincePosition - b.sincePosition || (a.tag < b.tag ? -1 : a.tag > b.tag ? 1 : 0)
    || a.order - b.order);
  return out.map(({ order: _order, ...rest }) => rest);
}

function naiveStorage(f: Fleet, by: ShareKey) {
  const live: StorageImage[] = [...f.live.keys()].map((imageId) => ({ imageId,
    layers: f.diffIdsOf.get(imageId)!.map((diffId, i) => ({ diffId, chainId: f.chainOf.get(imageId)![i]!, size: f.knownLayers.get(diffId)! })) }));
  const known: KnownLayer[] = [...f.knownLayers].map(([diffId, size]) => ({ diffId, chainId: null, size }));
  for (const [imageId, diffIds] of f.diffIdsOf) {
    diffIds.forEach((diffId, i) => known.push({ diffId, chainId: f.chainOf.get(imageId)![i]!, size: f.knownLayers.get(diffId)! }));
  }
  return storageReport(by, live, known);
}

const byId = <T extends { imageId: string }>(xs: readonly T[]) => [...xs].sort((a, b) => (a.imageId < b.imageId ? -1 : 1));

describe('generated fleets, folded event by event into the read model', () => {
  it('drift = a naive scan of tag history and chains; unique sizes + shared layers once = physical; storage = a recomputation', () => {
    fc.assert(
      fc.property(fc.array(opArb, { minLength: 1, maxLength: 40 }), (ops) => {
        const fleet = new Fleet();
        const model = new ReadModel();
        for (const op of ops) {
          const from = fleet.events.length;
          fleet.apply(op);
          model.applyAll(fleet.events.slice(from));
          const expected = naiveDrift(fleet);
          expect(model.drift.list(null)).toEqual(expected);
          for (const tag of TAGS) expect(model.drift.list(tag)).toEqual(expected.filter((x) => x.tag === tag));
          for (const imageId of fleet.live.keys()) {
            expect(model.drift.ofImage(imageId)).toEqual(expected.filter((x) => x.imageId === imageId)
              .sort((a, b) => (a.tag < b.tag ? -1 : 1)));
          }
          for (const by of ['CHAIN_ID', 'DIFF_ID'] as const) {
            const report = model.ledger(by).report();
            const recomputed = naiveStorage(fleet, by);
            expect({ ...report, images: byId(report.images) }).toEqual({ ...recomputed, images: byId(recomputed.images) });
            const unique = report.images.reduce((s, i) => s + i.uniqueSize, 0);
            const sharedOnce = report.layers.filter((l) => l.imageCount >= 2).reduce((s, l) => s + l.size, 0);
            expect(unique + sharedOnce).toBe(report.physicalSize);
          }
        }
      }),
      { numRuns: 200, seed },
    );
  });
});
