/** DriftIndex (docs/domain.md §4, base drift): the cases the generated fleets reach rarely, spelled out. */
import { BaseChainIndex } from '../../src/domain/baseChains';
import { compareDrift, containsChain, DriftIndex } from '../../src/domain/drift';
import { chains, d } from './domainTestKit';

function setup() {
  const stacks = new BaseChainIndex();
  const drift = new DriftIndex(stacks);
  let position = 0;
  const at = (p: number) => `2026-01-01T00:00:${String(p).padStart(2, '0')}.000Z`;
  return {
    drift,
    add(imageId: string, letters: string[]) {
      position += 1;
      const img = { imageId, chainIds: chains(letters.map(d)), order: position };
      stacks.add(img);
      drift.addImage(img, position);
    },
    remove(imageId: string) {
      position += 1;
      stacks.remove(imageId);
      drift.removeImage(imageId, position);
    },
    move(tag: string, to: string | null) {
      position += 1;
      drift.moveTag(tag, { position, at: at(position), to });
      return position;
    },
  };
}

const brief = (xs: readonly { imageId: string; tag: string; builtOn: string; current: string; movesBehind: number; sincePosition: number }[]) =>
  xs.map((x) => `${x.imageId} on ${x.tag}: ${x.builtOn} -> ${x.current}, ${x.movesBehind} behind since ${x.sincePosition}`);

describe('DriftIndex', () => {
  it('reports an image built on an older target once the tag moves, not before, and not the targets themselves', () => {
    const s = setup();
    s.add('deb1', ['a']);
    s.add('app', ['a', 'x']);
    s.move('debian:12', 'deb1');
    expect(s.drift.list(null)).toEqual([]);
    s.add('deb2', ['b']);
    const moved = s.move('debian:12', 'deb2');
    expect(brief(s.drift.list(null))).toEqual([`app on debian:12: deb1 -> deb2, 1 behind since ${moved}`]);
    expect(s.drift.list('debian:12')[0]!.since).toBe(`2026-01-01T00:00:0${moved}.000Z`);
    expect(s.drift.ofImage('deb1')).toEqual([]);
  });

  it('holds through an unnamed base: a stack on the old target that no image or tag names', () => {
    const s = setup();
    s.add('deb1', ['a']);
    s.move('debian:12', 'deb1');
    s.add('svc1', ['a', 'runtime', 'svc1']); // [a, runtime] is shared but known as no image
    s.add('svc2', ['a', 'runtime', 'svc2']);
    s.add('deb2', ['a', 'patch']); // the new version shares the lower stack [a]
    s.move('debian:12', 'deb2');
    expect(brief(s.drift.list('debian:12')).sort()).toEqual([
      'svc1 on debian:12: deb1 -> deb2, 1 behind since 6', 'svc2 on debian:12: deb1 -> deb2, 1 behind since 6']);
  });

  it('picks the deepest old target, and among equal chains the one pointed to last; counts moves to images only', () => {
    const s = setup();
    s.add('v1', ['a']);
    s.add('v1b', ['a']); // same layers, another config
    s.add('v2', ['a', 'p']);
    s.add('v3', ['c']);
    s.add('app', ['a', 'p', 'x']);
    s.add('tool', ['a', 'y']);
    s.move('base', 'v1');
    const away1 = s.move('base', 'v1b');
    s.move('base', 'v2');
    const away2 = s.move('base', null);
    s.move('base', 'v3');
    expect(brief(s.drift.list('base'))).toEqual([
      `tool on base: v1b -> v3, 2 behind since ${away1 + 1}`,
      `app on base: v2 -> v3, 1 behind since ${away2}`,
    ]);
  });

  it('a rollback makes images on the old target current again; an untag reports nothing', () => {
    const s = setup();
    s.add('v1', ['a']);
    s.add('v2', ['b']);
    s.add('app', ['a', 'x']);
    s.move('base', 'v1');
    s.move('base', 'v2');
    expect(s.drift.list('base')).toHaveLength(1);
    s.move('base', 'v1');
    expect(s.drift.list('base')).toEqual([]);
    s.move('base', 'v2');
    expect(s.drift.list('base')[0]!.movesBehind).toBe(1);
    s.move('base', null);
    expect(s.drift.list('base')).toEqual([]);
  });

  it('an image committed later on an old target is behind at once; a removed one drops out; a removed old target still counts', () => {
    const s = setup();
    s.add('v1', ['a']);
    s.add('v2', ['b']);
    s.move('base', 'v1');
    s.move('base', 'v2');
    s.remove('v1');
    s.add('late', ['a', 'late']);
    expect(brief(s.drift.ofImage('late'))).toEqual(['late on base: v1 -> v2, 1 behind since 4']);
    expect(s.drift.changedAt('base')).toBe(6);
    s.remove('late');
    expect(s.drift.list(null)).toEqual([]);
    expect(s.drift.changedAt('base')).toBe(7);
  });

  it('an image that also contains the current target is not behind', () => {
    const s = setup();
    s.add('v1', ['a']);
    s.add('v2', ['a', 'b']);
    s.add('app', ['a', 'b', 'x']);
    s.move('base', 'v1');
    s.move('base', 'v2');
    expect(s.drift.list(null)).toEqual([]);
    expect(s.drift.knows('base')).toBe(true);
    expect(s.drift.knows('other')).toBe(false);
  });
});

