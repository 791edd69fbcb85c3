/**
 * The tar parser of layer scans (docs/domain.md §1, §2.1, §6): tar-stream 3's
 * extractor (header decoding, PAX, GNU long names, base-256, pre-POSIX v7
 * headers, padding, "Unexpected end of data") ported rule for rule, with the
 * layer reader's raw-byte names (newLayerExtract in ./tarWalk.ts), but
 * synchronous: each entry's data goes to a sink as the subarrays of the
 * inflated chunks it lies in, with no stream, event, promise or async
 * iterator per entry. Those per-entry objects and their garbage were most of
 * a layer scan's CPU outside inflate and sha256 (bench/RESULTS.md, "Import,
 * third pass"). TarFramer stays in front of it, as it stays in front of
 * tar-stream: it checks checksums and sizes, caps long headers and stops at
 * the end-of-archive marker. Where tar-stream's rules are odd (a pre-POSIX
 * name ending in "/" keeps type 'file'; a global PAX header counts only
 * through a later local one), they are kept, so every entry is the one
 * tar-stream gave. One difference: a directory header declaring a size gets
 * no data and ends (Go's archive/tar does the same); tar-stream gave it a
 * stream that never ended, so the import hung.
 */
import type { Header } from 'tar-stream';

/** Where one entry's data goes: every byte in order, then `end` once. A data chunk is valid during the call only. */
export interface TarEntrySink {
  data(chunk: Buffer): void;
  end(): void;
}

/** Told each entry's header; returns where its data goes. May throw: the parse stops with that error. */
export type OnTarEntry = (header: Header) => TarEntrySink;

const BLOCK = 512;
const MAX_HEADER_SIZE = 4 * 1024 * 1024; // tar-stream's own limit (TarFramer's is lower)
const EMPTY = Buffer.alloc(0);

type TarType = Header['type'] | 'pax-header' | 'pax-global-header' | 'gnu-long-link-path' | 'gnu-long-path' | null;

function toType(flag: number): TarType {
  switch (flag) {
    case 0: return 'file';
    case 1: return 'link';
    case 2: return 'symlink';
    case 3: return 'character-device';
    case 4: return 'block-device';
    case 5: return 'directory';
    case 6: return 'fifo';
    case 7: return 'contiguous-file';
    case 72: return 'pax-header';
    case 55: return 'pax-global-header';
    case 27: return 'gnu-long-link-path';
    case 28: case 30: return 'gnu-long-path';
    default: return null;
  }
}

function indexOf(block: Buffer, byte: number, offset: number, end: number): number {
  for (; offset < end; offset++) if (block[offset] === byte) return offset;
  return end;
}

/** Base-256 (GNU): 0x80 positive, 0xFF two's complement, anything else null. */
function parse256(buf: Buffer, off: number, len: number): number | null {
  const first = buf[off];
  let positive: boolean;
  if (first === 0x80) positive = true;
  else if (first === 0xff) positive = false;
  else return null;
  let sum = 0;
  let scale = 1;
  for (let i = off + len - 1; i > off; i--) {
    const byte = buf[i]!;
    sum += (positive ? byte : 0xff - byte) * scale;
    scale *= 256;
  }
  return positive ? sum : -1 * sum;
}

/** A numeric field: base-256, or octal text as tar-stream reads it (leading spaces, then up to a space, leading NULs skipped, parseInt). */
function decodeOct(buf: Buffer, off: number, len: number): number | null {
  if (buf[off]! & 0x80) return parse256(buf, off, len);
  const stop = off + len;
  let start = off;
  while (start < stop && buf[start] === 0x20) start++;
  const end = indexOf(buf, 0x20, start, stop);
  while (start < end && buf[start] === 0) start++;
  if (end === start) return 0;
  const c = buf[start]!;
  if (c >= 0x30 && c <= 0x37) {
    // parseInt of text starting with an octal digit reads the longest run of them.
    let n = 0;
    for (let i = start; i < end; i++) {
      const d = buf[i]! - 0x30;
      if (d < 0 || d > 7) break;
      n = n * 8 + d;
    }
    return n;
  }
  return parseInt(buf.toString('utf8', start, end), 8);
}

