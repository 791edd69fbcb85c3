/**
 * An image archive read as ONE streaming pass over a tar (docs/domain.md §6; a tar
 * or stdin cannot seek). Blobs arrive in any order, often before manifest.json
 * or index.json, so every file is handled as it passes:
 *  - JSON-looking files (first non-blank byte `{` or `[`, at most 20 MiB) are
 *    kept in memory with their digest (manifests, indexes, configs);
 *  - everything else is scanned speculatively as a layer (digest, DiffID,
 *    entries); a failed scan is remembered and only raised if a manifest
 *    later names that file as a layer. From an uncompressed tar file, the
 *    scan reads the layer itself where it lies (archiveFile.ts, rangeScan.ts)
 *    and the walk reads on past it; from a stream, its bytes are read here,
 *    hashed, stored and handed to the scan.
 * Links between archive entries (docker save's repeated layers) are followed.
 */
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { posix } from 'node:path';
import { DomainError, invalidArchive } from '../domain/errors';
import { asArchiveError } from './archiveError';
import { archivePath, checkBlob, type ArchiveFiles, type Expected } from './archiveFiles';
import type { LayerScan } from './layerScan';
import { rangeScansAhead, scanLayerOffThread, scanRangeOffThread, type RangeScanning } from './scanPool';
import type { ArchiveFile } from './archiveFile';
import { peek } from './peek';
import { Budget, MAX_BUFFERED_JSON_BYTES, MAX_JSON_BYTES } from './limits';
import { walkTar, type EntryData } from './tarWalk';
import { ByteGate, LayerFeed, MAX_SCANS, QUEUED_BYTES_LIMIT, Slots } from './scanFeed';
import type { BlobCopyTarget, IngestSession } from '../blobs/blobStore';
import { sha256Digest } from '../support/sha256';

type Rec =
  | { type: 'link'; target: string }
  | { type: 'dir' }
  | { type: 'json'; size: number; digest: string; bytes: Buffer }
  | BlobRec;

interface BlobRec {
  type: 'blob'; size: number; digest: string | null; scan: LayerScan | null; error: DomainError | null; jsonTooLarge: boolean;
}

/** Limits of the whole import (entries, bytes): they end it, whichever file they are met in. */
const isGlobal = (e: unknown): boolean => e instanceof DomainError && !!e.details?.['global'];

const MAX_LINK_HOPS = 40;
const SNIFF_BYTES = 512;

function looksLikeJson(head: Buffer): boolean {
  for (const b of head) {
    if (b === 0x20 || b === 0x09 || b === 0x0a || b === 0x0d) continue;
    if (b === 0xef) continue; // UTF-8 BOM bytes
    if (b === 0xbb || b === 0xbf) continue;
    return b === 0x7b || b === 0x5b;
  }
  return false;
}

async function readAll(data: AsyncIterable<Buffer>, limit: number): Promise<Buffer | null> {
  const parts: Buffer[] = [];
  let n = 0;
  for await (const c of data) {
    n += c.length;
    if (n > limit) return null;
    parts.push(c);
  }
  return Buffer.concat(parts);
}

export class StreamArchive implements ArchiveFiles {
  readonly kind = 'tar' as const;
  private readonly recs = new Map<string, Rec>();
  private readonly order: string[] = [];
  private readonly scans = new Map<string, Promise<LayerScan>>();
  private jsonBytes = 0;

  /** Layer scans still running behind the reader, and their feeds (to abort when the reader fails). */
  private readonly pending: Promise<void>[] = [];
  private readonly feeds = new Set<LayerFeed>();
  private readonly gate = new ByteGate(QUEUED_BYTES_LIMIT);
  private readonly slots = new Slots(MAX_SCANS);
  /** Range scans under way or offered (sharedRanges.ts offers more than run, so a thread that ends a layer finds its next). */
  private readonly rangeSlots = rangeScansAhead() > MAX_SCANS ? new Slots(rangeScansAhead()) : this.slots;

  /** Range scans under way (archiveFile.ts), and the first cap or store failure one of them met (it ends the import). */
  private readonly ranges = new Set<RangeScanning>();
  private stopped: DomainError | null = null;
  /** The walk has failed: no further scan starts. */
  private failed: DomainError | null = null;

