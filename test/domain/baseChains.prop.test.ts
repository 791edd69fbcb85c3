/**
 * BaseChainIndex, maintained image by image, against a naive reference that
 * recomputes from scratch: group the live images by every prefix of their
 * chain; a group of two or more is a shared stack. Seeded: the seed is
 * printed, and STRATA_PROP_SEED=<n> replays a run.
 */
import fc from 'fast-check';
import { BaseChainIndex } from '../../src/domain/baseChains';
import { chains, d } from './domainTestKit';

const seed = Number(process.env.STRATA_PROP_SEED ?? Date.now() % 2 ** 31);
process.stdout.write(`baseChains.prop: seed ${seed} (STRATA_PROP_SEED=${seed} replays it)\n`);

interface Live { imageId: string; chainIds: string[]; order: number }

/** The reference: every prefix of every live chain, grouped. */
function naive(live: readonly Live[]) {
  const groups = new Map<string, { depth: number; all: Live[]; built: Live[]; exact: Live[] }>();
  for (const img of live) {
    img.chainIds.forEach((c, k) => {
      let g = groups.get(c);
      if (!g) { g = { depth: k + 1, all: [], built: [], exact: [] }; groups.set(c, g); }
      g.all.push(img);
      (k === img.chainIds.length - 1 ? g.exact : g.built).push(img);
    });
  }
  const shared = new Map([...groups].filter(([, g]) => g.all.length >= 2));
  const longestSharedProperPrefix = (chainIds: readonly string[]): string | null => {
    let best: string | null = null;
    for (let k = 0; k < chainIds.length - 1; k++) if (shared.has(chainIds[k]!)) best = chainIds[k]!;
    return best;
  };
  /** A stack's parent: the longest shared proper prefix of the stack, read off any image having it. */
  const parentOf = (c: string): string | null => {
    const img = shared.get(c)!.all[0]!;
    return longestSharedProperPrefix(img.chainIds.slice(0, img.chainIds.indexOf(c) + 1));
  };
  return { shared, longestSharedProperPrefix, parentOf };
}

const byOrder = (xs: readonly Live[]) => [...xs].sort((a, b) => a.order - b.order).map((i) => i.imageId);

/** Small alphabets so that images share prefixes often; 'rm' removes, 'add' (re-)adds. */
const opArb = fc.oneof(
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('add' as const), id: fc.integer({ min: 0, max: 14 }), letters: fc.array(fc.constantFrom('a', 'b', 'c', 'd', 'e'), { minLength: 0, maxLength: 5 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('rm' as const), id: fc.integer({ min: 0, max: 14 }) }) },
);

describe('BaseChainIndex = naive grouping by every chain prefix', () => {
  it('agrees on stacks, counts, images, tree, base chains and listing after every add and remove', () => {
    fc.assert(
      fc.property(fc.array(opArb, { minLength: 1, maxLength: 40 }), fc.integer({ min: 2, max: 5 }), (ops, minImages) => {
        const ix = new BaseChainIndex();
        const live = new Map<string, Live>();
        ops.forEach((op, step) => {
          const imageId = `img${op.id}`;
          if (op.kind === 'add') {
            if (live.has(imageId)) return; // an image is recorded once while live
            const img: Live = { imageId, chainIds: chains(op.letters.map(d)), order: step };
            if (img.chainIds.length === 0) { ix.add(img); return; }
            live.set(imageId, img);
            ix.add(img);
          } else {
            live.delete(imageId);
            ix.remove(imageId);
          }
          const ref = naive([...live.values()]);
          const listed = ix.list();
          expect(new Set(listed.map((n) => n.chainId))).toEqual(new Set(ref.shared.keys()));
          expect(listed).toHaveLength(ref.shared.size);
          for (const [c, g] of ref.shared) {
            expect(ix.get(c)).toEqual({ chainId: c, depth: g.depth, sharers: g.all.length, imageCount: g.built.length });
            expect(ix.imagesOn(c)).toEqual(byOrder(g.built));
            expect(ix.imagesExactly(c)).toEqual(byOrder(g.exact));
            expect(ix.parent(c)?.chainId ?? null).toBe(ref.parentOf(c));
            const kids = [...ref.shared.keys()].filter((k) => ref.parentOf(k) === c).sort();
            const children = ix.children(c);
            expect(children.map((n) => n.chainId).sort()).toEqual(kids);
            children.forEach((k, i) => { if (i > 0) expect(children[i - 1]!.sharers).toBeGreaterThanOrEqual(k.sharers); });
          }
          for (const img of live.values()) {
            expect(ix.baseChainOf(img.chainIds)?.chainId ?? null).toBe(ref.longestSharedProperPrefix(img.chainIds));
          }
          // Listing: every stack after its parent, each tree contiguous, siblings most shared first.
          const at = new Map(listed.map((n, i) => [n.chainId, i]));
          for (const n of listed) {
            const p = ref.parentOf(n.chainId);
            if (p !== null) expect(at.get(p)!).toBeLessThan(at.get(n.chainId)!);
          }
          listed.forEach((n, i) => {
            const next = listed[i + 1];
            if (next && next.depth > n.depth) expect(next.depth).toBe(n.depth + 1); // depth first: no jumps down the tree
          });
          const filtered = ix.list(minImages);
          expect(filtered.map((n) => n.chainId)).toEqual(listed.filter((n) => ref.shared.get(n.chainId)!.all.length >= minImages).map((n) => n.chainId));
        });
      }),
      // Quick mutation runs (jest.mutation.quick.config.js): no shrinking, at most STRATA_FC_MAX_RUNS cases.
      { numRuns: Math.min(300, Number(process.env.STRATA_FC_MAX_RUNS ?? 300)), seed, endOnFailure: process.env.STRATA_FC_NO_SHRINK === '1' },
    );
  });
});
