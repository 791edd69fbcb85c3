/**
 * Which layers a CI gate judges (docs/ci.md "Judging the team's own layers"):
 * all of them (dive), or with aboveBase those above the image's base — the
 * bottom of its parent line, else (when no parent is known) a shared base stack.
 * Only the layers the base has in common with the image count as the base's
 * (an annotation can name a parent whose chain is not a prefix).
 */
export type JudgedBasis = 'WHOLE_IMAGE' | 'ABOVE_BASE' | 'ABOVE_BASE_STACK' | 'NO_BASE_KNOWN';

export interface JudgedLayers {
  /** Index of the lowest judged layer. */
  from: number;
  /** Number of judged layers (from..layerCount-1). */
  count: number;
  basis: JudgedBasis;
  /** The base's name when the basis is a base. */
  base: string | null;
}

export interface BaseCandidate { name: string; chainIds: readonly string[] }

function commonPrefix(a: readonly string[], b: readonly string[]): number {
  let k = 0;
  while (k < a.length && k < b.length && a[k] === b[k]) k++;
  return k;
}

export function judgedLayers(
  chainIds: readonly string[], aboveBase: boolean, base: BaseCandidate | null, baseStack: BaseCandidate | null = null,
): JudgedLayers {
  const n = chainIds.length;
  if (!aboveBase) return { from: 0, count: n, basis: 'WHOLE_IMAGE', base: null };
  const pick = base ? { c: base, basis: 'ABOVE_BASE' as const } : baseStack ? { c: baseStack, basis: 'ABOVE_BASE_STACK' as const } : null;
  if (!pick) return { from: 0, count: n, basis: 'NO_BASE_KNOWN', base: null };
  const from = commonPrefix(chainIds, pick.c.chainIds);
  return { from, count: n - from, basis: pick.basis, base: pick.c.name };
}

/** "layers 3-13 (11 above base busybox:latest, layers 0-2)" and the like, for the report. */
export function describeJudged(j: JudgedLayers): string {
  const n = j.from + j.count;
  const span = (a: number, b: number) => (a === b ? `layer ${a}` : `layers ${a}-${b}`);
  if (j.basis === 'WHOLE_IMAGE') return n === 0 ? 'no layers' : `all ${n} layer${n === 1 ? '' : 's'} (${span(0, n - 1)})`;
  if (j.basis === 'NO_BASE_KNOWN') return `all ${n} layers (${span(0, Math.max(n - 1, 0))}): no base known to judge above`;
  const what = j.basis === 'ABOVE_BASE' ? `base ${j.base}` : `shared base stack ${j.base}`;
  const below = j.from === 0 ? 'no layer in common' : span(0, j.from - 1);
  if (j.count === 0) return `no layers: the image has none above ${what} (${below})`;
  return `${span(j.from, n - 1)} (${j.count} above ${what}, ${below})`;
}