const decodeStr = (buf: Buffer, off: number, len: number, encoding: BufferEncoding): string =>
  buf.toString(encoding, off, indexOf(buf, 0, off, off + len));

const isUstar = (b: Buffer): boolean =>
  b[257] === 0x75 && b[258] === 0x73 && b[259] === 0x74 && b[260] === 0x61 && b[261] === 0x72 && b[262] === 0x00;

interface Decoded {
  name: string; mode: number | null; uid: number | null; gid: number | null; size: number | null;
  type: TarType; linkname: string | null; pax: Record<string, string> | null;
}

/** tar-stream's headers.decode with latin1 names and unknown formats allowed; null for a null block. */
function decodeHeader(buf: Buffer): Decoded | null {
  const typeflag = buf[156] === 0 ? 0 : buf[156]! - 0x30;
  let name = decodeStr(buf, 0, 100, 'latin1');
  const mode = decodeOct(buf, 100, 8);
  const uid = decodeOct(buf, 108, 8);
  const gid = decodeOct(buf, 116, 8);
  const size = decodeOct(buf, 124, 12);
  const type = toType(typeflag);
  const linkname = buf[157] === 0 ? null : decodeStr(buf, 157, 100, 'latin1');
  let c = 8 * 32;
  for (let i = 0; i < 148; i++) c += buf[i]!;
  for (let i = 156; i < BLOCK; i++) c += buf[i]!;
  if (c === 8 * 32) return null;
  if (c !== decodeOct(buf, 148, 8)) throw new Error('Invalid tar header. Maybe the tar is corrupted or it needs to be gunzipped?');
  if (isUstar(buf) && buf[345]) name = `${decodeStr(buf, 345, 155, 'latin1')}/${name}`;
  // (tar-stream turns a v7 name ending in "/" into typeflag 5 after taking the type: the type stays.)
  return { name, mode, uid, gid, size, type, linkname, pax: null };
}

/** PAX records with every value as raw bytes (latin1: one char per byte), as Go's archive/tar keeps them. */
export function decodePaxBytes(buf: Buffer): Record<string, string> {
  const result: Record<string, string> = {};
  let rest = buf;
  while (rest.length) {
    let i = 0;
    while (i < rest.length && rest[i] !== 32) i++;
    const len = parseInt(rest.subarray(0, i).toString('latin1'), 10);
    if (!len) return result;
    const record = rest.subarray(i + 1, len - 1).toString('latin1');
    const eq = record.indexOf('=');
    if (eq === -1) return result;
    result[record.slice(0, eq)] = record.slice(eq + 1);
    rest = rest.subarray(len);
  }
  return result;
}

const overflow = (size: number | null): number => {
  const s = (size as number) & 511;
  return s && BLOCK - s;
};

/** The chunks not yet parsed (tar-stream's BufferList). */
class Pending {
  buffered = 0;
  private queue: Buffer[] = [];
  private head = 0;
  private offset = 0;

  push(b: Buffer): void {
    this.buffered += b.byteLength;
    this.queue.push(b);
  }

  /** What is left is copied out of the chunks it lies in (their buffers may be filled again). */
  detach(): void {
    if (this.buffered === 0) return;
    const rest = Buffer.from(this.shift(this.buffered)!);
    this.queue = [rest];
    this.head = 0;
    this.offset = 0;
    this.buffered = rest.byteLength;
  }

  /** Up to `size` bytes from the first chunk, or null when nothing is buffered. */
  shiftFirst(size: number): Buffer | null {
    return this.buffered === 0 ? null : this.next(size);
  }

  /** Exactly `size` bytes, or null when fewer are buffered. */
  shift(size: number): Buffer | null {
    if (size > this.buffered) return null;
    if (size === 0) return EMPTY;
    let chunk = this.next(size);
    if (size === chunk.byteLength) return chunk;
    const chunks = [chunk];
    while ((size -= chunk.byteLength) > 0) {
      chunk = this.next(size);
      chunks.push(chunk);
    }
    return Buffer.concat(chunks);
  }

  private next(size: number): Buffer {
    const buf = this.queue[this.head]!;
    const rem = buf.byteLength - this.offset;
    if (size >= rem) {
      const sub = this.offset ? buf.subarray(this.offset) : buf;
      this.queue[this.head] = EMPTY;
      this.head += 1;
      if (this.head === this.queue.length) { this.queue = []; this.head = 0; }
      this.offset = 0;
      this.buffered -= rem;
      return sub;
    }
    this.buffered -= size;
    return buf.subarray(this.offset, (this.offset += size));
  }
}

