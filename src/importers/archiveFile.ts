/**
 * An uncompressed archive tar given by path (issue 19 item 2). The archive walk
 * (streamArchive.ts) reads it in order, as it reads any tar, except the layers
 * it hands to range scans (rangeScan.ts), which read their bytes themselves at
 * their offset: what the walk has not read of such a range yet reaches it as
 * zeros. The walk frames and counts a layer's data (TarFramer, tar-stream) but
 * never looks at it, so every header, size and error is the one a plain read
 * gives, and a file that ends early ends the walk where it ends.
 */
import { promises as fs } from 'node:fs';

/** Bytes per read of what the walk reads itself (headers, JSON documents, the start of each layer). */
const READ_BYTES = 64 << 10;
/** Zeros standing in for a skipped range, handed out as views: the walk neither writes nor reads them, so no page is touched. */
const ZERO_BYTES = 8 << 20;
let zeros: Buffer | null = null;

/** A range a scan reads; the zeros the walk got in its place count as progress once the scan has read them. */
interface Skipped { start: number; end: number; zeros: number; scanned: boolean }

export class ArchiveFile {
  /** Ranges range scans read, in file order (the walk meets entries in order). */
  private readonly skipped: Skipped[] = [];
  private pos = 0;

  /** `progress`: bytes as the walk reads them, and the zeros it got for a skipped range once that range is scanned (`skip`). */
  constructor(readonly path: string, readonly size: number, private readonly progress: (n: number) => void = () => undefined) {}

  /**
   * `[start, end)` is read by a range scan: the walk gets zeros for the part it has not read yet.
   * Returns what to call when the scan has read it, so progress counts those bytes then, not as zeros pass.
   */
  skip(start: number, end: number): () => void {
    const range: Skipped = { start, end, zeros: 0, scanned: false };
    this.skipped.push(range);
    return () => {
      range.scanned = true;
      this.progress(range.zeros);
    };
  }

  /** The file's bytes in order, skipped ranges as zeros; ends where the file ends. */
  async *chunks(): AsyncGenerator<Buffer> {
    const fh = await fs.open(this.path, 'r');
    try {
      for (;;) {
        const pos = this.pos;
        while (this.skipped.length > 0 && this.skipped[0]!.end <= pos) this.skipped.shift();
        const next = this.skipped[0];
        if (next && next.start <= pos && pos < this.size) {
          const n = Math.min(next.end, this.size, pos + ZERO_BYTES) - pos;
          this.pos += n;
          next.zeros += n;
          if (next.scanned) this.progress(n);
          zeros ??= Buffer.alloc(ZERO_BYTES);
          yield zeros.subarray(0, n);
          continue;
        }
        // Not into the next skipped range: those bytes are not the walk's to read.
        const want = next && next.start > pos ? Math.min(READ_BYTES, next.start - pos) : READ_BYTES;
        const buf = Buffer.allocUnsafeSlow(want);
        const { bytesRead } = await fh.read(buf, 0, want, pos);
        if (bytesRead === 0) return;
        this.pos += bytesRead;
        this.progress(bytesRead);
        yield bytesRead === want ? buf : buf.subarray(0, bytesRead);
      }
    } finally {
      await fh.close();
    }
  }
}
