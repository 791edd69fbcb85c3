/**
 * A minimal ustar writer for generated layers (bench only): regular files,
 * directories and whiteout markers, names under 100 bytes or split into
 * prefix/name. Deterministic: mtime 0, uid/gid 0.
 */

const BLOCK = 512;

function octal(buf: Buffer, off: number, len: number, value: number): void {
  buf.write(value.toString(8).padStart(len - 1, '0') + '\0', off, len, 'ascii');
}

function splitName(name: string): { prefix: string; name: string } {
  if (Buffer.byteLength(name) <= 100) return { prefix: '', name };
  const cut = name.lastIndexOf('/', 155);
  if (cut <= 0 || Buffer.byteLength(name.slice(cut + 1)) > 100) throw new Error(`tar name too long: ${name}`);
  return { prefix: name.slice(0, cut), name: name.slice(cut + 1) };
}

export function tarHeader(rawName: string, size: number, type: 'file' | 'dir', mode: number): Buffer {
  const h = Buffer.alloc(BLOCK);
  const { prefix, name } = splitName(rawName);
  h.write(name, 0, 100, 'utf8');
  octal(h, 100, 8, mode);
  octal(h, 108, 8, 0);
  octal(h, 116, 8, 0);
  octal(h, 124, 12, size);
  octal(h, 136, 12, 0);
  h.fill(0x20, 148, 156); // checksum placeholder: spaces
  h.write(type === 'dir' ? '5' : '0', 156, 1, 'ascii');
  h.write('ustar\0', 257, 6, 'ascii');
  h.write('00', 263, 2, 'ascii');
  h.write(prefix, 345, 155, 'utf8');
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += h[i]!;
  h.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 8, 'ascii');
  return h;
}

/** Accumulates a tar in memory. */
export class TarWriter {
  private readonly parts: Buffer[] = [];
  private bytes = 0;

  private push(b: Buffer): void { this.parts.push(b); this.bytes += b.length; }

  dir(name: string): void { this.push(tarHeader(name.endsWith('/') ? name : `${name}/`, 0, 'dir', 0o755)); }

  file(name: string, content: Buffer, mode = 0o644): void {
    this.push(tarHeader(name, content.length, 'file', mode));
    this.push(content);
    const pad = (BLOCK - (content.length % BLOCK)) % BLOCK;
    if (pad) this.push(Buffer.alloc(pad));
  }

  finish(): Buffer {
    this.push(Buffer.alloc(BLOCK * 2));
    return Buffer.concat(this.parts, this.bytes);
  }
}
