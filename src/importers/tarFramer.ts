/**
 * Follows the 512-byte block structure of a tar stream in front of tar-stream,
 * so that (docs/domain.md §1, §6):
 *  - bytes after the end-of-archive marker (two zero blocks) are swallowed: they
 *    still count for the DiffID (hashed upstream) but are not parsed;
 *  - PAX and GNU long-name headers are capped before tar-stream buffers them;
 *  - a stream that stops inside a header or an entry's data is "truncated".
 * It mirrors tar-stream's own framing rules (directories carry no data; PAX
 * `size` overrides the header size) so both stay in step.
 */
import { Transform, type TransformCallback } from 'node:stream';
import { invalidArchive } from '../domain/errors';
import { MAX_LONG_HEADER_BYTES } from './limits';

const BLOCK = 512;
const NO_BYTES: Buffer = Buffer.alloc(0);

type Mode = 'header' | 'data' | 'long' | 'eof';

function isNullHeader(b: Buffer): boolean {
  for (let i = 0; i < BLOCK; i++) {
    if (i >= 148 && i < 156) continue;
    if (b[i] !== 0) return false;
  }
  return true;
}

/** What String.prototype.trim strips, among latin1 characters (tab, LF, VT, FF, CR, space, NBSP). */
const isTrimmed = (c: number): boolean => (c >= 0x09 && c <= 0x0d) || c === 0x20 || c === 0xa0;

/**
 * ustar checksum: the header's bytes summed with the checksum field as spaces. The field
 * is read as `text.replace(/[\0 ]+$/, '').trim()`, then must be octal digits only; done
 * on the bytes (a string and two regular expressions per header cost more than the sum).
 */
function checksumOk(b: Buffer): boolean {
  let sum = 8 * 0x20;
  for (let i = 0; i < 148; i++) sum += b[i]!;
  for (let i = 156; i < BLOCK; i++) sum += b[i]!;
  let end = 156;
  while (end > 148 && (b[end - 1] === 0 || b[end - 1] === 0x20)) end--;
  let start = 148;
  while (start < end && isTrimmed(b[start]!)) start++;
  while (end > start && isTrimmed(b[end - 1]!)) end--;
  if (start === end) return false;
  let field = 0;
  for (let i = start; i < end; i++) {
    const d = b[i]! - 0x30;
    if (d < 0 || d > 7) return false;
    field = field * 8 + d;
  }
  return field === sum;
}

/** Size field (offset 124, 12 bytes): octal text or GNU base-256. */
function headerSize(b: Buffer): number {
  const f = b.subarray(124, 136);
  if ((f[0] ?? 0) & 0x80) {
    let n = (f[0] ?? 0) & 0x7f;
    for (let i = 1; i < f.length; i++) n = n * 256 + (f[i] ?? 0);
    return n;
  }
  // The field read as `text.replace(/\0.*$/s, '').trim()`, then octal digits only: done on the bytes.
  let end = f.indexOf(0);
  if (end < 0) end = f.length;
  let start = 0;
  while (start < end && isTrimmed(f[start]!)) start++;
  while (end > start && isTrimmed(f[end - 1]!)) end--;
  let n = 0;
  for (let i = start; i < end; i++) {
    const d = f[i]! - 0x30;
    if (d < 0 || d > 7) throw invalidArchive('corrupt tar header: bad size field');
    n = n * 8 + d;
  }
  return n;
}

/**
 * PAX records that change what an entry is. In a global header Go's archive/tar (Docker) applies none of them to
 * later entries, where tar-stream and the layer parser apply them through the next local header: refused there.
 */
const ENTRY_KEYS: ReadonlySet<string> = new Set(['path', 'linkpath', 'size', 'uid', 'gid']);

