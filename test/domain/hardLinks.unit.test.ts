/**
 * Issue 15 item 10: hard links Docker's extraction refuses — to themselves,
 * in cycles, to directories, to missing files, to whiteouts — are refused in
 * commit change sets (layerEntriesOf) and in a layer's tar order
 * (LayerLinkCheck, which the importer applies; its Docker oracle is
 * test/importers/hardLinks.e2e.test.ts).
 */
import { DomainError } from '../../src/domain/errors';
import { LayerLinkCheck } from '../../src/domain/hardLinks';
import type { FileChange } from '../../src/domain/image/fileChange';
import { layerEntriesOf, type LookupPath } from '../../src/domain/image/changeSet';
import type { LayerEntry } from '../../src/domain/layerEntry';
import { dir, file, hardlink, symlink, wh } from './entries';

/** A parent image: /bin/busybox, /bin/sh → busybox, /etc (dir), and /bin/gone whose file a later layer removed. */
const parent = new Map<string, LayerEntry>([
  ['/bin', dir('/bin')], ['/bin/busybox', file('/bin/busybox', 10)], ['/bin/sh', hardlink('/bin/sh', '/bin/busybox')],
  ['/etc', dir('/etc')], ['/bin/orphan', hardlink('/bin/orphan', '/bin/gone')],
]);
const lookup: LookupPath = (p) => parent.get(p) ?? null;
const link = (path: string, linkTarget: string): FileChange => ({ change: 'ADDED', path, kind: 'HARDLINK', linkTarget });

const refused = (changes: FileChange[]) => {
  let err: unknown;
  try { layerEntriesOf(changes, lookup); } catch (e) { err = e; }
  expect(err).toBeInstanceOf(DomainError);
  expect((err as DomainError).code).toBe('BAD_USER_INPUT');
  return (err as DomainError).message;
};

describe('hard links in a commit change set', () => {
  test.each<[string, FileChange[]]>([
    ['to itself', [link('/x', '/x')]],
    ['in a cycle', [link('/a', '/b'), link('/b', '/a')]],
    ['to a directory', [link('/x', '/etc')]],
    ['to a missing file', [link('/x', '/nope')]],
    ['to a path the same set deletes (a whiteout)', [{ change: 'DELETED', path: '/bin/busybox' }, link('/x', '/bin/busybox')]],
    ['through a parent link whose file is gone', [link('/x', '/bin/orphan')]],
    ['through a parent link whose file the set deletes', [{ change: 'DELETED', path: '/bin/busybox' }, link('/x', '/bin/sh')]],
  ])('refuses a link %s', (_name, changes) => {
    expect(refused(changes)).toMatch(/hard link target/);
  });

  test('accepts a link to a file, and through a link to its file', () => {
    const out = layerEntriesOf([link('/x', '/bin/busybox'), link('/y', '/bin/sh')], lookup);
    expect(out.filter((e) => e.kind === 'HARDLINK').map((e) => [e.path, e.linkTarget])).toEqual([['/x', '/bin/busybox'], ['/y', '/bin/busybox']]);
  });
});

describe('hard links in a layer, in tar order', () => {
  const firstProblem = (entries: LayerEntry[]) => {
    const check = new LayerLinkCheck();
    for (const e of entries) {
      const p = check.next(e);
      if (p) return p;
    }
    return null;
  };
  test.each<[string, LayerEntry[], RegExp | null]>([
    ['to an earlier file', [file('/f'), hardlink('/h', '/f')], null],
    ['to an earlier link', [file('/f'), hardlink('/h', '/f'), hardlink('/h2', '/h')], null],
    ['to itself', [hardlink('/h', '/h')], /itself/],
    ['in a cycle', [hardlink('/a', '/b'), hardlink('/b', '/a')], /not an earlier entry/],
    ['to a later file', [hardlink('/h', '/f'), file('/f')], /not an earlier entry/],
    ['to a directory', [dir('/d'), hardlink('/h', '/d')], /a directory/],
    ['to nothing', [hardlink('/h', '/nope')], /not an earlier entry/],
    ['to a whiteout', [wh('/f'), hardlink('/h', '/f')], /a whiteout/],
  ])('a link %s', (_name, entries, problem) => {
    const p = firstProblem(entries);
    if (problem) expect(p).toMatch(problem); else expect(p).toBeNull();
  });
});

describe('hard links in a layer: each reason in full, and what counts as earlier (issue 25, second pass)', () => {
  const problems = (entries: LayerEntry[]) => {
    const check = new LayerLinkCheck();
    return entries.map((e) => check.next(e));
  };

  test('each reason names the target', () => {
    expect(problems([{ ...hardlink('/h', '/x'), linkTarget: null }])).toEqual(['has no target']);
    expect(problems([hardlink('/h', '/h')])).toEqual(['points at itself']);
    expect(problems([hardlink('/h', '/f')])).toEqual(
      ['points at /f, which is not an earlier entry of the same layer (missing, later, in a lower layer, or in a cycle)']);
    expect(problems([dir('/d'), hardlink('/h', '/d')])).toEqual([null, 'points at /d, a directory']);
    expect(problems([wh('/w'), hardlink('/h', '/w')])).toEqual([null, 'points at /w, a whiteout']);
  });

  test('the latest entry at a path decides: a file replacing a directory is a target, a directory replacing a file is not', () => {
    expect(problems([dir('/p'), file('/p'), hardlink('/h', '/p')])).toEqual([null, null, null]);
    expect(problems([file('/p'), dir('/p'), hardlink('/h', '/p')])).toEqual([null, null, 'points at /p, a directory']);
    expect(problems([file('/p'), wh('/p'), hardlink('/h', '/p')])).toEqual([null, null, 'points at /p, a whiteout']);
  });

  test('an opaque marker is no entry at its path: the directory stays a directory, an absent one stays absent', () => {
    const opaque = (path: string): LayerEntry => ({ ...dir(path), kind: 'OPAQUE_WHITEOUT' });
    expect(problems([dir('/d'), opaque('/d'), hardlink('/h', '/d')])).toEqual([null, null, 'points at /d, a directory']);
    expect(problems([opaque('/o'), hardlink('/h', '/o')])[1]).toMatch(/^points at \/o, which is not an earlier entry/);
  });

  test('a refused link is still recorded: a later link to it is not "missing"', () => {
    expect(problems([hardlink('/a', '/nope'), hardlink('/b', '/a'), symlink('/s', '/x'), hardlink('/c', '/s')]))
      .toEqual([expect.stringMatching(/^points at \/nope/), null, null, null]);
  });
});
