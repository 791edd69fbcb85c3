/**
 * A layer blob scanned where it lies in an archive file (issue 19 item 2): an
 * uncompressed tar given by path can be read at any offset, so the thread that
 * scans a layer reads its bytes itself, with positioned reads into a reused
 * buffer, hashes them (the blob digest), copies them to the blob store's temp
 * file and scans them (LayerScanner: the same checks, caps and errors as a
 * streamed scan). The archive walk (streamArchive.ts) then only reads headers
 * and small files; the layer's bytes are read once, by the scanning thread,
 * instead of by the walk, hashed there and posted to a worker chunk by chunk.
 *
 * What a streamed scan does is kept: a scan that fails on a defect of the blob
 * still hashes and stores the whole blob (its digest and size are what a
 * descriptor is checked against first); a cap met (a global error) stops it
 * at once. Synchronous in steps of `STEP_BYTES` (a worker runs several scans,
 * and hears an abort, between steps).
 */
import { closeSync, openSync, readSync, writeSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { DomainError, invalidArchive } from '../domain/errors';
import { asArchiveError } from './archiveError';
import { blobStoreWriteError } from '../blobs/blobStore';
import { LayerScanner, type LayerScan } from './layerScan';
import type { Budget } from './limits';

/** Bytes per positioned read (the scanner's inflate output is 256 KiB a call). */
const READ_BYTES = 1 << 20;
/** Bytes a step reads before the thread looks at its other work. */
export const STEP_BYTES = 4 << 20;

/** Where the blob's bytes are copied (a blob store temp file this scan creates), and the store's name for messages. */
export interface BlobCopy { path: string; location: string }

/** A layer's place in an archive file and where its copy goes. */
export interface RangeRequest { path: string; offset: number; size: number; copy: BlobCopy | null }

/** The blob's digest and size (hashed to its end), and its scan, or the defect the scan met. */
export interface RangeResult { digest: string; size: number; scan: LayerScan | null; error: DomainError | null }

const isGlobal = (e: unknown): boolean => e instanceof DomainError && !!e.details?.['global'];

/** A write failure as the blob store's writer reports it: one line naming the store; it ends the import. */
const storeError = (copy: BlobCopy, e: unknown): DomainError => blobStoreWriteError(copy.location, e);

export class RangeScan {
  private readonly scanner: LayerScanner;
  private readonly hash = createHash('sha256');
  private fd: number | null = null;
  private out: number | null = null;
  private pos: number;
  private readonly end: number;
  private buf: Buffer | null = null;
  /** The defect the scan met; the blob is still hashed and copied to its end. */
  private defect: unknown = null;

  constructor(budget: Budget, private readonly req: RangeRequest, private readonly what: string) {
    this.scanner = new LayerScanner(budget, false);
    this.pos = req.offset;
    this.end = req.offset + req.size;
    this.fd = openSync(req.path, 'r');
    if (req.copy) {
      try {
        this.out = openSync(req.copy.path, 'wx');
      } catch (e) {
        this.close();
        throw storeError(req.copy, e);
      }
    }
  }

  /** Reads, hashes, copies and scans up to `limit` bytes; true once the whole blob is read. Throws a cap or store error. */
  step(limit = STEP_BYTES): boolean {
    let done = 0;
    try {
      while (this.pos < this.end && done < limit) {
        // The scanner may keep what it is given (an uncompressed blob is parsed in place): then a fresh buffer.
        const buf = this.buf ?? Buffer.allocUnsafeSlow(READ_BYTES);
        this.buf = null;
        const n = readSync(this.fd!, buf, 0, Math.min(buf.length, this.end - this.pos), this.pos);
        if (n === 0) throw invalidArchive('truncated tar: the stream ends inside an entry');
        const c = n === buf.length ? buf : buf.subarray(0, n);
        this.hash.update(c);
        if (this.out !== null) this.copy(c);
        if (this.defect === null) {
          try {
            this.scanner.write(c);
          } catch (e) {
            if (isGlobal(e)) throw e;
            this.defect = e;
          }
        }
        if (this.defect !== null || !this.scanner.keepsInput) this.buf = buf;
        this.pos += n;
        done += n;
      }
    } catch (e) {
      this.close();
      throw e;
    }
    return this.pos >= this.end;
  }

  /** After the last step: the digest, size and scan (or defect). The copy is closed, not yet synced or published. */
  async finish(): Promise<RangeResult> {
    this.closeFiles();
    const digest = `sha256:${this.hash.digest('hex')}`;
    if (this.defect === null) {
      try {
        this.scanner.end();
      } catch (e) {
        if (isGlobal(e)) throw e;
        this.defect = e;
      }
    }
    if (this.defect !== null) return { digest, size: this.req.size, scan: null, error: asArchiveError(this.defect, this.what) };
    return { digest, size: this.req.size, scan: this.scanner.resultNow(digest), error: null };
  }

  /** Closes the archive and the copy (idempotent); the copy's file is the caller's to remove. */
  close(): void {
    this.scanner.close();
    this.closeFiles();
  }

  private closeFiles(): void {
    if (this.fd !== null) { closeSync(this.fd); this.fd = null; }
    if (this.out !== null) { closeSync(this.out); this.out = null; }
  }

  private copy(c: Buffer): void {
    try {
      for (let off = 0; off < c.length;) off += writeSync(this.out!, c, off, c.length - off);
    } catch (e) {
      throw storeError(this.req.copy!, e);
    }
  }
}

/** One range scanned in this thread, a step per turn of the event loop; `aborted` is asked between steps. */
export async function scanRange(budget: Budget, req: RangeRequest, what: string, aborted: () => Error | null): Promise<RangeResult> {
  const scan = new RangeScan(budget, req, what);
  for (;;) {
    const stop = aborted();
    if (stop) { scan.close(); throw stop; }
    if (scan.step()) return scan.finish();
    await new Promise<void>((r) => setImmediate(r));
  }
}
