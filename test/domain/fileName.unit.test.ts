/**
 * File names as bytes → text, losslessly (src/domain/fileName.ts, docs/domain.md §2.1).
 * The oracle for "valid UTF-8" is the WHATWG decoder Node ships (TextDecoder
 * with fatal: true) and Unicode's table of well-formed byte sequences (The
 * Unicode Standard, Table 3-7), not the code's own sequence rules.
 */
import fc from 'fast-check';
import { decodeFileName, encodeFileName } from '../../src/domain/fileName';

const SEED = Number(process.env.STRATA_FC_SEED ?? 25);
beforeAll(() => console.info(`fileName properties: fast-check seed ${SEED} (STRATA_FC_SEED to change)`));

const bytes = (...b: number[]) => Uint8Array.from(b);
const strict = new TextDecoder('utf-8', { fatal: true });
const R = '\uFFFD';

describe('valid UTF-8 reads as itself', () => {
  test.each<[string, number[], string]>([
    ['ASCII', [0x61, 0x2f, 0x62], 'a/b'],
    ['two bytes, lowest (U+0080)', [0xc2, 0x80], '\u0080'],
    ['two bytes, highest (U+07FF)', [0xdf, 0xbf], '\u07ff'],
    ['three bytes after E0 (U+0800)', [0xe0, 0xa0, 0x80], '\u0800'],
    ['three bytes E1..EC', [0xe1, 0x80, 0x80], '\u1000'],
    ['three bytes, EC the last lead of E1..EC (U+C000)', [0xec, 0x80, 0x80], '\uc000'],
    ['ED below the surrogates (U+D7FF)', [0xed, 0x9f, 0xbf], '\ud7ff'],
    ['EE (U+E000)', [0xee, 0x80, 0x80], '\ue000'],
    ['EF (U+FFFF)', [0xef, 0xbf, 0xbf], '\uffff'],
    ['four bytes after F0 (U+10000)', [0xf0, 0x90, 0x80, 0x80], '\u{10000}'],
    ['four bytes F1..F3', [0xf3, 0xbf, 0xbf, 0xbf], '\u{fffff}'],
    ['four bytes, F1 the first lead of F1..F3 (U+40000)', [0xf1, 0x80, 0x80, 0x80], '\u{40000}'],
    ['F4 up to U+10FFFF', [0xf4, 0x8f, 0xbf, 0xbf], '\u{10ffff}'],
    ['café', [0x63, 0x61, 0x66, 0xc3, 0xa9], 'café'],
  ])('%s', (_what, b, text) => {
    expect(strict.decode(bytes(...b))).toBe(text);
    expect(decodeFileName(bytes(...b))).toBe(text);
    expect([...encodeFileName(text)]).toEqual(b);
  });
});

