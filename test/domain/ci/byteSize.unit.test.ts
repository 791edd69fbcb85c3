import { groupedBytes, humanBytes, parseByteSize } from '../../../src/domain/ci/byteSize';

describe("byte values in dive's forms (go-humanize ParseBytes)", () => {
  it.each<[string, number]>([
    // go-humanize's own documented examples: ParseBytes("42 MB") -> 42000000, ParseBytes("42 mib") -> 44040192
    ['42 MB', 42_000_000], ['42 mib', 44_040_192],
    ['20MB', 20_000_000], ['20MiB', 20_971_520], ['20mb', 20_000_000], ['20M', 20_000_000], ['20Mi', 20_971_520],
    ['1000', 1000], ['0', 0], ['5B', 5], ['5 b', 5], ['1kB', 1000], ['1KiB', 1024], ['1k', 1000], ['1ki', 1024],
    ['1GB', 1e9], ['1GiB', 2 ** 30], ['2TiB', 2 * 2 ** 40], ['1.5kB', 1500], ['1.5KiB', 1536], ['1,000,000', 1_000_000],
    ['.5kB', 500], ['5.kB', 5000], ['2.9999B', 2], ['50kB', 50_000], ['20MB ', 20_000_000],
  ])('%j = %d bytes', (text, bytes) => {
    expect(parseByteSize(text)).toEqual({ ok: true, bytes });
  });

  it.each(['', ' 20MB', '-1', '+1', '1e6', '20XB', '.', '1.2.3', 'MB', 'ten', '20 MBs', '1EB0', '10EiB'])('refuses %j', (text) => {
    expect(parseByteSize(text).ok).toBe(false);
  });

  it('prints like dive (SI, one decimal under 10)', () => {
    expect([0, 9, 12_810, 6_405, 32_025, 1_220_598, 999_999_999].map(humanBytes)).toEqual(['0 B', '9 B', '13 kB', '6.4 kB', '32 kB', '1.2 MB', '1000 MB']);
  });
});

describe("go-humanize's own tables (bytes_test.go), in today's form (a space, \"kB\")", () => {
  it.each<[string, number]>([
    ['42', 42], ['42MB', 42_000_000], ['42MiB', 44_040_192], ['42MIB', 44_040_192], ['42 MiB', 44_040_192], ['42.5MB', 42_500_000],
    ['42.5MiB', 44_564_480], ['42.5 M', 42_500_000], ['42.5 Mi', 44_564_480], ['42 MI', 44_040_192], ['42m', 42_000_000],
    ['1PB', 1e15], ['1PiB', 2 ** 50], ['1TB', 1e12], ['1tib', 2 ** 40], ['3gib', 3 * 2 ** 30], ['0.005EB', 5e15], ['0.00390625 EiB', 2 ** 52], ['7 kib', 7168],
  ])('ParseBytes(%j) = %d', (text, bytes) => {
    expect(parseByteSize(text)).toEqual({ ok: true, bytes });
  });

  it('refuses an unknown unit naming it, and a value past 2^53 - 1 bytes', () => {
    expect(parseByteSize('84 JB')).toEqual({ ok: false, reason: 'unknown size unit "JB" (B, kB, MB, GB, TB, KiB, MiB, GiB, TiB, …)' });
    expect(parseByteSize('16 EiB')).toEqual({ ok: false, reason: 'too large (at most 2^53 - 1 bytes)' });
    expect(parseByteSize('9007199254740991')).toEqual({ ok: true, bytes: 9007199254740991 });
    expect(parseByteSize('9007199254740993')).toEqual({ ok: false, reason: 'too large (at most 2^53 - 1 bytes)' });
    expect(parseByteSize('x5')).toEqual({ ok: false, reason: 'expected a number of bytes, optionally with a unit such as 20MB or 20MiB' });
    expect(parseByteSize('5 x')).toMatchObject({ ok: false, reason: 'unknown size unit "x" (B, kB, MB, GB, TB, KiB, MiB, GiB, TiB, …)' });
  });

  it.each<[number, string]>([
    [0, '0 B'], [1, '1 B'], [803, '803 B'], [999, '999 B'], [1024, '1.0 kB'], [9999, '10 kB'], [999_999, '1000 kB'],
    [1024 * 1024, '1.0 MB'], [1e9 - 1e3, '1000 MB'], [1e9, '1.0 GB'], [1e12 - 1e6, '1000 GB'], [1e12, '1.0 TB'],
    [1e15 - 1e12, '999 TB'], [1e15, '1.0 PB'], [1e18 - 1e15, '999 PB'], [1e18, '1.0 EB'], [5.5e9, '5.5 GB'], [10, '10 B'],
  ])('Bytes(%d) = %j', (bytes, text) => {
    expect(humanBytes(bytes)).toBe(text);
  });

  it('groupedBytes: thousands separated by commas', () => {
    expect([0, 999, 1000, 1_234_567, 1e12].map(groupedBytes)).toEqual(['0', '999', '1,000', '1,234,567', '1,000,000,000,000']);
  });
});

describe('byte values: the number part (survivors of issue 25)', () => {
  it('the number is digits with one optional point, then the unit: a second point is no number', () => {
    expect(parseByteSize('1.2.3')).toEqual({ ok: false, reason: 'expected a number of bytes, optionally with a unit such as 20MB or 20MiB' });
    expect(parseByteSize('1.2.3kB')).toEqual({ ok: false, reason: 'expected a number of bytes, optionally with a unit such as 20MB or 20MiB' });
    expect(parseByteSize('.55kB')).toEqual({ ok: true, bytes: 550 });
  });
  it('past exabytes the display stays in EB (go-humanize has no larger unit)', () => {
    expect(humanBytes(1e21)).toBe('1000 EB');
  });
});
