import fc from 'fast-check';
import { codePointKey, compareCodePoints, isNormalized, normalizePath, sortByCodePoints } from '../../src/domain/pathUtil';

const cps = (s: string) => [...s].map((c) => c.codePointAt(0) as number);
const reference = (a: string, b: string) => {
  const x = cps(a);
  const y = cps(b);
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return Math.sign((x[i] as number) - (y[i] as number));
  return Math.sign(x.length - y.length);
};
const str = fc.string({ unit: fc.constantFrom('a', '/', '.', '-', '\u00e9', '\uffff', '\ue000', '\u{1F600}', '\u{10000}') });

describe('pathUtil', () => {
  it('compareCodePoints and codePointKey order by code points (= UTF-8 bytes)', () => {
    fc.assert(fc.property(str, str, (a, b) => {
      expect(Math.sign(compareCodePoints(a, b))).toBe(reference(a, b));
      const [ka, kb] = [codePointKey(a), codePointKey(b)];
      expect(ka < kb ? -1 : ka > kb ? 1 : 0).toBe(reference(a, b));
      expect(Math.sign(Buffer.compare(Buffer.from(a), Buffer.from(b)))).toBe(reference(a, b));
    }), { numRuns: 2000 });
  });

  it('sortByCodePoints sorts like the reference', () => {
    fc.assert(fc.property(fc.array(str), (xs) => {
      expect(sortByCodePoints(xs, (x) => x)).toEqual([...xs].sort(reference));
    }));
  });

  it.each([
    ['/', '/'], ['', '/'], ['a/b', '/a/b'], ['/a//b/', '/a/b'], ['./a/./b', '/a/b'], ['/.wh.x', '/.wh.x'], ['/a..b', '/a..b'],
  ])('normalizePath(%j) = %j', (input, out) => {
    expect(normalizePath(input)).toBe(out);
    expect(isNormalized(out)).toBe(true);
  });

  it.each(['/a/../b', '..', '/..'])('refuses %j', (p) => expect(() => normalizePath(p)).toThrow(/\.\./));
  it.each(['a', '/a/', '//a', '/a/./b', '/.', '/a/..'])('isNormalized(%j) is false', (p) => expect(isNormalized(p)).toBe(false));
});
