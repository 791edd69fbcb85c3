/**
 * A registry repository seen as an image archive (importers' ArchiveFiles),
 * so a pull runs the very plan-and-verify code an OCI layout import runs
 * (platform choice, nested indexes, attestations skipped, DiffIDs checked):
 * `index.json` is one descriptor naming the manifest the reference resolved
 * to; `blobs/sha256/<hex>` are fetched from the registry — manifests and
 * indexes through /manifests/, configs and layers through /blobs/ — unless
 * the blob store has them already (reused, read from the store, verified).
 * Every fetched byte is written to the blob store in the same pass that
 * verifies and scans it.
 */
import { createHash } from 'node:crypto';
import { invalidArchive } from '../domain/errors';
import type { IngestSession, BlobStore } from '../blobs/blobStore';
import { checkBlob, type ArchiveFiles, type Expected } from '../importers/archiveFiles';
import type { LayerScan } from '../importers/layerScan';
import { scanLayerOffThread } from '../importers/scanPool';
import { MAX_JSON_BYTES, type Budget } from '../importers/limits';
import { sha256, type RegistryClient, type Manifest } from './client';

/** A layer the ledger knows by its blob digest: no need to fetch or scan it again when its blob is stored. */
export interface KnownLayer { diffId: string; size: number; fileCount: number; entriesDigest: string; compressedSize: number | null }

export class RegistryArchive implements ArchiveFiles {
  readonly kind = 'directory' as const;
  /** digest → bytes, for blobs fetched from the registry and blobs reused from the store. */
  readonly fetched = new Map<string, number>();
  readonly reused = new Map<string, number>();
  private readonly scans = new Map<string, Promise<LayerScan>>();

  constructor(
    private readonly client: RegistryClient, private readonly repo: string, private readonly top: Manifest,
    private readonly store: BlobStore, private readonly session: IngestSession | null, private readonly budget: Budget,
    private readonly known: (digest: string) => KnownLayer | undefined = () => undefined,
  ) {}

  private static digestOf(path: string): string {
    const m = /^blobs\/sha256\/([0-9a-f]{64})$/.exec(path);
    if (!m) throw invalidArchive(`"${path}" is not a blob of a registry`);
    return `sha256:${m[1]}`;
  }

  async has(path: string): Promise<boolean> { return path === 'index.json'; }

  async sampleNames(): Promise<string[]> { return ['index.json']; }

  private async stored(digest: string, expect?: Expected): Promise<boolean> {
    if (!this.session) return false;
    const size = await this.store.stat(digest);
    return size !== null && (expect?.size === undefined || expect.size === size);
  }

  async readJson(path: string, what: string, expect?: Expected): Promise<Buffer> {
    if (path === 'index.json') {
      const top = { mediaType: this.top.mediaType, digest: this.top.digest, size: this.top.bytes.length };
      const index = { schemaVersion: 2, manifests: [top] };
      return Buffer.from(JSON.stringify(index));
    }
    const digest = RegistryArchive.digestOf(path);
    if (expect?.size !== undefined && expect.size > MAX_JSON_BYTES) {
      throw invalidArchive(`${what} is larger than the ${MAX_JSON_BYTES}-byte limit for JSON documents`);
    }
    let bytes: Buffer;
    if (digest === this.top.digest) {
      bytes = this.top.bytes;
      this.fetched.set(digest, bytes.length);
    } else if (await this.stored(digest, expect)) {
      bytes = await this.store.readAll(digest, MAX_JSON_BYTES);
      this.reused.set(digest, bytes.length);
    } else if (what.endsWith(' config')) {
      // Image configs are blobs; manifests and indexes come from /manifests/ (importers/assemble.ts names them "… config").
      const parts: Buffer[] = [];
      for await (const c of await this.client.getBlob(this.repo, digest, expect?.size)) parts.push(c as Buffer);
      bytes = Buffer.concat(parts);
      this.fetched.set(digest, bytes.length);
    } else {
      bytes = (await this.client.getManifest(this.repo, digest)).bytes;
      this.fetched.set(digest, bytes.length);
    }
    checkBlob(what, { size: bytes.length, digest: sha256(bytes) }, expect);
    await this.session?.put(bytes, { digest });
    return bytes;
  }

  async layer(path: string, what: string, expect?: Expected): Promise<LayerScan> {
    const digest = RegistryArchive.digestOf(path);
    let p = this.scans.get(digest);
    if (!p) {
      p = this.scan(digest, what, expect);
      this.scans.set(digest, p);
    }
    const scan = await p;
    checkBlob(what, { size: scan.compressedSize, digest: scan.digest }, expect);
    return scan;
  }

  private async scan(digest: string, what: string, expect?: Expected): Promise<LayerScan> {
    if (await this.stored(digest, expect)) {
      const size = (await this.store.stat(digest))!;
      this.reused.set(digest, size);
      await this.session!.touch(digest);
      const k = this.known(digest);
      if (k) {
        // Known layer, blob kept: recordImport skips known DiffIDs, so its entries are not needed again.
        return { digest, compressedSize: size, compression: 'none', diffId: k.diffId, uncompressedSize: 0, entries: [],
          size: k.size, fileCount: k.fileCount, entriesDigest: k.entriesDigest, keptFiles: [] };
      }
      return scanLayerOffThread(this.store.read(digest) as AsyncIterable<Buffer>, this.budget, what);
    }
    const src = await this.client.getBlob(this.repo, digest, expect?.size);
    // The stream's own check (digest and size at its end) is the error to report, not the parse error it causes.
    let failure: Error | null = null;
    src.on('error', (e: Error) => { failure ??= e; });
    const keep = this.session ? await this.session.writer() : null;
    // The client's stream checks the digest as it ends; the blob writer hashes what it
    // writes (its commit checks the digest too), so that hash is the one kept: without a
    // blob store one hash is taken here. The scan (in a worker) does not hash the blob again.
    const hash = keep ? null : createHash('sha256');
    let n = 0;
    const take = async (c: Buffer) => { n += c.length; hash?.update(c); await keep?.write(c); };
    const digestOf = (): string => (keep ? keep.digest() : `sha256:${hash!.copy().digest('hex')}`);
    async function* tee(): AsyncGenerator<Buffer> {
      for await (const c of src as AsyncIterable<Buffer>) { await take(c); yield c; }
    }
    try {
      const scan = await scanLayerOffThread(tee(), this.budget, what, digestOf);
      // The scan may stop at the tar's end: read the rest, so every byte is hashed.
      if (!src.destroyed) for await (const c of src as AsyncIterable<Buffer>) await take(c);
      if (failure) throw failure;
      checkBlob(what, { size: n, digest: digestOf() }, { digest, size: expect?.size });
      if (keep) await keep.commit({ digest });
      this.fetched.set(digest, n);
      return { ...scan, digest, compressedSize: n };
    } catch (e) {
      src.destroy();
      throw failure ?? e;
    } finally {
      await keep?.abort();
    }
  }
}

