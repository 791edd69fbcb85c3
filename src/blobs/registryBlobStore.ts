/**
 * A blob store kept in a registry repository (`STRATA_BLOBS=docker://HOST/REPO`,
 * docs/adr/0009-registry-blob-store.md): the distributed store the ecosystem
 * already runs, so several Strata instances on one PostgreSQL database share
 * blobs without a shared disk.
 *
 * Blobs are uploaded as they are (monolithic or chunked, deduplicated by a
 * HEAD first); every byte read is hashed and a mismatch is a BlobDamagedError.
 * A registry has no API that lists blobs, and its own garbage collector
 * deletes blobs no manifest references. So each ingest session, when it
 * closes, PUTs an *inventory*: an OCI manifest whose layers are the blobs the
 * session wrote or relied on, tagged `strata-blobs-<ms>-<random>`. The
 * inventories are the store's listing and keep its blobs referenced. Tags are
 * only ever added by sessions, so concurrent instances never overwrite each
 * other's inventory; gc writes one consolidated inventory of what it keeps
 * and then deletes the inventories it read (never one written after it
 * began). Bytes it no longer references are freed by the registry's own
 * garbage collection (`registry garbage-collect`), not by Strata.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { DomainError } from '../domain/errors';
import type { RegistryClient } from '../registry/client';
import {
  BlobDamagedError, digestHex, writeThrough, type BlobInfo, type BlobStore, type BlobWriter, type Expected, type IngestSession,
} from './blobStore';
import { sha256Digest } from '../support/sha256';

export const INVENTORY_PREFIX = 'strata-blobs-';
export const INVENTORY_ARTIFACT = 'application/vnd.strata.blob-inventory.v1+json';
const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const EMPTY_CONFIG = { mediaType: 'application/vnd.oci.empty.v1+json', bytes: Buffer.from('{}') };
/** Descriptors per inventory manifest: ~130 bytes each keeps a manifest far below the 4 MiB registries accept. */
const PER_INVENTORY = 5000;
const INVENTORY_TAG = /^strata-blobs-(\d{13})-[0-9a-f]{12}$/;

interface Inventory { tag: string; digest: string; createdMs: number; blobs: BlobInfo[] }

export class RegistryBlobStore implements BlobStore {
  constructor(readonly location: string, private readonly client: RegistryClient, private readonly repo: string) {}

  async stat(digest: string): Promise<number | null> {
    digestHex(digest);
    return this.client.statBlob(this.repo, digest);
  }

  read(digest: string): Readable {
    const out = new PassThrough({ highWaterMark: 1 << 20 });
    this.verifiedStream(digest).then(
      (src) => { src.on('error', (e) => out.destroy(e)); src.pipe(out); },
      (e: unknown) => out.destroy(e as Error),
    );
    return out;
  }

  /** GET of the blob, hashed as it flows; a stream whose bytes hash otherwise ends with BlobDamagedError. */
  private async verifiedStream(digest: string): Promise<Readable> {
    digestHex(digest);
    const res = await this.get(digest);
    const hash = createHash('sha256');
    const check = new PassThrough({ highWaterMark: 1 << 20 });
    res.on('data', (c: Buffer) => { hash.update(c); if (!check.write(c)) res.pause(); });
    check.on('drain', () => res.resume());
    res.on('error', (e) => check.destroy(e));
    res.on('end', () => {
      const actual = `sha256:${hash.digest('hex')}`;
      if (actual === digest) check.end(); else check.destroy(new BlobDamagedError(digest, actual));
    });
    return check;
  }

  private async get(digest: string) {
    const res = await this.client.request(`/v2/${this.repo}/blobs/${digest}`, { method: 'GET', follow: true },
      `repository:${this.repo}:pull`, this.repo);
    if (res.statusCode === 404) {
      res.resume();
      throw new DomainError('NOT_FOUND', `blob ${digest} is not in the blob store (${this.location})`);
    }
    if (res.statusCode !== 200) {
      res.resume();
      throw new DomainError('BAD_USER_INPUT', `the blob store ${this.location} answered ${res.statusCode} to a read of blob ${digest}`);
    }
    return res;
  }

  async head(digest: string, n: number): Promise<Buffer> {
    const res = await this.get(digest);
    const parts: Buffer[] = [];
    let got = 0;
    for await (const c of res as AsyncIterable<Buffer>) {
      parts.push(c);
      got += c.length;
      if (got >= n) break;
    }
    res.destroy();
    return Buffer.concat(parts).subarray(0, n);
  }

