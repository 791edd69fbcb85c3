import type { LayerEntry } from '../../src/domain/layerEntry';
import { applyLayer, buildMergedViews, mergeLayers, MergedTree } from '../../src/domain/mergedView';
import { dir, file, hardlink, layers, opq, symlink, wh } from './entries';

const merged = (...ls: LayerEntry[][]) => mergeLayers(layers(...ls));
const paths = (t: MergedTree) => t.entries().map((e) => e.path);
const from = (t: MergedTree, p: string) => t.lookup(p)?.layerIndex ?? null;

describe('applyLayer: docs/domain.md §2 rules', () => {
  it.each<[string, LayerEntry[][], string[]]>([
    ['plain additions with explicit dirs', [[dir('/etc'), file('/etc/passwd')]], ['/etc', '/etc/passwd']],
    ['§2.2 opaque hides lower children', [[dir('/d'), file('/d/x')], [opq('/d'), dir('/d')]], ['/d']],
    ['§2.2 opaque applies before own entries whatever the order', [[dir('/d'), file('/d/x')], [dir('/d'), file('/d/y'), opq('/d')]], ['/d', '/d/y']],
    ['§2.2 opaque of a missing dir is a no-op and implies nothing', [[file('/f')], [opq('/d')]], ['/f']],
    ['§2.3 whiteout hides a file', [[file('/a'), file('/b')], [wh('/a')]], ['/b']],
    ['§2.3 whiteout hides a whole subtree', [[dir('/d'), file('/d/x'), file('/d/e/y')], [wh('/d')]], []],
    ['§2.3 whiteout hides lower only: the same layer re-adds', [[file('/a', 1)], [file('/a', 2), wh('/a')]], ['/a']],
    ['§2.3 whiteout then same-layer directory re-add keeps no lower child', [[dir('/d'), file('/d/x')], [wh('/d'), dir('/d'), file('/d/y')]], ['/d', '/d/y']],
    ['§2.3 whiteout of a missing path is a no-op', [[file('/a')], [wh('/zz/q')]], ['/a']],
    ['§2.3 "/ab" is not under "/a"', [[file('/a'), file('/ab')], [wh('/a')]], ['/ab']],
    ['§2.4 file over dir hides the lower children', [[dir('/d'), file('/d/x')], [file('/d')]], ['/d']],
    ['§2.4 dir over file replaces it', [[file('/d')], [dir('/d'), file('/d/x')]], ['/d', '/d/x']],
    ['§2.4 symlink over dir hides children', [[dir('/d'), file('/d/x')], [symlink('/d', '/elsewhere')]], ['/d']],
    ['§2.4 later duplicate file-over-dir in one layer drops same-layer children', [[dir('/d'), file('/d/x'), file('/d')]], ['/d']],
    ['§2.5 implied parents', [[file('/a/b/c')]], ['/a', '/a/b', '/a/b/c']],
    ['§2.5 child under a lower file replaces it with an implied dir', [[file('/a')], [file('/a/b')]], ['/a', '/a/b']],
    ['markers never visible', [[opq('/'), wh('/x'), file('/y')]], ['/y']],
    ['code-point order: "." and "-" sort before "/"', [[file('/a/b'), file('/a.c'), file('/a-'), file('/a/a')]], ['/a', '/a-', '/a.c', '/a/a', '/a/b']],
    ['code-point order, not UTF-16: U+FFFF before U+1F600', [[file('/\u{1F600}'), file('/\uffff')]], ['/\uffff', '/\u{1F600}']],
  ])('%s', (_name, stack, expected) => {
    expect(paths(merged(...stack))).toEqual(expected);
  });

  it('§2.4 dir over dir merges: attributes replaced, children kept', () => {
    const t = merged([dir('/d', { mode: 0o700 }), file('/d/x')], [dir('/d', { mode: 0o755, uid: 5 })]);
    expect(t.lookup('/d')).toMatchObject({ mode: 0o755, uid: 5, layerIndex: 1, diffId: 'sha256:L1' });
    expect(from(t, '/d/x')).toBe(0);
  });

  it('§2.4 later duplicate in one layer replaces the earlier', () => {
    expect(merged([file('/a', 1), file('/a', 7)]).lookup('/a')?.size).toBe(7);
  });

  it('§2.5 implied dirs are 0755 root:root of the implying layer, unless a lower layer has them', () => {
    const t = merged([dir('/usr', { mode: 0o700, uid: 3 })], [file('/usr/lib/x'), file('/opt/y')]);
    expect(t.lookup('/usr')).toMatchObject({ mode: 0o700, uid: 3, layerIndex: 0 });
    expect(t.lookup('/usr/lib')).toMatchObject({ kind: 'DIRECTORY', mode: 0o755, uid: 0, gid: 0, size: 0, layerIndex: 1, diffId: 'sha256:L1' });
    expect(t.lookup('/opt')).toMatchObject({ mode: 0o755, layerIndex: 1 });
  });

  it('§2.6 hard links report kind, target and the target size and digest (same or lower layer)', () => {
    const t = merged([file('/bin/busybox', 900, 'sha256:bb')], [hardlink('/bin/sh', '/bin/busybox'), file('/x', 5, 'sha256:x'), hardlink('/y', '/x')]);
    expect(t.lookup('/bin/sh')).toMatchObject({ kind: 'HARDLINK', linkTarget: '/bin/busybox', size: 900, contentDigest: 'sha256:bb', layerIndex: 1 });
    expect(t.lookup('/y')).toMatchObject({ size: 5, contentDigest: 'sha256:x' });
  });

  it('§2.6 a hard link keeps the size seen when it was applied; a dangling one reports its own size', () => {
    const t = merged([file('/x', 5)], [hardlink('/y', '/x')], [file('/x', 99)], [hardlink('/z', '/missing')]);
    expect(t.lookup('/y')?.size).toBe(5);
    expect(t.lookup('/z')).toMatchObject({ kind: 'HARDLINK', size: 0, contentDigest: null });
  });

  it('§2.6 hard link → hard link → file: the outer link reports the file\'s size and digest, its own link target', () => {
    const t = merged([file('/a', 7, 'sha256:a')], [hardlink('/b', '/a')], [hardlink('/c', '/b')]);
    expect(t.lookup('/c')).toMatchObject({ kind: 'HARDLINK', linkTarget: '/b', size: 7, contentDigest: 'sha256:a', layerIndex: 2 });
    const sameLayer = merged([file('/a', 3, 'sha256:a3'), hardlink('/b', '/a'), hardlink('/c', '/b')]);
    expect(sameLayer.lookup('/c')).toMatchObject({ kind: 'HARDLINK', linkTarget: '/b', size: 3, contentDigest: 'sha256:a3' });
  });

  it('§2.6 a hard link to a directory or symlink takes nothing from it (reports its own size)', () => {
    const t = merged([dir('/d', { size: 4096 }), symlink('/s', '/d')], [hardlink('/hd', '/d'), hardlink('/hs', '/s')]);
    expect(t.lookup('/hd')).toMatchObject({ kind: 'HARDLINK', size: 0, contentDigest: null });
    expect(t.lookup('/hs')).toMatchObject({ kind: 'HARDLINK', size: 0, contentDigest: null });
  });

  it('§2.6 symlinks are never followed', () => {
    const t = merged([dir('/real'), file('/real/f'), symlink('/link', '/real')], [wh('/link/f')]);
    expect(t.lookup('/real/f')).not.toBeNull();
    expect(t.lookup('/link/f')).toBeNull();
    expect(t.list('/link').totalCount).toBe(0);
  });

  it('lookup names the providing layer, normalizes input, and returns null when hidden', () => {
    const t = merged([file('/a/b')], [file('/a/c')], [wh('/a/b')]);
    expect(t.lookup('a//c/')).toMatchObject({ path: '/a/c', layerIndex: 1, diffId: 'sha256:L1' });
    expect(t.lookup('/a/b')).toBeNull();
    expect(t.lookup('/nope')).toBeNull();
    expect(() => t.lookup('/a/../b')).toThrow(/\.\./);
  });

  it('the root is not listed; lookup("/") is null only before any layer', () => {
    expect(MergedTree.EMPTY.lookup('/')).toBeNull();
    const t = merged([file('/a')]);
    expect(t.lookup('/')).toMatchObject({ path: '/', kind: 'DIRECTORY', layerIndex: 0 });
    expect(t.list('/', { recursive: true }).entries.map((e) => e.path)).toEqual(['/a']);
  });

  it('refuses non-normalized entry paths', () => {
    expect(() => applyLayer(MergedTree.EMPTY, [file('a/b')], 0, 'd')).toThrow(/normalized/);
    expect(() => applyLayer(MergedTree.EMPTY, [file('/a/')], 0, 'd')).toThrow(/normalized/);
    expect(() => applyLayer(MergedTree.EMPTY, [], -1, 'd')).toThrow(/layerIndex/);
  });

  it('applying shares untouched subtrees with the lower view and leaves it intact', () => {
    const [v0, v1] = buildMergedViews(layers([dir('/usr'), file('/usr/a'), dir('/etc'), file('/etc/x')], [file('/etc/y')]));
    expect(v1?.node('/usr')).toBe(v0?.node('/usr'));
    expect(v1?.node('/etc')).not.toBe(v0?.node('/etc'));
    expect(v0 && paths(v0)).toEqual(['/etc', '/etc/x', '/usr', '/usr/a']);
  });
});

