import { buildLineage, Lineage, LineageImage } from '../../src/domain/lineage';
import { EMPTY_LAYER_DIFF_ID } from '../../src/domain/digest';
import { chains, d } from './domainTestKit';

/**
 * The family (diffIds by letter), hand-drawn:
 *   alpine  [a]                 pos 1
 *   alpine2 [a]  (same chain, config differs)  pos 2
 *   py      [a, b]              pos 3
 *   app1    [a, b, c]           pos 4
 *   app2    [a, b, d]           pos 5
 *   tool    [a, e]              pos 6   parent alpine (not alpine2: committed later)
 *   deep    [a, b, c, f, g]     pos 7   parent app1 (no image ends at [a,b,c,f])
 *   alpine3 [n]                 pos 8   new base
 *   rebased [n, c]              pos 9   same DiffID c as app1's own layer, new ChainIDs
 *   lonely  [z]                 pos 10
 *   empty   []                  pos 11  no layers: no lineage
 *   withEmpty [a, EMPTY]        pos 12  parent alpine
 */
const img = (imageId: string, letters: string[], pos: number, extra: Partial<LineageImage> = {}): LineageImage => ({
  imageId,
  chainIds: chains(letters.map((l) => (l === 'EMPTY' ? EMPTY_LAYER_DIFF_ID : d(l)))),
  committedPosition: pos,
  ...extra,
});

/** Built per test (not when the file loads): a broken builder fails tests, not the file. */
const family = (): LineageImage[] => [
  img('deep', ['a', 'b', 'c', 'f', 'g'], 7),
  img('alpine2', ['a'], 2),
  img('alpine', ['a'], 1),
  img('py', ['a', 'b'], 3),
  img('app1', ['a', 'b', 'c'], 4),
  img('app2', ['a', 'b', 'd'], 5),
  img('tool', ['a', 'e'], 6),
  img('alpine3', ['n'], 8),
  img('rebased', ['n', 'c'], 9),
  img('lonely', ['z'], 10),
  img('empty', [], 11),
  img('withEmpty', ['a', 'EMPTY'], 12),
];

describe('lineage by ChainID (docs/domain.md §4)', () => {
  let l: Lineage;
  beforeEach(() => { l = buildLineage(family()); });

  test('parent is the longest proper prefix; equal chains are not ancestors', () => {
    expect(l.parent('alpine')).toBeNull();
    expect(l.parent('alpine2')).toBeNull();
    expect(l.parent('py')).toBe('alpine');
    expect(l.parent('app1')).toBe('py');
    expect(l.parent('app2')).toBe('py');
    expect(l.parent('deep')).toBe('app1');
    expect(l.parent('withEmpty')).toBe('alpine');
    expect(l.lineageSource('py')).toBe('CHAIN');
    expect(l.lineageSource('alpine')).toBeNull();
  });

  test('ties go to the image committed first', () => {
    expect(l.parent('tool')).toBe('alpine');
    expect(l.children('alpine2')).toEqual([]);
  });

  test('base, ancestors, children, descendants', () => {
    expect(l.base('deep')).toBe('alpine');
    expect(l.base('alpine')).toBeNull();
    expect(l.ancestors('deep')).toEqual(['app1', 'py', 'alpine']);
    expect(l.children('alpine')).toEqual(['py', 'tool', 'withEmpty']);
    expect(l.children('py')).toEqual(['app1', 'app2']);
    expect(l.descendants('py')).toEqual(['app1', 'app2', 'deep']);
    expect(l.descendants('alpine')).toEqual(['py', 'tool', 'withEmpty', 'app1', 'app2', 'deep']);
  });

  test('a rebase shares DiffIDs, not ChainIDs: rebased descends from the new base only', () => {
    expect(l.parent('rebased')).toBe('alpine3');
    expect(l.base('rebased')).toBe('alpine3');
    expect(l.descendants('app1')).toEqual(['deep']);
  });

  test('images without layers and unrelated images stand alone', () => {
    expect(l.parent('empty')).toBeNull();
    expect(l.children('empty')).toEqual([]);
    expect(l.parent('lonely')).toBeNull();
    expect(l.has('lonely')).toBe(true);
    expect(l.has('nope')).toBe(false);
    expect(l.ancestors('nope')).toEqual([]);
  });
});

