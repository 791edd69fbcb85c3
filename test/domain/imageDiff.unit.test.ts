import type { LayerEntry } from '../../src/domain/layerEntry';
import { diffMergedViews } from '../../src/domain/imageDiff';
import { buildMergedViews, mergeLayers } from '../../src/domain/mergedView';
import { dir, file, layers, symlink, wh } from './entries';

const summary = (a: LayerEntry[][], b: LayerEntry[][]) =>
  diffMergedViews(mergeLayers(layers(...a)), mergeLayers(layers(...b))).map((d) => `${d.change} ${d.path}`);

describe('diffMergedViews', () => {
  it.each<[string, LayerEntry[][], LayerEntry[][], string[]]>([
    ['identical', [[file('/a')]], [[file('/a')]], []],
    ['added file and implied dir', [[file('/a')]], [[file('/a'), file('/d/x')]], ['ADDED /d', 'ADDED /d/x']],
    ['deleted subtree lists every path', [[file('/d/x'), file('/d/y')]], [[]], ['DELETED /d', 'DELETED /d/x', 'DELETED /d/y']],
    ['content digest', [[file('/a', 1, 'sha256:1')]], [[file('/a', 1, 'sha256:2')]], ['MODIFIED /a']],
    ['size', [[file('/a', 1)]], [[file('/a', 2)]], ['MODIFIED /a']],
    ['mode', [[file('/a', 1, 'x', { mode: 0o644 })]], [[file('/a', 1, 'x', { mode: 0o755 })]], ['MODIFIED /a']],
    ['uid', [[file('/a', 1, 'x', { uid: 1 })]], [[file('/a', 1, 'x', { uid: 2 })]], ['MODIFIED /a']],
    ['gid', [[file('/a', 1, 'x', { gid: 1 })]], [[file('/a', 1, 'x', { gid: 2 })]], ['MODIFIED /a']],
    ['kind (file to dir, with new child)', [[file('/a', 0, null)]], [[dir('/a', { mode: 0o644 }), file('/a/b')]], ['MODIFIED /a', 'ADDED /a/b']],
    ['link target', [[symlink('/l', '/x')]], [[symlink('/l', '/y')]], ['MODIFIED /l']],
    ['only the providing layer differs: not modified', [[file('/a')]], [[], [file('/a')]], []],
    ['sorted by code-point path order', [[]], [[file('/a/b'), file('/a.c')]], ['ADDED /a', 'ADDED /a.c', 'ADDED /a/b']],
  ])('%s', (_n, a, b, expected) => expect(summary(a, b)).toEqual(expected));

  it('carries before and after', () => {
    const [d] = diffMergedViews(mergeLayers(layers([file('/a', 1)])), mergeLayers(layers([file('/a', 2)])));
    expect(d).toMatchObject({ path: '/a', change: 'MODIFIED', before: { size: 1 }, after: { size: 2 } });
  });

  it('a view derived from another differs only by what the top layer changed', () => {
    const [v0, v1] = buildMergedViews(layers([dir('/usr'), file('/usr/a'), file('/etc/x')], [wh('/etc/x'), file('/etc/y')]));
    expect(v0 && v1 && diffMergedViews(v0, v1).map((d) => `${d.change} ${d.path}`)).toEqual(['DELETED /etc/x', 'ADDED /etc/y']);
  });
});

describe('diffMergedViews: whole subtrees (issue 25, second pass)', () => {
  const views = (a: LayerEntry[][], b: LayerEntry[][]) => diffMergedViews(mergeLayers(layers(...a)), mergeLayers(layers(...b)));
  const brief = (ds: ReturnType<typeof diffMergedViews>) =>
    ds.map((d) => `${d.change} ${d.path} before=${d.before?.path ?? '-'}:${d.before?.size ?? '-'} after=${d.after?.path ?? '-'}:${d.after?.size ?? '-'}`);

  it('a deleted subtree reports every level with its before entry and no after', () => {
    expect(brief(views([[file('/d/e/x', 3), file('/d/y', 4)]], [[file('/k', 1)]]))).toEqual([
      'DELETED /d before=/d:0 after=-:-', 'DELETED /d/e before=/d/e:0 after=-:-', 'DELETED /d/e/x before=/d/e/x:3 after=-:-',
      'DELETED /d/y before=/d/y:4 after=-:-', 'ADDED /k before=-:- after=/k:1',
    ]);
  });

  it('an added subtree reports every level with its after entry and no before', () => {
    expect(brief(views([[]], [[file('/d/e/x', 3)]]))).toEqual([
      'ADDED /d before=-:- after=/d:0', 'ADDED /d/e before=-:- after=/d/e:0', 'ADDED /d/e/x before=-:- after=/d/e/x:3',
    ]);
  });

  it('a directory replaced by a file: the path is modified and everything below it deleted', () => {
    expect(brief(views([[dir('/a', { mode: 0o644 }), file('/a/b', 2), file('/a/c/d', 5)]], [[file('/a', 0, null)]]))).toEqual([
      'MODIFIED /a before=/a:0 after=/a:0', 'DELETED /a/b before=/a/b:2 after=-:-',
      'DELETED /a/c before=/a/c:0 after=-:-', 'DELETED /a/c/d before=/a/c/d:5 after=-:-',
    ]);
  });

  it('a view against itself, or against the empty view', () => {
    const t = mergeLayers(layers([file('/a/b', 2)]));
    expect(diffMergedViews(t, t)).toEqual([]);
    expect(diffMergedViews(t, mergeLayers([])).map((d) => `${d.change} ${d.path}`)).toEqual(['DELETED /a', 'DELETED /a/b']);
  });
});