describe('list: sorted, paged, with totalCount', () => {
  let t: MergedTree;
  beforeEach(() => { t = merged([file('/d/c'), file('/d/a'), file('/d/b/x'), file('/d/b.y'), file('/e')]); });
  it.each<[string, Parameters<MergedTree['list']>, string[], number, boolean]>([
    ['direct children', ['/d'], ['/d/a', '/d/b', '/d/b.y', '/d/c'], 4, false],
    ['recursive', ['/d', { recursive: true }], ['/d/a', '/d/b', '/d/b.y', '/d/b/x', '/d/c'], 5, false],
    ['first page', ['/d', { recursive: true, first: 2 }], ['/d/a', '/d/b'], 5, true],
    ['after cursor', ['/d', { recursive: true, first: 2, after: '/d/b' }], ['/d/b.y', '/d/b/x'], 5, true],
    ['after a cursor that is not present', ['/d', { after: '/d/bb' }], ['/d/c'], 4, false],
    ['root', ['/'], ['/d', '/e'], 2, false],
    ['a file lists nothing', ['/e'], [], 0, false],
    ['a missing path lists nothing', ['/zz'], [], 0, false],
    ['first: 0', ['/d', { first: 0 }], [], 4, true],
  ])('%s', (_n, args, expected, total, more) => {
    const page = t.list(...args);
    expect(page.entries.map((e) => e.path)).toEqual(expected);
    expect(page.totalCount).toBe(total);
    expect(page.hasNextPage).toBe(more);
  });
  it('refuses a negative page size', () => expect(() => t.list('/', { first: -1 })).toThrow(/first/));

  // issue 25, second pass
  it.each<[string, Parameters<MergedTree['list']>, string[], number, boolean]>([
    ['the last page exactly', ['/d', { first: 2, after: '/d/b' }], ['/d/b.y', '/d/c'], 4, false],
    ['a page larger than what is left', ['/d', { first: 9, after: '/d/a' }], ['/d/b', '/d/b.y', '/d/c'], 4, false],
    ['after the last entry', ['/d', { after: '/d/c' }], [], 4, false],
    ['after a cursor before the first entry', ['/d', { after: '/a' }], ['/d/a', '/d/b', '/d/b.y', '/d/c'], 4, false],
    ['after the third entry', ['/d', { recursive: true, first: 1, after: '/d/b.y' }], ['/d/b/x'], 5, true],
    ['after the first entry', ['/d', { recursive: true, first: 1, after: '/d/a' }], ['/d/b'], 5, true],
    ['after the fourth entry', ['/d', { recursive: true, first: 1, after: '/d/b/x' }], ['/d/c'], 5, false],
    ['first: null lists everything', ['/d', { first: null, after: null }], ['/d/a', '/d/b', '/d/b.y', '/d/c'], 4, false],
    ['recursive from the root: every level', ['/', { recursive: true }], ['/d', '/d/a', '/d/b', '/d/b.y', '/d/b/x', '/d/c', '/e'], 7, false],
  ])('%s', (_n, args, expected, total, more) => {
    const page = t.list(...args);
    expect(page.entries.map((e) => e.path)).toEqual(expected);
    expect(page.totalCount).toBe(total);
    expect(page.hasNextPage).toBe(more);
  });

  it('a cursor walks the whole listing one entry at a time, each entry once, in order', () => {
    const big = merged(Array.from({ length: 37 }, (_, i) => file(`/w/f${String(i * 7 % 37).padStart(2, '0')}`)));
    const seen: string[] = [];
    let after: string | null = null;
    for (let page = big.list('/w', { first: 1 }); page.entries.length > 0; page = big.list('/w', { first: 1, after })) {
      seen.push(...page.entries.map((e) => e.path));
      after = seen[seen.length - 1] ?? null;
      expect(page.hasNextPage).toBe(seen.length < 37);
    }
    expect(seen).toEqual(Array.from({ length: 37 }, (_, i) => `/w/f${String(i).padStart(2, '0')}`));
  });

  it('refuses a page size that is not an integer, naming it', () => {
    expect(() => t.list('/', { first: 1.5 })).toThrow('first must be a non-negative integer, got 1.5');
    expect(() => t.list('/', { first: -1 })).toThrow('first must be a non-negative integer, got -1');
    expect(() => t.list('/zz', { first: Number.NaN })).toThrow('first must be a non-negative integer, got NaN');
  });

  it('an empty directory lists nothing, recursively too', () => {
    const e = merged([dir('/empty'), file('/f')]);
    expect(e.list('/empty', { recursive: true })).toEqual({ entries: [], totalCount: 0, hasNextPage: false });
    expect(e.list('/', { recursive: true }).entries.map((x) => x.path)).toEqual(['/empty', '/f']);
  });
});