  private constructor(private readonly budget: Budget, private readonly blobs?: IngestSession,
    private readonly archiveFile?: ArchiveFile) {}

  /**
   * Reads the whole tar once; throws INVALID_ARCHIVE if it is not a readable tar. `file`: `src` is
   * that file's bytes, whose layers are read by their scans where they lie (archiveFile.ts).
   */
  static async collect(src: AsyncIterable<Buffer> | Readable, budget: Budget, blobs?: IngestSession,
    file?: ArchiveFile): Promise<StreamArchive> {
    const a = new StreamArchive(budget, blobs, blobs && !blobs.copyTarget ? undefined : file);
    // The entry the walk is handling (its data ends, or fails, when the walk does).
    const handling = new Set<Promise<void>>();
    try {
      await walkTar(src, (h, data) => {
        const p = a.onEntry(h.name, String(h.type), h.linkname as string | null, h.size, data, (h as { byteOffset?: unknown }).byteOffset);
        handling.add(p);
        return p.finally(() => handling.delete(p));
      });
      // tar-stream ends once the last entry's data is delivered, which may be before that entry is handled.
      const last = (await Promise.allSettled([...handling])).find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (last) throw last.reason;
    } catch (e) {
      let err = asArchiveError(e, 'cannot read the archive as a tar');
      a.failed = err;
      for (const f of a.feeds) f.abort(err);
      if (isGlobal(err)) for (const r of a.ranges) r.abort(err);
      // Nothing may still be writing or scanning when the import reports its failure: the entry being
      // handled ends first (it may still start a scan or a blob's commit). A range scan reads bytes
      // the walk has passed: a cap it meets there came first.
      await Promise.allSettled([...handling]);
      for (const f of a.feeds) f.abort(err);
      await Promise.allSettled(a.pending);
      if (a.stopped && !isGlobal(err)) err = a.stopped;
      throw err;
    }
    const settled = await Promise.allSettled(a.pending);
    const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw asArchiveError(failed.reason, 'cannot read the archive as a tar');
    return a;
  }

  private async onEntry(rawName: string, type: string, linkname: string | null, size: number, data: EntryData,
    dataOffset: unknown): Promise<void> {
    if (this.stopped) throw this.stopped;
    this.budget.addEntry();
    const name = archivePath(rawName, 'archive entry');
    if (name === '') return;
    this.order.push(name);
    if (type === 'directory') { this.recs.set(name, { type: 'dir' }); return; }
    if (type === 'symlink') {
      this.recs.set(name, { type: 'link', target: archivePath(posix.join(posix.dirname(name), linkname ?? ''), `link ${name}`) });
      return;
    }
    if (type === 'link') { this.recs.set(name, { type: 'link', target: archivePath(linkname ?? '', `link ${name}`) }); return; }
    if (type !== 'file' && type !== 'contiguous-file') return;
    if (this.archiveFile && typeof dataOffset === 'number') {
      // A layer is read where it lies, by its scan; a JSON document is read here, as from any tar.
      const { head, all } = await peek(data, SNIFF_BYTES);
      if (!(looksLikeJson(head) && size <= MAX_JSON_BYTES)) {
        await this.scanInPlace(name, size, this.archiveFile, dataOffset, looksLikeJson(head));
        return;
      }
      data = all;
    }

    // Every byte of the entry passes through this one iterator, so the blob
    // digest is known even when the speculative layer scan fails half-way.
    // The same pass keeps the file in the blob store as distributed (when one
    // is given); its writer hashes what it writes, and that hash is the blob's
    // digest: each byte is hashed once.
    const keep = this.blobs ? await this.blobs.writer() : null;
    const blobHash = keep ? null : createHash('sha256');
    const digestOf = (): string => (keep ? keep.digest() : `sha256:${blobHash!.copy().digest('hex')}`);
    let blobBytes = 0;
    const base = data[Symbol.asyncIterator]();
    const it: AsyncIterator<Buffer> = {
      next: async () => {
        const r = await base.next();
        if (!r.done) { blobHash?.update(r.value); blobBytes += r.value.length; await keep?.write(r.value); }
        return r;
      },
      return: async () => ({ done: true, value: undefined }),
    };
    try {
      await this.readEntry(name, size, it, digestOf, () => blobBytes);
      if (keep) {
        while (!(await it.next()).done) { /* the rest belongs to the blob too */ }
        // The fsync of this blob overlaps reading the next entry; collect() waits for it.
        this.settleLater(keep.commit().then(() => undefined));
      }
    } catch (e) {
      await keep?.abort();
      throw e;
    }
  }