describe('drift order (issue 25, second pass): most behind, then longest behind, then tag, then image order, then image ID', () => {
  const entry = (imageId: string, tag: string, movesBehind: number, sincePosition: number) =>
    ({ imageId, tag, builtOn: 'b', current: 'c', movesBehind, since: 'x', sincePosition });
  const order: Record<string, number> = { early: 1, late: 2, twinA: 5, twinB: 5 };
  // Hand-ordered: each neighbour pair differs in exactly the key that decides it.
  const expected = [
    entry('late', 'z', 3, 9), // most behind first, whatever else
    entry('late', 'z', 2, 4), // same moves: moved away earlier (lower position) first
    entry('late', 'a', 2, 8),
    entry('late', 'b', 2, 8), // same moves and position: tag "a" < "b"
    entry('early', 'c', 2, 9),
    entry('late', 'c', 2, 9), // same tag: the image made live first
    entry('twinA', 'c', 2, 9),
    entry('twinB', 'c', 2, 9), // same order: image ID
    entry('early', 'a', 0, 1),
  ];
  const permutations = [
    [...expected].reverse(),
    [...expected.slice(4), ...expected.slice(0, 4)],
    expected.map((_, i) => expected[(i * 4) % expected.length]!),
  ];

  test.each(permutations.map((p, i) => [i, p] as const))('permutation %i sorts to the hand order', (_i, input) => {
    expect([...input].sort(compareDrift((id) => order[id] ?? 0))).toEqual(expected);
  });

  test('the index lists every tag\'s entries in that order, and an image\'s tags by name', () => {
    const s = setup();
    s.add('v1', ['a']);
    s.add('w1', ['w']);
    s.add('app', ['a', 'w', 'x']); // built on v1 only: [w] is not a prefix of its chain
    s.add('app2', ['w', 'y']);
    s.add('app3', ['a', 'z']);
    s.move('zeta', 'w1');
    s.move('alpha', 'v1');
    s.add('v2', ['b']);
    s.add('w2', ['c']);
    s.move('zeta', 'w2'); // position 10: app2 behind on zeta since 10
    s.move('alpha', 'v2'); // position 11: app and app3 behind on alpha since 11 (same moves: zeta, behind longer, first)
    expect(brief(s.drift.list(null))).toEqual([
      'app2 on zeta: w1 -> w2, 1 behind since 10',
      'app on alpha: v1 -> v2, 1 behind since 11',
      'app3 on alpha: v1 -> v2, 1 behind since 11',
    ]);
    expect(brief(s.drift.list('alpha'))).toEqual(['app on alpha: v1 -> v2, 1 behind since 11', 'app3 on alpha: v1 -> v2, 1 behind since 11']);
    expect(s.drift.list('unknown')).toEqual([]);
    expect(s.drift.changedAt('unknown')).toBe(0);
  });

  test('an image behind on two tags lists them by tag name', () => {
    const s = setup();
    s.add('v1', ['a']);
    s.add('app', ['a', 'x']);
    s.move('zz', 'v1');
    s.move('aa', 'v1');
    s.add('v2', ['b']);
    s.move('zz', 'v2');
    s.move('aa', 'v2');
    expect(s.drift.ofImage('app').map((e) => e.tag)).toEqual(['aa', 'zz']);
    expect(s.drift.list(null).map((e) => e.tag)).toEqual(['zz', 'aa']); // zz moved away first: behind longer
  });
});