describe('lineage from OCI base annotations (docs/domain.md §4)', () => {
  test('base.digest (manifest digest or image ID) wins over the chain and is reported', () => {
    const images = [
      img('alpine', ['a'], 1, { manifestDigests: ['sha256:m-alpine'] }),
      img('py', ['a', 'b'], 2),
      img('app', ['a', 'b', 'c'], 3, { baseDigest: 'sha256:m-alpine' }),
      img('app2', ['a', 'b', 'd'], 4, { baseDigest: 'py' }),
    ];
    const l = buildLineage(images);
    expect(l.parent('app')).toBe('alpine');
    expect(l.lineageSource('app')).toBe('ANNOTATION');
    expect(l.chainParent('app')).toBe('py');
    expect(l.parent('app2')).toBe('py');
    expect(l.lineageSource('app2')).toBe('ANNOTATION');
    expect(l.children('py')).toEqual(['app2']);
  });

  test('base.name alone never decides; a base.digest naming nothing known falls back to CHAIN', () => {
    const images = [
      img('alpine', ['a'], 1),
      img('py', ['a', 'b'], 2),
      img('app', ['a', 'b', 'c'], 3, { baseName: 'alpine:3' }),
      img('app2', ['a', 'b', 'd'], 4, { baseName: 'ghost:1', baseDigest: 'sha256:unknown' }),
    ];
    const l = buildLineage(images);
    expect([l.parent('app'), l.lineageSource('app')]).toEqual(['py', 'CHAIN']);
    expect([l.parent('app2'), l.lineageSource('app2')]).toEqual(['py', 'CHAIN']);
  });

  test('a stale annotation (umoci copies base.* from the image below) loses to the chain', () => {
    // mid was built FROM base and annotated so; top was built FROM mid, but its
    // annotations were copied from mid, so they still name base... which IS a
    // prefix of top: that one stands. The stale case is an annotation naming an
    // image top is not built on: a sibling, itself, or a longer chain.
    const images = [
      img('base', ['a'], 1, { manifestDigests: ['sha256:m-base'] }),
      img('mid', ['a', 'b'], 2, { manifestDigests: ['sha256:m-mid'], baseDigest: 'sha256:m-base' }),
      img('sibling', ['a', 'x'], 3, { manifestDigests: ['sha256:m-sibling'] }),
      img('top', ['a', 'b', 'c'], 4, { baseDigest: 'sha256:m-sibling', baseName: 'sibling:1' }),
      img('self', ['a', 'b', 'd'], 5, { manifestDigests: ['sha256:m-self'], baseDigest: 'sha256:m-self' }),
      img('short', ['a', 'b'], 6, { baseDigest: 'sha256:m-top' }),
    ];
    const l = buildLineage(images);
    expect([l.parent('mid'), l.lineageSource('mid')]).toEqual(['base', 'ANNOTATION']);
    expect([l.parent('top'), l.lineageSource('top')]).toEqual(['mid', 'CHAIN']);
    expect([l.parent('self'), l.lineageSource('self')]).toEqual(['mid', 'CHAIN']);
    expect([l.parent('short'), l.lineageSource('short')]).toEqual(['base', 'CHAIN']);
    expect(l.children('sibling')).toEqual([]);
  });

  test('an annotation naming a shorter prefix than the chain parent wins (built FROM it, layers coincide)', () => {
    const images = [
      img('alpine', ['a'], 1, { manifestDigests: ['sha256:m-alpine'] }),
      img('py', ['a', 'b'], 2),
      img('app', ['a', 'b', 'c'], 3, { baseDigest: 'sha256:M-ALPINE' }),
    ];
    const l = buildLineage(images);
    expect([l.parent('app'), l.lineageSource('app'), l.chainParent('app')]).toEqual(['alpine', 'ANNOTATION', 'py']);
  });
});

