// Number, byte, date and digest formatting shared by the views.

const nf = new Intl.NumberFormat('en-US');

/** 1220598 → "1,220,598" */
export const int = (n) => (n === null || n === undefined ? '—' : nf.format(n));

/** 1220598 → "1.22 MB" (SI units, like docker). */
export function bytes(n) {
  if (n === null || n === undefined) return '—';
  const units = ['B', 'kB', 'MB', 'GB', 'TB', 'PB'];
  let v = Math.abs(n);
  let i = 0;
  while (v >= 1000 && i < units.length - 1) { v /= 1000; i++; }
  const digits = i === 0 ? 0 : v >= 100 ? 1 : 2;
  return `${n < 0 ? '-' : ''}${v.toFixed(digits)} ${units[i]}`;
}

/** "1,220,598 bytes" */
export const exactBytes = (n) => (n === null || n === undefined ? '—' : `${int(n)} bytes`);

export function percent(ratio, digits = 1) {
  if (ratio === null || ratio === undefined || Number.isNaN(ratio)) return '—';
  return `${(ratio * 100).toFixed(digits)} %`;
}

export function date(iso) {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return String(iso);
  return d.toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z').replace(/:\d\dZ$/, (m) => m);
}

/** "sha256:75ae28b8ebf8…" → "75ae28b8ebf8" */
export const shortId = (digest) => (digest ? String(digest).replace(/^sha256:/, '').slice(0, 12) : '—');

/** The name to show for an image: its first tag, else its short ID. */
export const imageName = (img) => (img?.repoTags?.length ? img.repoTags[0] : shortId(img?.imageId));
