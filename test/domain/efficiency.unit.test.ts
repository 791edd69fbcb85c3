import type { LayerEntry } from '../../src/domain/layerEntry';
import { efficiency, layerLeaves, layerSize } from '../../src/domain/efficiency';
import { buildMergedViews } from '../../src/domain/mergedView';
import { dir, file, hardlink, layers, opq, wh } from './entries';

type Expect = Partial<ReturnType<typeof efficiency>>;

describe('efficiency (docs/domain.md §5), hand-computed', () => {
  it.each<[string, LayerEntry[][], Expect]>([
    ['nothing stored', [[dir('/d')]], { score: 1, sizeBytes: 0, wastedBytes: 0, userWastedPercent: null, hiddenBytes: 0, inefficientFiles: [] }],
    ['single layer, no duplicates', [[file('/a', 10), file('/b', 20)]],
      { score: 1, sizeBytes: 30, userSizeBytes: 0, wastedBytes: 0, userWastedPercent: null, hiddenBytes: 0, layerSizes: [30] }],
    ['modified file: min 4 / cumulative 14', [[file('/a', 10)], [file('/a', 4)]],
      { score: 4 / 14, sizeBytes: 14, userSizeBytes: 4, wastedBytes: 14, userWastedPercent: 14 / 4, hiddenBytes: 10,
        inefficientFiles: [{ path: '/a', count: 2, wastedBytes: 14 }] }],
    ['whiteout of a file counts 0 under its path', [[file('/f', 10)], [wh('/f')]],
      { score: 0, wastedBytes: 10, userWastedPercent: null, hiddenBytes: 10, inefficientFiles: [{ path: '/f', count: 2, wastedBytes: 10 }] }],
    ['whiteout of a directory sizes the hidden subtree of merged(0..i-1)', [[file('/d/x', 10), file('/d/y', 5), file('/e', 1)], [wh('/d')]],
      { score: 1, sizeBytes: 16, wastedBytes: 0, hiddenBytes: 15, inefficientFiles: [] }],
    ['directories with children in the layer are skipped', [[dir('/d'), file('/d/x', 3)], [dir('/d'), file('/d/y', 2)]],
      { score: 1, inefficientFiles: [] }],
    ['an empty directory is a leaf (0 bytes)', [[dir('/d')], [dir('/d')]],
      { score: 1, wastedBytes: 0, inefficientFiles: [{ path: '/d', count: 2, wastedBytes: 0 }] }],
    ['opaque markers are ignored, their directory is a leaf; hidden bytes still count', [[file('/d/x', 3)], [opq('/d'), dir('/d')]],
      { score: 1, inefficientFiles: [], hiddenBytes: 3 }],
    ['hard links are 0 bytes (tar header size), not stored again', [[file('/x', 10)], [hardlink('/y', '/x')]],
      { score: 1, sizeBytes: 10, hiddenBytes: 0 }],
    ['a duplicate in one layer is one leaf; its bytes are stored and hidden', [[file('/a', 3), file('/a', 5)]],
      { score: 1, sizeBytes: 8, hiddenBytes: 3, inefficientFiles: [] }],
    ['whiteout and re-add in one layer are two leaves', [[file('/a', 4)], [wh('/a'), file('/a', 6)]],
      { score: 0, wastedBytes: 10, hiddenBytes: 4, inefficientFiles: [{ path: '/a', count: 3, wastedBytes: 10 }] }],
    ['dive order: cumulative desc, ties the later-found first', [[file('/b', 5), file('/a', 5), file('/c', 9)], [file('/b', 5), file('/a', 5), file('/c', 9)]],
      { score: 0.5, inefficientFiles: [{ path: '/c', count: 2, wastedBytes: 18 }, { path: '/b', count: 2, wastedBytes: 10 }, { path: '/a', count: 2, wastedBytes: 10 }] }],
  ])('%s', (_n, stack, expected) => {
    expect(efficiency(layers(...stack))).toMatchObject(expected);
  });

  it('no layers', () => {
    expect(efficiency([])).toMatchObject({ score: 1, sizeBytes: 0, hiddenBytes: 0, inefficientFiles: [] });
  });

  it('leaves come in dive walk order (per component, so "/a/b" before "/a.c")', () => {
    expect(layerLeaves([file('/a.c'), file('/a/b'), dir('/a'), wh('/z'), file('/y')]).map((e) => `${e.kind} ${e.path}`))
      .toEqual(['WHITEOUT /z', 'FILE /a/b', 'FILE /a.c', 'FILE /y']); // the node is "/.wh.z"
  });
});

describe('efficiency over the layers above a base (judgedFrom)', () => {
  it('counts only copies in the judged layers; every judged layer is a user layer', () => {
    // base: /a 10 twice (base waste); team: /b 4 then /b 6 (team waste), /c 5
    const stack = layers([file('/a', 10)], [file('/a', 10)], [file('/b', 4), file('/c', 5)], [file('/b', 6)]);
    const all = efficiency(stack);
    expect(all).toMatchObject({ wastedBytes: 30, userSizeBytes: 25 });
    const team = efficiency(stack, undefined, 2);
    expect(team).toMatchObject({
      score: (4 + 5) / (4 + 6 + 5), sizeBytes: 15, userSizeBytes: 15, wastedBytes: 10, userWastedPercent: 10 / 15, hiddenBytes: 4,
      inefficientFiles: [{ path: '/b', count: 2, wastedBytes: 10 }], layerSizes: [9, 6],
    });
  });
  it('a whiteout of a base directory is still sized by what it hides', () => {
    const stack = layers([file('/d/x', 7)], [wh('/d'), file('/e', 1)], [dir('/d')]);
    expect(efficiency(stack, undefined, 1)).toMatchObject({ inefficientFiles: [{ path: '/d', count: 2, wastedBytes: 7 }], wastedBytes: 7 });
  });
});

