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

describe('BaseChainIndex: pages, lookups and sibling order (issue 25, second pass)', () => {
  it('pages imagesOn: the slice asked for and the total; an unshared or unknown stack has none', () => {
    const ix = fleet();
    expect(ix.imagesOnPage(O, 0, 2)).toEqual({ imageIds: ['svc1', 'svc2'], total: 3 });
    expect(ix.imagesOnPage(O, 2, 5)).toEqual({ imageIds: ['job'], total: 3 });
    expect(ix.imagesOnPage(O, 3, 5)).toEqual({ imageIds: [], total: 3 });
    expect(ix.imagesOnPage(O, 0, 0)).toEqual({ imageIds: [], total: 3 });
    expect(ix.imagesOnPage(C('xy')[0]!, 0, 5)).toEqual({ imageIds: [], total: 0 });
    expect(ix.imagesOnPage('sha256:unknown', 0, 5)).toEqual({ imageIds: [], total: 0 });
  });

  it('imagesHaving answers for any stack, shared or not: the exact images first, then those built on it', () => {
    const ix = fleet();
    ix.add(img('o-itself', 'o', 5));
    expect(ix.imagesHaving(O)).toEqual(['o-itself', 'svc1', 'svc2', 'job']);
    expect(ix.imagesHaving(C('xy')[0]!)).toEqual(['other']); // one image: not shared, still answered
    expect(ix.imagesHaving(C('xy')[1]!)).toEqual(['other']);
    expect(ix.imagesHaving('sha256:unknown')).toEqual([]);
  });

  it('someImageWith: the stack\'s own image when there is one, else the first built on it; null when not shared', () => {
    const ix = fleet();
    expect(ix.someImageWith(OR)).toBe('svc1');
    ix.add(img('runtime', 'or', 5));
    expect(ix.someImageWith(OR)).toBe('runtime');
    expect(ix.someImageWith(C('xy')[0]!)).toBeNull();
    expect(ix.someImageWith('sha256:unknown')).toBeNull();
    expect(ix.imagesExactly(C('xy')[1]!)).toEqual([]); // "other" is exactly [x, y], but alone: not shared
    expect(ix.imagesOn(C('xy')[0]!)).toEqual([]);
  });

  it('siblings and roots: most sharers first, equal sharers by ChainID (code-unit order)', () => {
    const ix = new BaseChainIndex();
    // Roots [p] (4 sharers), [q] and [r] (2 each); on [p]: [p,a] and [p,b] (2 each: ChainID order decides).
    let order = 0;
    for (const letters of ['pa1', 'pa2', 'pb1', 'pb2', 'q1', 'q2', 'r1', 'r2']) ix.add(img(`i${++order}`, letters, order));
    const P = C('p')[0]!;
    const [PA, PB] = [C('pa')[1]!, C('pb')[1]!];
    const [Q, R] = [C('q')[0]!, C('r')[0]!];
    const byId = (xs: string[]) => [...xs].sort();
    expect(ix.children(P).map((n) => n.chainId)).toEqual(byId([PA, PB]));
    expect(ix.list().map((n) => n.chainId)).toEqual([P, ...byId([PA, PB]), ...byId([Q, R])]);
    ix.add(img('i9', 'pb3', 9)); // [p,b] now has 3 sharers: first among [p]'s children whatever its ChainID
    expect(ix.children(P).map((n) => [n.chainId, n.sharers])).toEqual([[PB, 3], [PA, 2]]);
    ix.add(img('i10', 'q3', 10));
    ix.add(img('i11', 'q4', 11)); // [q] has 4 sharers, [p] 5: [p] still first, then [q], then [r]
    expect(ix.list().filter((n) => n.depth === 1).map((n) => [n.chainId, n.sharers])).toEqual([[P, 5], [Q, 4], [R, 2]]);
  });

  it('images recorded out of order are listed by order: each lands between its neighbours, and leaves from there', () => {
    const ix = new BaseChainIndex();
    for (const [id, order] of [['o10', 10], ['o50', 50], ['o90', 90], ['o70', 70], ['o30', 30], ['o20', 20], ['o60', 60], ['o5', 5], ['o95', 95]] as const) {
      ix.add(img(id, `s${id}`, order));
    }
    const S = C('s')[0]!;
    const sorted = ['o5', 'o10', 'o20', 'o30', 'o50', 'o60', 'o70', 'o90', 'o95'];
    expect(ix.imagesOn(S)).toEqual(sorted);
    for (const gone of ['o30', 'o5', 'o95', 'o60']) {
      ix.remove(gone);
      sorted.splice(sorted.indexOf(gone), 1);
      expect(ix.imagesOn(S)).toEqual(sorted);
    }
  });

  it('removes the right image when several share an order (orders should be unique; stay correct if not)', () => {
    const ix = new BaseChainIndex();
    for (const id of ['a', 'b', 'c', 'd']) ix.add(img(id, `s${id}`, 5));
    const S = C('s')[0]!;
    ix.remove('b');
    expect(ix.imagesOn(S).sort()).toEqual(['a', 'c', 'd']);
    ix.remove('d');
    ix.remove('a');
    expect(ix.get(S)).toBeNull();
    expect(ix.imagesHaving(S)).toEqual(['c']);
  });

  it('a list asked with several thresholds answers each, and every change is seen', () => {
    const ix = fleet();
    for (let min = 0; min <= 12; min++) expect(ix.list(min).length).toBe(min <= 2 ? 2 : min === 3 ? 1 : 0);
    ix.add(img('svc3', 'oru', 5));
    for (let min = 0; min <= 12; min++) expect(ix.list(min).length).toBe(min <= 3 ? 2 : min === 4 ? 1 : 0);
    expect(ix.size).toBe(2);
    ix.remove('svc1');
    ix.remove('svc2');
    expect(ix.size).toBe(1);
  });
});