export class LayerTarParser {
  private readonly pending = new Pending();
  private header: Decoded | null = null;
  private sink: TarEntrySink | null = null;
  private missing = 0;
  private longHeader = false;
  private pax: Record<string, string> | null = null;
  private paxGlobal: Record<string, string> | null = null;
  private gnuLongPath: string | null = null;
  private gnuLongLinkPath: string | null = null;

  constructor(private readonly onEntry: OnTarEntry) {}

  /**
   * Parses `chunk`. It is not kept: its buffer may be filled again once the call returns
   * (a layer scan reuses its inflate buffer), so what is left unparsed is copied, and a
   * sink must copy what it keeps of the data it is given.
   */
  write(chunk: Buffer): void {
    this.pending.push(chunk);
    this.update();
    this.pending.detach();
  }

  /** The input has ended: throws tar-stream's error when it stopped inside an entry or a header. */
  end(): void {
    if (!(this.missing === 0 && this.pending.buffered === 0)) throw new Error('Unexpected end of data');
  }

  private update(): void {
    const p = this.pending;
    while (p.buffered > 0) {
      if (this.missing > 0) {
        if (this.sink !== null) {
          const buf = p.shiftFirst(this.missing)!;
          this.missing -= buf.byteLength;
          this.sink.data(buf);
          if (this.missing === 0) this.endEntry();
          continue;
        }
        if (this.longHeader) {
          if (this.missing > p.buffered) break;
          this.consumeLongHeader();
          continue;
        }
        const ignore = p.shiftFirst(this.missing)!;
        this.missing -= ignore.byteLength;
        continue;
      }
      if (p.buffered < BLOCK) break;
      this.consumeHeader();
    }
  }

  private endEntry(): void {
    const sink = this.sink!;
    this.sink = null;
    this.missing = overflow(this.header!.size);
    sink.end();
  }

  private consumeHeader(): void {
    const header = decodeHeader(this.pending.shift(BLOCK)!);
    this.header = header;
    if (!header) return;
    switch (header.type) {
      case 'gnu-long-path':
      case 'gnu-long-link-path':
      case 'pax-global-header':
      case 'pax-header':
        this.longHeader = true;
        this.missing = header.size as number;
        if (this.missing > MAX_HEADER_SIZE) throw new Error('Header exceeds max size');
        return;
    }
    this.applyLongHeaders(header);
    if (!((header.size as number) >= 0)) throw new Error('Invalid header');
    const sink = this.onEntry(header as unknown as Header);
    if (header.size === 0 || header.type === 'directory') {
      sink.end();
      return;
    }
    this.sink = sink;
    this.missing = header.size as number;
  }

  private applyLongHeaders(h: Decoded): void {
    if (this.gnuLongPath) { h.name = this.gnuLongPath; this.gnuLongPath = null; }
    if (this.gnuLongLinkPath) { h.linkname = this.gnuLongLinkPath; this.gnuLongLinkPath = null; }
    if (this.pax) {
      if (this.pax['path']) h.name = this.pax['path'];
      if (this.pax['linkpath']) h.linkname = this.pax['linkpath'];
      if (this.pax['size']) h.size = parseInt(this.pax['size'], 10);
      h.pax = this.pax;
      this.pax = null;
    }
  }

  private consumeLongHeader(): void {
    const h = this.header!;
    this.longHeader = false;
    this.missing = overflow(h.size);
    const buf = this.pending.shift(h.size as number)!;
    switch (h.type) {
      case 'gnu-long-path': this.gnuLongPath = decodeStr(buf, 0, buf.length, 'latin1'); break;
      case 'gnu-long-link-path': this.gnuLongLinkPath = decodeStr(buf, 0, buf.length, 'latin1'); break;
      case 'pax-global-header': this.paxGlobal = decodePaxBytes(buf); break;
      case 'pax-header': this.pax = { ...(this.paxGlobal ?? {}), ...decodePaxBytes(buf) }; break;
      default: break;
    }
  }
}
