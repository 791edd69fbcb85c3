/**
 * An image archive that is a directory (an OCI image layout, docs/domain.md §6):
 * files are read directly when a manifest names them, so layers can be
 * scanned in parallel and nothing is read twice. Paths may not leave the
 * directory, also through symlinks.
 */
import { createReadStream, promises as fs } from 'node:fs';
import { join, sep } from 'node:path';
import { createHash } from 'node:crypto';
import { invalidArchive } from '../domain/errors';
import { asArchiveError } from './archiveError';
import { archivePath, checkBlob, type ArchiveFiles, type Expected } from './archiveFiles';
import type { LayerScan } from './layerScan';
import { scanLayerOffThread } from './scanPool';
import { Budget, MAX_JSON_BYTES } from './limits';
import type { IngestSession } from '../blobs/blobStore';
import { sha256Digest } from '../support/sha256';

export class DirArchive implements ArchiveFiles {
  readonly kind = 'directory' as const;
  private readonly scans = new Map<string, Promise<LayerScan>>();

  constructor(
    private readonly root: string, private readonly budget: Budget,
    private readonly onBytes: (n: number) => void = () => undefined, private readonly blobs?: IngestSession,
  ) {}

  /** Real path inside the root, or null when absent. */
  private async locate(path: string): Promise<{ real: string; size: number } | null> {
    const rel = archivePath(path);
    let real: string;
    try {
      real = await fs.realpath(join(this.root, rel));
    } catch {
      return null;
    }
    const rootReal = await fs.realpath(this.root);
    if (real !== rootReal && !real.startsWith(rootReal + sep)) throw invalidArchive(`"${path}" points outside the image directory`);
    const st = await fs.stat(real);
    return st.isFile() ? { real, size: st.size } : null;
  }

  private async must(path: string, what: string): Promise<{ real: string; size: number }> {
    const f = await this.locate(path);
    if (!f) throw invalidArchive(`${what}: "${path}" is missing from the image directory`);
    return f;
  }

  async has(path: string): Promise<boolean> {
    return (await this.locate(path)) !== null;
  }

  async readJson(path: string, what: string, expect?: Expected): Promise<Buffer> {
    const f = await this.must(path, what);
    if (expect?.size !== undefined && expect.size !== f.size) checkBlob(what, { size: f.size, digest: '' }, expect);
    if (f.size > MAX_JSON_BYTES) throw invalidArchive(`${what} is larger than the ${MAX_JSON_BYTES}-byte limit for JSON documents`);
    const bytes = await fs.readFile(f.real);
    this.onBytes(bytes.length);
    checkBlob(what, { size: bytes.length, digest: sha256Digest(bytes) }, expect);
    await this.blobs?.put(bytes);
    return bytes;
  }

  async layer(path: string, what: string, expect?: Expected): Promise<LayerScan> {
    const f = await this.must(path, what);
    // Size before hashing (docs/domain.md §6).
    if (expect?.size !== undefined && expect.size !== f.size) checkBlob(what, { size: f.size, digest: '' }, expect);
    let p = this.scans.get(f.real);
    if (!p) {
      p = (async () => {
        const onBytes = this.onBytes;
        // The same pass keeps the blob as distributed (when a blob store is given).
        const keep = this.blobs ? await this.blobs.writer() : null;
        async function* counted(): AsyncGenerator<Buffer> {
          for await (const c of createReadStream(f.real)) {
            onBytes((c as Buffer).length);
            await keep?.write(c as Buffer);
            yield c as Buffer;
          }
        }
        try {
          // The writer hashes what it writes: that is the blob's digest, not hashed twice.
          const scan = await scanLayerOffThread(counted(), this.budget, what, keep ? () => keep.digest() : undefined);
          if (keep) {
            if (keep.bytes !== scan.compressedSize) throw invalidArchive(`${what}: "${path}" changed while it was read`);
            await keep.commit({ digest: scan.digest });
          }
          return scan;
        } catch (e) {
          // A tampered blob is reported as such, not as the parse error it causes.
          if (expect?.digest) {
            const h = createHash('sha256');
            for await (const c of createReadStream(f.real)) h.update(c as Buffer);
            checkBlob(what, { size: f.size, digest: `sha256:${h.digest('hex')}` }, expect);
          }
          throw asArchiveError(e, what);
        } finally {
          await keep?.abort();
        }
      })();
      this.scans.set(f.real, p);
    }
    const scan = await p;
    checkBlob(what, { size: scan.compressedSize, digest: scan.digest }, expect);
    return scan;
  }

  async sampleNames(): Promise<string[]> {
    return (await fs.readdir(this.root)).sort().slice(0, 5);
  }
}
