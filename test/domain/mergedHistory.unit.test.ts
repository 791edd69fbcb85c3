import type { LayerEntry } from '../../src/domain/layerEntry';
import { pathHistory } from '../../src/domain/mergedHistory';
import { dir, file, layers, opq, symlink, wh } from './entries';

const hist = (path: string, ...ls: LayerEntry[][]) =>
  pathHistory(layers(...ls), path).map((s) => [s.layerIndex, s.action, s.cause ? `${s.cause.by} ${s.cause.path}` : null]);

describe('pathHistory', () => {
  it.each<[string, string, LayerEntry[][], unknown[]]>([
    ['added, modified, deleted', '/a', [[file('/a', 1)], [file('/b')], [file('/a', 2)], [wh('/a')]],
      [[0, 'ADDED', null], [2, 'MODIFIED', null], [3, 'DELETED', 'WHITEOUT /a']]],
    ['implied directory is ADDED by the implying layer only', '/d', [[file('/d/x')], [file('/d/y')]], [[0, 'ADDED', null]]],
    ['directory merged over directory is MODIFIED', '/d', [[dir('/d')], [dir('/d', { mode: 0o700 })]], [[0, 'ADDED', null], [1, 'MODIFIED', null]]],
    ['hidden by an ancestor whiteout', '/d/e/x', [[file('/d/e/x')], [wh('/d')]], [[0, 'ADDED', null], [1, 'HIDDEN_BY_PARENT', 'WHITEOUT /d']]],
    ['hidden by an opaque ancestor', '/d/x', [[file('/d/x')], [opq('/d'), dir('/d')]], [[0, 'ADDED', null], [1, 'HIDDEN_BY_PARENT', 'OPAQUE_WHITEOUT /d']]],
    ['hidden by an ancestor replaced by a symlink', '/d/x', [[file('/d/x')], [symlink('/d', '/e')]], [[0, 'ADDED', null], [1, 'HIDDEN_BY_PARENT', 'REPLACED /d']]],
    ['opaque dir itself: OPAQUED when not re-listed', '/d', [[file('/d/x')], [opq('/d')]], [[0, 'ADDED', null], [1, 'OPAQUED', null]]],
    ['whiteout then re-add in the same layer is MODIFIED', '/a', [[file('/a', 1)], [wh('/a'), file('/a', 2)]], [[0, 'ADDED', null], [1, 'MODIFIED', null]]],
    ['a whiteout of a path absent below is not listed', '/a', [[file('/b')], [wh('/a')]], []],
    ['re-added after deletion', '/a', [[file('/a')], [wh('/a')], [file('/a')]], [[0, 'ADDED', null], [1, 'DELETED', 'WHITEOUT /a'], [2, 'ADDED', null]]],
  ])('%s', (_n, path, stack, expected) => expect(hist(path, ...stack)).toEqual(expected));

  it('carries before/after entries, explicit and opaque flags', () => {
    const [a, b] = pathHistory(layers([file('/d/x')], [opq('/d'), dir('/d')]), 'd/');
    expect(a).toMatchObject({ explicit: false, before: null, after: { path: '/d', layerIndex: 0 } });
    expect(b).toMatchObject({ action: 'MODIFIED', explicit: true, opaque: true, before: { layerIndex: 0 }, after: { layerIndex: 1 }, diffId: 'sha256:L1' });
  });
});

describe('pathHistory: causes and flags (issue 25, second pass)', () => {
  it.each<[string, string, LayerEntry[][], unknown[]]>([
    ['the broadest cause is named: an ancestor whiteout over a nearer replaced one', '/d/e/x',
      [[file('/d/e/x')], [file('/d/e'), wh('/d')]], [[0, 'ADDED', null], [1, 'HIDDEN_BY_PARENT', 'WHITEOUT /d']]],
    ['an opaque root hides everything below it', '/d/x', [[file('/d/x')], [opq('/')]],
      [[0, 'ADDED', null], [1, 'HIDDEN_BY_PARENT', 'OPAQUE_WHITEOUT /']]],
    ['an ancestor replaced by a file, two levels up', '/a/b/c', [[file('/a/b/c')], [file('/a')]],
      [[0, 'ADDED', null], [1, 'HIDDEN_BY_PARENT', 'REPLACED /a']]],
    ['a path listed and then hidden in the same layer by its parent\'s replacement', '/d/x', [[file('/o')], [dir('/d'), file('/d/x'), file('/d')]],
      [[1, 'HIDDEN_BY_PARENT', 'REPLACED /d']]],
    ['its own whiteout wins over an ancestor\'s', '/d/x', [[file('/d/x')], [wh('/d'), wh('/d/x')]],
      [[0, 'ADDED', null], [1, 'DELETED', 'WHITEOUT /d/x']]],
    ['a directory over the ancestor is no cause; the opaque one is', '/d/x', [[file('/d/x')], [dir('/'), dir('/d'), opq('/d')]],
      [[0, 'ADDED', null], [1, 'HIDDEN_BY_PARENT', 'OPAQUE_WHITEOUT /d']]],
    ['an opaque marker on the path itself hides its children, not the path', '/d', [[dir('/d'), file('/d/x')], [opq('/d'), file('/e')]],
      [[0, 'ADDED', null], [1, 'OPAQUED', null]]],
    ['a layer that touches nothing on the path is not listed', '/a', [[file('/a')], [file('/b')], [dir('/c')]], [[0, 'ADDED', null]]],
    ['a whiteout of "/" hides nothing and is never the cause', '/d/x', [[file('/d/x')], [wh('/'), wh('/d')]],
      [[0, 'ADDED', null], [1, 'HIDDEN_BY_PARENT', 'WHITEOUT /d']]],
    ['a non-directory entry for "/" replaces nothing and is never the cause', '/d/x', [[file('/d/x')], [file('/'), opq('/d')]],
      [[0, 'ADDED', null], [1, 'HIDDEN_BY_PARENT', 'OPAQUE_WHITEOUT /d']]],
    ['a path new in a layer that also whites it out, hidden by its parent\'s replacement: no DELETED, nothing was below', '/d/x',
      [[file('/o')], [dir('/d'), file('/d/x'), wh('/d/x'), file('/d')]], [[1, 'HIDDEN_BY_PARENT', 'REPLACED /d']]],
    ['an opaque marker of a path absent below and not added is not listed', '/d', [[file('/a')], [opq('/d')]], []],
    ['a path re-listed and then hidden by its parent\'s replacement in one layer is hidden, not DELETED: it has no whiteout', '/d/x',
      [[file('/d/x', 1)], [file('/d/x', 2), file('/d')]], [[0, 'ADDED', null], [1, 'HIDDEN_BY_PARENT', 'REPLACED /d']]],
  ])('%s', (_n, path, stack, expected) => expect(hist(path, ...stack)).toEqual(expected));

  it('explicit is false for an implied directory and for an ancestor\'s doing; the path is normalized', () => {
    const steps = pathHistory(layers([file('/d/x')], [dir('/d')], [wh('/d')]), '//d/./');
    expect(steps.map((s) => [s.layerIndex, s.action, s.explicit, s.opaque])).toEqual([
      [0, 'ADDED', false, false], [1, 'MODIFIED', true, false], [2, 'DELETED', false, false]]);
    const under = pathHistory(layers([file('/d/x')], [wh('/d')]), '/d/x');
    expect(under[1]).toMatchObject({ action: 'HIDDEN_BY_PARENT', explicit: false, before: { path: '/d/x' }, after: null });
  });
});
