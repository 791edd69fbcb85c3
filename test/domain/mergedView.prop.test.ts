import fc from 'fast-check';
import { applyLayer, MergedTree } from '../../src/domain/mergedView';
import { naiveApply, naiveEntries, type NaiveView } from './naiveMerge';
import { pathArb, stackArb } from './layerGen';

describe('merged view = naive reference (domain.md §2)', () => {
  it('gives the same entries, lookups and pages after every layer, and never mutates the lower view', () => {
    fc.assert(
      fc.property(stackArb, fc.array(pathArb, { maxLength: 10 }), fc.integer({ min: 1, max: 5 }), (stack, probes, pageSize) => {
        let view = MergedTree.EMPTY;
        let naive: NaiveView = new Map();
        stack.forEach((layer, i) => {
          const before = view.entries().slice();
          const next = applyLayer(view, layer.entries, i, layer.diffId);
          expect(view.entries()).toEqual(before);
          naive = naiveApply(naive, layer.entries, i, layer.diffId);
          view = next;
          const expected = naiveEntries(naive);
          expect(view.entries()).toEqual(expected);
          expect(view.lookup('/')).toEqual(naive.get('/') ?? null);
          for (const p of probes) expect(view.lookup(p)).toEqual(naive.get(p) ?? null);
          // paging through the recursive listing gives the whole listing
          const paged = [];
          let after: string | undefined;
          for (;;) {
            const page = view.list('/', { recursive: true, first: pageSize, after });
            expect(page.totalCount).toBe(expected.length);
            paged.push(...page.entries);
            if (!page.hasNextPage) break;
            after = page.entries.at(-1)?.path;
          }
          expect(paged).toEqual(expected);
          for (const p of probes) {
            const kids = expected.filter((e) => e.path.startsWith(`${p}/`) && !e.path.slice(p.length + 1).includes('/'));
            expect(view.list(p).entries).toEqual(naive.get(p)?.kind === 'DIRECTORY' ? kids : []);
          }
        });
      }),
      { numRuns: 600 },
    );
  });
});
