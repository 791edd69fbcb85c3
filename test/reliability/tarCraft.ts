/**
 * Raw tar crafting for hostile archives: ustar headers written by hand (so
 * fields can lie), splitting a tar into its entries (to swap or duplicate
 * them), and streamed layers of very many entries that are never held in memory.
 */
import { createHash } from 'node:crypto';

const BLOCK = 512;
export const padded = (n: number): number => Math.ceil(n / BLOCK) * BLOCK;

export interface RawHeader {
  name: string;
  size?: number;
  /** '0' file, '5' directory, '2' symlink, '1' hard link, 'L' GNU long name, 'x' PAX, 'g' global PAX. */
  type?: string;
  linkname?: string;
  mode?: number;
}

/** One ustar header block. Sizes beyond the 11 octal digits use GNU base-256. */
export function ustarHeader(h: RawHeader): Buffer {
  const b = Buffer.alloc(BLOCK, 0);
  const type = h.type ?? '0';
  b.write(h.name.slice(0, 100), 0, 'utf8');
  b.write(`${(h.mode ?? (type === '5' ? 0o755 : 0o644)).toString(8).padStart(7, '0')}\0`, 100, 'latin1');
  b.write('0000000\0', 108, 'latin1');
  b.write('0000000\0', 116, 'latin1');
  const size = h.size ?? 0;
  if (size < 8 ** 11) b.write(`${size.toString(8).padStart(11, '0')}\0`, 124, 'latin1');
  else {
    let n = BigInt(size);
    for (let i = 135; i > 124; i--) { b[i] = Number(n & 0xffn); n >>= 8n; }
    b[124] = 0x80;
  }
  b.write('00000000000\0', 136, 'latin1');
  b.write(type, 156, 'latin1');
  if (h.linkname) b.write(h.linkname.slice(0, 100), 157, 'utf8');
  b.write('ustar\0', 257, 'latin1');
  b.write('00', 263, 'latin1');
  b.fill(0x20, 148, 156);
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += b[i]!;
  b.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
  return b;
}

/** A file entry (header + padded data). */
export function rawEntry(h: RawHeader, data: Buffer = Buffer.alloc(0)): Buffer {
  return Buffer.concat([ustarHeader({ ...h, size: h.size ?? data.length }), data, Buffer.alloc(padded(data.length) - data.length)]);
}

export const END_OF_ARCHIVE = Buffer.alloc(2 * BLOCK, 0);

/** Splits a tar into whole entries (header + data) and what follows them (end blocks, trailing bytes). */
export function splitTar(t: Buffer): { entries: Buffer[]; rest: Buffer } {
  const entries: Buffer[] = [];
  let off = 0;
  while (off + BLOCK <= t.length) {
    const h = t.subarray(off, off + BLOCK);
    if (h.every((x) => x === 0)) break;
    const size = parseInt(h.subarray(124, 136).toString('latin1').replace(/\0.*$/s, '').trim() || '0', 8);
    const type = String.fromCharCode(h[156]!);
    const span = BLOCK + (type === '5' ? 0 : padded(size));
    entries.push(t.subarray(off, off + span));
    off += span;
  }
  return { entries, rest: t.subarray(off) };
}

/**
 * A layer of `count` empty files (`d<i/1000>/f<i>`, directories included),
 * generated block by block: `count` = 1,000,000 is ~0.5 GB of tar that never
 * exists in memory at once.
 */
export function* tinyFilesLayer(count: number): Generator<Buffer> {
  const batch: Buffer[] = [];
  for (let i = 0; i < count; i++) {
    if (i % 1000 === 0) batch.push(ustarHeader({ name: `d${i / 1000}/`, type: '5' }));
    batch.push(ustarHeader({ name: `d${Math.floor(i / 1000)}/f${i}`, size: 0 }));
    if (batch.length >= 2048) yield Buffer.concat(batch.splice(0));
  }
  batch.push(END_OF_ARCHIVE);
  yield Buffer.concat(batch);
}

/** sha256 digest and byte length of a generated stream. */
export function digestOf(gen: Iterable<Buffer>): { digest: string; size: number } {
  const h = createHash('sha256');
  let size = 0;
  for (const c of gen) { h.update(c); size += c.length; }
  return { digest: `sha256:${h.digest('hex')}`, size };
}