  async readAll(digest: string, maxBytes = 64 * 1024 * 1024): Promise<Buffer> {
    const size = await this.stat(digest);
    if (size === null) throw new DomainError('NOT_FOUND', `blob ${digest} is not in the blob store (${this.location})`);
    if (size > maxBytes) throw new DomainError('BAD_USER_INPUT', `blob ${digest} is larger than ${maxBytes} bytes`);
    const res = await this.get(digest);
    const parts: Buffer[] = [];
    let got = 0;
    for await (const c of res as AsyncIterable<Buffer>) {
      got += c.length;
      if (got > maxBytes) { res.destroy(); throw new DomainError('BAD_USER_INPUT', `blob ${digest} is larger than ${maxBytes} bytes`); }
      parts.push(c);
    }
    const bytes = Buffer.concat(parts);
    const actual = sha256Digest(bytes);
    if (actual !== digest) throw new BlobDamagedError(digest, actual);
    return bytes;
  }

  async session(): Promise<IngestSession> {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'strata-ingest-'));
    const used = new Map<string, number>();
    const writers = new Set<RegistryBlobWriter>();
    const store = this;
    let closed = false;
    const session: IngestSession = {
      async writer() {
        const w = new RegistryBlobWriter(store, path.join(dir, randomBytes(8).toString('hex')), (b) => used.set(b.digest, b.size));
        await w.open();
        writers.add(w);
        return w;
      },
      write: async (src, expected) => writeThrough(await session.writer(), src, expected),
      put: async (bytes, expected) => writeThrough(await session.writer(), [bytes], expected),
      async touch(digest) {
        const size = await store.stat(digest);
        if (size !== null) used.set(digest, size);
      },
      async close() {
        if (closed) return;
        closed = true;
        for (const w of writers) await w.abort();
        await fs.rm(dir, { recursive: true, force: true });
        if (used.size > 0) await store.writeInventories([...used].map(([digest, size]) => ({ digest, size })));
      },
    };
    return session;
  }

  /** Uploads a verified temp file as `digest` (the writer's commit). */
  async upload(file: string, info: BlobInfo): Promise<void> {
    await this.client.pushBlob(this.repo, info.digest, info.size, () => createReadStream(file, { highWaterMark: 1 << 20 }));
  }

  /** PUTs inventory manifests listing `blobs`, each under a new tag; returns their tags. */
  async writeInventories(blobs: readonly BlobInfo[]): Promise<string[]> {
    const empty = EMPTY_CONFIG.bytes;
    await this.client.pushBlob(this.repo, sha256Digest(empty), empty.length, () => Readable.from([empty]));
    const sorted = [...blobs].sort((a, b) => (a.digest < b.digest ? -1 : a.digest > b.digest ? 1 : 0));
    const tags: string[] = [];
    for (let i = 0; i < sorted.length; i += PER_INVENTORY) {
      const part = sorted.slice(i, i + PER_INVENTORY);
      const tag = `${INVENTORY_PREFIX}${String(Date.now()).padStart(13, '0')}-${randomBytes(6).toString('hex')}`;
      const manifest = {
        schemaVersion: 2, mediaType: OCI_MANIFEST, artifactType: INVENTORY_ARTIFACT,
        config: { mediaType: EMPTY_CONFIG.mediaType, digest: sha256Digest(EMPTY_CONFIG.bytes), size: EMPTY_CONFIG.bytes.length },
        layers: part.map((b) => ({ mediaType: 'application/octet-stream', digest: b.digest, size: b.size })),
      };
      await this.client.putManifest(this.repo, tag, { bytes: Buffer.from(JSON.stringify(manifest)), mediaType: OCI_MANIFEST });
      tags.push(tag);
    }
    return tags;
  }

  /** Every inventory now in the repository, oldest first. */
  async inventories(): Promise<Inventory[]> {
    let tags: string[];
    try { tags = await this.client.tags(this.repo); } catch (e) {
      if (e instanceof DomainError && e.code === 'NOT_FOUND') return [];
      throw e;
    }
    const out: Inventory[] = [];
    for (const tag of tags.filter((t) => INVENTORY_TAG.test(t)).sort()) {
      let m;
      try { m = await this.client.getManifest(this.repo, tag); } catch (e) {
        if (e instanceof DomainError && e.code === 'NOT_FOUND') continue; // deleted by a concurrent gc
        throw e;
      }
      const doc = JSON.parse(m.bytes.toString('utf8')) as { artifactType?: string; layers?: { digest?: unknown; size?: unknown }[] };
      if (doc.artifactType !== INVENTORY_ARTIFACT) continue;
      const blobs = (doc.layers ?? []).filter((l): l is BlobInfo => typeof l.digest === 'string' && typeof l.size === 'number');
      out.push({ tag, digest: m.digest, createdMs: Number(INVENTORY_TAG.exec(tag)![1]), blobs });
    }
    return out;
  }

  async *list(): AsyncIterable<BlobInfo & { mtimeMs: number }> {
    const latest = new Map<string, BlobInfo & { mtimeMs: number }>();
    for (const inv of await this.inventories()) for (const b of inv.blobs) latest.set(b.digest, { ...b, mtimeMs: inv.createdMs });
    for (const d of [...latest.keys()].sort()) yield latest.get(d)!;
  }

  async verify(digest: string): Promise<string | null> {
    let res;
    try { res = await this.get(digest); } catch (e) {
      if (e instanceof DomainError && e.code === 'NOT_FOUND') return 'missing';
      throw e;
    }
    const hash = createHash('sha256');
    for await (const c of res as AsyncIterable<Buffer>) hash.update(c);
    const actual = `sha256:${hash.digest('hex')}`;
    return actual === digest ? null : actual;
  }

  /**
   * gc: the inventories read now are replaced by one that lists only what
   * `keep` holds. A session that closes meanwhile adds its own inventory
   * (not read here, so not deleted), and a blob it relied on stays listed.
   */
  async collect(
    keepOf: () => Promise<ReadonlySet<string>>, options: { dryRun?: boolean } = {},
  ): Promise<{ removed: BlobInfo[]; leftovers: number }> {
    const read = await this.inventories();
    const keep = await keepOf();
    const all = new Map<string, BlobInfo>();
    for (const inv of read) for (const b of inv.blobs) all.set(b.digest, { digest: b.digest, size: b.size });
    const kept = [...all.values()].filter((b) => keep.has(b.digest));
    const removed = [...all.values()].filter((b) => !keep.has(b.digest)).sort((a, b) => (a.digest < b.digest ? -1 : 1));
    if (options.dryRun || (removed.length === 0 && read.length <= 1)) return { removed, leftovers: 0 };
    if (kept.length > 0) await this.writeInventories(kept);
    for (const inv of read) await this.client.deleteManifest(this.repo, inv.digest);
    return { removed, leftovers: 0 };
  }
}

