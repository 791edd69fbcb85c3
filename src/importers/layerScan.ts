/**
 * One streaming pass over a layer blob (docs/domain.md §1, §6): hash the blob as
 * stored (digest), sniff and decompress it, hash the whole decompressed stream
 * (DiffID, including anything after the end-of-archive blocks), parse the tar
 * headers (tar-stream's rules, ./layerTarParser.ts) and hash each regular file. Nothing is buffered
 * beyond a chunk, except the small os-release files that are kept.
 *
 * Synchronous, chunk by chunk (LayerScanner): each chunk of the blob goes through
 * decompression, the DiffID, the tar framing and parsing and the file hashes
 * before the call returns — no stream, callback or promise per chunk, whose
 * cost in the scan threads was larger than the inflate's (bench/RESULTS.md,
 * "Import, fourth pass"). A worker feeds it message by message (scanWorker.ts);
 * scanLayer feeds it from an async source.
 */
import { KEPT_PATHS } from '../domain/keptFiles';
import * as crypto from 'node:crypto';
import { createHash, type Hash } from 'node:crypto';
import type { Header } from 'tar-stream';
import { serializeEntries } from '../domain/entryList';
import { LayerLinkCheck } from '../domain/hardLinks';
import { invalidArchive } from '../domain/errors';
import type { LayerEntry } from '../domain/layerEntry';
import { asArchiveError } from './archiveError';
import { MAGIC_BYTES, sniffCompression, type Compression } from './compression';
import { Budget, MAX_KEPT_FILE_BYTES } from './limits';
import { sha256Digest } from '../support/sha256';
import { entryListBody, entryListBodySync } from '../support/entryListBody';
import { TarFramer } from './tarFramer';
import { isRegular, toLayerEntry } from './tarEntry';
import { layerNames } from './tarWalk';
import { LayerTarParser, type TarEntrySink } from './layerTarParser';
import { toBuffer } from './peek';
import { SyncGunzip } from './syncGunzip';
import { ZstdInflater } from './zstdTransform';

export interface KeptFile { path: string; content: Buffer }

export interface LayerScan {
  /** sha256 of the blob exactly as stored. */
  digest: string;
  compressedSize: number;
  compression: Compression;
  diffId: string;
  uncompressedSize: number;
  entries: LayerEntry[];
  /** Sum of FILE sizes (docs/domain.md §3). */
  size: number;
  /** Entries except whiteout markers. */
  fileCount: number;
  entriesDigest: string;
  /** The stored form of `entries` (src/support/entryListBody.ts): made here, from the text `entriesDigest` hashes. */
  entriesBody?: Buffer;
  keptFiles: KeptFile[];
}

const EMPTY = Buffer.alloc(0);
/** crypto.hash (Node >= 20.12): one native call instead of a Hash object and three calls. */
const oneShot = (crypto as unknown as { hash?: (algorithm: string, data: Uint8Array, encoding: 'hex') => string }).hash;
const sha256HexOf = (b: Buffer): string => (oneShot ? oneShot('sha256', b, 'hex') : createHash('sha256').update(b).digest('hex'));

/**
 * One layer blob scanned as its bytes come: `write` each chunk in order, then
 * `end`, then `result`. A defect throws from the call that meets it (the raw
 * error: zlib's, fzstd's, the framer's, the parser's, a cap's DomainError;
 * scanLayer wraps it as INVALID_ARCHIVE); after a throw the scanner takes nothing more.
 */
export class LayerScanner {
  private readonly blobHash: Hash | null;
  private compressedSize = 0;
  private compression: Compression = 'none';
  /** The first bytes, held until there are enough to sniff the compression. */
  private head: Buffer[] | null = [];
  private headBytes = 0;
  private decompress: ((c: Buffer) => void) | null = null;
  private finishDecompress: (() => void) | null = null;
  private gunzip: SyncGunzip | null = null;
  private diffHash: Hash | null = null;
  private uncompressedSize = 0;
  private readonly framer = new TarFramer();
  private readonly parser: LayerTarParser;
  /** The decompressed stream has ended (the tar checked to its end). */
  private tarEnded = false;
  private failed = false;
  private ended = false;
  private readonly entries: LayerEntry[] = [];
  private readonly keptFiles: KeptFile[] = [];
  private size = 0;
  private fileCount = 0;
  private readonly links = new LayerLinkCheck();