describe('BaseChainIndex: the listing walks siblings most-shared first (issue 25, lead)', () => {
  it('lists a base\'s more-shared child stack before one that became shared earlier', () => {
    // [o, a] becomes shared first (2 images), [o, b] later but with 3 images: the tree walk under [o]
    // must visit [o, b] first (most images first), whatever order the stacks became shared in.
    const ix = new BaseChainIndex();
    ix.add(img('a1', 'oa1', 1));
    ix.add(img('a2', 'oa2', 2));
    ix.add(img('b1', 'ob1', 3));
    ix.add(img('b2', 'ob2', 4));
    ix.add(img('b3', 'ob3', 5));
    const OA = C('oa')[1]!;
    const OB = C('ob')[1]!;
    expect(ix.list().map((n) => [n.chainId, n.sharers])).toEqual([[O, 5], [OB, 3], [OA, 2]]);
    expect(ix.children(O).map((n) => n.chainId)).toEqual([OB, OA]);
  });
});

describe('BaseChainIndex: rules the mutation run of issue 25 found unstated (group A, low scores)', () => {
  it('a stack with fewer than two images, or unknown, has no parent and no children', () => {
    const ix = fleet();
    // [x, y] is "other"'s own chain, [o, j] "job"'s: each alone, so neither is a base.
    expect(ix.parent(C('xy')[1]!)).toBeNull();
    expect(ix.parent(C('oj')[1]!)).toBeNull();
    expect(ix.parent('sha256:unknown')).toBeNull();
    expect(ix.children(C('xy')[0]!)).toEqual([]);
    expect(ix.children('sha256:unknown')).toEqual([]);
    ix.remove('svc2'); // [o, r] falls back to one image: no longer a base, so no children either
    expect(ix.children(OR)).toEqual([]);
    expect(ix.parent(OR)).toBeNull();
  });

  it('roots are listed most images first, whatever order they became shared in', () => {
    // [a] becomes shared first with two images; [b] later, with three: [b] is listed first.
    const ix = new BaseChainIndex();
    ix.add(img('a1', 'a1', 1));
    ix.add(img('a2', 'a2', 2));
    ix.add(img('b1', 'b1', 3));
    ix.add(img('b2', 'b2', 4));
    ix.add(img('b3', 'b3', 5));
    const [A, B] = [C('a')[0]!, C('b')[0]!];
    expect(ix.list().map((n) => [n.chainId, n.sharers])).toEqual([[B, 3], [A, 2]]);
    ix.remove('b1');
    ix.remove('b2'); // [b] down to one image: gone; [a] alone
    expect(ix.list().map((n) => n.chainId)).toEqual([A]);
  });

  it('an image without layers is not recorded: the same image recorded later with layers counts', () => {
    const ix = fleet();
    ix.add({ imageId: 'svc3', chainIds: [], order: 5 });
    expect(ix.imagesOn(OR)).toEqual(['svc1', 'svc2']);
    ix.add(img('svc3', 'oru', 6));
    expect(ix.imagesOn(OR)).toEqual(['svc1', 'svc2', 'svc3']);
  });

  it('a stack is linked into the tree once, however many images join it, and leaves it when one is left', () => {
    const ix = new BaseChainIndex();
    const P = C('p')[0]!;
    const PA = C('pa')[1]!;
    for (let i = 1; i <= 4; i++) ix.add(img(`pa${i}`, `pa${i}`, i));
    expect(ix.children(P).map((n) => [n.chainId, n.sharers])).toEqual([[PA, 4]]);
    expect(ix.list().map((n) => n.chainId)).toEqual([P, PA]);
    for (let i = 4; i >= 2; i--) ix.remove(`pa${i}`);
    expect(ix.children(P)).toEqual([]);
    expect(ix.list()).toEqual([]);
    expect(ix.imagesHaving(PA)).toEqual(['pa1']); // still answered: one image has it
    ix.add(img('pa9', 'pa9', 9)); // shared again: linked again, once
    expect(ix.children(P).map((n) => n.chainId)).toEqual([PA]);
    expect(ix.list().map((n) => n.chainId)).toEqual([P, PA]);
  });

  it('removing an image leaves every other image of its stacks in place, whichever position it had', () => {
    // Remove from the front, the back and the middle of stacks whose member lists were filled out of order.
    const orders = [40, 10, 30, 20, 50];
    for (const gone of [10, 50, 30]) {
      const ix = new BaseChainIndex();
      for (const o of orders) ix.add(img(`i${o}`, `qr${o}`, o));
      ix.remove(`i${gone}`);
      const left = [...orders].sort((a, b) => a - b).filter((o) => o !== gone).map((o) => `i${o}`);
      expect(ix.imagesOn(C('q')[0]!)).toEqual(left);
      expect(ix.imagesOn(C('qr')[1]!)).toEqual(left);
      expect(ix.imagesHaving(C(`qr${gone}`)[2]!)).toEqual([]);
    }
  });
});