describe('efficiency: leaves, sizes and the judged layers (issue 25, second pass)', () => {
  it('layerLeaves: the last duplicate of a node wins; "/" and opaque markers are no leaves; a directory holding only a whiteout is no leaf', () => {
    const leaves = layerLeaves([dir('/'), file('/a', 3), opq('/o'), dir('/w'), wh('/w/x'), dir('/p'), dir('/p/q'), file('/p/q/r', 1), file('/a', 5)]);
    expect(leaves.map((e) => `${e.kind} ${e.path} ${e.size}`)).toEqual(['FILE /a 5', 'FILE /p/q/r 1', 'WHITEOUT /w/x 0']);
  });

  it('every whiteout is its own dive node ".wh.<name>": two whiteouts whose names end alike are two leaves', () => {
    // dive adds /.wh.ab and /.wh.cb, each a leaf counted under the path it hides (0 bytes for a file).
    expect(layerLeaves([wh('/ab'), wh('/cb'), wh('/d/xb')]).map((e) => e.path)).toEqual(['/ab', '/cb', '/d/xb']);
    const r = efficiency(layers([file('/ab', 3), file('/cb', 5)], [wh('/ab'), wh('/cb')]));
    expect(r.inefficientFiles).toEqual([{ path: '/cb', count: 2, wastedBytes: 5 }, { path: '/ab', count: 2, wastedBytes: 3 }]);
  });

  it('a whiteout of a path absent below is a leaf of 0 bytes (where dive stops the layer\'s walk)', () => {
    const r = efficiency(layers([file('/a', 4)], [wh('/gone'), wh('/d/gone'), file('/b', 2)], [file('/gone', 3)]));
    expect(r).toMatchObject({ sizeBytes: 9, wastedBytes: 3, hiddenBytes: 0, inefficientFiles: [{ path: '/gone', count: 2, wastedBytes: 3 }] });
  });

  it('judged layers: only regular files of the final view are shown bytes; a link or directory carrying a size adds none', () => {
    const sized = (e: LayerEntry, size: number): LayerEntry => ({ ...e, size });
    const stack = layers([file('/base', 10)], [file('/t', 3), sized(dir('/d'), 4096), { ...file('/s', 50), kind: 'SYMLINK' }, sized(hardlink('/h', '/t'), 3)]);
    // Judged: layer 1, 3 regular bytes, all shown: nothing hidden.
    expect(efficiency(stack, undefined, 1)).toMatchObject({ sizeBytes: 3, hiddenBytes: 0 });
    expect(efficiency(stack)).toMatchObject({ sizeBytes: 13, hiddenBytes: 0 });
  });

  it('layerSize counts regular files only (links, directories and markers are 0 in the tar)', () => {
    expect(layerSize([file('/a', 3), dir('/d', { size: 4096 }), { ...hardlink('/h', '/a'), size: 3 }, { ...file('/s', 9), kind: 'SYMLINK' }, wh('/x')])).toBe(3);
    expect(layerSize([])).toBe(0);
  });

  it('a whiteout of a directory is sized by the regular files of the whole hidden subtree, at every depth', () => {
    const stack = layers([file('/d/a', 2), file('/d/e/b', 3), file('/d/e/f/c', 4), { ...file('/d/l', 50), kind: 'SYMLINK' }, file('/k', 1)], [wh('/d')]);
    expect(efficiency(stack)).toMatchObject({ inefficientFiles: [], wastedBytes: 0, hiddenBytes: 9, sizeBytes: 10 });
    const twice = layers([file('/d/a', 2), file('/d/e/b', 3)], [wh('/d')], [file('/d', 1)]);
    expect(efficiency(twice).inefficientFiles).toEqual([{ path: '/d', count: 2, wastedBytes: 6 }]);
  });

  it('judged layers: hidden bytes are the judged layers\' bytes the final view does not show, whatever the lower layers hold', () => {
    const stack = layers([file('/base', 10), file('/gone', 4)], [file('/t1', 3), file('/t2', 5), wh('/gone')], [file('/t1', 1)]);
    // Judged: layers 1 and 2 (3 + 5 + 1 = 9 bytes); the view shows /t1 (1, layer 2) and /t2 (5, layer 1): 3 bytes hidden.
    expect(efficiency(stack, undefined, 1)).toMatchObject({ sizeBytes: 9, userSizeBytes: 9, hiddenBytes: 3, layerSizes: [8, 1] });
    expect(efficiency(stack)).toMatchObject({ sizeBytes: 23, userSizeBytes: 9, hiddenBytes: 7, layerSizes: [14, 8, 1] });
  });

  it('views passed in are used: the report reads them instead of merging the layers again', () => {
    const stack = layers([file('/a', 4)], [file('/a', 6)]);
    const other = buildMergedViews(layers([file('/a', 4), file('/z', 2)], [file('/a', 6)]));
    expect(efficiency(stack, other).hiddenBytes).toBe(10 - 8); // sizes from the layers, what is shown from the views given
  });

  it('a user layer of zero bytes: userWastedPercent is null, not NaN or Infinity', () => {
    const r = efficiency(layers([file('/a', 5)], [dir('/d')], [dir('/d')]));
    expect(r).toMatchObject({ userSizeBytes: 0, userWastedPercent: null, score: 1 });
  });
});
