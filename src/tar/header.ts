/**
 * Encoding tar headers the way Go's archive/tar (Docker, containerd, skopeo)
 * does for the USTAR and PAX formats: a USTAR header when every field fits,
 * otherwise a PAX extended header ('x') carrying what does not fit (long or
 * non-ASCII names and link targets, sizes ≥ 8 GiB, large ids) before it.
 * Pure: no I/O. Deterministic: the same header gives the same bytes.
 */
export const BLOCK = 512;

export type TarType = 'file' | 'directory' | 'symlink' | 'link' | 'char' | 'block' | 'fifo';

export interface TarHeader {
  /** Archive path without a leading "/" (a directory gets its trailing "/" here). */
  name: string;
  type: TarType;
  size?: number;
  mode?: number;
  uid?: number;
  gid?: number;
  /** Seconds since the epoch. */
  mtime?: number;
  linkname?: string;
  devmajor?: number;
  devminor?: number;
}

const TYPEFLAG: Record<TarType, string> = { file: '0', link: '1', symlink: '2', char: '3', block: '4', directory: '5', fifo: '6' };
const MAX_OCTAL_8 = 0o7777777;
const MAX_OCTAL_12 = 0o77777777777;

const isAscii = (s: string): boolean => /^[\x01-\x7f]*$/.test(s);

function octal(buf: Buffer, off: number, len: number, value: number): void {
  buf.write(`${value.toString(8).padStart(len - 1, '0')}\0`, off, len, 'ascii');
}

/** USTAR name/prefix split, or null when the name cannot be expressed so. */
function splitName(name: string): { prefix: string; name: string } | null {
  if (!isAscii(name)) return null;
  if (name.length <= 100) return { prefix: '', name };
  for (let i = name.indexOf('/'); i > 0; i = name.indexOf('/', i + 1)) {
    if (i > 155) break;
    const rest = name.slice(i + 1);
    if (rest.length > 0 && rest.length <= 100) return { prefix: name.slice(0, i), name: rest };
  }
  return null;
}

function paxRecord(key: string, value: string): string {
  const body = ` ${key}=${value}\n`;
  let len = Buffer.byteLength(body) + 1;
  while (String(len).length + Buffer.byteLength(body) !== len) len = String(len).length + Buffer.byteLength(body);
  return `${len}${body}`;
}

function ustar(h: TarHeader, name: { prefix: string; name: string }, size: number, linkname: string): Buffer {
  const b = Buffer.alloc(BLOCK);
  b.write(name.name, 0, 100, 'utf8');
  octal(b, 100, 8, (h.mode ?? 0) & 0o7777);
  octal(b, 108, 8, Math.min(h.uid ?? 0, MAX_OCTAL_8));
  octal(b, 116, 8, Math.min(h.gid ?? 0, MAX_OCTAL_8));
  octal(b, 124, 12, Math.min(size, MAX_OCTAL_12));
  octal(b, 136, 12, Math.max(0, Math.min(Math.floor(h.mtime ?? 0), MAX_OCTAL_12)));
  b.fill(0x20, 148, 156);
  b.write(TYPEFLAG[h.type], 156, 1, 'ascii');
  b.write(linkname, 157, 100, 'utf8');
  b.write('ustar\0', 257, 6, 'ascii');
  b.write('00', 263, 2, 'ascii');
  octal(b, 329, 8, h.devmajor ?? 0);
  octal(b, 337, 8, h.devminor ?? 0);
  b.write(name.prefix, 345, 155, 'utf8');
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += b[i]!;
  b.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 8, 'ascii');
  return b;
}

/** Padding after `size` bytes of data. */
export const padding = (size: number): Buffer => Buffer.alloc((BLOCK - (size % BLOCK)) % BLOCK);

/** The header block(s) of one entry: a PAX extended header first when needed. */
export function encodeHeader(h: TarHeader): Buffer {
  const size = h.type === 'file' ? h.size ?? 0 : 0;
  const linkname = h.linkname ?? '';
  const pax: string[] = [];
  let name = splitName(h.name);
  if (!name) { pax.push(paxRecord('path', h.name)); name = { prefix: '', name: asciiCut(h.name, 100) }; }
  if (!isAscii(linkname) || linkname.length > 100) pax.push(paxRecord('linkpath', linkname));
  if (size > MAX_OCTAL_12) pax.push(paxRecord('size', String(size)));
  if ((h.uid ?? 0) > MAX_OCTAL_8) pax.push(paxRecord('uid', String(h.uid)));
  if ((h.gid ?? 0) > MAX_OCTAL_8) pax.push(paxRecord('gid', String(h.gid)));
  const main = ustar(h, name, size, pax.length && (!isAscii(linkname) || linkname.length > 100) ? asciiCut(linkname, 100) : linkname);
  if (pax.length === 0) return main;
  const body = Buffer.from(pax.join(''), 'utf8');
  // Go names the extended header "PaxHeaders.0/<base>"; readers ignore the name.
  const base = asciiCut(h.name.replace(/\/$/, '').split('/').pop() ?? '', 80);
  const xh = ustar({ name: '', type: 'file', mode: 0o644, mtime: h.mtime }, { prefix: '', name: `PaxHeaders.0/${base}` }, body.length, '');
  xh.write('x', 156, 1, 'ascii');
  // Re-checksum after the type change.
  xh.fill(0x20, 148, 156);
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += xh[i]!;
  xh.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 8, 'ascii');
  return Buffer.concat([xh, body, padding(body.length), main]);
}

/** An ASCII-only prefix of at most n bytes (the USTAR field of an entry whose real value is in PAX). */
function asciiCut(s: string, n: number): string {
  return s.replace(/[^\x01-\x7f]/g, '_').slice(0, n);
}

/** Two zero blocks end an archive. */
export const END_OF_ARCHIVE = Buffer.alloc(BLOCK * 2);
