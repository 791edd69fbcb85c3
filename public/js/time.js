// Time travel: the log position every view reads at (`asOf`), kept in the URL
// as `?at=N` so a view at a position can be shared. No `at` means "now": the
// live head, which the header follows as events arrive.

const AT = /^\d+$/;

/** The position in a hash (`#/images?at=42` → 42), or null for "now". */
export function atOf(hash = location.hash) {
  const v = new URLSearchParams(hash.split('?')[1] ?? '').get('at');
  return v !== null && AT.test(v) ? Number(v) : null;
}

/** The position the views read at now (null: the head). */
export const asOf = () => atOf();

/** A dashboard link that keeps the current position (`link('#/image/x')` → `#/image/x?at=42`). */
export function link(path, at = asOf()) {
  const [p, qs] = path.split('?');
  const q = new URLSearchParams(qs ?? '');
  if (at === null) q.delete('at'); else q.set('at', String(at));
  const s = q.toString();
  return s ? `${p}?${s}` : p;
}

/** Moves the current view to a position (null: now), keeping its other parameters. */
export function travelTo(at) {
  const next = link(location.hash || '#/images', at);
  if (next !== location.hash) location.hash = next;
}
