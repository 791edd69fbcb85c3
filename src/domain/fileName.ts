/**
 * File names as bytes → text, losslessly (docs/domain.md §2.1, issue 15 item
 * 10). Tar names are bytes; most are UTF-8, but not all (a Latin-1 `café`
 * is `caf\xe9`). Decoding them with replacement would fold every invalid
 * byte to U+FFFD, so `caf\xe9` and `caf\xe8` would become one path.
 *
 * The representation: valid UTF-8 reads as itself, except two escapes that
 * start with U+FFFD (the replacement character, which marks where decoding
 * failed anyway):
 * - a byte that is not part of valid UTF-8, or a NUL byte (which the log
 *   cannot store), becomes U+FFFD followed by its two upper-case hex digits
 *   (`caf\xe9` → `caf\uFFFDE9`);
 * - a U+FFFD that was really in the name becomes U+FFFD U+FFFD.
 * Names without either are unchanged, and the mapping is one to one
 * (`encodeFileName` gives the bytes back).
 */
const ESC = '\uFFFD';
const hex2 = (b: number) => b.toString(16).toUpperCase().padStart(2, '0');

/** Length of the valid UTF-8 sequence at i, or 0 when the byte there does not start one. */
function sequenceAt(b: Uint8Array, i: number): number {
  const c = b[i]!;
  if (c < 0x80) return 1;
  const cont = (k: number, lo = 0x80, hi = 0xbf) => i + k < b.length && b[i + k]! >= lo && b[i + k]! <= hi;
  if (c >= 0xc2 && c <= 0xdf) return cont(1) ? 2 : 0;
  if (c === 0xe0) return cont(1, 0xa0) && cont(2) ? 3 : 0;
  if ((c >= 0xe1 && c <= 0xec) || c === 0xee || c === 0xef) return cont(1) && cont(2) ? 3 : 0;
  if (c === 0xed) return cont(1, 0x80, 0x9f) && cont(2) ? 3 : 0; // no UTF-16 surrogates
  if (c === 0xf0) return cont(1, 0x90) && cont(2) && cont(3) ? 4 : 0;
  if (c >= 0xf1 && c <= 0xf3) return cont(1) && cont(2) && cont(3) ? 4 : 0;
  if (c === 0xf4) return cont(1, 0x80, 0x8f) && cont(2) && cont(3) ? 4 : 0;
  return 0;
}

function codePointOf(b: Uint8Array, i: number, n: number): number {
  const c = b[i]!;
  if (n === 1) return c;
  if (n === 2) return ((c & 0x1f) << 6) | (b[i + 1]! & 0x3f);
  if (n === 3) return ((c & 0x0f) << 12) | ((b[i + 1]! & 0x3f) << 6) | (b[i + 2]! & 0x3f);
  return ((c & 0x07) << 18) | ((b[i + 1]! & 0x3f) << 12) | ((b[i + 2]! & 0x3f) << 6) | (b[i + 3]! & 0x3f);
}

export function decodeFileName(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length;) {
    const n = bytes[i] === 0 ? 0 : sequenceAt(bytes, i);
    if (n === 0) {
      out += ESC + hex2(bytes[i]!);
      i += 1;
      continue;
    }
    const cp = codePointOf(bytes, i, n);
    out += cp === 0xfffd ? ESC + ESC : String.fromCodePoint(cp);
    i += n;
  }
  return out;
}

/** The bytes a name stands for (the inverse of decodeFileName). */
export function encodeFileName(name: string): Uint8Array {
  const out: number[] = [];
  for (let i = 0; i < name.length;) {
    const cp = name.codePointAt(i)!;
    if (cp === 0xfffd) {
      const next = name.slice(i + 1, i + 3);
      if (name[i + 1] === ESC) { out.push(0xef, 0xbf, 0xbd); i += 2; continue; }
      if (/^[0-9A-F]{2}$/.test(next)) { out.push(parseInt(next, 16)); i += 3; continue; }
    }
    const ch = String.fromCodePoint(cp);
    out.push(...new TextEncoder().encode(ch));
    i += ch.length;
  }
  return Uint8Array.from(out);
}