  private async readEntry(name: string, size: number, it: AsyncIterator<Buffer>, digestOf: () => string,
    blobBytesOf: () => number): Promise<void> {
    const hashed: AsyncIterable<Buffer> = { [Symbol.asyncIterator]: () => it };
    const { head, all } = await peek(hashed, SNIFF_BYTES);
    if (looksLikeJson(head) && size <= MAX_JSON_BYTES) {
      this.jsonBytes += size;
      if (this.jsonBytes > MAX_BUFFERED_JSON_BYTES) {
        throw invalidArchive(`archive holds more than ${MAX_BUFFERED_JSON_BYTES} bytes of JSON documents`);
      }
      const bytes = (await readAll(all, MAX_JSON_BYTES)) ?? Buffer.alloc(0);
      const digest = sha256Digest(bytes);
      this.recs.set(name, { type: 'json', size: bytes.length, digest, bytes });
      return;
    }
    // A later entry of the same name replaces this record; the scan fills the one it started with.
    const rec: BlobRec = { type: 'blob', size: 0, digest: null, scan: null, error: null, jsonTooLarge: looksLikeJson(head) };
    this.recs.set(name, rec);
    const release = await this.slots.acquire();
    const feed = new LayerFeed(this.gate);
    this.feeds.add(feed);
    let failure: unknown = null;
    let entryDigest = '';
    // Asked for when the scan ends, which is after the whole entry went through `it`.
    const scanning = scanLayerOffThread(feed, this.budget, name, () => entryDigest);
    const settled = scanning.then(() => undefined, (e: unknown) => { failure = e; })
      .finally(() => { feed.close(); release(); this.feeds.delete(feed); });
    try {
      for await (const c of all) {
        if (isGlobal(failure)) throw failure;
        await feed.push(c);
      }
    } catch (e) {
      feed.abort(e instanceof Error ? e : new Error(String(e)));
      this.settleLater(settled);
      throw e;
    }
    // The entry is read whole: its size and digest are final, the scan may still run.
    const blobSize = blobBytesOf();
    const digest = digestOf();
    entryDigest = digest;
    feed.end();
    this.settleLater(scanning.then((scan) => {
      rec.size = scan.compressedSize;
      rec.digest = scan.digest;
      rec.scan = scan;
    }, (e: unknown) => {
      if (isGlobal(e)) throw e;
      rec.size = blobSize;
      rec.digest = digest;
      rec.error = asArchiveError(e, name);
    }));
  }

