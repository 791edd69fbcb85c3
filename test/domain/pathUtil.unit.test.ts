/**
 * Absolute-path helpers (src/domain/pathUtil.ts, docs/domain.md §2): the
 * parent, the last component, "strictly below", and code-point order, which
 * must equal UTF-8 byte order (Buffer.compare is the oracle here).
 */
import { baseName, compareCodePoints, isNormalized, isStrictlyBelow, parentOf, sortByCodePoints, splitPath } from '../../src/domain/pathUtil';

const byteOrder = (a: string, b: string) => Math.sign(Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8')));

describe('path helpers', () => {
  test('parentOf: drop the last component; the root is its own parent', () => {
    expect(['/a/b/c', '/a/b', '/a', '/'].map(parentOf)).toEqual(['/a/b', '/a', '/', '/']);
  });

  test('baseName: the last component; "" for the root', () => {
    expect(['/a/b/c', '/a', '/', '/a.b/c.d'].map(baseName)).toEqual(['c', 'a', '', 'c.d']);
  });

  test('splitPath: the components; none for the root', () => {
    expect(splitPath('/')).toEqual([]);
    expect(splitPath('/a')).toEqual(['a']);
    expect(splitPath('/a/b.c/d')).toEqual(['a', 'b.c', 'd']);
  });

  test('isStrictlyBelow: below the directory at a component boundary, never the directory itself', () => {
    const cases: [string, string, boolean][] = [
      ['/a/b', '/a', true], ['/a/b/c', '/a', true], ['/a/b', '/', true], ['/a', '/', true],
      ['/a', '/a', false], ['/', '/', false], ['/ab', '/a', false], ['/a.b', '/a', false],
      ['/b/x', '/a', false], ['/a', '/a/b', false], ['/x/a/b', '/a', false],
    ];
    expect(cases.map(([p, d]) => [p, d, isStrictlyBelow(p, d)])).toEqual(cases);
  });

  test('isNormalized: names beginning with dots are names, only "." and ".." components are not', () => {
    for (const ok of ['/.hidden', '/a/.b', '/a/..b', '/a/...', '/a./b', '/a../b']) expect([ok, isNormalized(ok)]).toEqual([ok, true]);
    for (const bad of ['/a/.', '/a/./b', '/a/..', '/../a', 'a/b', '']) expect([bad, isNormalized(bad)]).toEqual([bad, false]);
  });

  test('code-point order equals UTF-8 byte order, also between U+B800..U+D7FF, U+E000..U+FFFF and astral characters', () => {
    const samples = ['a', '/', '\u00e9', '\ub800', '\ud55c', '\ud7ff', '\ue000', '\uf900', '\uffff', '\u{10000}', '\u{1F600}', '\u{10FFFF}',
      'a\ud55c', 'a\ue000', 'a\u{1F600}'];
    for (const a of samples) for (const b of samples) expect([a, b, Math.sign(compareCodePoints(a, b))]).toEqual([a, b, byteOrder(a, b)]);
    const sorted = sortByCodePoints(samples.map((s) => ({ s })), (x) => x.s).map((x) => x.s);
    expect(sorted).toEqual([...samples].sort((a, b) => byteOrder(a, b)));
  });
});
