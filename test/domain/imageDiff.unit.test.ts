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
