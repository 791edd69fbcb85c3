/**
 * The embedded blob store: a directory laid out as an OCI image layout
 * (image-spec image-layout.md: `oci-layout`, `index.json`, `blobs/sha256/<hex>`),
 * so skopeo and umoci can read it. Writing:
 *
 *   .ingest/<session>/<random>  --write, hash, fsync-->  rename to blobs/sha256/<hex>
 *
 * The temp file lives on the same filesystem, so the rename is atomic: a
 * blob path either does not exist or holds the complete, verified bytes. A
 * blob that exists already is not rewritten (dedup); its mtime is refreshed
 * instead, which is what gc's "in use by a live session" rule looks at.
 *
 * Sessions (one per import or commit) are directories under `.ingest/` with a
 * `lease` file naming host, pid and start time, refreshed every 30 s. gc
 * treats a session as live when its process is alive (same host) or its lease
 * is fresh (another host sharing the directory), and keeps every blob touched
 * since the oldest live session started. A session left by a killed process
 * is dead: gc removes its temp files.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, promises as fs } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import { Readable, Transform, type TransformCallback } from 'node:stream';
import { DomainError } from '../domain/errors';
import {
  BlobDamagedError, blobStoreWriteError, digestHex, writeThrough, OCI_LAYOUT_VERSION,
  type BlobCopyTarget, type BlobInfo, type BlobStore, type BlobWriter, type Expected, type IngestSession,
} from './blobStore';
import { sha256Digest } from '../support/sha256';

const LEASE_REFRESH_MS = 30_000;
/** A lease from another host not refreshed for this long is dead. */
const LEASE_TTL_MS = 5 * 60_000;
const READ_CHUNK = 1 << 20;
const WRITE_BATCH = 1 << 20;

interface Lease { host: string; pid: number; started: number }

function pidAlive(pid: number): boolean {
  try { process.kill(pid, 0); return true; } catch (e) { return (e as NodeJS.ErrnoException).code === 'EPERM'; }
}

export class FsBlobStore implements BlobStore {
  private ready: Promise<void> | null = null;

  constructor(readonly location: string) {}

  private blobPath(digest: string): string {
    return path.join(this.location, 'blobs', 'sha256', digestHex(digest));
  }

  private get ingestDir(): string { return path.join(this.location, '.ingest'); }

  /** Creates the layout on first write (reads of a missing store just find nothing). */
  private init(): Promise<void> {
    this.ready ??= (async () => {
      await fs.mkdir(path.join(this.location, 'blobs', 'sha256'), { recursive: true });
      await fs.mkdir(this.ingestDir, { recursive: true });
      await writeIfAbsent(path.join(this.location, 'oci-layout'), `${JSON.stringify({ imageLayoutVersion: OCI_LAYOUT_VERSION })}\n`);
      await writeIfAbsent(path.join(this.location, 'index.json'),
        `${JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: [] })}\n`);
    })();
    return this.ready;
  }

  async stat(digest: string): Promise<number | null> {
    try {
      const st = await fs.stat(this.blobPath(digest));
      return st.isFile() ? st.size : null;
    } catch {
      return null;
    }
  }

  read(digest: string): Readable {
    const file = this.blobPath(digest);
    const src = createReadStream(file, { highWaterMark: READ_CHUNK });
    const hash = createHash('sha256');
    const check = new Transform({
      transform(chunk: Buffer, _e, cb: TransformCallback) { hash.update(chunk); cb(null, chunk); },
      flush(cb: TransformCallback) {
        const actual = `sha256:${hash.digest('hex')}`;
        cb(actual === digest ? null : new BlobDamagedError(digest, actual));
      },
    });
    src.on('error', (e: NodeJS.ErrnoException) => {
      check.destroy(e.code === 'ENOENT' ? new DomainError('NOT_FOUND', `blob ${digest} is not in the blob store (${this.location})`) : e);
    });
    return src.pipe(check);
  }

  async head(digest: string, n: number): Promise<Buffer> {
    const fh = await fs.open(this.blobPath(digest), 'r');
    try {
      const buf = Buffer.alloc(n);
      const { bytesRead } = await fh.read(buf, 0, n, 0);
      return buf.subarray(0, bytesRead);
    } finally {
      await fh.close();
    }
  }

  async readAll(digest: string, maxBytes = 64 * 1024 * 1024): Promise<Buffer> {
    let bytes: Buffer;
    try {
      const size = await this.stat(digest);
      if (size !== null && size > maxBytes) throw new DomainError('BAD_USER_INPUT', `blob ${digest} is larger than ${maxBytes} bytes`);
      bytes = await fs.readFile(this.blobPath(digest));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new DomainError('NOT_FOUND',
        `blob ${digest} is not in the blob store (${this.location})`);
      throw e;
    }
    const actual = sha256Digest(bytes);
    if (actual !== digest) throw new BlobDamagedError(digest, actual);
    return bytes;
  }