describe('drift: edges no fleet above reaches (issue 25, second pass)', () => {
  test('an empty chain is contained in nothing, and contains nothing', () => {
    expect(containsChain(['a', 'b'], [])).toBe(false);
    expect(containsChain([], [])).toBe(false);
    expect(containsChain(['a'], ['a', 'b'])).toBe(false);
    expect(containsChain(['x', 'b'], ['a', 'b'])).toBe(true); // ChainIDs: equal at the top means equal below
  });

  test('a tag moved to a layerless image, or to one the index never saw: the images on its old target are behind', () => {
    const s = setup();
    s.add('v1', ['a']);
    s.add('app', ['a', 'x']);
    s.add('scratch', []);
    s.move('base', 'v1');
    const at = s.move('base', 'scratch');
    expect(brief(s.drift.list('base'))).toEqual([`app on base: v1 -> scratch, 1 behind since ${at}`]);
    const at2 = s.move('other', 'v1');
    s.move('other', 'ghost');
    expect(brief(s.drift.list('other'))).toEqual([`app on other: v1 -> ghost, 1 behind since ${at2 + 1}`]);
  });

  test('a live image added again changes nothing (not even changedAt)', () => {
    const s = setup();
    s.add('v1', ['a']);
    s.add('v2', ['b']);
    s.move('base', 'v1');
    s.move('base', 'v2');
    s.add('late', ['a', 'late']);
    const changed = s.drift.changedAt('base');
    s.add('late', ['a', 'late']);
    expect(s.drift.changedAt('base')).toBe(changed);
    expect(s.drift.list('base')).toHaveLength(1);
  });

  test('a listing asked before a removal is not served after it', () => {
    const s = setup();
    s.add('v1', ['a']);
    s.add('v2', ['b']);
    s.add('app', ['a', 'x']);
    s.move('base', 'v1');
    s.move('base', 'v2');
    expect(s.drift.list(null)).toHaveLength(1);
    expect(s.drift.list('base')).toHaveLength(1);
    s.remove('app');
    expect(s.drift.list(null)).toEqual([]);
    expect(s.drift.list('base')).toEqual([]);
  });
});

describe('drift: changedAt moves only when entries change; a tag\'s own targets never drift on it', () => {
  test('changedAt', () => {
    const s = setup();
    s.add('v1', ['a']);
    s.add('v2', ['b']);
    s.move('base', 'v1'); // no entries before or after
    expect(s.drift.changedAt('base')).toBe(0);
    s.add('app', ['a', 'x']);
    const moved = s.move('base', 'v2');
    expect(s.drift.changedAt('base')).toBe(moved);
    s.add('v3', ['c']);
    const again = s.move('base', 'v3'); // app now 2 behind: entries changed
    expect(s.drift.changedAt('base')).toBe(again);
    s.move('base', null); // untag: entries dropped
    const untagged = s.drift.changedAt('base');
    s.move('base', null); // nothing to drop
    expect(s.drift.changedAt('base')).toBe(untagged);
  });

  test('the old targets themselves are never behind on their tag, even when only an older target is in their chain', () => {
    const s = setup();
    s.add('v1', ['a']);
    s.add('v2', ['a', 'b']); // built on v1, then a target of the same tag
    s.add('v3', ['c']);
    s.move('base', 'v1');
    s.move('base', 'v2');
    s.move('base', 'v3');
    expect(s.drift.list('base')).toEqual([]);
    expect(s.drift.ofImage('v2')).toEqual([]);
    s.add('app', ['a', 'b', 'x']);
    expect(s.drift.list('base').map((e) => [e.imageId, e.builtOn])).toEqual([['app', 'v2']]);
  });
});

test('among targets with one chain, builtOn is the one the tag pointed to last, whichever the tag met first', () => {
  const s = setup();
  s.add('v1', ['a']);
  s.add('v1b', ['a']);
  s.add('v3', ['c']);
  s.add('app', ['a', 'x']);
  s.move('base', 'v1b');
  s.move('base', 'v1');
  s.move('base', 'v1b');
  s.move('base', 'v3');
  expect(s.drift.list('base').map((e) => [e.imageId, e.builtOn, e.movesBehind])).toEqual([['app', 'v1b', 1]]);
});

