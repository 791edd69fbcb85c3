/**
 * Docker CLI's presentation rules, so `strata history` and `strata df` read
 * like `docker history` and `docker system df`: decimal human sizes (Go's
 * %.*g, as go-units formats them), relative times, 45-column ellipsis, and
 * tab-aligned tables with three spaces between columns.
 */

/** Go's `%.{precision}g` of a non-negative number. */
function goG(value: number, precision: number): string {
  const s = value.toPrecision(precision);
  const m = /^(\d+(?:\.\d*)?)e([+-])(\d+)$/.exec(s);
  const strip = (x: string) => (x.includes('.') ? x.replace(/\.?0+$/, '') : x);
  if (!m) return strip(s);
  return `${strip(m[1]!)}e${m[2]}${m[3]!.padStart(2, '0')}`;
}

const UNITS = ['B', 'kB', 'MB', 'GB', 'TB', 'PB', 'EB', 'ZB', 'YB'];

/** go-units HumanSizeWithPrecision: decimal units. */
export function humanSize(bytes: number, precision = 4): string {
  let size = bytes;
  let i = 0;
  while (size >= 1000 && i < UNITS.length - 1) { size /= 1000; i++; }
  return `${goG(size, precision)}${UNITS[i]}`;
}

/** go-units HumanDuration, as docker prints "N minutes ago". */
export function humanDuration(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  if (seconds < 1) return 'Less than a second';
  if (seconds === 1) return '1 second';
  if (seconds < 60) return `${seconds} seconds`;
  const minutes = Math.floor(ms / 60000);
  if (minutes === 1) return 'About a minute';
  if (minutes < 60) return `${minutes} minutes`;
  const hours = Math.round(ms / 3600000);
  if (hours === 1) return 'About an hour';
  if (hours < 48) return `${hours} hours`;
  if (hours < 24 * 7 * 2) return `${Math.floor(hours / 24)} days`;
  if (hours < 24 * 30 * 2) return `${Math.floor(hours / 24 / 7)} weeks`;
  if (hours < 24 * 365 * 2) return `${Math.floor(hours / 24 / 30)} months`;
  return `${Math.floor(hours / 24 / 365)} years`;
}

export const since = (iso: string | null, now = Date.now()): string => {
  const t = iso ? Date.parse(iso) : NaN;
  return Number.isNaN(t) ? 'N/A' : `${humanDuration(Math.max(0, now - t))} ago`;
};

/** Docker's stringutils.Ellipsis by characters. */
export function ellipsis(s: string, width: number): string {
  const chars = [...s];
  return chars.length <= width ? s : `${chars.slice(0, width - 1).join('')}…`;
}

export const shortId = (imageId: string): string => imageId.replace(/^sha256:/, '').slice(0, 12);

/** Docker's table writer (text/tabwriter, minimum width 10, padding 3); the last column is not padded. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const all = [header, ...rows];
  const widths = header.map((_, c) => Math.max(10, ...all.map((r) => [...(r[c] ?? '')].length + 3)));
  return all.map((r) => r.map((cell, c) =>
    (c === r.length - 1 ? cell : cell + ' '.repeat(widths[c]! - [...cell].length))).join('')).join('\n') + '\n';
}