describe('applyLayer: the root, link targets and bad input (issue 25, second pass)', () => {
  it('the root takes the first layer that touches the view; later layers leave it to that one', () => {
    const t = merged([file('/a')], [file('/b')]);
    expect(t.lookup('/')).toMatchObject({ kind: 'DIRECTORY', mode: 0o755, uid: 0, gid: 0, layerIndex: 0, diffId: 'sha256:L0' });
    const views = buildMergedViews(layers([], [file('/b')]));
    expect(views[0]?.lookup('/')).toMatchObject({ layerIndex: 0 }); // an empty layer still makes "/" visible
    expect(views[1]?.lookup('/')).toMatchObject({ layerIndex: 0 });
  });

  it('"/" itself: a directory entry sets its attributes and keeps its children; any other kind is ignored', () => {
    const t = merged([file('/a')], [dir('/', { mode: 0o700, uid: 7 })]);
    expect(t.lookup('/')).toMatchObject({ mode: 0o700, uid: 7, layerIndex: 1 });
    expect(paths(t)).toEqual(['/a']);
    const u = merged([file('/a')], [file('/', 9), symlink('/', '/x')]);
    expect(u.lookup('/')).toMatchObject({ kind: 'DIRECTORY', layerIndex: 0 });
    expect(paths(u)).toEqual(['/a']);
  });

  it('the root cannot be whited out; an opaque root hides every lower entry but the layer\'s own', () => {
    expect(paths(merged([file('/a'), dir('/d'), file('/d/x')], [wh('/')]))).toEqual(['/a', '/d', '/d/x']);
    const t = merged([file('/a'), dir('/d'), file('/d/x')], [opq('/'), file('/b')]);
    expect(paths(t)).toEqual(['/b']);
    expect(t.lookup('/')).not.toBeNull();
  });

  it('an opaque marker on a file, or on an empty directory, changes nothing', () => {
    const t = merged([file('/f', 4), dir('/e', { mode: 0o700 })], [opq('/f'), opq('/e')]);
    expect(t.lookup('/f')).toMatchObject({ kind: 'FILE', size: 4, layerIndex: 0 });
    expect(t.lookup('/e')).toMatchObject({ kind: 'DIRECTORY', mode: 0o700, layerIndex: 0 });
  });

  it('an opaque marker keeps the directory\'s own entry (attributes and layer) while hiding its children', () => {
    const t = merged([dir('/d', { mode: 0o711 }), file('/d/x'), dir('/d/sub'), file('/d/sub/y')], [opq('/d')]);
    expect(paths(t)).toEqual(['/d']);
    expect(t.lookup('/d')).toMatchObject({ mode: 0o711, layerIndex: 0 });
  });

  it('a hard link target is normalized before it is looked up; one with ".." or no target reports its own size', () => {
    const t = merged([file('/x/y', 6, 'sha256:y')], [hardlink('/h1', 'x//y/'), hardlink('/h2', '/x/../x/y'), { ...hardlink('/h3', ''), size: 2 }]);
    expect(t.lookup('/h1')).toMatchObject({ size: 6, contentDigest: 'sha256:y', linkTarget: 'x//y/' });
    expect(t.lookup('/h2')).toMatchObject({ kind: 'HARDLINK', size: 0, contentDigest: null });
    expect(t.lookup('/h3')).toMatchObject({ kind: 'HARDLINK', size: 2, contentDigest: null });
  });

  it('a hard link is resolved against this layer\'s markers applied (a whited-out target is gone)', () => {
    const t = merged([file('/x', 6)], [wh('/x'), hardlink('/h', '/x')]);
    expect(t.lookup('/h')).toMatchObject({ size: 0, contentDigest: null });
  });

  it('refuses a layer index that is not a non-negative integer, naming it; and a marker path that is not normalized', () => {
    for (const bad of [1.5, Number.NaN, -1]) {
      expect(() => applyLayer(MergedTree.EMPTY, [], bad, 'd')).toThrow(`layerIndex must be a non-negative integer, got ${bad}`);
    }
    expect(applyLayer(MergedTree.EMPTY, [file('/a')], 0, 'd').lookup('/a')).toMatchObject({ layerIndex: 0, diffId: 'd' });
    expect(() => applyLayer(MergedTree.EMPTY, [wh('a/b')], 0, 'd')).toThrow('layer entry path "a/b" is not absolute and normalized');
    expect(() => applyLayer(MergedTree.EMPTY, [opq('/a/./b')], 0, 'd')).toThrow('layer entry path "/a/./b" is not absolute and normalized');
  });

  it('mergeLayers of no layers is the empty view; size counts the visible entries', () => {
    expect(mergeLayers([])).toBe(MergedTree.EMPTY);
    expect(MergedTree.EMPTY.size).toBe(0);
    expect(merged([file('/a/b'), file('/c')], [wh('/c')]).size).toBe(2);
  });
});