/** The PAX records this framer acts on: `size`, and whether any describes a sparse file (`GNU.sparse.*`). */
function paxFacts(data: Buffer): { size: number | undefined; sparse: boolean; entryKey: string | null } {
  let size: number | undefined;
  let sparse = false;
  let entryKey: string | null = null;
  const text = data.toString('utf8');
  let pos = 0;
  while (pos < text.length) {
    const sp = text.indexOf(' ', pos);
    if (sp < 0) break;
    const len = parseInt(text.slice(pos, sp), 10);
    if (!(len > 0)) break;
    const rec = text.slice(sp + 1, pos + len - 1);
    const eq = rec.indexOf('=');
    if (eq > 0 && rec.slice(0, eq) === 'size') size = parseInt(rec.slice(eq + 1), 10);
    if (eq > 0 && rec.startsWith('GNU.sparse.')) sparse = true;
    if (eq > 0 && ENTRY_KEYS.has(rec.slice(0, eq))) entryKey = rec.slice(0, eq);
    pos += len;
  }
  return { size, sparse, entryKey };
}

/**
 * Sparse files (GNU tar --sparse): Go's archive/tar, and so Docker, extracts one under the name its
 * `GNU.sparse.name` record gives, `GNU.sparse.realsize` bytes long with its holes as zeros; read as plain tar
 * it is a file of its packed data under a `GNUSparseFile.N/` name. Strata does not expand them, so it refuses
 * them rather than record a tree Docker would not extract (docs/domain.md §6).
 */
const SPARSE_REFUSED = 'sparse file (GNU.sparse PAX records or a GNU sparse header): Docker extracts it under another '
  + 'name and size than its tar header says, and Strata does not expand sparse files';

const padded = (n: number): number => Math.ceil(n / BLOCK) * BLOCK;

/**
 * Entry types that carry no data in Go's archive/tar ('1'-'6' but the directory, which tar-stream and the layer
 * parser also read as header-only whatever its size: both follow Go there).
 */
const HEADER_ONLY_KINDS: Readonly<Record<number, string>> = {
  0x31: 'hard link', 0x32: 'symbolic link', 0x33: 'character device', 0x34: 'block device', 0x36: 'FIFO',
};

