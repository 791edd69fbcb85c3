/**
 * Text the log can store byte for byte on every backend (docs/reliability.md,
 * "strings the log refuses"): well-formed Unicode — no lone UTF-16 surrogate,
 * which has no UTF-8 encoding and would be stored as U+FFFD, so the stored row
 * would no longer match its hash — and no NUL, which PostgreSQL text cannot
 * hold (a log holding one could not move from SQLite to PostgreSQL).
 */

/** Why `s` cannot be stored as is, or null when it can. */
export function textProblem(s: string): string | null {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0) return `holds a NUL character at index ${i}`;
    if (c >= 0xd800 && c <= 0xdbff) {
      const next = s.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) { i += 1; continue; }
      return `is not valid Unicode (a lone surrogate at index ${i})`;
    }
    if (c >= 0xdc00 && c <= 0xdfff) return `is not valid Unicode (a lone surrogate at index ${i})`;
  }
  return null;
}

export interface BadText { path: string; problem: string }

/** The first string (object key or value) in `value` that cannot be stored, with where it sits. */
export function findBadText(value: unknown, path = ''): BadText | null {
  if (typeof value === 'string') {
    const problem = textProblem(value);
    return problem ? { path: path || '(value)', problem } : null;
  }
  if (value === null || typeof value !== 'object') return null;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const bad = findBadText(value[i], `${path}[${i}]`);
      if (bad) return bad;
    }
    return null;
  }
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    const keyProblem = textProblem(k);
    if (keyProblem) return { path: `${path}${path ? '.' : ''}(a key)`, problem: keyProblem };
    const bad = findBadText(v, (path ? `${path}.${k}` : k).slice(0, 200));
    if (bad) return bad;
  }
  return null;
}