  /**
   * The session's directory and lease are made when it first writes or touches a
   * blob: gc's rule protects blobs written or touched since a live session
   * started, so a session that has done neither protects nothing yet (a commit
   * whose contents are all unknown, or all found by `stat` alone, costs no
   * directory). Once started, it is exactly the session described above.
   */
  async session(): Promise<IngestSession> {
    await this.init();
    const store = this;
    const writers = new Set<FsBlobWriter | FsBlobCopy>();
    let started: Promise<{ dir: string; timer: NodeJS.Timeout }> | null = null;
    const start = () => started ??= (async () => {
      const dir = path.join(this.ingestDir, `${hostname()}-${process.pid}-${randomBytes(6).toString('hex')}`);
      await fs.mkdir(dir, { recursive: true });
      const leaseFile = path.join(dir, 'lease');
      const lease: Lease = { host: hostname(), pid: process.pid, started: Date.now() };
      await fs.writeFile(leaseFile, JSON.stringify(lease));
      const timer = setInterval(() => { const t = new Date(); fs.utimes(leaseFile, t, t).catch(() => undefined); }, LEASE_REFRESH_MS);
      timer.unref();
      return { dir, timer };
    })();
    const session: IngestSession = {
      async writer() {
        const { dir } = await start();
        const w = new FsBlobWriter(store, path.join(dir, randomBytes(8).toString('hex')));
        await w.open();
        writers.add(w);
        return w;
      },
      async copyTarget() {
        const { dir } = await start();
        const c = new FsBlobCopy(store, path.join(dir, randomBytes(8).toString('hex')));
        writers.add(c);
        return c;
      },
      write: async (src, expected) => writeThrough(await session.writer(), src, expected),
      put: async (bytes, expected) => writeThrough(await session.writer(), [bytes], expected),
      async touch(digest) {
        await start();
        const t = new Date();
        await fs.utimes(store.blobPath(digest), t, t).catch(() => undefined);
      },
      async close() {
        const s = await started?.catch(() => null); // a start that failed made nothing (its writer or touch threw)
        if (!s) return;
        const { dir, timer } = s;
        clearInterval(timer);
        for (const w of writers) await w.abort();
        // Every writer has published or removed its temp file: the lease is all that is left (else remove whatever is).
        try {
          await fs.unlink(path.join(dir, 'lease'));
          await fs.rmdir(dir);
        } catch {
          await fs.rm(dir, { recursive: true, force: true });
        }
      },
    };
    return session;
  }

  /** Publishes a verified temp file as `digest` (called by the writer). */
  async publish(temp: string, digest: string): Promise<void> {
    const final = this.blobPath(digest);
    try {
      await fs.access(final);
      // Dedup: keep the copy we have, mark it as just used.
      await fs.rm(temp, { force: true });
      const t = new Date();
      await fs.utimes(final, t, t);
      return;
    } catch { /* absent: publish ours */ }
    await fs.rename(temp, final);
    await fsyncDir(path.dirname(final));
  }

  async publishIndex(manifests: readonly { mediaType: string; digest: string; size: number; refName: string }[]): Promise<void> {
    await this.init();
    const index = {
      schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json',
      manifests: manifests.map((m) => ({
        mediaType: m.mediaType, digest: m.digest, size: m.size, annotations: { 'org.opencontainers.image.ref.name': m.refName },
      })),
    };
    const file = path.join(this.location, 'index.json');
    const tmp = `${file}.${randomBytes(4).toString('hex')}.tmp`;
    await fs.writeFile(tmp, `${JSON.stringify(index)}\n`);
    await fs.rename(tmp, file);
  }

  async *list(): AsyncIterable<BlobInfo & { mtimeMs: number }> {
    const dir = path.join(this.location, 'blobs', 'sha256');
    let names: string[];
    try { names = await fs.readdir(dir); } catch { return; }
    for (const name of names.sort()) {
      if (!/^[0-9a-f]{64}$/.test(name)) continue;
      try {
        const st = await fs.stat(path.join(dir, name));
        if (st.isFile()) yield { digest: `sha256:${name}`, size: st.size, mtimeMs: st.mtimeMs };
      } catch { /* removed meanwhile */ }
    }
  }

  async verify(digest: string): Promise<string | null> {
    const hash = createHash('sha256');
    try {
      for await (const c of createReadStream(this.blobPath(digest), { highWaterMark: READ_CHUNK })) hash.update(c as Buffer);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return 'missing';
      throw e;
    }
    const actual = `sha256:${hash.digest('hex')}`;
    return actual === digest ? null : actual;
  }