  /** `hashBlob` false: the caller hashes exactly these bytes itself (StreamArchive does) and gives the digest to `result`. */
  constructor(private readonly budget: Budget, hashBlob: boolean) {
    this.blobHash = hashBlob ? createHash('sha256') : null;
    this.parser = new LayerTarParser((raw) => this.onEntry(raw));
  }

  write(chunk: Buffer): void {
    this.guard(() => {
      this.blobHash?.update(chunk);
      this.compressedSize += chunk.length;
      if (this.head) {
        this.head.push(chunk);
        this.headBytes += chunk.length;
        if (this.headBytes >= MAGIC_BYTES) this.sniff();
        return;
      }
      this.decompress!(chunk);
    });
  }

  /** The blob has ended: throws if it stopped inside a compressed stream, a header or an entry. */
  end(): void {
    this.guard(() => {
      if (this.head) this.sniff();
      this.finishDecompress!();
      this.endTar();
      this.ended = true;
    });
  }

  /** The scan of an ended blob; `blobDigest` when the caller hashed it. The entry list is compressed on libuv's pool. */
  async result(blobDigest?: string): Promise<LayerScan> {
    const text = this.entryText();
    return this.scanOf(blobDigest, text, await entryListBody(text));
  }

  /**
   * The same, the entry list compressed in this thread (the same bytes): a range scan's thread
   * turns its event loop only between steps, and each of the pool's hand-backs waits for a turn
   * (bench/RESULTS.md, "Import, sixth pass").
   */
  resultNow(blobDigest?: string): LayerScan {
    const text = this.entryText();
    return this.scanOf(blobDigest, text, entryListBodySync(text));
  }

  /** One serialization for the digest and the stored body. */
  private entryText(): string {
    if (!this.ended) throw new Error('layer scan: result asked before the end');
    return serializeEntries(this.entries);
  }

  private scanOf(blobDigest: string | undefined, text: string, entriesBody: Buffer): LayerScan {
    const digest = blobDigest ?? `sha256:${this.blobHash!.digest('hex')}`;
    return {
      digest,
      compressedSize: this.compressedSize,
      compression: this.compression,
      diffId: this.diffHash ? `sha256:${this.diffHash.digest('hex')}` : digest,
      uncompressedSize: this.uncompressedSize,
      entries: this.entries,
      size: this.size,
      fileCount: this.fileCount,
      entriesDigest: sha256Digest(text),
      entriesBody,
      keptFiles: this.keptFiles.sort((a, b) => a.path.localeCompare(b.path)),
    };
  }

  /**
   * Whether a chunk given to `write` may still be referenced after the call: not once a gzip
   * blob is sniffed (zlib copies what it reads); the bytes of an uncompressed blob are parsed
   * in place, and fzstd may keep its input.
   */
  get keepsInput(): boolean { return this.head !== null || this.compression !== 'gzip'; }

  /** Frees the decompressor of a scan that will not end (idempotent). */
  close(): void {
    this.failed = true;
    this.gunzip?.close();
  }

  private guard(f: () => void): void {
    if (this.failed) throw new Error('layer scan: used after a failure');
    try {
      f();
    } catch (e) {
      this.close();
      throw e;
    }
  }

  private sniff(): void {
    const head = this.head!;
    this.head = null;
    this.compression = sniffCompression(head.length === 1 ? head[0]! : Buffer.concat(head));
    // An uncompressed blob IS the decompressed stream: its digest is already the DiffID (docs/domain.md §1).
    if (this.compression !== 'none') this.diffHash = createHash('sha256');
    const out = (c: Buffer): void => this.tar(c);
    if (this.compression === 'gzip') {
      const g = new SyncGunzip(out, () => this.endTar());
      this.gunzip = g;
      this.decompress = (c) => g.write(c);
      this.finishDecompress = () => g.end();
    } else if (this.compression === 'zstd') {
      const z = new ZstdInflater(out);
      this.decompress = (c) => z.write(c);
      this.finishDecompress = () => z.end();
    } else {
      this.decompress = out;
      this.finishDecompress = () => undefined;
    }
    for (const c of head) this.decompress(c);
  }

