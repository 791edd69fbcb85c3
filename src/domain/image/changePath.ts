/**
 * Paths in a change set (docs/domain.md §2.1 applied to user input): absolute,
 * "/"-separated; "//" and a trailing "/" collapse; "." and ".." components,
 * the root itself, NUL bytes and names starting with ".wh." (reserved for
 * whiteouts, §2.2–2.3) are refused with BAD_USER_INPUT.
 */
import { badInput } from '../errors';

export function normalizeChangePath(input: unknown, what = 'path'): string {
  if (typeof input !== 'string' || !input.startsWith('/')) {
    throw badInput(`${what} "${String(input)}" must be an absolute path (start with "/")`, { path: input });
  }
  if (input.includes('\0')) throw badInput(`${what} must not contain NUL bytes`, { path: input });
  const parts = input.split('/').filter((p) => p !== '');
  for (const p of parts) {
    if (p === '.' || p === '..') throw badInput(`${what} "${input}" must not contain "." or ".." components`, { path: input });
    if (p.startsWith('.wh.')) throw badInput(`${what} "${input}": names starting with ".wh." are reserved for whiteouts`, { path: input });
  }
  if (parts.length === 0) throw badInput(`${what} "${input}" names the root directory, which cannot be changed`, { path: input });
  return `/${parts.join('/')}`;
}

/** Strict ancestors, root excluded, outermost first: "/a/b/c" → ["/a", "/a/b"]. */
export function ancestorsOf(path: string): string[] {
  const parts = path.split('/').slice(1, -1);
  return parts.map((_, i) => `/${parts.slice(0, i + 1).join('/')}`);
}

/** True when `path` is `dir` or lies below it. */
export const isAtOrBelow = (path: string, dir: string): boolean => path === dir || path.startsWith(`${dir}/`);

/** Code-unit order, so a directory always sorts before its contents. */
export const comparePaths = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
