/**
 * canonicalJson (src/domain/canonicalJson.ts) written for speed: the append
 * hashes every event's data in this form, and the functional original's
 * map/filter/join allocations were the largest part of a batched append's
 * CPU (bench/RESULTS.md, "Appends"). Loops instead of map/join, keys sorted
 * only when not already in order (the last sorted order reused for the same key
 * list), each key's quoted form kept, strings without escapes quoted directly.
 * Same text for every JSON value; test/eventStore/canonicalText.prop.test.ts
 * holds the two equal.
 */

/** `"key":` by key. Keys are few (event data has a fixed vocabulary); bounded so odd data cannot grow it without end. */
const quotedKeys = new Map<string, string>();
const MAX_QUOTED_KEYS = 10_000;

function quotedKey(k: string): string {
  let q = quotedKeys.get(k);
  if (q === undefined) {
    q = `${JSON.stringify(k)}:`;
    if (quotedKeys.size < MAX_QUOTED_KEYS) quotedKeys.set(k, q);
  }
  return q;
}

/** Above this many keys Array.prototype.sort; below, insertion sort. */
const INSERTION_SORT_MAX = 24;

/**
 * Sorts keys in place by code unit, as keys.sort() does (`<` on strings compares
 * code units). Event data has a handful of keys, seldom in order: insertion sort
 * on the array Object.keys already made allocates nothing, where sort() copies
 * the array into a work area on every call (a tenth of a single append's
 * allocation, bench/RESULTS.md "Appends, second pass").
 */
function sortKeys(keys: string[]): void {
  if (keys.length > INSERTION_SORT_MAX) { keys.sort(); return; }
  for (let i = 1; i < keys.length; i++) {
    const k = keys[i]!;
    let j = i - 1;
    while (j >= 0 && keys[j]! > k) { keys[j + 1] = keys[j]!; j--; }
    keys[j + 1] = k;
  }
}

/**
 * The last out-of-order key list seen (as Object.keys gave it) and its sorted copy. An append's events
 * mostly carry data of one shape, so the next object usually has the same keys in the same order: comparing
 * them (the same strings, so mostly pointer comparisons) replaces the sort.
 */
let lastUnsorted: string[] = [];
let lastSorted: string[] = [];

/** `keys` in code-unit order: itself when already in order, else a sorted array (never the caller's own array sorted later). */
function canonicalOrder(keys: string[]): string[] {
  let i = 1;
  while (i < keys.length && !(keys[i - 1]! > keys[i]!)) i++;
  if (i >= keys.length) return keys;
  const last = lastUnsorted;
  if (last.length === keys.length) {
    let same = true;
    for (let j = 0; j < keys.length; j++) if (last[j] !== keys[j]) { same = false; break; }
    if (same) return lastSorted;
  }
  const sorted = keys.slice();
  sortKeys(sorted);
  lastUnsorted = keys;
  lastSorted = sorted;
  return sorted;
}

/**
 * What JSON.stringify escapes in a string: `"`, `\`, control characters and lone surrogates (this also
 * matches paired ones, which then take the JSON.stringify path: same text, only slower).
 */
const ESCAPED = /["\\\u0000-\u001f\ud800-\udfff]/;

/**
 * JSON.stringify(s): a string with nothing to escape is itself in quotes. Each JSON.stringify call sets up
 * a serializer, which for the handful of short strings of every event (values, stream, type) cost more
 * than the regular-expression test that proves the quotes enough.
 */
function quoted(s: string): string {
  return ESCAPED.test(s) ? JSON.stringify(s) : `"${s}"`;
}

export function canonicalText(value: unknown): string {
  if (typeof value === 'string') return quoted(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TypeError('canonical JSON has no form for a non-finite number');
    return String(value); // what JSON.stringify writes for a finite number (-0 included: "0")
  }
  if (value === null || typeof value !== 'object') return value === undefined ? 'null' : JSON.stringify(value);
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) out += (i === 0 ? '' : ',') + canonicalText(value[i]);
    return `${out}]`;
  }
  const obj = value as Record<string, unknown>;
  const keys = canonicalOrder(Object.keys(obj));
  let out = '{';
  let first = true;
  for (const k of keys) {
    const v = obj[k];
    if (v === undefined) continue;
    out += (first ? '' : ',') + quotedKey(k) + canonicalText(v);
    first = false;
  }
  return `${out}}`;
}
