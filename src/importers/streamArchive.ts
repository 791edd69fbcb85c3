/**
 * An image archive read as ONE streaming pass over a tar (docs/domain.md §6; a tar
 * or stdin cannot seek). Blobs arrive in any order, often before manifest.json
 * or index.json, so every file is handled as it passes:
 *  - JSON-looking files (first non-blank byte `{` or `[`, at most 20 MiB) are
 *    kept in memory with their digest (manifests, indexes, configs);
 *  - everything else is scanned speculatively as a layer (digest, DiffID,
 *    entries); a failed scan is remembered and only raised if a manifest
 *    later names that file as a layer.
 * Links between archive entries (docker save's repeated layers) are followed.
 */
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { posix } from 'node:path';
import { DomainError, invalidArchive } from '../domain/errors';
import { asArchiveError } from './archiveError';
import { archivePath, checkBlob, type ArchiveFiles, type Expected } from './archiveFiles';
import { scanLayer, type LayerScan } from './layerScan';
import { peek } from './peek';
import { Budget, MAX_BUFFERED_JSON_BYTES, MAX_JSON_BYTES } from './limits';
import { walkTar, type EntryData } from './tarWalk';
import type { IngestSession } from '../blobs/blobStore';
import { sha256Digest } from '../support/sha256';

type Rec =
  | { type: 'link'; target: string }
  | { type: 'dir' }
  | { type: 'json'; size: number; digest: string; bytes: Buffer }
  | { type: 'blob'; size: number; digest: string | null; scan: LayerScan | null; error: DomainError | null; jsonTooLarge: boolean };

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

  private constructor(private readonly budget: Budget, private readonly blobs?: IngestSession) {}

  /** Reads the whole tar once; throws INVALID_ARCHIVE if it is not a readable tar. */
  static async collect(src: AsyncIterable<Buffer> | Readable, budget: Budget, blobs?: IngestSession): Promise<StreamArchive> {
    const a = new StreamArchive(budget, blobs);
    try {
      await walkTar(src, (h, data) => a.onEntry(h.name, String(h.type), h.linkname as string | null, h.size, data));
    } catch (e) {
      throw asArchiveError(e, 'cannot read the archive as a tar');
    }
    return a;
  }

  private async onEntry(rawName: string, type: string, linkname: string | null, size: number, data: EntryData): Promise<void> {
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

    // Every byte of the entry passes through this one iterator, so the blob
    // digest is known even when the speculative layer scan fails half-way.
    // The same pass keeps the file in the blob store as distributed (when one is given).
    const blobHash = createHash('sha256');
    let blobBytes = 0;
    const keep = this.blobs ? await this.blobs.writer() : null;
    const base = data[Symbol.asyncIterator]();
    const it: AsyncIterator<Buffer> = {
      next: async () => {
        const r = await base.next();
        if (!r.done) { blobHash.update(r.value); blobBytes += r.value.length; await keep?.write(r.value); }
        return r;
      },
      return: async () => ({ done: true, value: undefined }),
    };
    try {
      await this.readEntry(name, size, it, blobHash, () => blobBytes);
      if (keep) {
        while (!(await it.next()).done) { /* the rest belongs to the blob too */ }
        await keep.commit();
      }
    } finally {
      await keep?.abort();
    }
  }

  private async readEntry(name: string, size: number, it: AsyncIterator<Buffer>, blobHash: ReturnType<typeof createHash>,
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
    try {
      const scan = await scanLayer(all, this.budget, name, () => `sha256:${blobHash.copy().digest('hex')}`);
      this.recs.set(name, { type: 'blob', size: scan.compressedSize, digest: scan.digest, scan, error: null,
        jsonTooLarge: looksLikeJson(head) });
    } catch (e) {
      if (e instanceof DomainError && e.details?.['global']) throw e;
      while (!(await it.next()).done) { /* hash the rest */ }
      const digest = `sha256:${blobHash.digest('hex')}`;
      this.recs.set(name, { type: 'blob', size: blobBytesOf(), digest, scan: null, error: asArchiveError(e, name),
        jsonTooLarge: looksLikeJson(head) });
    }
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
      p = scanLayer(Readable.from([rec.bytes]), this.budget, what);
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