  /** Live sessions' start times, and removal of dead sessions' leftovers. */
  private async sessions(removeDead: boolean): Promise<{ oldestLive: number | null; leftovers: number }> {
    let names: string[];
    try { names = await fs.readdir(this.ingestDir); } catch { return { oldestLive: null, leftovers: 0 }; }
    let oldestLive: number | null = null;
    let leftovers = 0;
    for (const name of names) {
      const dir = path.join(this.ingestDir, name);
      let lease: Lease | null = null;
      let leaseAge = Infinity;
      try {
        const file = path.join(dir, 'lease');
        lease = JSON.parse(await fs.readFile(file, 'utf8')) as Lease;
        leaseAge = Date.now() - (await fs.stat(file)).mtimeMs;
      } catch { /* no lease yet or torn: judge by the directory's age */
        try { leaseAge = Date.now() - (await fs.stat(dir)).mtimeMs; } catch { continue; }
      }
      const live = lease
        ? (lease.host === hostname() ? pidAlive(lease.pid) : leaseAge < LEASE_TTL_MS)
        : leaseAge < LEASE_TTL_MS;
      if (live) {
        const started = lease?.started ?? Date.now() - leaseAge;
        oldestLive = oldestLive === null ? started : Math.min(oldestLive, started);
        continue;
      }
      leftovers += Math.max(0, (await fs.readdir(dir).catch(() => [] as string[])).filter((f) => f !== 'lease').length);
      if (removeDead) await fs.rm(dir, { recursive: true, force: true });
    }
    return { oldestLive, leftovers };
  }

  async collect(
    keepOf: () => Promise<ReadonlySet<string>>, options: { dryRun?: boolean } = {},
  ): Promise<{ removed: BlobInfo[]; leftovers: number }> {
    // Sessions first, then what the ledger references: a writer that finishes in between has appended
    // (it closes its session after its append), so the keep set has its blobs.
    const { oldestLive, leftovers } = await this.sessions(!options.dryRun);
    const keep = await keepOf();
    const removed: BlobInfo[] = [];
    for await (const b of this.list()) {
      if (keep.has(b.digest)) continue;
      // A blob written or touched since the oldest live session began may be one it is about to reference;
      // re-checked right before unlinking, as a session may have started or touched it since.
      const again = await this.sessions(false);
      const since = Math.min(oldestLive ?? Infinity, again.oldestLive ?? Infinity) - 2000;
      const st = await fs.stat(this.blobPath(b.digest)).catch(() => null);
      if (!st || st.mtimeMs >= since) continue;
      if (!options.dryRun) await fs.rm(this.blobPath(b.digest), { force: true });
      removed.push({ digest: b.digest, size: b.size });
    }
    return { removed, leftovers };
  }
}

/** A temp file another thread writes (BlobCopyTarget); published as a writer's commit publishes its own. */
class FsBlobCopy implements BlobCopyTarget {
  private done = false;

  constructor(private readonly store: FsBlobStore, readonly path: string) {}

  get location(): string { return this.store.location; }

  async publish(digest: string, size: number): Promise<BlobInfo> {
    if (this.done) throw new Error('blob copy is closed');
    try {
      const fh = await fs.open(this.path, 'r+');
      try { await fh.sync(); } finally { await fh.close(); }
      await this.store.publish(this.path, digest);
    } catch (e) {
      await this.abort();
      throw blobStoreWriteError(this.store.location, e);
    }
    this.done = true;
    return { digest, size };
  }

  async abort(): Promise<void> {
    if (this.done) return;
    this.done = true;
    await fs.rm(this.path, { force: true });
  }
}

class FsBlobWriter implements BlobWriter {
  private fh: fs.FileHandle | null = null;
  private readonly hash = createHash('sha256');
  bytes = 0;
  private done = false;

  constructor(private readonly store: FsBlobStore, private readonly temp: string) {}

  async open(): Promise<void> {
    try { this.fh = await fs.open(this.temp, 'wx'); } catch (e) { throw this.storeError(e); }
  }

  private storeError(e: unknown): Error { return blobStoreWriteError(this.store.location, e); }

  /** Chunks are gathered into ~1 MiB writes: one syscall per tar-stream chunk costs more than the copy. */
  private pending: Uint8Array[] = [];
  private pendingBytes = 0;

  async write(chunk: Uint8Array): Promise<void> {
    if (!this.fh) throw new Error('blob writer is closed');
    this.hash.update(chunk);
    this.bytes += chunk.length;
    this.pending.push(chunk);
    this.pendingBytes += chunk.length;
    if (this.pendingBytes >= WRITE_BATCH) await this.flush().catch((e: unknown) => { throw this.storeError(e); });
  }

  private async flush(): Promise<void> {
    if (!this.fh || this.pendingBytes === 0) return;
    const parts = this.pending;
    this.pending = [];
    this.pendingBytes = 0;
    const total = parts.reduce((n, p) => n + p.length, 0);
    let { bytesWritten } = await this.fh.writev(parts);
    if (bytesWritten < total) {
      const rest = Buffer.concat(parts).subarray(bytesWritten);
      for (let off = 0; off < rest.length; off += bytesWritten) ({ bytesWritten } = await this.fh.write(rest, off, rest.length - off));
    }
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
      try {
        await this.flush();
        await this.fh.sync();
        await this.fh.close();
        this.fh = null;
        await this.store.publish(this.temp, digest);
      } catch (e) {
        throw this.storeError(e);
      }
      this.done = true;
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

async function writeIfAbsent(file: string, text: string): Promise<void> {
  try { await fs.writeFile(file, text, { flag: 'wx' }); } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
  }
}

async function fsyncDir(dir: string): Promise<void> {
  const fh = await fs.open(dir, 'r').catch(() => null);
  if (!fh) return;
  try { await fh.sync(); } catch { /* some filesystems refuse directory fsync */ } finally { await fh.close(); }
}
