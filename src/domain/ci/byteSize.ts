/**
 * Byte values in dive's forms (docs/ci.md "Value forms"): digits (with "." and
 * "," allowed, commas ignored), then optional spaces and a unit, case-insensitive.
 * SI units are powers of 1000 (`20MB` = 20,000,000), IEC units powers of 1024
 * (`20MiB` = 20,971,520); no unit, or `B`, means bytes. A fraction is truncated
 * to whole bytes. Anything else (a sign, leading spaces, `1e6`, an unknown unit)
 * is not a byte value.
 */

const SI = ['k', 'm', 'g', 't', 'p', 'e'];

const UNITS: ReadonlyMap<string, number> = new Map<string, number>([
  ['', 1], ['b', 1],
  ...SI.flatMap((p, i): [string, number][] => {
    const si = 1000 ** (i + 1);
    const iec = 1024 ** (i + 1);
    return [[p, si], [`${p}b`, si], [`${p}i`, iec], [`${p}ib`, iec]];
  }),
]);

const NUMBER = /^(\d+\.?\d*|\.\d+)$/;

export type ByteSizeParse = { ok: true; bytes: number } | { ok: false; reason: string };

export function parseByteSize(text: string): ByteSizeParse {
  const digits = /^[\d.,]*/.exec(text)![0];
  const num = digits.replaceAll(',', '');
  if (!NUMBER.test(num)) return { ok: false, reason: 'expected a number of bytes, optionally with a unit such as 20MB or 20MiB' };
  const unit = text.slice(digits.length).trim().toLowerCase();
  const factor = UNITS.get(unit);
  if (factor === undefined) {
    return { ok: false, reason: `unknown size unit "${text.slice(digits.length).trim()}" (B, kB, MB, GB, TB, KiB, MiB, GiB, TiB, …)` };
  }
  const bytes = Math.floor(Number(num) * factor);
  if (!Number.isSafeInteger(bytes)) return { ok: false, reason: 'too large (at most 2^53 - 1 bytes)' };
  return { ok: true, bytes };
}

/** dive's display form (go-humanize Bytes): SI units, one decimal under 10. */
export function humanBytes(bytes: number): string {
  if (bytes < 10) return `${bytes} B`;
  const units = ['B', 'kB', 'MB', 'GB', 'TB', 'PB', 'EB'];
  const e = Math.min(Math.floor(Math.log(bytes) / Math.log(1000)), units.length - 1);
  const val = Math.floor((bytes / 1000 ** e) * 10 + 0.5) / 10;
  return `${val < 10 ? val.toFixed(1) : val.toFixed(0)} ${units[e]}`;
}

/** 1234567 → "1,234,567". */
export const groupedBytes = (bytes: number): string => bytes.toLocaleString('en-US');