  /** Decompressed bytes: counted (charging the import budget), hashed (the DiffID), framed and parsed. */
  private tar(c: Buffer): void {
    this.uncompressedSize += c.length;
    this.budget.addBytes(c.length);
    this.diffHash?.update(c);
    const forward = this.framer.consume(c);
    if (forward > 0) this.parser.write(forward === c.length ? c : c.subarray(0, forward));
  }

  /** The decompressed stream has ended (at most once: gzip's may end before its input does). */
  private endTar(): void {
    if (this.tarEnded) return;
    this.tarEnded = true;
    this.framer.checkEnd();
    this.parser.end();
  }

  private onEntry(raw: Header): TarEntrySink {
    const h = layerNames(raw);
    this.budget.addEntry();
    const regular = isRegular(h);
    // Most files arrive in one piece: hashed by one call when they end (in the same call: a data
    // chunk is valid during the call only), a hash object only for the others.
    const whole = h.size ?? 0;
    let first: Buffer | null = null;
    let fileHash: Hash | null = null;
    const keep: Buffer[] = [];
    let keptBytes = 0;
    let keepIt = false;
    // Validate the name before reading data: a bad name fails fast.
    const probe = toLayerEntry(h, null);
    if (probe?.kind === 'FILE' && KEPT_PATHS.has(probe.path) && (h.size ?? 0) <= MAX_KEPT_FILE_BYTES) keepIt = true;
    const data = (c: Buffer): void => {
      if (!regular) { /* no content digest */ } else if (fileHash) fileHash.update(c);
      else if (c.length === whole) first = c;
      else fileHash = createHash('sha256').update(c);
      if (keepIt) { keep.push(Buffer.from(c)); keptBytes += c.length; }
    };
    const end = (): void => {
      if (!probe) return;
      const linkProblem = this.links.next(probe);
      if (linkProblem) throw invalidArchive(`layer hard link ${JSON.stringify(probe.path)} ${linkProblem}; Docker cannot extract it`);
      const fileDigest = regular ? (fileHash ? fileHash.digest('hex') : sha256HexOf(first ?? EMPTY)) : null;
      const entry = fileDigest !== null ? { ...probe, contentDigest: `sha256:${fileDigest}` } : probe;
      this.entries.push(entry);
      if (entry.kind === 'FILE') this.size += entry.size;
      if (entry.kind !== 'WHITEOUT' && entry.kind !== 'OPAQUE_WHITEOUT') this.fileCount += 1;
      // A later entry of the same path replaces the earlier (docs/domain.md §2.4).
      if (KEPT_PATHS.has(entry.path) && entry.kind !== 'WHITEOUT' && entry.kind !== 'OPAQUE_WHITEOUT') {
        const existing = this.keptFiles.findIndex((k) => k.path === entry.path);
        if (existing >= 0) this.keptFiles.splice(existing, 1);
        if (keepIt && keptBytes === (h.size ?? 0)) this.keptFiles.push({ path: entry.path, content: Buffer.concat(keep) });
      }
    };
    return { data, end };
  }
}

/**
 * Scans one layer blob; throws INVALID_ARCHIVE (with `what` as context) on any defect.
 * `blobDigest`: the caller already hashes exactly the bytes of `src` (StreamArchive
 * does), so the blob is not hashed twice; it is asked for once `src` has ended.
 */
export async function scanLayer(src: AsyncIterable<Buffer>, budget: Budget, what: string, blobDigest?: () => string): Promise<LayerScan> {
  const scanner = new LayerScanner(budget, !blobDigest);
  try {
    for await (const c of src) scanner.write(toBuffer(c));
    scanner.end();
  } catch (e) {
    scanner.close();
    throw asArchiveError(e, what);
  }
  return scanner.result(blobDigest?.());
}
