/**
 * Canonical JSON for configs Strata generates (so a generated image ID is
 * reproducible, docs/domain.md §1): object keys sorted by code unit, no whitespace.
 * Imported configs are never re-serialized: their raw bytes are the image ID.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value ?? null);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj).filter((k) => obj[k] !== undefined).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`).join(',')}}`;
}