export class TarFramer extends Transform {
  private mode: Mode = 'header';
  private header: Buffer = NO_BYTES;
  private remaining = 0;
  private zeroBlocks = 0;
  private longType = 0;
  private longData: Buffer[] = [];
  private longLeft = 0;
  private localPaxSize: number | undefined;
  private globalPaxSize: number | undefined;
  private hasLocalPax = false;
  /** True once the end-of-archive marker has been seen. */
  ended = false;

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    try {
      const forward = this.consume(chunk);
      if (forward > 0) this.push(forward === chunk.length ? chunk : chunk.subarray(0, forward));
      cb();
    } catch (e) {
      cb(e as Error);
    }
  }

  override _flush(cb: TransformCallback): void {
    try {
      this.checkEnd();
      cb();
    } catch (e) {
      cb(e as Error);
    }
  }

  /** The stream has ended: throws if it stopped inside a header or an entry. */
  checkEnd(): void {
    if (this.mode === 'eof' || (this.mode === 'header' && this.header.length === 0)) return;
    throw invalidArchive('truncated tar: the stream ends inside an entry');
  }

  /**
   * Frames `chunk` (synchronous use, layerScan.ts): returns how many of its bytes
   * go on to the parser (the rest lies after the end-of-archive marker).
   */
  consume(chunk: Buffer): number {
    let off = 0;
    while (off < chunk.length) {
      if (this.mode === 'eof') return off;
      if (this.mode === 'data') {
        const n = Math.min(this.remaining, chunk.length - off);
        this.remaining -= n;
        off += n;
        if (this.remaining === 0) this.mode = 'header';
        continue;
      }
      if (this.mode === 'long') {
        const n = Math.min(this.remaining, chunk.length - off);
        const keep = Math.min(n, this.longLeft);
        // Copied: the chunk's buffer may be filled again after this call (layerScan.ts).
        if (keep > 0) this.longData.push(Buffer.from(chunk.subarray(off, off + keep)));
        this.longLeft -= keep;
        this.remaining -= n;
        off += n;
        if (this.remaining === 0) this.finishLong();
        continue;
      }
      if (this.header.length === 0 && chunk.length - off >= BLOCK) {
        // A whole header in this chunk: read in place, not copied.
        this.header = chunk.subarray(off, off + BLOCK);
        off += BLOCK;
        this.onHeader();
        continue;
      }
      const need = BLOCK - this.header.length;
      const take = Math.min(need, chunk.length - off);
      this.header = Buffer.concat([this.header, chunk.subarray(off, off + take)]);
      off += take;
      if (this.header.length === BLOCK) this.onHeader();
    }
    return off;
  }

  private onHeader(): void {
    const b = this.header;
    this.header = NO_BYTES;
    if (isNullHeader(b)) {
      this.zeroBlocks += 1;
      if (this.zeroBlocks === 2) {
        this.mode = 'eof';
        this.ended = true;
      }
      return;
    }
    if (this.zeroBlocks > 0) throw invalidArchive('corrupt tar: a single zero block inside the archive');
    if (!checksumOk(b)) throw invalidArchive('invalid tar header (bad checksum): corrupt data, or not a tar');
    const flag = b[156] ?? 0;
    let size = headerSize(b);
    if (flag === 0x78 /* x */ || flag === 0x67 /* g */ || flag === 0x4c /* L */ || flag === 0x4b /* K */ || flag === 0x4e /* N */) {
      if (size > MAX_LONG_HEADER_BYTES) {
        throw invalidArchive(`tar PAX/long-name header of ${size} bytes exceeds the ${MAX_LONG_HEADER_BYTES}-byte limit`);
      }
      this.longType = flag;
      this.longData = [];
      this.longLeft = size;
      this.remaining = padded(size);
      this.mode = this.remaining > 0 ? 'long' : 'header';
      if (this.remaining === 0) this.finishLong();
      return;
    }
    if (this.hasLocalPax) {
      const s = this.localPaxSize ?? this.globalPaxSize;
      if (s !== undefined) size = s;
      this.hasLocalPax = false;
      this.localPaxSize = undefined;
    }
    if (!(size >= 0)) throw invalidArchive('corrupt tar header: invalid size');
    const nameEnd = b.indexOf(0);
    const name = b.subarray(0, nameEnd < 0 || nameEnd > 100 ? 100 : nameEnd);
    if (flag === 0x53 /* S: old GNU sparse */) throw invalidArchive(`tar entry is a ${SPARSE_REFUSED}`);
    if (size > 0 && HEADER_ONLY_KINDS[flag] !== undefined) {
      // Go's archive/tar (Docker's reader) reads no data for these whatever the size says, and the next block as the
      // next header; tar-stream and the layer parser read `size` bytes. Both cannot hold: an entry hidden in those
      // bytes would be in Docker's tree and not in Strata's. Refused, so the two can only ever see the same files.
      throw invalidArchive(`corrupt tar header: a ${HEADER_ONLY_KINDS[flag]} entry declares ${size} bytes of data `
        + '(Docker reads none for it)');
    }
    const isDir = flag === 0x35 || ((flag === 0 || flag === 0x30) && name.length > 0 && name[name.length - 1] === 0x2f);
    this.remaining = isDir ? 0 : padded(size);
    this.mode = this.remaining > 0 ? 'data' : 'header';
  }

  private finishLong(): void {
    this.mode = 'header';
    if (this.longType === 0x78 || this.longType === 0x67) {
      const { size: s, sparse, entryKey } = paxFacts(Buffer.concat(this.longData));
      if (sparse) throw invalidArchive(`tar entry is a ${SPARSE_REFUSED}`);
      if (this.longType === 0x67 && entryKey !== null) {
        throw invalidArchive(`a global PAX header sets "${entryKey}": Docker applies no global record to the entries `
          + 'that follow, other tar readers do, so the two would read different entries');
      }
      if (this.longType === 0x78) {
        this.hasLocalPax = true;
        this.localPaxSize = s;
      } else {
        this.globalPaxSize = s;
      }
    }
    this.longData = [];
  }
}
