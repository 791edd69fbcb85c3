import { humanBytes, parseByteSize } from '../../../src/domain/ci/byteSize';

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