describe('lineage scale', () => {
  test('2,000 images in a 40-deep tree of 50 branches: built and queried fast', () => {
    const images: LineageImage[] = [];
    let pos = 0;
    for (let b = 0; b < 50; b++) {
      const letters = ['root'];
      for (let k = 0; k < 40; k++) {
        letters.push(`b${b}-${k}`);
        images.push({ imageId: `i${b}-${k}`, chainIds: chains(letters), committedPosition: ++pos });
      }
    }
    const t0 = Date.now();
    const l = buildLineage(images);
    expect(l.parent('i7-39')).toBe('i7-38');
    expect(l.ancestors('i7-39')).toHaveLength(39);
    expect(l.base('i7-39')).toBe('i7-0');
    expect(l.descendants('i7-0')).toHaveLength(39);
    expect(Date.now() - t0).toBeLessThan(1000);
  });
});

describe('lineage tie-breaks and annotation edges (issue 25), each family built in its test', () => {
  test('equal chains: the parent is the image committed first, even when its ID sorts last', () => {
    const l = buildLineage([
      img('child', ['a', 'b'], 3),
      img('aaa-later', ['a'], 2),
      img('zzz-first', ['a'], 1),
    ]);
    expect(l.parent('child')).toBe('zzz-first');
    expect(l.children('aaa-later')).toEqual([]);
  });

  test('children are listed in commit order, not name order', () => {
    const l = buildLineage([
      img('base', ['a'], 1),
      img('aaa-kid', ['a', 'y'], 3),
      img('zzz-kid', ['a', 'x'], 2),
    ]);
    expect(l.children('base')).toEqual(['zzz-kid', 'aaa-kid']);
    expect(l.descendants('base')).toEqual(['zzz-kid', 'aaa-kid']);
  });

  test('equal chains committed at the same position fall back to image ID order (deterministic)', () => {
    const l = buildLineage([img('child', ['a', 'b'], 3), img('b-img', ['a'], 1), img('a-img', ['a'], 1)]);
    expect(l.parent('child')).toBe('a-img');
  });

  test('same-position ties go by image ID whatever the input order, for parents and for children', () => {
    const ids = ['d-img', 'b-img', 'e-img', 'a-img', 'c-img'];
    const orders = [ids, [...ids].reverse(), ['c-img', 'a-img', 'e-img', 'b-img', 'd-img']];
    for (const order of orders) {
      const l = buildLineage([img('child', ['a', 'b'], 9), ...order.map((id) => img(id, ['a'], 1)),
        ...order.map((id) => img(`kid-${id}`, ['z', 'y'], 5)), img('zbase', ['z'], 2)]);
      expect(l.parent('child')).toBe('a-img');
      expect(l.children('zbase')).toEqual(['kid-a-img', 'kid-b-img', 'kid-c-img', 'kid-d-img', 'kid-e-img']);
    }
  });

  test('a manifest digest two images share names the one committed first', () => {
    const l = buildLineage([
      img('aaa-second', ['a', 'b'], 2, { manifestDigests: ['sha256:m-shared'] }),
      img('zzz-first', ['a'], 1, { manifestDigests: ['sha256:m-shared'] }),
      img('app', ['a', 'b', 'c'], 3, { baseDigest: 'sha256:m-shared' }),
    ]);
    expect([l.parent('app'), l.lineageSource('app'), l.chainParent('app')]).toEqual(['zzz-first', 'ANNOTATION', 'aaa-second']);
  });

  test('an annotation naming the image itself (by image ID) is stale: the chain decides', () => {
    const l = buildLineage([img('base', ['a'], 1), img('me', ['a', 'b'], 2, { baseDigest: 'me' })]);
    expect([l.parent('me'), l.lineageSource('me')]).toEqual(['base', 'CHAIN']);
    expect(l.ancestors('me')).toEqual(['base']);
  });

  test('an annotation naming an unknown image ID is stale: the chain decides', () => {
    const l = buildLineage([img('base', ['a'], 1), img('app', ['a', 'b'], 2, { baseDigest: 'ghost' })]);
    expect([l.parent('app'), l.lineageSource('app')]).toEqual(['base', 'CHAIN']);
  });

  test('an annotation naming a layerless image gives no parent (the empty chain proves nothing)', () => {
    const l = buildLineage([
      img('scratch', [], 1, { manifestDigests: ['sha256:m-scratch'] }),
      img('app', ['a'], 2, { baseDigest: 'sha256:m-scratch' }),
    ]);
    expect([l.parent('app'), l.lineageSource('app'), l.base('app')]).toEqual([null, null, null]);
    expect(l.children('scratch')).toEqual([]);
  });
});
