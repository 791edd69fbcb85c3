import { BaseChainIndex } from '../../src/domain/baseChains';
import { chains, d } from './domainTestKit';

/**
 * A hand-drawn fleet (layers by letter; no image has exactly [o] or [o, r]):
 *   svc1   [o, r, s1]      pos 1
 *   svc2   [o, r, s2]      pos 2
 *   job    [o, j]          pos 3
 *   other  [x, y]          pos 4   alone: shares nothing
 * Shared stacks: [o] (svc1, svc2, job) and [o, r] (svc1, svc2).
 */
const C = (letters: string) => chains([...letters].map(d));
const img = (imageId: string, letters: string, order: number) => ({ imageId, chainIds: C(letters), order });
const O = C('o')[0]!;
const OR = C('or')[1]!;

function fleet(): BaseChainIndex {
  const ix = new BaseChainIndex();
  ix.add(img('svc1', 'ors', 1));
  ix.add(img('svc2', 'ort', 2));
  ix.add(img('job', 'oj', 3));
  ix.add(img('other', 'xy', 4));
  return ix;
}

describe('BaseChainIndex: unnamed bases on a hand-built fleet', () => {
  it('finds the shared stacks no image is known as, as a tree, with their images', () => {
    const ix = fleet();
    expect(ix.list().map((n) => [n.chainId, n.depth, n.sharers, n.imageCount])).toEqual([
      [O, 1, 3, 3],
      [OR, 2, 2, 2],
    ]);
    expect(ix.parent(OR)?.chainId).toBe(O);
    expect(ix.parent(O)).toBeNull();
    expect(ix.children(O).map((n) => n.chainId)).toEqual([OR]);
    expect(ix.imagesOn(O)).toEqual(['svc1', 'svc2', 'job']);
    expect(ix.imagesOn(OR)).toEqual(['svc1', 'svc2']);
    expect(ix.imagesExactly(O)).toEqual([]);
    expect(ix.imagesOnPage(O, 1, 1)).toEqual({ imageIds: ['svc2'], total: 3 });
  });

  it("gives each image the longest shared proper prefix of its chain as its base chain", () => {
    const ix = fleet();
    expect(ix.baseChainOf(C('ors'))?.chainId).toBe(OR);
    expect(ix.baseChainOf(C('oj'))?.chainId).toBe(O); // shares [o] with the services but not their runtime
    expect(ix.baseChainOf(C('xy'))).toBeNull();
    expect(ix.get(C('xy')[0]!)).toBeNull(); // only one image has [x]
  });

  it('counts a base known as an image among the sharers but not among the images built on it', () => {
    const ix = fleet();
    ix.add(img('runtime', 'or', 5));
    expect(ix.get(OR)).toEqual({ chainId: OR, depth: 2, sharers: 3, imageCount: 2 });
    expect(ix.imagesExactly(OR)).toEqual(['runtime']);
    expect(ix.baseChainOf(C('or'))?.chainId).toBe(O);
    // A known base with a single image on top is still a shared stack.
    ix.add(img('x-base', 'x', 6));
    expect(ix.get(C('x')[0]!)).toEqual({ chainId: C('x')[0], depth: 1, sharers: 2, imageCount: 1 });
    expect(ix.baseChainOf(C('xy'))?.chainId).toBe(C('x')[0]);
  });

  it('drops a stack when a removal leaves it to one image, and brings it back on re-import', () => {
    const ix = fleet();
    ix.remove('svc2');
    expect(ix.get(OR)).toBeNull();
    expect(ix.children(O)).toEqual([]);
    expect(ix.baseChainOf(C('ors'))?.chainId).toBe(O);
    expect(ix.list().map((n) => [n.chainId, n.sharers])).toEqual([[O, 2]]);
    ix.remove('job');
    expect(ix.list()).toEqual([]);
    ix.remove('job'); // unknown now: no effect
    ix.add(img('svc2', 'ort', 7));
    expect(ix.imagesOn(OR)).toEqual(['svc1', 'svc2']);
  });

  it('filters by minImages without orphaning a listed stack, roots first and each tree depth first', () => {
    const ix = fleet();
    ix.add(img('svc3', 'oru', 5));
    ix.add(img('x2', 'xz', 6));
    const X = C('x')[0]!;
    expect(ix.list().map((n) => n.chainId)).toEqual([O, OR, X]);
    expect(ix.list(3).map((n) => n.chainId)).toEqual([O, OR]);
    expect(ix.list(4).map((n) => n.chainId)).toEqual([O]);
    expect(ix.list(5)).toEqual([]);
  });

  it('keeps images in order and ignores an image recorded twice or without layers', () => {
    const ix = new BaseChainIndex();
    ix.add(img('late', 'ab', 9));
    ix.add(img('early', 'ac', 3));
    ix.add(img('late', 'ab', 9));
    ix.add({ imageId: 'empty', chainIds: [], order: 10 });
    expect(ix.imagesOn(C('a')[0]!)).toEqual(['early', 'late']);
    expect(ix.get(C('a')[0]!)?.sharers).toBe(2);
  });
});
