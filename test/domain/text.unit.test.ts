/**
 * Text the log can store byte for byte (src/domain/text.ts, docs/reliability.md):
 * well-formed Unicode and no NUL. Oracles: String.prototype.isWellFormed and a
 * UTF-8 round trip through Buffer (a lone surrogate comes back as U+FFFD).
 */
import fc from 'fast-check';
import { findBadText, textProblem } from '../../src/domain/text';

const SEED = Number(process.env.STRATA_FC_SEED ?? 25);
beforeAll(() => console.info(`text properties: fast-check seed ${SEED} (STRATA_FC_SEED to change)`));

/** isWellFormed is Node 20's (ES2024); the project's TypeScript lib predates it. */
const isWellFormed = (s: string): boolean => (s as unknown as { isWellFormed(): boolean }).isWellFormed();
const storable = (s: string) => isWellFormed(s) && Buffer.from(s, 'utf8').toString('utf8') === s && !s.includes('\0');

describe('textProblem', () => {
  test.each([
    ['', null], ['plain', null], ['café', null], ['\u{1F600} emoji (a surrogate pair)', null], ['\uD7FF\uE000\uFFFF', null],
    ['a\u0000b', 'holds a NUL character at index 1'],
    ['\u0000', 'holds a NUL character at index 0'],
    ['ab\uD800', 'is not valid Unicode (a lone surrogate at index 2)'],
    ['ab\uDBFFx', 'is not valid Unicode (a lone surrogate at index 2)'],
    ['\uDC00', 'is not valid Unicode (a lone surrogate at index 0)'],
    ['x\uDFFF', 'is not valid Unicode (a lone surrogate at index 1)'],
    ['\uD800\uD800\uDC00', 'is not valid Unicode (a lone surrogate at index 0)'],
    ['\u{1F600}\uDC00', 'is not valid Unicode (a lone surrogate at index 2)'],
    ['\u{1F600}\u0000', 'holds a NUL character at index 2'],
    ['\uDC00\uD800', 'is not valid Unicode (a lone surrogate at index 0)'],
  ])('%j → %p', (s, problem) => {
    expect(textProblem(s)).toBe(problem);
    expect(problem === null).toBe(storable(s));
  });

  test('property (pinned seed): refused exactly when the string is not storable', () => {
    const unit = fc.oneof(fc.constantFrom(0, 0xd800, 0xdbff, 0xdc00, 0xdfff, 0xd7ff, 0xe000, 0x41), fc.integer({ min: 0, max: 0xffff }));
    fc.assert(fc.property(fc.array(unit, { maxLength: 12 }), (codes) => {
      const s = String.fromCharCode(...codes);
      expect(textProblem(s) === null).toBe(storable(s));
    }), { seed: SEED, numRuns: 3000 });
  });
});

describe('findBadText: the first string that cannot be stored, and where it sits', () => {
  test('values, keys, arrays, nesting', () => {
    expect(findBadText({ a: 'ok', b: [1, 'x', { c: 'bad\u0000' }] })).toEqual({ path: 'b[2].c', problem: 'holds a NUL character at index 3' });
    expect(findBadText({ a: { ['k\uD800']: 1 } })).toEqual({ path: 'a.(a key)', problem: 'is not valid Unicode (a lone surrogate at index 1)' });
    expect(findBadText({ ['\uDC00']: 1 })).toEqual({ path: '(a key)', problem: 'is not valid Unicode (a lone surrogate at index 0)' });
    expect(findBadText(['ok', '\u0000'])).toEqual({ path: '[1]', problem: 'holds a NUL character at index 0' });
    expect(findBadText('\u0000')).toEqual({ path: '(value)', problem: 'holds a NUL character at index 0' });
  });

  test('the first bad string in order wins', () => {
    expect(findBadText({ a: '\u0000', b: '\uD800' })?.path).toBe('a');
    expect(findBadText([['\uD800'], '\u0000'])?.path).toBe('[0][0]');
  });

  test('storable values, numbers, booleans, null and undefined are fine', () => {
    expect(findBadText({ a: 1, b: true, c: null, d: undefined, e: ['x', { f: 'y' }] })).toBeNull();
    expect(findBadText(null)).toBeNull();
    expect(findBadText(7)).toBeNull();
    expect(findBadText([])).toBeNull();
  });

  test('a path longer than 200 characters is cut at 200', () => {
    const key = 'k'.repeat(300);
    expect(findBadText({ [key]: '\u0000' })).toEqual({ path: 'k'.repeat(200), problem: 'holds a NUL character at index 0' });
  });
});
