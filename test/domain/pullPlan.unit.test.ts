import { EMPTY_LAYER_DIFF_ID } from '../../src/domain/digest';
import { planPull } from '../../src/domain/pullPlan';
import { d } from './domainTestKit';

const L = (letter: string, size: number, index: number) => ({ index, diffId: letter === 'E' ? EMPTY_LAYER_DIFF_ID : d(letter), size });

describe('pull plan: only the layers whose DiffIDs the host lacks travel (docs/domain.md §3)', () => {
  const app2 = [L('a', 100, 0), L('b', 50, 1), L('d', 20, 2)];

  test('a host holding app1 [a,b,c] fetches only d', () => {
    const plan = planPull(app2, [[L('a', 100, 0), L('b', 50, 1), L('c', 10, 2)]]);
    expect(plan.fetch.map((l) => l.index)).toEqual([2]);
    expect(plan.reuse.map((l) => l.index)).toEqual([0, 1]);
    expect(plan).toMatchObject({ fetchBytes: 20, reuseBytes: 150 });
  });

  test('an empty host fetches everything', () => {
    expect(planPull(app2, [])).toMatchObject({ fetchBytes: 170, reuseBytes: 0, reuse: [] });
  });

  test('a rebase onto a new base reuses its own layers by DiffID (new ChainIDs do not matter)', () => {
    const rebased = [L('n', 200, 0), L('b', 50, 1), L('c', 10, 2)];
    const plan = planPull(rebased, [[L('a', 100, 0), L('b', 50, 1), L('c', 10, 2)]]);
    expect(plan.fetch.map((l) => l.diffId)).toEqual([d('n')]);
    expect(plan).toMatchObject({ fetchBytes: 200, reuseBytes: 60 });
  });

  test('a layer repeated in the image travels once; the empty layer costs 0', () => {
    const twice = [L('a', 100, 0), L('d', 20, 1), L('E', 0, 2), L('d', 20, 3), L('E', 0, 4)];
    const plan = planPull(twice, [[L('a', 100, 0)]]);
    expect(plan.fetch.map((l) => l.index)).toEqual([1, 2]);
    expect(plan.reuse.map((l) => l.index)).toEqual([0, 3, 4]);
    expect(plan).toMatchObject({ fetchBytes: 20, reuseBytes: 120 });
  });
});
