/**
 * Absolute-path helpers for the merged view (docs/domain.md §2). Paths are absolute,
 * normalized, "/"-separated; the root is "/". Pure string functions, no node:path.
 */
import { badInput } from './errors';

export const ROOT = '/';

/**
 * Normalizes a caller-supplied path: adds the leading "/", collapses "//",
 * drops "." components and a trailing "/". A ".." component is refused
 * (BAD_USER_INPUT), as docs/domain.md §2.1 refuses non-local names.
 */
export function normalizePath(input: string): string {
  if (isNormalized(input)) return input;
  const parts: string[] = [];
  for (const part of input.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') throw badInput(`path "${input}" must not contain ".."`);
    parts.push(part);
  }
  return `/${parts.join('/')}`;
}

const DOT_COMPONENT = /\/\.\.?(?:\/|$)/;

/** True when `path` is already what normalizePath returns (cheap: no allocation). */
export function isNormalized(path: string): boolean {
  if (path === ROOT) return true;
  return path.charCodeAt(0) === 0x2f && !path.endsWith('/') && !path.includes('//') && !DOT_COMPONENT.test(path);
}

/** The components of an absolute normalized path ("/" → []). */
export const splitPath = (path: string): string[] => (path === ROOT ? [] : path.slice(1).split('/'));

/** "/a/b" → "/a"; "/a" → "/"; "/" → "/". */
export function parentOf(path: string): string {
  const i = path.lastIndexOf('/');
  return i <= 0 ? ROOT : path.slice(0, i);
}

/** "/a/b" → "b"; "/" → "". */
export const baseName = (path: string): string => path.slice(path.lastIndexOf('/') + 1);

/** True when `path` lies strictly below `dir` ("/a/b" is below "/a" and "/"; "/ab" is not below "/a"). */
export function isStrictlyBelow(path: string, dir: string): boolean {
  if (dir === ROOT) return path !== ROOT;
  return path.length > dir.length && path.startsWith(dir) && path.charCodeAt(dir.length) === 0x2f;
}

/**
 * Unicode code-point order (which equals UTF-8 byte order, SQLite BINARY and
 * PostgreSQL COLLATE "C"). JavaScript's `<` compares UTF-16 code units, which
 * differs only when a surrogate meets a unit in U+E000..U+FFFF; this fixes that.
 * Listings sort whole absolute paths with it, so "/a.c" < "/a/b" ('.' < '/').
 */
export function compareCodePoints(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x === y) continue;
    if (x >= 0xd800 && y >= 0xd800) {
      x = x >= 0xe000 ? x - 0x800 : x + 0x2000;
      y = y >= 0xe000 ? y - 0x800 : y + 0x2000;
    }
    return x - y;
  }
  return a.length - b.length;
}

const HIGH = /[\ud800-\uffff]/;

/**
 * A string whose native (UTF-16) order is the code-point order of `s`:
 * `s` itself unless it holds a unit ≥ U+D800, then those units are remapped
 * (U+E000..U+FFFF down by 0x800, surrogates up by 0x2000).
 */
export function codePointKey(s: string): string {
  if (!HIGH.test(s)) return s;
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const u = s.charCodeAt(i);
    out += String.fromCharCode(u < 0xd800 ? u : u >= 0xe000 ? u - 0x800 : u + 0x2000);
  }
  return out;
}

/** Sorts by code-point order of `key(item)`, computing each key once. */
export function sortByCodePoints<T>(items: readonly T[], key: (item: T) => string): T[] {
  return items
    .map((item) => ({ k: codePointKey(key(item)), item }))
    .sort((a, b) => (a.k < b.k ? -1 : a.k > b.k ? 1 : 0))
    .map(({ item }) => item);
}