class RegistryBlobWriter implements BlobWriter {
  private fh: fs.FileHandle | null = null;
  private readonly hash = createHash('sha256');
  bytes = 0;
  private done = false;

  constructor(
    private readonly store: RegistryBlobStore, private readonly temp: string, private readonly committed: (b: BlobInfo) => void,
  ) {}

  async open(): Promise<void> { this.fh = await fs.open(this.temp, 'wx'); }

  async write(chunk: Uint8Array): Promise<void> {
    if (!this.fh) throw new Error('blob writer is closed');
    this.hash.update(chunk);
    this.bytes += chunk.length;
    await this.fh.write(chunk);
  }

  private final: string | null = null;

  digest(): string {
    return this.final ?? `sha256:${this.hash.copy().digest('hex')}`;
  }

  async commit(expected: Expected = {}): Promise<BlobInfo> {
    if (!this.fh) throw new Error('blob writer is closed');
    const digest = `sha256:${this.hash.digest('hex')}`;
    this.final = digest;
    const size = this.bytes;
    try {
      if (expected.size !== undefined && expected.size !== size) throw new DomainError('INVALID_ARCHIVE',
        `blob size ${size} does not match the expected ${expected.size}`);
      if (expected.digest !== undefined && expected.digest !== digest) throw new DomainError('INVALID_ARCHIVE',
        `blob digest ${digest} does not match the expected ${expected.digest}`);
      await this.fh.close();
      this.fh = null;
      await this.store.upload(this.temp, { digest, size });
      this.committed({ digest, size });
      this.done = true;
      await fs.rm(this.temp, { force: true });
      return { digest, size };
    } catch (e) {
      await this.abort();
      throw e;
    }
  }

  async abort(): Promise<void> {
    if (this.done) return;
    this.done = true;
    if (this.fh) { await this.fh.close().catch(() => undefined); this.fh = null; }
    await fs.rm(this.temp, { force: true });
  }
}