describe('drift (issue 25, third pass): the order is a total order; an untagged tag; what a move reads', () => {
  const entry = (imageId: string, tag: string, movesBehind: number, sincePosition: number) =>
    ({ imageId, tag, builtOn: 'b', current: 'c', movesBehind, since: 'x', sincePosition });

  test('compareDrift is a consistent comparator: cmp(a, b) and cmp(b, a) have opposite signs, and 0 means every key is equal', () => {
    // A comparator that answers 0 for b before a (or -1 both ways) leaves the order to the sort's
    // algorithm (ECMAScript's Array.prototype.sort: "implementation-defined" for inconsistent ones).
    const order: Record<string, number> = { i1: 1, i2: 2, t1: 7, t2: 7 };
    const cmp = compareDrift((id) => order[id] ?? 0);
    const xs = [
      entry('i1', 'a', 3, 1), entry('i1', 'a', 2, 1), entry('i1', 'a', 2, 5), entry('i1', 'b', 2, 5),
      entry('i2', 'b', 2, 5), entry('t1', 'b', 2, 5), entry('t2', 'b', 2, 5),
    ];
    for (const a of xs) {
      expect([a.imageId, a.tag, cmp(a, { ...a })]).toEqual([a.imageId, a.tag, 0]);
      for (const b of xs.filter((x) => x !== a)) {
        const ab = Math.sign(cmp(a, b));
        expect([a, b, ab === 0, ab]).toEqual([a, b, false, -Math.sign(cmp(b, a))]);
      }
    }
  });

  test('an image committed on an old target after the tag was untagged is not behind (no current target)', () => {
    const s = setup();
    s.add('v1', ['a']);
    s.add('v2', ['b']);
    s.move('base', 'v1');
    s.move('base', 'v2');
    s.move('base', null);
    s.add('late', ['a', 'late']);
    expect(s.drift.ofImage('late')).toEqual([]);
    expect(s.drift.list('base')).toEqual([]);
    s.move('base', 'v2'); // tagged again: now it is behind, by two moves to an image (the untag is none)
    expect(brief(s.drift.ofImage('late'))).toEqual(['late on base: v1 -> v2, 2 behind since 4']);
  });

  test('a move reads the stacks of the old targets only (the cost the header states), not the current target\'s', () => {
    const stacks = new BaseChainIndex();
    const asked: string[] = [];
    const drift = new DriftIndex({ imagesHaving: (chainId) => { asked.push(chainId); return stacks.imagesHaving(chainId); } });
    const [ca, cb] = [chains([d('a')]), chains([d('b')])];
    const add = (imageId: string, chainIds: string[], order: number) => {
      stacks.add({ imageId, chainIds, order });
      drift.addImage({ imageId, chainIds, order }, order);
    };
    add('v1', ca, 1);
    add('v2', cb, 2);
    add('onV2', chains([d('b'), d('x')]), 3);
    drift.moveTag('base', { position: 4, at: 't4', to: 'v1' });
    expect(asked).toEqual([]); // its only target is the current one
    drift.moveTag('base', { position: 5, at: 't5', to: 'v2' });
    expect(asked).toEqual([ca[0]]);
    asked.length = 0;
    drift.moveTag('base', { position: 6, at: 't6', to: 'v1' }); // back: v2's stack is an old target's now
    expect(asked).toEqual([cb[0]]);
    expect(drift.ofImage('onV2').map((e) => [e.builtOn, e.current])).toEqual([['v2', 'v1']]);
  });
});

describe('drift listings (issue 25, third pass)', () => {
  test('images equally behind on one tag are listed in the order they became live, not by image ID', () => {
    const s = setup();
    s.add('v1', ['a']);
    s.add('zz-first', ['a', 'x']);
    s.add('aa-second', ['a', 'y']);
    s.move('base', 'v1');
    s.add('v2', ['b']);
    s.move('base', 'v2');
    expect(s.drift.list('base').map((e) => e.imageId)).toEqual(['zz-first', 'aa-second']);
    expect(s.drift.list(null).map((e) => e.imageId)).toEqual(['zz-first', 'aa-second']);
  });

  test('a listing is shared until the next change (the same array, whatever else was asked), and rebuilt after one', () => {
    const s = setup();
    s.add('v1', ['a']);
    s.add('w1', ['w']);
    s.add('app', ['a', 'x']);
    s.add('app2', ['w', 'y']);
    s.move('base', 'v1');
    s.move('other', 'w1');
    s.add('v2', ['b']);
    s.move('base', 'v2');
    const all = s.drift.list(null);
    const base = s.drift.list('base');
    expect(s.drift.list('other')).toEqual([]);
    expect(s.drift.list(null)).toBe(all);
    expect(s.drift.list('base')).toBe(base);
    s.add('w2', ['c']);
    s.move('other', 'w2');
    const after = s.drift.list(null);
    expect(after).not.toBe(all);
    expect(after.map((e) => e.tag).sort()).toEqual(['base', 'other']);
  });

  test('an untag reads no stack: with no current target nothing can be behind', () => {
    const stacks = new BaseChainIndex();
    const asked: string[] = [];
    const drift = new DriftIndex({ imagesHaving: (chainId) => { asked.push(chainId); return stacks.imagesHaving(chainId); } });
    for (const [imageId, letters, order] of [['v1', ['a'], 1], ['v2', ['b'], 2], ['app', ['a', 'x'], 3]] as const) {
      const img = { imageId, chainIds: chains(letters.map(d)), order };
      stacks.add(img);
      drift.addImage(img, order);
    }
    drift.moveTag('base', { position: 4, at: 't4', to: 'v1' });
    drift.moveTag('base', { position: 5, at: 't5', to: 'v2' });
    expect(drift.list('base')).toHaveLength(1);
    asked.length = 0;
    drift.moveTag('base', { position: 6, at: 't6', to: null });
    expect(drift.list('base')).toEqual([]);
    expect(asked).toEqual([]);
  });
});
