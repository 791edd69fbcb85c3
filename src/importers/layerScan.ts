/**
 * One streaming pass over a layer blob (docs/domain.md §1, §6): hash the blob as
 * stored (digest), sniff and decompress it, hash the whole decompressed stream
 * (DiffID, including anything after the end-of-archive blocks), parse the tar
 * headers (tar-stream's rules, ./layerTarParser.ts) and hash each regular file. Nothing is buffered
 * beyond a chunk, except the small os-release files that are kept.
 */
import { KEPT_PATHS } from '../domain/keptFiles';
import * as crypto from 'node:crypto';
import { createHash, type Hash } from 'node:crypto';
import { Readable, Transform, Writable, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Header } from 'tar-stream';
import { serializeEntries } from '../domain/entryList';
import { LayerLinkCheck } from '../domain/hardLinks';
import { invalidArchive } from '../domain/errors';
import type { LayerEntry } from '../domain/layerEntry';
import { asArchiveError } from './archiveError';
import { decompressor, MAGIC_BYTES, sniffCompression, type Compression } from './compression';
import { Budget, MAX_KEPT_FILE_BYTES } from './limits';
import { sha256Digest } from '../support/sha256';
import { entryListBody } from '../support/entryListBody';
import { TarFramer } from './tarFramer';
import { isRegular, toLayerEntry } from './tarEntry';
import { layerNames } from './tarWalk';
import { LayerTarParser, type TarEntrySink } from './layerTarParser';
import { peek } from './peek';

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
 * Counts the decompressed stream, charging the import budget, and hashes it
 * (the DiffID) unless `hash` is null: an uncompressed blob IS the decompressed
 * stream, so its digest is already the DiffID (docs/domain.md §1).
 */
class DiffTap extends Transform {
  bytes = 0;
  constructor(private readonly budget: Budget, readonly hash: ReturnType<typeof createHash> | null) { super(); }
  override _transform(chunk: Buffer, _e: BufferEncoding, cb: TransformCallback): void {
    try {
      this.bytes += chunk.length;
      this.budget.addBytes(chunk.length);
      this.hash?.update(chunk);
      cb(null, chunk);
    } catch (e) {
      cb(e as Error);
    }
  }
}

async function* hashing(src: AsyncIterable<Buffer>, onChunk: (c: Buffer) => void): AsyncGenerator<Buffer> {
  for await (const c of src) {
    onChunk(c);
    yield c;
  }
}

/**
 * Scans one layer blob; throws INVALID_ARCHIVE (with `what` as context) on any defect.
 * `blobDigest`: the caller already hashes exactly the bytes of `src` (StreamArchive
 * does), so the blob is not hashed twice; it is asked for once `src` has ended.
 */
export async function scanLayer(src: AsyncIterable<Buffer>, budget: Budget, what: string, blobDigest?: () => string): Promise<LayerScan> {
  const blobHash = blobDigest ? null : createHash('sha256');
  let compressedSize = 0;
  let compression: Compression = 'none';
  const entries: LayerEntry[] = [];
  const keptFiles: KeptFile[] = [];
  let size = 0;
  let fileCount = 0;
  const links = new LayerLinkCheck();

  const onEntry = (raw: Header): TarEntrySink => {
    const h = layerNames(raw);
    budget.addEntry();
    const regular = isRegular(h);
    // Most files arrive in one piece: hashed by one call when they end, a hash object only for the others.
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
      else if (first === null) first = c;
      else { fileHash = createHash('sha256').update(first).update(c); first = null; }
      if (keepIt) { keep.push(c); keptBytes += c.length; }
    };
    const end = (): void => {
      if (!probe) return;
      const linkProblem = links.next(probe);
      if (linkProblem) throw invalidArchive(`layer hard link ${JSON.stringify(probe.path)} ${linkProblem}; Docker cannot extract it`);
      const fileDigest = regular ? (fileHash ? fileHash.digest('hex') : sha256HexOf(first ?? EMPTY)) : null;
      const entry = fileDigest !== null ? { ...probe, contentDigest: `sha256:${fileDigest}` } : probe;
      entries.push(entry);
      if (entry.kind === 'FILE') size += entry.size;
      if (entry.kind !== 'WHITEOUT' && entry.kind !== 'OPAQUE_WHITEOUT') fileCount += 1;
      // A later entry of the same path replaces the earlier (docs/domain.md §2.4).
      if (KEPT_PATHS.has(entry.path) && entry.kind !== 'WHITEOUT' && entry.kind !== 'OPAQUE_WHITEOUT') {
        const existing = keptFiles.findIndex((k) => k.path === entry.path);
        if (existing >= 0) keptFiles.splice(existing, 1);
        if (keepIt && keptBytes === (h.size ?? 0)) keptFiles.push({ path: entry.path, content: Buffer.concat(keep) });
      }
    };
    return { data, end };
  };
  // Entries are parsed and hashed in the chunks as they come, synchronously (src/importers/layerTarParser.ts);
  // a Writable, so a defect is the pipeline's error (not the abort that a throwing async stage causes upstream).
  const parser = new LayerTarParser(onEntry);
  const parse = new Writable({
    write(chunk: Buffer, _e, cb) {
      try { parser.write(chunk); cb(); } catch (e) { cb(e as Error); }
    },
    final(cb) {
      try { parser.end(); cb(); } catch (e) { cb(e as Error); }
    },
  });

  let tap: DiffTap | null = null;
  const framer = new TarFramer();
  try {
    const { head, all } = await peek(src, MAGIC_BYTES);
    compression = sniffCompression(head);
    tap = new DiffTap(budget, compression === 'none' ? null : createHash('sha256'));
    const blob = Readable.from(hashing(all, (c) => { blobHash?.update(c); compressedSize += c.length; }));
    await pipeline(blob, decompressor(compression), tap, framer, parse);
  } catch (e) {
    throw asArchiveError(e, what);
  }
  const digest = blobDigest ? blobDigest() : `sha256:${blobHash!.digest('hex')}`;
  // One serialization for the digest and the stored body (compressed on libuv's pool).
  const text = serializeEntries(entries);
  const entriesBody = await entryListBody(text);
  return {
    digest,
    compressedSize,
    compression,
    diffId: tap.hash ? `sha256:${tap.hash.digest('hex')}` : digest,
    uncompressedSize: tap.bytes,
    entries,
    size,
    fileCount,
    entriesDigest: sha256Digest(text),
    entriesBody,
    keptFiles: keptFiles.sort((a, b) => a.path.localeCompare(b.path)),
  };
}