describe('a byte that is not valid UTF-8 becomes U+FFFD and its two upper-case hex digits', () => {
  test.each<[string, number[], string]>([
    ['Latin-1 é', [0x63, 0x61, 0x66, 0xe9], `caf${R}E9`],
    ['a lone continuation byte', [0x80], `${R}80`],
    ['C0 and C1 (overlong two-byte starts)', [0xc0, 0xaf, 0xc1, 0xbf], `${R}C0${R}AF${R}C1${R}BF`],
    ['a two-byte start at the end', [0x61, 0xc3], `a${R}C3`],
    ['a two-byte start followed by ASCII', [0xc3, 0x41], `${R}C3A`],
    ['an overlong three-byte form (E0 9F ..)', [0xe0, 0x9f, 0xbf], `${R}E0${R}9F${R}BF`],
    ['a UTF-16 surrogate (ED A0 80)', [0xed, 0xa0, 0x80], `${R}ED${R}A0${R}80`],
    ['a three-byte form cut short', [0xe2, 0x82], `${R}E2${R}82`],
    ['a three-byte form with a bad third byte', [0xe2, 0x82, 0x41], `${R}E2${R}82A`],
    ['an overlong four-byte form (F0 8F ..)', [0xf0, 0x8f, 0xbf, 0xbf], `${R}F0${R}8F${R}BF${R}BF`],
    ['above U+10FFFF (F4 90 ..)', [0xf4, 0x90, 0x80, 0x80], `${R}F4${R}90${R}80${R}80`],
    ['F5 and above never start a sequence', [0xf5, 0x80, 0x80, 0x80], `${R}F5${R}80${R}80${R}80`],
    ['FF', [0xff], `${R}FF`],
    ['a four-byte form with a bad last byte', [0xf1, 0x80, 0x80, 0x41], `${R}F1${R}80${R}80A`],
    ['a low byte is padded to two digits (NUL)', [0x61, 0x00, 0x62], `a${R}00b`],
  ])('%s', (_what, b, text) => {
    expect(decodeFileName(bytes(...b))).toBe(text);
    expect([...encodeFileName(text)]).toEqual(b);
  });

  test('invalid bytes that differ give names that differ (replacement would fold them)', () => {
    expect(decodeFileName(bytes(0x63, 0xe9))).not.toBe(decodeFileName(bytes(0x63, 0xe8)));
    expect(new TextDecoder().decode(bytes(0x63, 0xe9))).toBe(new TextDecoder().decode(bytes(0x63, 0xe8)));
  });
});

describe('a real U+FFFD in the name is doubled, so it cannot be read as an escape', () => {
  test('EF BF BD followed by "E9" is not the escape of byte E9', () => {
    const real = bytes(0xef, 0xbf, 0xbd, 0x45, 0x39);
    expect(decodeFileName(real)).toBe(`${R}${R}E9`);
    expect([...encodeFileName(`${R}${R}E9`)]).toEqual([...real]);
    expect([...encodeFileName(`${R}E9`)]).toEqual([0xe9]);
  });

  test('a U+FFFD not followed by two upper-case hex digits or another U+FFFD stands for itself', () => {
    expect([...encodeFileName(`${R}e9`)]).toEqual([0xef, 0xbf, 0xbd, 0x65, 0x39]);
    expect([...encodeFileName(`${R}G`)]).toEqual([0xef, 0xbf, 0xbd, 0x47]);
    expect([...encodeFileName(R)]).toEqual([0xef, 0xbf, 0xbd]);
  });
});

describe('properties (pinned seed)', () => {
  test('one to one: encode(decode(bytes)) gives the bytes back', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 24 }), (b) => {
      expect([...encodeFileName(decodeFileName(b))]).toEqual([...b]);
    }), { seed: SEED, numRuns: 2000 });
  });

  test('bytes the strict decoder accepts (without NUL or U+FFFD) decode exactly as it does', () => {
    const utf8ish = fc.array(fc.oneof(fc.integer({ min: 0x01, max: 0x7f }), fc.integer({ min: 0x80, max: 0xff })), { maxLength: 16 });
    fc.assert(fc.property(fc.oneof(utf8ish.map((a) => Uint8Array.from(a)), fc.string({ unit: 'grapheme' }).map((s) => new TextEncoder().encode(s))), (b) => {
      let text: string;
      try { text = strict.decode(b); } catch { return; }
      if (text.includes('\0') || text.includes(R)) return;
      expect(decodeFileName(b)).toBe(text);
    }), { seed: SEED, numRuns: 2000 });
  });

  test('a sequence the strict decoder refuses never decodes to plain text: some byte is escaped', () => {
    fc.assert(fc.property(fc.uint8Array({ minLength: 1, maxLength: 8 }), (b) => {
      let ok = true;
      try { strict.decode(b); } catch { ok = false; }
      if (!ok) expect(decodeFileName(b)).toMatch(/\uFFFD[0-9A-F]{2}/);
    }), { seed: SEED, numRuns: 2000 });
  });
});