  /**
   * A layer blob scanned where it lies in the archive file (rangeScan.ts): its scan reads, hashes,
   * stores and scans its bytes; the walk goes on at once (its bytes reach the walk as zeros). As
   * for a streamed blob, a scan that fails on a defect still gives the blob's digest and size, and
   * its copy is kept; a cap or a store failure ends the import.
   */
  private async scanInPlace(name: string, size: number, file: ArchiveFile, offset: number, jsonTooLarge: boolean): Promise<void> {
    const rec: BlobRec = { type: 'blob', size: 0, digest: null, scan: null, error: null, jsonTooLarge };
    this.recs.set(name, rec);
    // Skipped at once: while this entry waits for a slot, what the walk reads ahead (its stream's
    // buffer) is zeros, not the layer's bytes.
    const scanned = file.skip(offset, offset + size);
    const release = await this.rangeSlots.acquire();
    let copy: BlobCopyTarget | null = null;
    try {
      if (this.stopped) throw this.stopped;
      copy = this.blobs ? await this.blobs.copyTarget!() : null;
      if (this.failed) throw this.failed;
    } catch (e) {
      release();
      await copy?.abort();
      throw e;
    }
    const target = copy ? { path: copy.path, location: copy.location } : null;
    const scanning = scanRangeOffThread({ path: file.path, offset, size, copy: target }, this.budget, name);
    this.ranges.add(scanning);
    const settled = scanning.result.finally(() => { release(); this.ranges.delete(scanning); scanned(); });
    this.settleLater(settled.then(async (r) => {
      // The copy is published whether or not the scan found a defect (as a streamed blob's is).
      if (copy) await copy.publish(r.digest, r.size);
      if (r.scan) {
        rec.size = r.scan.compressedSize;
        rec.digest = r.scan.digest;
        rec.scan = r.scan;
      } else {
        rec.size = r.size;
        rec.digest = r.digest;
        rec.error = asArchiveError(r.error, name);
      }
    }, async (e: unknown) => {
      await copy?.abort();
      if (isGlobal(e)) {
        this.stopped ??= e as DomainError;
        throw e;
      }
      rec.error = asArchiveError(e, name);
    }));
  }

  /**
   * Work collect waits for before it returns or reports a failure. A failure is collect's to report
   * then (a cap also ends the walk at its next entry): until then it is no unhandled rejection.
   */
  private settleLater(p: Promise<void>): void {
    p.catch(() => undefined);
    this.pending.push(p);
  }

  private resolve(path: string): { name: string; rec: Rec } | null {
    let name = archivePath(path);
    for (let hops = 0; hops < MAX_LINK_HOPS; hops++) {
      const rec = this.recs.get(name);
      if (!rec) return null;
      if (rec.type !== 'link') return { name, rec };
      name = rec.target;
    }
    throw invalidArchive(`too many levels of links resolving "${path}"`);
  }

  private file(path: string, what: string): { name: string; rec: Exclude<Rec, { type: 'link' } | { type: 'dir' }> } {
    const r = this.resolve(path);
    if (!r || r.rec.type === 'dir' || r.rec.type === 'link') throw invalidArchive(`${what}: "${path}" is missing from the archive`);
    return { name: r.name, rec: r.rec };
  }

  async has(path: string): Promise<boolean> {
    const r = this.resolve(path);
    return !!r && (r.rec.type === 'json' || r.rec.type === 'blob');
  }

  async readJson(path: string, what: string, expect?: Expected): Promise<Buffer> {
    const { rec } = this.file(path, what);
    if (rec.type === 'blob') {
      if (expect?.size !== undefined && expect.size !== rec.size) checkBlob(what, { size: rec.size, digest: rec.digest ?? '' }, expect);
      if (rec.jsonTooLarge || rec.size > MAX_JSON_BYTES) {
        throw invalidArchive(`${what} is larger than the ${MAX_JSON_BYTES}-byte limit for JSON documents`);
      }
      throw invalidArchive(`${what} ("${path}") is not valid JSON`);
    }
    checkBlob(what, rec, expect);
    return rec.bytes;
  }

  async layer(path: string, what: string, expect?: Expected): Promise<LayerScan> {
    const { name, rec } = this.file(path, what);
    if (rec.type === 'blob') {
      if (expect?.size !== undefined && expect.size !== rec.size) checkBlob(what, { size: rec.size, digest: rec.digest ?? '' }, expect);
      if (!rec.scan) {
        if (rec.digest) checkBlob(what, { size: rec.size, digest: rec.digest }, expect);
        throw asArchiveError(rec.error, what);
      }
      checkBlob(what, { size: rec.scan.compressedSize, digest: rec.scan.digest }, expect);
      return rec.scan;
    }
    checkBlob(what, rec, expect);
    let p = this.scans.get(name);
    if (!p) {
      p = scanLayerOffThread(Readable.from([rec.bytes]), this.budget, what);
      this.scans.set(name, p);
    }
    return p;
  }

  async sampleNames(): Promise<string[]> {
    return this.order.slice(0, 5);
  }

  get entryCount(): number {
    return this.order.length;
  }
}
