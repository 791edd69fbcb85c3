/**
 * Canonical JSON: object keys sorted by code unit, no whitespace, arrays in
 * order, undefined members dropped. Two uses, one form:
 * - the hash chain hashes events in this form, so two processes (or two
 *   backends) that store the same event compute the same hash whatever order
 *   the keys came in (docs/domain.md §7);
 * - configs Strata generates are serialized in it, so a generated image ID is
 *   reproducible (docs/domain.md §1). Imported configs are never re-serialized.
 * A non-finite number has no JSON form (JSON.stringify would write null and
 * two different values would hash alike), so it is refused.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    if (value === undefined) return 'null';
    if (typeof value === 'number' && !Number.isFinite(value)) throw new TypeError('canonical JSON has no form for a non-finite number');
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj).filter((k) => obj[k] !== undefined).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`).join(',')}}`;
}
